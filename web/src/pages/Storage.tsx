// The Storage page (/storage): the storage provider profiles (type, status, default badge,
// capabilities, configuration summary, which secrets are set), the runtime/alignment banner in
// plain words, and the actions: create / edit (StorageForm.tsx), test connection, set default,
// enable / disable, delete (with the "disabled because assets use it" outcome), and the GitHub
// repository browser (StorageBrowse.tsx).

import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { API } from '../api/endpoints';
import type { StorageCapabilities, StorageDeleteResult, StorageOverview, StorageProfile } from '../api/types';
import { can } from '../lib/permissions';
import { useSession } from '../lib/session';
import { activeCapabilities, canStoreFiles, isKnownType, normalizeTestResult, profileLabel, summaryEntries, type TestResult } from '../lib/storage';
import { useAsync } from '../lib/useAsync';
import { useRowAction } from '../lib/useAction';
import { formatDateTime, formatNumber, t, tMaybe, type MessageKey } from '../i18n';
import { confirmDialog } from '../ui/confirm';
import { Dialog } from '../ui/Dialog';
import { Empty, ErrorState, Loading } from '../ui/states';
import { Switch } from '../ui/Switch';
import { toast } from '../ui/toast';
import { useTitle } from '../ui/useTitle';
import { ProfileDialog } from './StorageForm';
import { BrowsePanel } from './StorageBrowse';

export function typeLabel(type: string): string {
  return tMaybe(`storage.type.${type.toLowerCase()}`) ?? type;
}

export function CapabilityChips({ caps, testid }: { caps: StorageCapabilities | null | undefined; testid?: string }) {
  const list = activeCapabilities(caps);
  if (!list.length) return <span class="muted">{t('common.none')}</span>;
  return (
    <ul class="chips" data-testid={testid}>
      {list.map((flag) => (
        <li key={flag} class="chip" data-capability={flag} title={t(`storage.capHint.${flag}` as MessageKey)}>
          {t(`storage.cap.${flag}` as MessageKey)}
        </li>
      ))}
    </ul>
  );
}

/** The runtime / alignment banner: where an upload without a chosen target goes, in plain words. */
function RuntimeBanner({ overview }: { overview: StorageOverview }) {
  const { alignment, runtime, defaultProfile } = overview;
  const name = defaultProfile ? profileLabel(defaultProfile) : '';
  const runtimeType = runtime.providerType ? typeLabel(runtime.providerType) : t('common.none');
  let kind: 'ok' | 'warn' | 'info' = 'info';
  let title: string;
  let body: string;
  switch (alignment.code) {
    case 'db_default_profile_missing':
      title = t('storage.align.missingTitle');
      body = t('storage.align.missingBody', { provider: runtime.providerName ?? t('common.none'), type: runtimeType });
      break;
    case 'db_default_profile_disabled':
      kind = 'warn';
      title = t('storage.align.disabledTitle');
      body = t('storage.align.disabledBody', { name });
      break;
    case 'runtime_matches_db_default_provider_type':
      kind = 'ok';
      title = t('storage.align.okTitle', { name });
      body = t('storage.align.okBody', { type: runtimeType, provider: runtime.providerName ?? t('common.none') });
      break;
    default:
      kind = alignment.hasDefaultProfile && alignment.isDefaultProfileEnabled !== false ? 'info' : 'warn';
      title = t('storage.align.otherTitle');
      body = alignment.message;
  }
  return (
    <section class={`card banner banner-${kind}`} aria-labelledby="storage-runtime-title" data-testid="storage-runtime" data-code={alignment.code}>
      <h2 id="storage-runtime-title">{title}</h2>
      <p data-testid="storage-runtime-text">{body}</p>
      <dl class="kv">
        <dt>{t('storage.runtime.source')}</dt>
        <dd>{runtime.isConfigurationDriven ? t('storage.runtime.fromConfig') : t('storage.runtime.fromProfile')}</dd>
        <dt>{t('storage.runtime.backend')}</dt>
        <dd>
          {runtimeType} · <code>{runtime.providerName ?? t('common.none')}</code>
        </dd>
        <dt>{t('storage.runtime.capabilities')}</dt>
        <dd>
          <CapabilityChips caps={runtime.capabilities} testid="storage-runtime-capabilities" />
        </dd>
      </dl>
      <p class="muted small">
        {t('storage.runtime.serverSays', { message: alignment.message })} <code>{alignment.code}</code>
      </p>
    </section>
  );
}

