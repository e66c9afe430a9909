// The AI providers page (/ai-providers, aiProviders.read): the vision-model profiles in a table
// (the active one first and marked), create / edit (AiProviderForm.tsx), activate, delete with a
// confirmation, and "Test", which asks the model to caption a sample image and shows what it
// answered (caption, alt text, tags, model) or the error. Actions the user may not take are shown
// disabled with the permission they need.

import { useEffect, useState } from 'preact/hooks';
import { API } from '../api/endpoints';
import type { AiProvider } from '../api/types';
import { sortProviders } from '../lib/aiProviders';
import { can } from '../lib/permissions';
import { useSession } from '../lib/session';
import { useAsync } from '../lib/useAsync';
import { useRowAction } from '../lib/useAction';
import { formatDateTime, t } from '../i18n';
import { confirmDialog } from '../ui/confirm';
import { Dialog } from '../ui/Dialog';
import { GatedButton } from '../ui/GatedButton';
import { Empty, ErrorState, Loading } from '../ui/states';
import { toast } from '../ui/toast';
import { useTitle } from '../ui/useTitle';
import { AiProviderDialog } from './AiProviderForm';
import { AiTestPanel, useAiTest } from './AiTest';

type DialogState = { kind: 'create' } | { kind: 'edit'; provider: AiProvider } | { kind: 'test'; provider: AiProvider } | null;

const needs = (permission: string) => t('ai.needPermission', { permission });

