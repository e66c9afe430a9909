import { useEffect, useState } from 'preact/hooks';
import { API } from '../api/endpoints';
import type { AssetDetail, StorageOverview, StorageProfile } from '../api/types';
import { profileLabel } from '../lib/storage';
import { metadataPatch } from '../lib/assets';
import { copyText, htmlImage, markdownImage } from '../lib/clipboard';
import { can } from '../lib/permissions';
import { navigate } from '../lib/router';
import { useSession } from '../lib/session';
import { useAsync } from '../lib/useAsync';
import { formatBytes, formatDateTime, t, type MessageKey } from '../i18n';
import { confirmDialog } from '../ui/confirm';
import { TextAreaField, TextField } from '../ui/fields';
import { Link } from '../ui/Link';
import { ErrorState, Loading } from '../ui/states';
import { Switch } from '../ui/Switch';
import { toast } from '../ui/toast';
import { useAction } from '../lib/useAction';
import { useTitle } from '../ui/useTitle';
import { AssetThumb } from '../ui/AssetImage';
import { isProcessing } from '../lib/processing';
import { usePoll } from '../lib/usePoll';
import { assetName, dims } from './Assets';
import { DerivativesPanel, ExecutionHistory, ProcessingPanel, ResultsPanel } from './AssetProcessing';
import { RunSkillDialog } from './RunSkillDialog';
import { RunWorkflowCard } from './AssetWorkflows';
import { TagChips } from '../ui/TagChips';