function DeleteOutcome({ result, name, onDismiss }: { result: StorageDeleteResult; name: string; onDismiss: () => void }) {
  const disabled = result.status === 'disabled';
  return (
    <div class={`notice ${disabled ? 'notice-warn' : 'notice-result'}`} role="status" data-testid="storage-delete-result" data-status={result.status}>
      <div>
        <p>
          <strong>{disabled ? t('storage.delete.disabledTitle', { name }) : t('storage.delete.deletedTitle', { name })}</strong>
        </p>
        {disabled && <p>{t('storage.delete.disabledBody')}</p>}
        {result.wasDefault && <p>{t('storage.delete.wasDefault')}</p>}
      </div>
      <button type="button" class="btn btn-small" onClick={onDismiss} data-testid="storage-delete-result-dismiss">
        {t('common.dismiss')}
      </button>
    </div>
  );
}

function TestDialog({ profile, onClose }: { profile: StorageProfile; onClose: () => void }) {
  const [run, setRun] = useState(0);
  const test = useAsync<TestResult>(() => API.testStorageProfile(profile.id).then(normalizeTestResult), [profile.id, run]);
  const r = test.data;
  return (
    <Dialog title={t('storage.test.title', { name: profileLabel(profile) })} onClose={onClose} testid="storage-test-dialog" busy={false}>
      <div class="dialog-body" aria-live="polite" aria-busy={test.loading ? 'true' : 'false'}>
        <p class="hint">{t('storage.test.intro')}</p>
        {test.loading ? (
          <Loading label={t('storage.test.running')} />
        ) : test.error ? (
          <ErrorState error={test.error} />
        ) : r ? (
          <>
            <p class={r.ok ? 'test-summary ok' : 'test-summary failed'} data-testid="storage-test-summary" data-ok={r.ok ? 'true' : 'false'}>
              <strong>{r.ok ? t('storage.test.passed') : t('storage.test.failed')}</strong>
            </p>
            {r.error && <p class="field-error">{r.error}</p>}
            {r.steps.length === 0 ? (
              <p class="muted">{t('storage.test.noSteps')}</p>
            ) : (
              <ol class="test-steps" data-testid="storage-test-steps">
                {r.steps.map((s, i) => (
                  <li key={`${s.name}-${i}`} class={s.ok ? 'ok' : 'failed'} data-testid="storage-test-step" data-step={s.name} data-ok={s.ok ? 'true' : 'false'}>
                    <span class="test-step-name">{tMaybe(`storage.test.step.${s.name.toLowerCase()}`) ?? s.name}</span>
                    <span class={`badge ${s.ok ? 'badge-ready' : 'badge-failed'}`}>{s.ok ? t('storage.test.ok') : t('storage.test.stepFailed')}</span>
                    <span class="muted small">{s.latencyMs === null ? '' : t('storage.test.latency', { ms: formatNumber(Math.round(s.latencyMs)) })}</span>
                    {s.error && <p class="field-error test-step-error">{s.error}</p>}
                  </li>
                ))}
              </ol>
            )}
          </>
        ) : null}
      </div>
      <div class="dialog-footer">
        <button type="button" class="btn" onClick={() => setRun((n) => n + 1)} disabled={test.loading} data-testid="storage-test-again">
          {t('storage.test.again')}
        </button>
        <button type="button" class="btn btn-primary" onClick={onClose} data-testid="storage-test-close">
          {t('common.close')}
        </button>
      </div>
    </Dialog>
  );
}

