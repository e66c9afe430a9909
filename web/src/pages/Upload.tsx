import { useState } from 'preact/hooks';
import { API, loadBootstrap } from '../api/endpoints';
import type { AssetDetail, Bootstrap, StorageOverview } from '../api/types';
import { can } from '../lib/permissions';
import { isProcessing } from '../lib/processing';
import { usePoll } from '../lib/usePoll';
import { useSession } from '../lib/session';
import { profileLabel, uploadTargets } from '../lib/storage';
import { useStore } from '../lib/store';
import { useAsync } from '../lib/useAsync';
import { addFiles, cancelUpload, clearFinished, uploadsStore, type UploadItem } from '../lib/uploads';
import { formatBytes, formatNumber, t, type MessageKey } from '../i18n';
import { TextAreaField } from '../ui/fields';
import { Link } from '../ui/Link';
import { AssetThumb, ProcessingBadge } from '../ui/AssetImage';
import { useTitle } from '../ui/useTitle';

/**
 * The uploaded asset's thumbnail: a placeholder while its processing is queued or running,
 * filled in when the thumbnail is ready (the asset is re-read with growing delays; readers
 * without assets.read keep the placeholder the upload's answer gives).
 */
function UploadResultThumb({ initial, canRead }: { initial: AssetDetail; canRead: boolean }) {
  const [asset, setAsset] = useState(initial);
  usePoll(canRead && isProcessing(asset.processing), async () => setAsset(await API.getAsset(asset.id)));
  return (
    <span class="upload-thumb" data-testid="upload-thumb" data-processing={asset.processing?.state ?? ''}>
      <AssetThumb asset={asset} sizes="4rem" alt="" small />
      <ProcessingBadge processing={asset.processing} />
    </span>
  );
}

function rejectionText(item: UploadItem): string {
  const r = item.rejection;
  if (!r) return '';
  if (r.reason === 'badType') return t('upload.badType', { type: r.type || t('upload.unknownType') });
  if (r.reason === 'tooLarge') return t('upload.tooLarge', { size: formatBytes(r.max) });
  return t('upload.emptyFile');
}

function percent(item: UploadItem): number {
  if (item.status === 'done') return 100;
  return item.total > 0 ? Math.min(100, Math.round((item.loaded / item.total) * 100)) : 0;
}