export function AssetDetailPage({ id }: { id: string }) {
  const { user } = useSession();
  const asset = useAsync((signal) => API.getAsset(id, signal), [id]);
  const a = asset.data;
  useTitle(a ? assetName(a) : t('asset.details'));
  const [runOpen, setRunOpen] = useState(false);
  const [openLink, setOpenLink] = useState<string | null>(null);
  // The asset's storage profile (name, capabilities): the overview needs providers.read.
  const profileId = a?.storageProviderProfileId ?? null;
  const readsProfiles = !!profileId && can(user, 'providers.read');
  const storage = useAsync<StorageOverview | null>((signal) => (readsProfiles ? API.storageOverview(signal) : Promise.resolve(null)), [readsProfiles, profileId]);
  const profile = profileId ? (storage.data?.profiles.find((p) => p.id === profileId) ?? null) : null;

  // Poll while pending (the original's status) ...
  useEffect(() => {
    if (a?.status !== 'pending') return;
    const timer = setTimeout(asset.reload, 5000);
    return () => clearTimeout(timer);
  }, [a]);
  // ... and while its jobs are queued or running, quietly, with growing delays: derivatives,
  // results and the history fill in without a reload; polling stops when it is idle or failed.
  usePoll(isProcessing(a?.processing), async () => {
    const fresh = await API.getAsset(id);
    asset.setData((prev) => (prev && prev.id === fresh.id ? fresh : prev));
  });
  // The history is read again whenever the asset's processing moved on.
  const historyVersion = a
    ? [a.updatedAtUtc, a.processing?.state ?? '', a.processing?.pendingJobs ?? '', a.latestExecutionSummary?.executionId ?? '', a.derivatives.length].join('|')
    : '';

  if (asset.loading && !a) return <Loading />;
  if (asset.error && !a)
    return (
      <section class="stack">
        <Link href="/assets">{t('asset.back')}</Link>
        <ErrorState error={asset.error} onRetry={asset.reload} />
      </section>
    );
  if (!a) return null;

  const canUpdate = can(user, 'assets.update');
  // The server refuses a visibility change on storage without the capability (e.g. GitHub).
  const visibilityFixed = !!profile && profile.capabilities?.supportsVisibilityToggle === false;
  const canDelete = can(user, 'assets.delete');
  const name = assetName(a);
  const alt = a.altText || a.description || name;

  const setVisibility = async (isPublic: boolean) => {
    try {
      const updated = await API.patchAsset(a.id, { isPublic });
      asset.setData(() => updated);
      toast.success(t(updated.isPublic ? 'assets.nowPublic' : 'assets.nowPrivate', { name }));
    } catch (err) {
      toast.error(err);
    }
  };

  const openContent = async () => {
    if (a.publicUrl) {
      window.open(a.publicUrl, '_blank', 'noopener');
      return;
    }
    // Open the tab synchronously (popup blockers), then point it at the blob.
    const win = window.open('', '_blank');
    try {
      const data = await API.assetContent(a.id);
      const objectUrl = URL.createObjectURL(data);
      setTimeout(() => URL.revokeObjectURL(objectUrl), 60_000);
      if (win) {
        win.opener = null;
        win.location.href = objectUrl;
      } else {
        setOpenLink(objectUrl);
        toast.info(t('asset.openBlocked'));
      }
    } catch (err) {
      win?.close();
      toast.error(err);
    }
  };

  const remove = async () => {
    const ok = await confirmDialog({
      title: t('asset.deleteTitle', { name }),
      body: t('asset.deleteBody'),
      confirmLabel: t('common.delete'),
      danger: true,
    });
    if (!ok) return;
    try {
      await API.deleteAsset(a.id);
      toast.success(t('asset.deleted', { name }));
      navigate('/assets');
    } catch (err) {
      toast.error(err);
    }
  };

  return (
    <section class="stack" data-testid="asset-detail" data-asset-id={a.id}>
      <Link href="/assets" class="back-link">
        ‹ {t('asset.back')}
      </Link>
      <div class="page-head">
        <h1 id="asset-title" class="break">
          {name}
        </h1>
        <span class={`badge badge-${a.status}`}>{t(`assets.status.${a.status}` as MessageKey)}</span>
      </div>
      {a.status === 'pending' && <p class="notice">{t('asset.pendingHint')}</p>}

      <div class="detail-grid">
        <figure class="card preview" data-testid="asset-preview">
          <div class="preview-frame">
            <AssetThumb asset={a} large lazy={false} alt={alt} sizes="(max-width: 900px) 100vw, 60vw" />
          </div>
          <figcaption class="preview-actions">
            <button type="button" class="btn" onClick={openContent} data-testid="asset-open-content">
              {t('asset.openContent')}
            </button>
            {openLink && (
              <a href={openLink} target="_blank" rel="noopener" data-testid="asset-open-link">
                {t('asset.openLink')}
              </a>
            )}
          </figcaption>
        </figure>

        <div class="stack">
          <section class="card" aria-labelledby="vis-title">
            <h2 id="vis-title">{t('asset.visibility')}</h2>
            <Switch
              checked={a.isPublic}
              onChange={setVisibility}
              label={t('asset.public')}
              text={a.isPublic ? t('assets.vis.public') : t('assets.vis.private')}
              disabled={!canUpdate || visibilityFixed}
              reason={
                !canUpdate
                  ? t('assets.needUpdate', { permission: 'assets.update' })
                  : visibilityFixed
                    ? t('asset.visibilityFixed', { name: profileLabel(profile!) })
                    : null
              }
              testid="asset-visibility-toggle"
            />
            {canUpdate && visibilityFixed && <p class="hint">{t('asset.visibilityFixed', { name: profileLabel(profile!) })}</p>}
            <p class="hint">{t('asset.publicHint')}</p>
            <p class="hint" data-testid="asset-private-hint">{t('asset.privateHint')}</p>
            <h3>{t('asset.publicUrl')}</h3>
            {a.publicUrl ? (
              <>
                <p class="break">
                  <a href={a.publicUrl} target="_blank" rel="noopener" data-testid="asset-public-url">
                    {a.publicUrl}
                  </a>
                </p>
                <div class="button-row">
                  <button type="button" class="btn btn-small" onClick={() => copyText(a.publicUrl!)} data-testid="asset-copy-url">
                    {t('asset.copyUrl')}
                  </button>
                  <button type="button" class="btn btn-small" onClick={() => copyText(markdownImage(a.publicUrl!, alt))} data-testid="asset-copy-markdown">
                    {t('asset.copyMarkdown')}
                  </button>
                  <button type="button" class="btn btn-small" onClick={() => copyText(htmlImage(a.publicUrl!, alt))} data-testid="asset-copy-html">
                    {t('asset.copyHtml')}
                  </button>
                </div>
              </>
            ) : (
              <p class="muted">{t('asset.noPublicUrl')}</p>
            )}
          </section>

          <MetadataForm key={`${a.id}|${a.originalFileName}|${a.description}|${a.altText}`} asset={a} canUpdate={canUpdate} onSaved={(u) => asset.setData(() => u)} />
        </div>
      </div>

      <ProcessingPanel processing={a.processing} onRun={canUpdate ? () => setRunOpen(true) : null} />
      <RunWorkflowCard assetId={a.id} onQueued={asset.reload} />
      <section class="card" aria-labelledby="details-title">
        <h2 id="details-title">{t('asset.details')}</h2>
        <dl class="kv">
          <dt>{t('asset.id')}</dt>
          <dd>
            <code>{a.id}</code>
          </dd>
          <dt>{t('asset.contentType')}</dt>
          <dd>
            <code>{a.contentType}</code>
          </dd>
          <dt>{t('tags.label')}</dt>
          <dd>
            <TagChips tags={a.tags} testid="asset-tags" />
          </dd>
          <dt>{t('asset.size')}</dt>
          <dd>{formatBytes(a.size)}</dd>
          <dt>{t('asset.dimensions')}</dt>
          <dd>{dims(a.width, a.height)}</dd>
          <dt>{t('asset.extension')}</dt>
          <dd>{a.extension || t('common.none')}</dd>
          <dt>{t('asset.storedFileName')}</dt>
          <dd class="break">{a.storedFileName ?? t('common.none')}</dd>
          <dt>{t('asset.storage')}</dt>
          <dd data-testid="asset-storage-provider">
            <code>{a.storageProvider}</code>
          </dd>
          <dt>{t('asset.storageProfile')}</dt>
          <dd class="break" data-testid="asset-storage-profile" data-profile-id={a.storageProviderProfileId ?? ''}>
            <StorageProfileName id={a.storageProviderProfileId} profile={profile} />
          </dd>
          <dt>{t('asset.storageKey')}</dt>
          <dd class="break">
            <code>{a.storageKey}</code>
          </dd>
          <dt>{t('asset.checksum')}</dt>
          <dd class="break">
            <code>{a.checksumSha256 ?? t('common.none')}</code>
          </dd>
          {a.duplicateOfAssetId && (
            <>
              <dt>{t('asset.duplicateOf')}</dt>
              <dd>
                <Link href={`/assets/${a.duplicateOfAssetId}`} data-testid="asset-duplicate-of">
                  {a.duplicateOfAssetId}
                </Link>
              </dd>
            </>
          )}
          <dt>{t('asset.created')}</dt>
          <dd>{formatDateTime(a.createdAtUtc)}</dd>
          <dt>{t('asset.createdBy')}</dt>
          <dd class="break" data-testid="asset-created-by">
            {a.createdByUsername ?? t('asset.createdByUnknown')}
          </dd>
          <dt>{t('asset.updated')}</dt>
          <dd>{formatDateTime(a.updatedAtUtc)}</dd>
        </dl>
      </section>

      <DerivativesPanel asset={a} alt={alt} />
      <ResultsPanel asset={a} />
      <ExecutionHistory assetId={a.id} version={historyVersion} />
      {runOpen && (
        <RunSkillDialog
          asset={a}
          onClose={() => setRunOpen(false)}
          onFinished={(updated) => (updated ? asset.setData(() => updated) : asset.reload())}
          onQueued={() => asset.reload()}
        />
      )}

      {canDelete && (
        <section class="card danger" aria-labelledby="danger-title">
          <h2 id="danger-title">{t('asset.danger')}</h2>
          <button type="button" class="btn btn-danger" onClick={remove} data-testid="asset-delete">
            {t('asset.delete')}
          </button>
        </section>
      )}
    </section>
  );
}