type DialogState = { kind: 'create' } | { kind: 'edit'; profile: StorageProfile } | { kind: 'test'; profile: StorageProfile } | null;

export function StoragePage() {
  useTitle(t('storage.title'));
  const { user } = useSession();
  const overview = useAsync((signal) => API.storageOverview(signal), []);
  const [dialog, setDialog] = useState<DialogState>(null);
  const [browsing, setBrowsing] = useState<string | null>(null);
  const [busyId, runRow] = useRowAction();
  const [deleted, setDeleted] = useState<{ result: StorageDeleteResult; name: string } | null>(null);

  const canCreate = can(user, 'providers.create');
  const canUpdate = can(user, 'providers.update');
  const canDelete = can(user, 'providers.delete');
  const canSetDefault = can(user, 'settings.update');
  const data = overview.data;
  const profiles = data?.profiles ?? [];
  // The browser is for enabled github-repo profiles (the server refuses the others).
  const browsed = profiles.find((p) => p.id === browsing && p.isEnabled && p.providerType.toLowerCase() === 'github-repo') ?? null;

  const act = (p: StorageProfile, action: () => Promise<void>) => runRow(p.id, action);

  const setEnabled = (p: StorageProfile, isEnabled: boolean) =>
    act(p, async () => {
      await API.updateStorageProfile(p.id, { isEnabled });
      toast.success(t(isEnabled ? 'storage.enabled' : 'storage.disabled', { name: profileLabel(p) }));
      overview.reload();
    });

  const makeDefault = async (p: StorageProfile) => {
    const current = data?.defaultProfile;
    const ok = await confirmDialog({
      title: t('storage.default.title', { name: profileLabel(p) }),
      body: [
        t('storage.default.body', { type: typeLabel(p.providerType) }),
        current && current.id !== p.id ? t('storage.default.replaces', { name: profileLabel(current) }) : '',
        p.capabilities.recommendedForPrimaryStorage ? '' : t('storage.default.notRecommended'),
      ]
        .filter(Boolean)
        .join(' '),
      confirmLabel: t('storage.default.confirm'),
    });
    if (!ok) return;
    await act(p, async () => {
      await API.setDefaultStorageProfile(p.id);
      toast.success(t('storage.default.done', { name: profileLabel(p) }));
      overview.reload();
    });
  };

  const remove = async (p: StorageProfile) => {
    const ok = await confirmDialog({
      title: t('storage.delete.title', { name: profileLabel(p) }),
      body: t('storage.delete.body') + (p.isDefault ? ' ' + t('storage.delete.bodyDefault') : ''),
      confirmLabel: t('common.delete'),
      danger: true,
    });
    if (!ok) return;
    await act(p, async () => {
      const result = await API.deleteStorageProfile(p.id);
      setDeleted({ result, name: profileLabel(p) });
      if (result.status === 'disabled') toast.info(t('storage.delete.disabledTitle', { name: profileLabel(p) }));
      else toast.success(t('storage.delete.deletedTitle', { name: profileLabel(p) }));
      if (browsing === p.id) setBrowsing(null);
      overview.reload();
    });
  };

  return (
    <section class="stack">
      <div class="page-head">
        <h1 id="storage-title">{t('storage.title')}</h1>
        {canCreate && (
          <button type="button" class="btn btn-primary" onClick={() => setDialog({ kind: 'create' })} data-testid="storage-new">
            {t('storage.new')}
          </button>
        )}
      </div>
      <p class="hint">{t('storage.intro')}</p>
      {!canCreate && !canUpdate && !canDelete && <p class="notice">{t('storage.readOnly')}</p>}
      {deleted && <DeleteOutcome result={deleted.result} name={deleted.name} onDismiss={() => setDeleted(null)} />}

      {overview.loading && !data ? (
        <Loading />
      ) : overview.error && !data ? (
        <ErrorState error={overview.error} onRetry={overview.reload} />
      ) : data ? (
        <>
          <RuntimeBanner overview={data} />
          {profiles.length === 0 ? (
            <Empty>{canCreate ? t('storage.emptyCreate') : t('storage.empty')}</Empty>
          ) : (
            <ul class="profile-list" aria-labelledby="storage-title" data-testid="storage-profiles">
              {profiles.map((p) => (
                <ProfileCard
                  key={p.id}
                  profile={p}
                  busy={busyId === p.id}
                  canUpdate={canUpdate}
                  canDelete={canDelete}
                  canSetDefault={canSetDefault}
                  browsing={browsing === p.id}
                  onEdit={() => setDialog({ kind: 'edit', profile: p })}
                  onTest={() => setDialog({ kind: 'test', profile: p })}
                  onBrowse={() => setBrowsing(browsing === p.id ? null : p.id)}
                  onEnable={(on) => setEnabled(p, on)}
                  onDefault={() => makeDefault(p)}
                  onDelete={() => remove(p)}
                />
              ))}
            </ul>
          )}
          {browsed && <BrowsePanel key={browsed.id} profile={browsed} canUpload={canUpdate} onClose={() => setBrowsing(null)} />}
        </>
      ) : null}

      {dialog?.kind === 'create' && (
        <ProfileDialog
          mode="create"
          profiles={profiles}
          canSetDefault={canSetDefault}
          onClose={() => setDialog(null)}
          onSaved={(p) => {
            setDialog(null);
            toast.success(t('storage.created', { name: profileLabel(p) }));
            overview.reload();
          }}
        />
      )}
      {dialog?.kind === 'edit' && (
        <ProfileDialog
          mode="edit"
          profile={dialog.profile}
          profiles={profiles}
          canSetDefault={canSetDefault}
          onClose={() => setDialog(null)}
          onSaved={(p) => {
            setDialog(null);
            toast.success(t('storage.saved', { name: profileLabel(p) }));
            overview.reload();
          }}
        />
      )}
      {dialog?.kind === 'test' && <TestDialog profile={dialog.profile} onClose={() => setDialog(null)} />}
    </section>
  );
}

