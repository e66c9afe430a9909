// The gallery's lightbox: a modal <dialog> (the page behind it is inert) showing the
// preview_1024 derivative of one image, with a link to the original and to its detail page.
// Left/Right move between the images of the page, Escape closes, Tab stays inside, and focus
// returns to the card of the image last shown.

import { useEffect, useRef } from 'preact/hooks';
import type { PublicAsset } from '../api/types';
import { publicImageSources } from '../lib/processing';
import { formatNumber, t } from '../i18n';
import { Link } from '../ui/Link';
import { dims } from './Assets';

export interface LightboxProps {
  items: PublicAsset[];
  index: number;
  onIndex: (index: number) => void;
  onClose: () => void;
  titleOf: (a: PublicAsset) => string;
}

const FOCUSABLE = 'a[href], button:not([disabled]), [tabindex]:not([tabindex="-1"])';

export function Lightbox({ items, index, onIndex, onClose, titleOf }: LightboxProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const a = items[index];
  const state = useRef({ index, count: items.length, onIndex, onClose, id: a.id });
  state.current = { index, count: items.length, onIndex, onClose, id: a.id };

  useEffect(() => {
    const dlg = ref.current;
    if (!dlg) return;
    if (!dlg.open) {
      try {
        dlg.showModal();
      } catch {
        dlg.setAttribute('open', '');
      }
    }
    dlg.querySelector<HTMLElement>('[data-testid=lightbox-close]')?.focus();
    const onCancel = (e: Event) => {
      e.preventDefault();
      state.current.onClose();
    };
    const onKey = (e: KeyboardEvent) => {
      const s = state.current;
      if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
        // Arrows inside a text field would be the field's; there is none here.
        const next = s.index + (e.key === 'ArrowRight' ? 1 : -1);
        e.preventDefault();
        if (next >= 0 && next < s.count) s.onIndex(next);
        return;
      }
      if (e.key === 'Tab') {
        // Keep Tab inside the dialog (the page behind is inert, but the browser's own UI is not).
        const nodes = Array.from(dlg.querySelectorAll<HTMLElement>(FOCUSABLE)).filter((n) => !n.hasAttribute('disabled'));
        if (!nodes.length) return;
        const first = nodes[0];
        const last = nodes[nodes.length - 1];
        if (e.shiftKey && document.activeElement === first) {
          e.preventDefault();
          last.focus();
        } else if (!e.shiftKey && document.activeElement === last) {
          e.preventDefault();
          first.focus();
        }
      }
    };
    dlg.addEventListener('cancel', onCancel);
    dlg.addEventListener('keydown', onKey);
    return () => {
      dlg.removeEventListener('cancel', onCancel);
      dlg.removeEventListener('keydown', onKey);
      if (dlg.open) dlg.close();
      // Back to the card of the image last shown (the page may have re-rendered meanwhile).
      document.querySelector<HTMLElement>(`[data-testid="gallery-card-${state.current.id}"] a`)?.focus();
    };
  }, []);

  // Load the neighbours' previews ahead (as images: img-src allows any storage origin), so that
  // arrowing through is instant.
  useEffect(() => {
    for (const n of [items[index - 1], items[index + 1]]) {
      const src = n && publicImageSources(n, 'large')?.src;
      if (src) new Image().src = src;
    }
  }, [index, items]);

  const title = titleOf(a);
  const img = publicImageSources(a, 'large');
  const alt = a.altText || a.description || title;
  const atStart = index <= 0;
  const atEnd = index >= items.length - 1;

  return (
    <dialog
      ref={ref}
      class="lightbox"
      aria-labelledby="lightbox-title"
      aria-describedby="lightbox-position"
      data-testid="lightbox"
      data-asset-id={a.id}
      data-index={index}
      onClick={(e) => {
        if (e.target === ref.current) onClose();
      }}
    >
      <div class="lightbox-panel">
        <header class="lightbox-header">
          <h2 id="lightbox-title" class="break">
            {title}
          </h2>
          <span id="lightbox-position" class="muted small" aria-live="polite" data-testid="lightbox-position">
            {t('lightbox.position', { index: formatNumber(index + 1), count: formatNumber(items.length) })}
          </span>
          <button type="button" class="icon-btn" onClick={onClose} aria-label={t('lightbox.close')} data-testid="lightbox-close">
            ×
          </button>
        </header>
        <div class="lightbox-stage">
          <button type="button" class="lightbox-nav prev" onClick={() => onIndex(index - 1)} disabled={atStart} aria-label={t('lightbox.prev')} data-testid="lightbox-prev">
            <span aria-hidden="true">‹</span>
          </button>
          <figure class="lightbox-figure">
            {img ? (
              <img
                key={a.id}
                src={img.src}
                srcset={img.srcset}
                sizes={img.srcset ? '(max-width: 1100px) 100vw, 1024px' : undefined}
                alt={alt}
                decoding="async"
                width={img.width}
                height={img.height}
                data-testid="lightbox-image"
              />
            ) : (
              <span class="thumb-placeholder">{t('assets.noPreview')}</span>
            )}
            <figcaption class="muted small">
              {a.description && <span class="block">{a.description}</span>}
              {dims(a.width, a.height)}
            </figcaption>
          </figure>
          <button type="button" class="lightbox-nav next" onClick={() => onIndex(index + 1)} disabled={atEnd} aria-label={t('lightbox.next')} data-testid="lightbox-next">
            <span aria-hidden="true">›</span>
          </button>
        </div>
        <footer class="lightbox-footer">
          {a.publicUrl && (
            <a href={a.publicUrl} target="_blank" rel="noopener" class="btn" data-testid="lightbox-original">
              {t('gallery.openOriginal')}
            </a>
          )}
          <Link href={`/gallery/${a.id}`} class="btn" data-testid="lightbox-details">
            {t('lightbox.details')}
          </Link>
          <span class="muted small lightbox-keys">{t('lightbox.keys')}</span>
        </footer>
      </div>
    </dialog>
  );
}