function TestDialog({ provider, onClose }: { provider: AiProvider; onClose: () => void }) {
  const test = useAiTest();
  const running = test.state.phase === 'running';
  // The test starts with the dialog.
  useEffect(() => {
    void test.run({ profileId: provider.id });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [provider.id]);
  return (
    <Dialog title={t('ai.test.dialogTitle', { name: provider.name })} onClose={onClose} testid="ai-test-dialog" initialFocus="[data-testid=ai-test-close]">
      <div class="dialog-body">
        <p class="hint">{t('ai.test.intro', { model: provider.modelName })}</p>
        <AiTestPanel state={test.state} onCancel={test.cancel} />
      </div>
      <div class="dialog-footer">
        <button type="button" class="btn" onClick={() => void test.run({ profileId: provider.id })} disabled={running} data-testid="ai-test-again">
          {t('ai.test.again')}
        </button>
        <button type="button" class="btn btn-primary" onClick={onClose} data-testid="ai-test-close">
          {t('common.close')}
        </button>
      </div>
    </Dialog>
  );
}

export function AiProvidersPage() {
  useTitle(t('ai.title'));
  const { user } = useSession();
  const list = useAsync((signal) => API.aiProviders(signal), []);
  const [dialog, setDialog] = useState<DialogState>(null);
  const [busyId, runRow] = useRowAction();

  const createReason = can(user, 'aiProviders.create') ? null : needs('aiProviders.create');
  const updateReason = can(user, 'aiProviders.update') ? null : needs('aiProviders.update');
  const deleteReason = can(user, 'aiProviders.delete') ? null : needs('aiProviders.delete');
  const providers = sortProviders(list.data ?? []);
  const hasActive = providers.some((p) => p.isActive);

  const act = (p: AiProvider, action: () => Promise<void>) => runRow(p.id, action);

  const activate = (p: AiProvider) =>
    act(p, async () => {
      await API.updateAiProvider(p.id, { isActive: true });
      toast.success(t('ai.activated', { name: p.name }));
      list.reload();
    });

  const remove = async (p: AiProvider) => {
    const ok = await confirmDialog({
      title: t('ai.delete.title', { name: p.name }),
      body: t('ai.delete.body') + (p.isActive ? ' ' + t('ai.delete.bodyActive') : ''),
      confirmLabel: t('common.delete'),
      danger: true,
    });
    if (!ok) return;
    await act(p, async () => {
      await API.deleteAiProvider(p.id);
      toast.success(t('ai.deleted', { name: p.name }));
      list.reload();
    });
  };

  return (
    <section class="stack">
      <div class="page-head">
        <h1 id="ai-title">{t('ai.title')}</h1>
        <GatedButton onClick={() => setDialog({ kind: 'create' })} reason={createReason} class="btn btn-primary" testid="ai-new">
          {t('ai.new')}
        </GatedButton>
      </div>
      <p class="hint">{t('ai.intro')}</p>
      {createReason && updateReason && deleteReason && <p class="notice">{t('ai.readOnly')}</p>}

      {list.loading && !list.data ? (
        <Loading />
      ) : list.error && !list.data ? (
        <ErrorState error={list.error} onRetry={list.reload} />
      ) : providers.length === 0 ? (
        <Empty>{createReason ? t('ai.empty') : t('ai.emptyCreate')}</Empty>
      ) : (
        <>
          {!hasActive && (
            <p class="notice notice-warn" data-testid="ai-none-active">
              {t('ai.noneActive')}
            </p>
          )}
          <div class="table-wrap" role="region" aria-labelledby="ai-title" tabIndex={0}>
            <table class="table" data-testid="ai-table">
              <thead>
                <tr>
                  <th scope="col">{t('ai.col.name')}</th>
                  <th scope="col">{t('ai.col.model')}</th>
                  <th scope="col">{t('ai.col.url')}</th>
                  <th scope="col">{t('ai.col.key')}</th>
                  <th scope="col">{t('ai.col.prompt')}</th>
                  <th scope="col">{t('ai.col.updated')}</th>
                  <th scope="col">{t('common.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {providers.map((p) => {
                  const nameId = `ai-row-${p.id}-name`;
                  const busy = busyId === p.id;
                  return (
                    <tr key={p.id} data-testid="ai-row" data-name={p.name} data-provider-id={p.id} data-active={p.isActive ? 'true' : 'false'} class={p.isActive ? 'row-active' : undefined}>
                      <th scope="row">
                        <span id={nameId} class="break">
                          {p.name}
                        </span>{' '}
                        {p.isActive && (
                          <span class="badge badge-ready" data-testid="ai-active-badge">
                            {t('ai.active')}
                          </span>
                        )}
                      </th>
                      <td class="break">
                        <code>{p.modelName}</code>
                      </td>
                      <td class="break">
                        <code>{p.apiBaseUrl}</code>
                      </td>
                      <td>
                        <code data-testid="ai-key-mask">{p.apiKey}</code>
                      </td>
                      <td>{p.defaultSystemPrompt ? t('ai.prompt.custom') : t('ai.prompt.standard')}</td>
                      <td>{formatDateTime(p.updatedAtUtc)}</td>
                      <td>
                        <div class="row-actions">
                          <GatedButton onClick={() => setDialog({ kind: 'test', provider: p })} reason={updateReason} busy={busy} describedBy={nameId} testid="ai-test">
                            {t('ai.test.button')}
                          </GatedButton>
                          {!p.isActive && (
                            <GatedButton onClick={() => void activate(p)} reason={updateReason} busy={busy} describedBy={nameId} testid="ai-activate">
                              {t('ai.activate')}
                            </GatedButton>
                          )}
                          <GatedButton onClick={() => setDialog({ kind: 'edit', provider: p })} reason={updateReason} busy={busy} describedBy={nameId} testid="ai-edit">
                            {t('common.edit')}
                          </GatedButton>
                          <GatedButton onClick={() => void remove(p)} reason={deleteReason} busy={busy} class="btn btn-small btn-danger" describedBy={nameId} testid="ai-delete">
                            {t('common.delete')}
                          </GatedButton>
                        </div>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          {(updateReason || deleteReason) && !(createReason && updateReason && deleteReason) && (
            <p class="hint" data-testid="ai-permission-hint">
              {[updateReason, deleteReason].filter(Boolean).join(' ')}
            </p>
          )}
        </>
      )}

      {(dialog?.kind === 'create' || dialog?.kind === 'edit') && (
        <AiProviderDialog
          key={dialog.kind === 'edit' ? dialog.provider.id : 'new'}
          provider={dialog.kind === 'edit' ? dialog.provider : undefined}
          hasActive={hasActive}
          testReason={updateReason}
          onClose={() => setDialog(null)}
          onSaved={(p) => {
            setDialog(null);
            toast.success(t(dialog.kind === 'create' ? 'ai.created' : 'ai.saved', { name: p.name }));
            list.reload();
          }}
        />
      )}
      {dialog?.kind === 'test' && <TestDialog provider={dialog.provider} onClose={() => setDialog(null)} />}
    </section>
  );
}
