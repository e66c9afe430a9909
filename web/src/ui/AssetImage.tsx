// Images of assets in the console: always a derivative (thumbnail_256 / preview_1024), never the
// original. Public derivatives load from their public URL (with srcset); private ones through
// their authenticated `contentUrl` as a shared, cached object URL (lib/blobCache).

import { useEffect, useState } from 'preact/hooks';
import { API } from '../api/endpoints';
import type { Derivative, Processing } from '../api/types';
import { createBlobCache } from '../lib/blobCache';
import { gridDerivative, isProcessing, largeDerivative, publicImageSources } from '../lib/processing';
import { t, type MessageKey } from '../i18n';

const privateImages = createBlobCache({ fetch: (url) => API.derivativeContent(url) });

/** Where a derivative's bytes can be read: its public URL, else an object URL of `contentUrl`. */
export function useDerivativeUrl(d: Derivative | null | undefined): { url: string | null; error: unknown } {
  const direct = d?.publicUrl ?? null;
  const contentUrl = !direct ? (d?.contentUrl ?? null) : null;
  // The row is replaced (new object, new size/time) when the original is rewritten.
  const key = contentUrl ? `${contentUrl}|${d?.createdAtUtc ?? ''}|${d?.size ?? ''}` : null;
  const [state, setState] = useState<{ key: string | null; url: string | null; error: unknown }>({ key: null, url: null, error: null });
  useEffect(() => {
    if (!key || !contentUrl) return;
    let live = true;
    const { promise, release } = privateImages.acquire(key, contentUrl);
    promise.then(
      (url) => live && setState({ key, url, error: null }),
      (error) => live && setState({ key, url: null, error }),
    );
    return () => {
      live = false;
      release();
    };
  }, [key, contentUrl]);
  if (direct) return { url: direct, error: null };
  if (!key || state.key !== key) return { url: null, error: null };
  return { url: state.url, error: state.error };
}

type ThumbAsset = {
  derivatives?: Derivative[] | null;
  processing?: Processing | null;
  width?: number | null;
  height?: number | null;
};

export interface AssetThumbProps {
  asset: ThumbAsset;
  /** The `sizes` attribute (how wide the image is shown). */
  sizes: string;
  /** Use the large derivative (detail views). */
  large?: boolean;
  alt?: string;
  class?: string;
  lazy?: boolean;
  /** Placeholder class for small table cells. */
  small?: boolean;
}

/**
 * A derivative image, or a placeholder saying why there is none: still processing (spinner and
 * text), processing failed, or no preview. `data-thumb` = image | processing | failed | none.
 */
export function AssetThumb({ asset, sizes, large, alt = '', class: cls, lazy = true, small }: AssetThumbProps) {
  const d = large ? largeDerivative(asset) : gridDerivative(asset);
  const pub = publicImageSources(asset, large ? 'large' : 'small');
  const { url, error } = useDerivativeUrl(pub ? null : d);
  const src = pub?.src ?? url;
  if (src) {
    return (
      <img
        class={cls}
        src={src}
        srcset={pub?.srcset}
        sizes={pub?.srcset ? sizes : undefined}
        alt={alt}
        loading={lazy ? 'lazy' : undefined}
        decoding="async"
        width={(pub?.width ?? d?.width) || undefined}
        height={(pub?.height ?? d?.height) || undefined}
        data-thumb="image"
        data-kind={d?.kind}
      />
    );
  }
  const ph = `thumb-placeholder${small ? ' small' : ''}`;
  if (d && !error) {
    // A private derivative on its way.
    return (
      <span class={`${ph} is-loading`} data-thumb="loading">
        <span class="spinner" aria-hidden="true" />
        <span class="sr-only">{t('common.loading')}</span>
      </span>
    );
  }
  if (isProcessing(asset.processing)) {
    return (
      <span class={`${ph} is-processing`} data-thumb="processing">
        <span class="spinner" aria-hidden="true" />
        <span class="ph-text">{t('thumb.processing')}</span>
      </span>
    );
  }
  if (asset.processing?.state === 'failed') {
    return (
      <span class={`${ph} is-failed`} data-thumb="failed">
        <span class="ph-text">{t('thumb.failed')}</span>
      </span>
    );
  }
  return (
    <span class={ph} data-thumb="none">
      <span class="ph-text">{error ? t('thumb.loadFailed') : t('assets.noPreview')}</span>
    </span>
  );
}

/** The processing badge of a card or row: queued/running/failed (nothing when idle). */
export function ProcessingBadge({ processing }: { processing: Processing | null | undefined }) {
  if (!processing || processing.state === 'idle') return null;
  const failed = processing.state === 'failed';
  return (
    <span
      class={`badge badge-${failed ? 'failed' : 'queued'}`}
      title={failed && processing.lastError ? processing.lastError : undefined}
      data-testid="processing-badge"
      data-state={processing.state}
    >
      {t(`processing.state.${processing.state}` as MessageKey)}
    </span>
  );
}

/** Opens a derivative in a new tab: its public URL, or an object URL of its bytes. */
export async function openDerivative(d: Derivative): Promise<void> {
  if (d.publicUrl) {
    window.open(d.publicUrl, '_blank', 'noopener');
    return;
  }
  if (!d.contentUrl) return;
  const win = window.open('', '_blank');
  try {
    const blob = await API.derivativeContent(d.contentUrl);
    const objectUrl = URL.createObjectURL(blob);
    setTimeout(() => URL.revokeObjectURL(objectUrl), 60_000);
    if (win) {
      win.opener = null;
      win.location.href = objectUrl;
    }
  } catch (err) {
    win?.close();
    throw err;
  }
}