/** The asset's storage profile: its name (linked to the Storage page) for holders of
 * providers.read, else its id; "none" for assets stored through the server's configuration. */
function StorageProfileName({ id, profile }: { id: string | null; profile: StorageProfile | null }) {
  if (!id) return <>{t('asset.storageProfileNone')}</>;
  if (!profile) return <code>{id}</code>;
  return (
    <>
      <Link href="/storage">{profileLabel(profile)}</Link>{' '}
      <span class="muted small">
        ({profile.providerType}
        {profile.isEnabled ? '' : `, ${t('storage.badge.disabled')}`})
      </span>
    </>
  );
}

function MetadataForm({ asset, canUpdate, onSaved }: { asset: AssetDetail; canUpdate: boolean; onSaved: (a: AssetDetail) => void }) {
  const [fileName, setFileName] = useState(asset.originalFileName ?? '');
  const [description, setDescription] = useState(asset.description ?? '');
  const [altText, setAltText] = useState(asset.altText ?? '');
  const [busy, run] = useAction();
  const [tried, setTried] = useState(false);
  const nameError = tried && !fileName.trim() && asset.originalFileName ? t('asset.fileNameRequired') : null;

  const submit = async (e: Event) => {
    e.preventDefault();
    setTried(true);
    const patch = metadataPatch(asset, { originalFileName: fileName, description, altText });
    if (patch.originalFileName === '') return;
    if (!Object.keys(patch).length) {
      toast.info(t('common.noChanges'));
      return;
    }
    await run(async () => {
      const updated = await API.patchAsset(asset.id, patch);
      toast.success(t('asset.saved'));
      onSaved(updated);
    });
  };

  return (
    <form class="card" onSubmit={submit} noValidate aria-labelledby="meta-title" data-testid="asset-meta-form">
      <h2 id="meta-title">{t('asset.metadata')}</h2>
      <fieldset disabled={!canUpdate || busy} class="plain-fieldset">
        <TextField id="asset-file-name" label={t('asset.fileName')} value={fileName} onValue={setFileName} error={nameError} maxLength={512} testid="asset-file-name" />
        <TextAreaField id="asset-description" label={t('asset.description')} value={description} onValue={setDescription} maxLength={1000} testid="asset-description" />
        <TextAreaField id="asset-alt-text" label={t('asset.altText')} value={altText} onValue={setAltText} maxLength={1000} rows={2} testid="asset-alt-text" />
      </fieldset>
      {!canUpdate && <p class="hint">{t('assets.needUpdate', { permission: 'assets.update' })}</p>}
      {canUpdate && (
        <div class="form-actions">
          <button type="submit" class="btn btn-primary" disabled={busy} data-testid="asset-meta-save">
            {busy ? t('common.saving') : t('asset.save')}
          </button>
        </div>
      )}
    </form>
  );
}