interface CardProps {
  profile: StorageProfile;
  busy: boolean;
  canUpdate: boolean;
  canDelete: boolean;
  canSetDefault: boolean;
  browsing: boolean;
  onEdit: () => void;
  onTest: () => void;
  onBrowse: () => void;
  onEnable: (on: boolean) => void;
  onDefault: () => void;
  onDelete: () => void;
}

function ProfileCard({ profile: p, busy, canUpdate, canDelete, canSetDefault, browsing, onEdit, onTest, onBrowse, onEnable, onDefault, onDelete }: CardProps) {
  const type = p.providerType.toLowerCase();
  const declaredOnly = !canStoreFiles(type);
  const headingId = `profile-${p.id}-title`;
  const secrets = p.secretFieldsSet ?? [];
  const defaultReason = !canSetDefault
    ? t('storage.needPermission', { permission: 'settings.update' })
    : !p.isEnabled
      ? t('storage.default.needsEnabled')
      : declaredOnly
        ? t('storage.default.declaredOnly')
        : null;
  const toggleReason = !canUpdate
    ? t('storage.needPermission', { permission: 'providers.update' })
    : p.isDefault && p.isEnabled
      ? t('storage.cannotDisableDefault')
      : null;
  const summary = summaryEntries(p);
  return (
    <li class="card profile-card" aria-labelledby={headingId} data-testid={`storage-profile-${p.name}`} data-profile-id={p.id} data-enabled={p.isEnabled ? 'true' : 'false'} data-default={p.isDefault ? 'true' : 'false'}>
      <div class="profile-head">
        <h2 id={headingId} class="break">
          {p.displayName || p.name}
        </h2>
        <span class="badge badge-type" data-testid="storage-profile-type">
          {typeLabel(p.providerType)}
        </span>
        {p.isDefault && (
          <span class="badge badge-ready" data-testid="storage-profile-default">
            {t('storage.badge.default')}
          </span>
        )}
        <span class={`badge ${p.isEnabled ? 'badge-ready' : 'badge-deleted'}`} data-testid="storage-profile-status">
          {p.isEnabled ? t('storage.badge.enabled') : t('storage.badge.disabled')}
        </span>
        {declaredOnly && <span class="badge badge-pending">{isKnownType(type) ? t('storage.badge.declaredOnly') : t('storage.badge.unknownType')}</span>}
        {p.capabilities?.isExperimental && <span class="badge badge-pending">{t('storage.badge.experimental')}</span>}
      </div>
      {p.displayName && (
        <p class="muted small">
          {t('storage.field.name')}: <code>{p.name}</code>
        </p>
      )}
      {declaredOnly && <p class="hint">{isKnownType(type) ? t('storage.declaredOnlyHint') : t('storage.unknownTypeHint')}</p>}
      {!p.isEnabled && <p class="hint">{t('storage.disabledHint')}</p>}
      <dl class="kv">
        {summary.map(([k, v]) => (
          <Fragment key={k}>
            <dt>{t(`storage.summary.${k}` as MessageKey)}</dt>
            <dd class="break" data-summary={k}>
              <code>{v}</code>
            </dd>
          </Fragment>
        ))}
        {(type === 's3-compatible' || type === 'github-repo' || type === 'github-releases' || secrets.length > 0) && (
          <>
            <dt>{t('storage.secrets')}</dt>
            <dd data-testid="storage-profile-secrets">
              {secrets.length ? secrets.map((s) => tMaybe(`storage.field.${s}`) ?? s).join(', ') + ' · ' + t('storage.secret.set') : t('storage.secret.noneSet')}
            </dd>
          </>
        )}
        <dt>{t('storage.capabilities')}</dt>
        <dd>
          <CapabilityChips caps={p.capabilities} testid="storage-profile-capabilities" />
        </dd>
        <dt>{t('storage.updated')}</dt>
        <dd>{formatDateTime(p.updatedAtUtc)}</dd>
      </dl>
      <div class="row-actions profile-actions">
        <Switch
          checked={p.isEnabled}
          onChange={onEnable}
          label={t('storage.enableToggle', { name: p.name })}
          text={p.isEnabled ? t('storage.badge.enabled') : t('storage.badge.disabled')}
          disabled={!!toggleReason}
          busy={busy}
          reason={toggleReason}
          testid="storage-profile-enabled"
        />
        {canUpdate && !declaredOnly && (
          <button type="button" class="btn btn-small" onClick={onTest} disabled={busy} aria-describedby={headingId} data-testid="storage-profile-test">
            {t('storage.test.button')}
          </button>
        )}
        {type === 'github-repo' && p.isEnabled && (
          <button type="button" class="btn btn-small" onClick={onBrowse} aria-expanded={browsing ? 'true' : 'false'} aria-describedby={headingId} data-testid="storage-profile-browse">
            {browsing ? t('storage.browse.hide') : t('storage.browse.button')}
          </button>
        )}
        {canUpdate && (
          <button type="button" class="btn btn-small" onClick={onEdit} disabled={busy} aria-describedby={headingId} data-testid="storage-profile-edit">
            {t('storage.edit')}
          </button>
        )}
        {!p.isDefault && (
          <button
            type="button"
            class="btn btn-small"
            onClick={onDefault}
            disabled={busy || !!defaultReason}
            title={defaultReason ?? undefined}
            aria-describedby={headingId}
            data-testid="storage-profile-set-default"
            data-disabled-reason={defaultReason ?? undefined}
          >
            {t('storage.default.button')}
          </button>
        )}
        {canDelete && (
          <button type="button" class="btn btn-small btn-danger" onClick={onDelete} disabled={busy} aria-describedby={headingId} data-testid="storage-profile-delete">
            {t('common.delete')}
          </button>
        )}
      </div>
      {!p.isDefault && defaultReason && canSetDefault && <p class="hint small">{defaultReason}</p>}
    </li>
  );
}