export function UploadPage() {
  useTitle(t('upload.title'));
  const boot = useAsync<Bootstrap | null>(() => loadBootstrap().catch(() => null), []);
  const limits = boot.data ?? null;
  const items = useStore(uploadsStore);
  const [description, setDescription] = useState('');
  const [altText, setAltText] = useState('');
  const [isPublic, setIsPublic] = useState(true);
  const [runEnrichment, setRunEnrichment] = useState(true);
  const [dragging, setDragging] = useState(false);
  const { user } = useSession();
  // The write-target menu needs the storage overview (providers.read); without it the menu is
  // hidden and uploads go to the default target.
  const canChooseTarget = can(user, 'providers.read');
  const canRead = can(user, 'assets.read');
  const storage = useAsync<StorageOverview | null>((signal) => (canChooseTarget ? API.storageOverview(signal) : Promise.resolve(null)), [canChooseTarget]);
  const targets = uploadTargets(storage.data?.profiles ?? []);
  const [target, setTarget] = useState('');
  const [commitMessage, setCommitMessage] = useState('');
  const chosen = targets.find((p) => p.id === target) ?? null;
  const effective = chosen ?? storage.data?.defaultWriteProfile ?? null;
  const effectiveType = (effective?.providerType ?? (storage.data && !storage.data.defaultWriteProfile ? storage.data.runtime.providerType : '') ?? '').toLowerCase();
  const isGithubTarget = effectiveType === 'github-repo';
  const targetName = (id: string | null) => {
    if (!id) return t('upload.target.default');
    const p = storage.data?.profiles.find((x) => x.id === id);
    return p ? profileLabel(p) : id;
  };
  const defaultLabel = storage.data
    ? storage.data.defaultWriteProfile
      ? t('upload.target.defaultProfile', { name: profileLabel(storage.data.defaultWriteProfile) })
      : t('upload.target.defaultConfig', { provider: storage.data.runtime.providerName ?? t('common.none') })
    : t('upload.target.default');

  const add = (list: FileList | null | undefined) => {
    if (!list || !list.length) return;
    void addFiles(Array.from(list), limits, {
      description,
      altText,
      isPublic,
      runEnrichment,
      storageProviderProfileId: chosen ? chosen.id : null,
      ...(isGithubTarget && commitMessage.trim() ? { commitMessage: commitMessage.trim() } : {}),
    });
  };

  const counts = {
    done: items.filter((x) => x.status === 'done').length,
    failed: items.filter((x) => x.status === 'failed' || x.status === 'rejected').length,
    active: items.filter((x) => x.status === 'uploading' || x.status === 'queued').length,
  };
  const accept = limits?.allowedContentTypes.join(',') || 'image/*';

  return (
    <section class="stack">
      <div class="page-head">
        <h1 id="upload-title">{t('upload.title')}</h1>
        <Link href="/assets" class="btn">
          {t('asset.back')}
        </Link>
      </div>

      <div
        class={`dropzone${dragging ? ' dragging' : ''}`}
        data-testid="upload-dropzone"
        onDragEnter={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragOver={(e) => {
          e.preventDefault();
          if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
          setDragging(true);
        }}
        onDragLeave={(e) => {
          if (e.currentTarget === e.target) setDragging(false);
        }}
        onDrop={(e) => {
          e.preventDefault();
          setDragging(false);
          add(e.dataTransfer?.files);
        }}
      >
        <p class="dropzone-title" aria-hidden="true">
          {t('upload.drop')}
        </p>
        <p class="muted" aria-hidden="true">
          {t('upload.or')}
        </p>
        <label for="upload-input" class="btn btn-primary file-label">
          {t('upload.choose')}
        </label>
        <input
          id="upload-input"
          class="file-input"
          type="file"
          multiple
          accept={accept}
          aria-describedby="upload-limits upload-autostart"
          onChange={(e) => {
            const input = e.target as HTMLInputElement;
            add(input.files);
            input.value = '';
          }}
          data-testid="upload-input"
        />
        <p id="upload-limits" class="hint" data-testid="upload-limits">
          {boot.loading
            ? t('common.loading')
            : limits
              ? t('upload.limits', { types: limits.allowedContentTypes.join(', '), size: formatBytes(limits.maxUploadSizeBytes) })
              : t('upload.limitsUnknown')}
        </p>
      </div>

      <fieldset class="card">
        <legend>{t('upload.options')}</legend>
        <p id="upload-autostart" class="hint">
          {t('upload.autoStart')}
        </p>
        <div class="field-row">
          <TextAreaField id="upload-description" label={t('upload.description')} value={description} onValue={setDescription} maxLength={1000} rows={2} testid="upload-description" />
          <TextAreaField id="upload-alt-text" label={t('upload.altText')} value={altText} onValue={setAltText} maxLength={1000} rows={2} testid="upload-alt-text" />
        </div>
        <div class="check">
          <input id="upload-public" type="checkbox" checked={isPublic} onChange={(e) => setIsPublic((e.target as HTMLInputElement).checked)} data-testid="upload-public" />
          <label for="upload-public">{t('upload.public')}</label>
        </div>
        <p class="hint">{t('asset.privateHint')}</p>
        <div class="check">
          <input
            id="upload-run-enrichment"
            type="checkbox"
            checked={runEnrichment}
            onChange={(e) => setRunEnrichment((e.target as HTMLInputElement).checked)}
            aria-describedby="upload-run-enrichment-hint"
            data-testid="upload-run-enrichment"
          />
          <label for="upload-run-enrichment">{t('upload.runEnrichment')}</label>
        </div>
        <p id="upload-run-enrichment-hint" class="hint">
          {t('upload.runEnrichmentHint')}
        </p>
        {canChooseTarget && (
          <div class="field field-spaced">
            <label for="upload-target">{t('upload.target.label')}</label>
            <select
              id="upload-target"
              value={chosen ? chosen.id : ''}
              onChange={(e) => setTarget((e.target as HTMLSelectElement).value)}
              aria-describedby="upload-target-hint"
              disabled={storage.loading && !storage.data}
              data-testid="upload-target"
            >
              <option value="">{defaultLabel}</option>
              {targets.map((p) => (
                <option key={p.id} value={p.id}>
                  {profileLabel(p)} · {p.providerType}
                </option>
              ))}
            </select>
            <p id="upload-target-hint" class="hint" data-testid="upload-target-hint">
              {storage.loading && !storage.data
                ? t('common.loading')
                : storage.error
                  ? t('upload.target.loadFailed')
                  : storage.data?.alignment.code === 'db_default_profile_disabled' && !chosen
                    ? t('upload.target.defaultDisabled')
                    : t('upload.target.hint')}
            </p>
          </div>
        )}
        {isGithubTarget && (
          <TextAreaField id="upload-commit-message" label={t('upload.commitMessage')} value={commitMessage} onValue={setCommitMessage} maxLength={500} rows={2} testid="upload-commit-message" />
        )}
      </fieldset>

      {items.length > 0 && (
        <section class="card" aria-labelledby="queue-title">
          <div class="page-head">
            <h2 id="queue-title">{t('upload.queue')}</h2>
            <button type="button" class="btn btn-small" onClick={clearFinished} disabled={counts.active === items.length} data-testid="upload-clear">
              {t('upload.clear')}
            </button>
          </div>
          <p class="muted small" aria-live="polite" data-testid="upload-summary">
            {t('upload.summary', { done: formatNumber(counts.done), failed: formatNumber(counts.failed), active: formatNumber(counts.active) })}
          </p>
          <ul class="upload-list" data-testid="upload-list">
            {items.map((item) => {
              const pct = percent(item);
              const progressId = `upload-progress-${item.id}`;
              return (
                <li key={item.id} class={`upload-item upload-${item.status}`} data-testid="upload-item" data-file-name={item.name} data-status={item.status}>
                  <div class="upload-row">
                    {item.status === 'done' && item.asset && <UploadResultThumb initial={item.asset} canRead={canRead} />}
                    <span class="upload-name" title={item.name}>
                      {item.name}
                    </span>
                    <span class="muted small">{formatBytes(item.size)}</span>
                    {canChooseTarget && (
                      <span class="muted small" data-testid="upload-item-target" data-target={item.target ?? ''}>
                        {t('upload.target.item', { target: targetName(item.target) })}
                      </span>
                    )}
                    <span class={`badge badge-${item.status}`} data-testid="upload-status">
                      {t(`upload.st.${item.status}` as MessageKey)}
                      {item.status === 'uploading' && ` ${pct}%`}
                    </span>
                    {(item.status === 'queued' || item.status === 'uploading') && (
                      <button type="button" class="btn btn-small" onClick={() => cancelUpload(item.id)} aria-label={t('upload.cancelLabel', { name: item.name })} data-testid="upload-cancel">
                        {t('upload.cancel')}
                      </button>
                    )}
                    {item.status === 'done' && item.assetId && (
                      <Link href={`/assets/${item.assetId}`} class="btn btn-small" data-testid="upload-result-link" data-asset-id={item.assetId}>
                        {t('upload.open')}
                      </Link>
                    )}
                  </div>
                  {(item.status === 'uploading' || item.status === 'queued' || item.status === 'done') && (
                    <progress
                      id={progressId}
                      max={100}
                      value={pct}
                      aria-label={t('upload.progress', { name: item.name })}
                      data-testid="upload-progress"
                    />
                  )}
                  {item.status === 'rejected' && (
                    <p class="field-error" data-testid="upload-error">
                      {rejectionText(item)}
                    </p>
                  )}
                  {item.status === 'failed' && (
                    <p class="field-error" data-testid="upload-error">
                      {item.error}
                    </p>
                  )}
                </li>
              );
            })}
          </ul>
        </section>
      )}
    </section>
  );
}
