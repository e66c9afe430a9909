import { useState } from 'preact/hooks';
import { API } from '../api/endpoints';
import type { Role, User } from '../api/types';
import {
  assignableRoles,
  can,
  creatableRoles,
  grantablePermissions,
  mergeGrants,
  sortPermissions,
  userActions,
  type Verdict,
} from '../lib/permissions';
import { passwordProblem } from '../lib/password';
import { useSession } from '../lib/session';
import { useAsync } from '../lib/useAsync';
import { formatDateTime, t, tn, type MessageKey } from '../i18n';
import { confirmDialog } from '../ui/confirm';
import { Dialog } from '../ui/Dialog';
import { PasswordField, passwordProblemText, TextField } from '../ui/fields';
import { PermissionChecklist } from '../ui/PermissionChecklist';
import { Empty, ErrorState, Loading } from '../ui/states';
import { Switch } from '../ui/Switch';
import { toast } from '../ui/toast';
import { useAction } from '../lib/useAction';
import { useTitle } from '../ui/useTitle';

export function reasonText(v: Verdict): string | null {
  if (v.allowed || !v.reason) return null;
  return t(`reason.${v.reason}` as MessageKey, { permission: v.permission ?? '' });
}

export const roleLabel = (r: Role) => t(`role.${r}` as MessageKey);

type DialogState =
  | { kind: 'new' }
  | { kind: 'edit'; user: User }
  | { kind: 'reset'; user: User }
  | { kind: 'perms'; user: User }
  | null;

function ActionButton({ verdict, label, onClick, testid, username }: {
  verdict: Verdict;
  label: string;
  onClick: () => void;
  testid: string;
  username: string;
}) {
  const why = reasonText(verdict);
  const whyId = why ? `${testid}-${username}-why` : undefined;
  return (
    <>
      <button
        type="button"
        class="btn btn-small"
        disabled={!verdict.allowed}
        title={why ?? undefined}
        aria-describedby={whyId}
        onClick={onClick}
        data-testid={testid}
        data-disabled-reason={verdict.reason ?? undefined}
      >
        {label}
      </button>
      {whyId && (
        <span id={whyId} class="sr-only">
          {why}
        </span>
      )}
    </>
  );
}

/** Visible explanation under the row's actions: each distinct reason once. */
function RowReasons({ verdicts }: { verdicts: Verdict[] }) {
  const reasons = Array.from(new Set(verdicts.map(reasonText).filter((x): x is string => !!x)));
  if (!reasons.length) return null;
  return (
    <ul class="row-reasons" data-testid="user-row-reasons">
      {reasons.map((r) => (
        <li key={r}>{r}</li>
      ))}
    </ul>
  );
}

export function UsersPage() {
  useTitle(t('users.title'));
  const { user: actor } = useSession();
  const users = useAsync(() => API.listUsers(), []);
  const [search, setSearch] = useState('');
  const [roleFilter, setRoleFilter] = useState<'' | Role>('');
  const [statusFilter, setStatusFilter] = useState<'' | 'active' | 'inactive'>('');
  const [dialog, setDialog] = useState<DialogState>(null);
  const [busyId, setBusyId] = useState<string | null>(null);

  const replaceUser = (u: User) => users.setData((list) => list?.map((x) => (x.id === u.id ? u : x)));

  const toggleStatus = async (u: User) => {
    const enable = !u.isActive;
    const ok = await confirmDialog({
      title: t(enable ? 'userStatus.enableTitle' : 'userStatus.disableTitle', { username: u.username }),
      body: t(enable ? 'userStatus.enableBody' : 'userStatus.disableBody', { username: u.username }),
      confirmLabel: t(enable ? 'userStatus.enable' : 'userStatus.disable'),
      danger: !enable,
    });
    if (!ok) return;
    setBusyId(u.id);
    try {
      const updated = await API.setUserStatus(u.id, enable);
      replaceUser(updated);
      toast.success(t(enable ? 'userStatus.enabled' : 'userStatus.disabled', { username: u.username }));
    } catch (err) {
      toast.error(err);
    } finally {
      setBusyId(null);
    }
  };

  const q = search.trim().toLowerCase();
  const list = (users.data ?? []).filter(
    (u) =>
      (!q || u.username.toLowerCase().includes(q)) &&
      (!roleFilter || u.role === roleFilter) &&
      (!statusFilter || (statusFilter === 'active') === u.isActive),
  );
  const creatable = creatableRoles(actor);
  const readOnly = !['users.create', 'users.update', 'users.disable', 'users.managePermissions'].some((p) => can(actor, p as never));

  return (
    <section>
      <div class="page-head">
        <h1 id="users-title">{t('users.title')}</h1>
        {creatable.length > 0 && (
          <button type="button" class="btn btn-primary" onClick={() => setDialog({ kind: 'new' })} data-testid="users-new">
            {t('users.new')}
          </button>
        )}
      </div>
      {actor?.role === 'admin' && <p class="notice">{t('users.scopeAdmin')}</p>}
      {readOnly && <p class="notice">{t('users.readOnly')}</p>}

      <div class="toolbar" role="search">
        <div class="field">
          <label for="users-search">{t('users.search')}</label>
          <input id="users-search" type="search" value={search} onInput={(e) => setSearch((e.target as HTMLInputElement).value)} data-testid="users-search" />
        </div>
        <div class="field">
          <label for="users-role">{t('users.filterRole')}</label>
          <select id="users-role" value={roleFilter} onChange={(e) => setRoleFilter((e.target as HTMLSelectElement).value as Role | '')} data-testid="users-filter-role">
            <option value="">{t('users.allRoles')}</option>
            <option value="superAdmin">{roleLabel('superAdmin')}</option>
            <option value="admin">{roleLabel('admin')}</option>
            <option value="user">{roleLabel('user')}</option>
          </select>
        </div>
        <div class="field">
          <label for="users-status">{t('users.filterStatus')}</label>
          <select
            id="users-status"
            value={statusFilter}
            onChange={(e) => setStatusFilter((e.target as HTMLSelectElement).value as '' | 'active' | 'inactive')}
            data-testid="users-filter-status"
          >
            <option value="">{t('users.allStatuses')}</option>
            <option value="active">{t('status.active')}</option>
            <option value="inactive">{t('status.inactive')}</option>
          </select>
        </div>
      </div>

      {users.loading && !users.data ? (
        <Loading />
      ) : users.error && !users.data ? (
        <ErrorState error={users.error} onRetry={users.reload} />
      ) : list.length === 0 ? (
        <Empty>{(users.data ?? []).length === 0 ? t('users.empty') : t('users.emptyFiltered')}</Empty>
      ) : (
        <>
          <p class="muted small" aria-live="polite">
            {tn('users.count', list.length)}
          </p>
          <div class="table-wrap" role="region" aria-labelledby="users-title" tabIndex={0}>
            <table class="table" data-testid="users-table">
              <thead>
                <tr>
                  <th scope="col">{t('users.col.username')}</th>
                  <th scope="col">{t('users.col.role')}</th>
                  <th scope="col">{t('users.col.status')}</th>
                  <th scope="col">{t('users.col.permissions')}</th>
                  <th scope="col">{t('users.col.created')}</th>
                  <th scope="col">{t('users.col.lastLogin')}</th>
                  <th scope="col">{t('common.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {list.map((u) => {
                  const v = userActions(actor, u);
                  const self = actor?.id === u.id;
                  return (
                    <tr key={u.id} data-testid={`user-row-${u.username}`} data-username={u.username} data-user-id={u.id}>
                      <th scope="row">
                        <span class="username">{u.username}</span>
                        {self && <span class="badge">{t('users.you')}</span>}
                      </th>
                      <td>
                        <span class={`badge badge-role-${u.role}`} data-testid="user-role">
                          {roleLabel(u.role)}
                        </span>
                      </td>
                      <td>
                        <Switch
                          checked={u.isActive}
                          onChange={() => toggleStatus(u)}
                          label={t('users.statusToggle', { username: u.username })}
                          text={u.isActive ? t('status.active') : t('status.inactive')}
                          disabled={!v.toggleStatus.allowed}
                          busy={busyId === u.id}
                          reason={reasonText(v.toggleStatus)}
                          testid="user-status-toggle"
                        />
                      </td>
                      <td>{u.role === 'superAdmin' ? t('perms.all') : tn('perms.count', u.permissions.length)}</td>
                      <td>{formatDateTime(u.createdAtUtc)}</td>
                      <td>{u.lastLoginAtUtc ? formatDateTime(u.lastLoginAtUtc) : t('common.never')}</td>
                      <td>
                        <div class="row-actions">
                          <ActionButton verdict={v.edit} label={t('users.edit')} onClick={() => setDialog({ kind: 'edit', user: u })} testid="user-edit" username={u.username} />
                          <ActionButton
                            verdict={v.permissions}
                            label={t('users.permissions')}
                            onClick={() => setDialog({ kind: 'perms', user: u })}
                            testid="user-permissions"
                            username={u.username}
                          />
                          <ActionButton
                            verdict={v.resetPassword}
                            label={t('users.resetPassword')}
                            onClick={() => setDialog({ kind: 'reset', user: u })}
                            testid="user-reset-password"
                            username={u.username}
                          />
                        </div>
                        <RowReasons verdicts={[v.edit, v.toggleStatus, v.permissions, v.resetPassword]} />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </>
      )}

      {dialog?.kind === 'new' && actor && (
        <NewUserDialog
          actor={actor}
          onClose={() => setDialog(null)}
          onCreated={(u) => {
            users.setData((l) => [u, ...(l ?? [])]);
            setDialog(null);
          }}
        />
      )}
      {dialog?.kind === 'edit' && actor && (
        <EditUserDialog
          actor={actor}
          user={dialog.user}
          onClose={() => setDialog(null)}
          onSaved={(u) => {
            replaceUser(u);
            setDialog(null);
          }}
        />
      )}
      {dialog?.kind === 'reset' && <ResetPasswordDialog user={dialog.user} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'perms' && actor && (
        <PermissionsDialog
          actor={actor}
          user={dialog.user}
          onClose={() => setDialog(null)}
          onSaved={(u) => {
            replaceUser(u);
            setDialog(null);
          }}
        />
      )}
    </section>
  );
}

const ROLE_TEMPLATE: Record<Role, string[]> = {
  superAdmin: [],
  admin: [
    'assets.read', 'assets.create', 'assets.update', 'assets.delete',
    'providers.read', 'providers.create', 'providers.update', 'providers.delete',
    'aiProviders.read', 'aiProviders.create', 'aiProviders.update', 'aiProviders.delete',
    'settings.read', 'settings.update',
    'users.read', 'users.create', 'users.update', 'users.disable', 'users.managePermissions',
    'audit.read',
  ],
  user: ['assets.read'],
};

function NewUserDialog({ actor, onClose, onCreated }: { actor: User; onClose: () => void; onCreated: (u: User) => void }) {
  const roles = creatableRoles(actor);
  const grantable = grantablePermissions(actor);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>(roles.includes('user') ? 'user' : roles[0]);
  const [active, setActive] = useState(true);
  const [custom, setCustom] = useState(false);
  const [perms, setPerms] = useState<string[]>([]);
  const [busy, run] = useAction();
  const [tried, setTried] = useState(false);

  const usernameError = tried && !username.trim() ? t('newUser.usernameRequired') : null;
  const pwProblem = passwordProblem(password);
  const pwError = tried ? passwordProblemText(pwProblem) : null;

  const submit = async (e: Event) => {
    e.preventDefault();
    setTried(true);
    if (!username.trim() || pwProblem) return;
    await run(async () => {
      const created = await API.createUser({
        username: username.trim(),
        password,
        role,
        isActive: active,
        ...(custom ? { permissions: sortPermissions(perms) } : {}),
      });
      toast.success(t('newUser.created', { username: created.username }));
      onCreated(created);
    });
  };

  return (
    <Dialog title={t('newUser.title')} onClose={onClose} busy={busy} testid="new-user-dialog" size="large">
      <form onSubmit={submit} noValidate>
        <div class="dialog-body">
          <TextField
            id="new-user-username"
            label={t('newUser.username')}
            value={username}
            onValue={setUsername}
            error={usernameError}
            autocomplete="off"
            autoCapitalize="none"
            spellcheck={false}
            required
            testid="new-user-username"
          />
          <PasswordField
            id="new-user-password"
            label={t('newUser.password')}
            value={password}
            onValue={setPassword}
            error={pwError}
            showPolicy
            required
            testid="new-user-password"
          />
          <div class="field">
            <label for="new-user-role">{t('newUser.role')}</label>
            <select
              id="new-user-role"
              value={role}
              onChange={(e) => {
                const r = (e.target as HTMLSelectElement).value as Role;
                setRole(r);
                if (custom) setPerms(ROLE_TEMPLATE[r].filter((p) => grantable.includes(p as never)));
              }}
              data-testid="new-user-role"
            >
              {roles.map((r) => (
                <option key={r} value={r}>
                  {roleLabel(r)}
                </option>
              ))}
            </select>
          </div>
          <div class="check">
            <input id="new-user-active" type="checkbox" checked={active} onChange={(e) => setActive((e.target as HTMLInputElement).checked)} data-testid="new-user-active" />
            <label for="new-user-active">{t('newUser.active')}</label>
          </div>
          <div class="check">
            <input
              id="new-user-custom"
              type="checkbox"
              checked={custom}
              aria-describedby="new-user-custom-hint"
              onChange={(e) => {
                const on = (e.target as HTMLInputElement).checked;
                setCustom(on);
                if (on) setPerms(ROLE_TEMPLATE[role].filter((p) => grantable.includes(p as never)));
              }}
              data-testid="new-user-custom-permissions"
            />
            <label for="new-user-custom">{t('newUser.customPermissions')}</label>
          </div>
          <p id="new-user-custom-hint" class="hint">
            {t('newUser.templateHint')}
          </p>
          {custom && <PermissionChecklist value={perms} onChange={setPerms} grantable={grantable} idPrefix="new-user-perm" />}
        </div>
        <div class="dialog-footer">
          <button type="button" class="btn" onClick={onClose} disabled={busy}>
            {t('common.cancel')}
          </button>
          <button type="submit" class="btn btn-primary" disabled={busy} data-testid="new-user-submit">
            {busy ? t('common.saving') : t('newUser.submit')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function EditUserDialog({ actor, user, onClose, onSaved }: { actor: User; user: User; onClose: () => void; onSaved: (u: User) => void }) {
  const verdicts = userActions(actor, user);
  const roleOptions = Array.from(new Set<Role>([user.role, ...assignableRoles(actor, user)]));
  const roleWhy = reasonText(verdicts.changeRole);
  const [username, setUsername] = useState(user.username);
  const [role, setRole] = useState<Role>(user.role);
  const [busy, run] = useAction();
  const [tried, setTried] = useState(false);
  const usernameError = tried && !username.trim() ? t('newUser.usernameRequired') : null;

  const submit = async (e: Event) => {
    e.preventDefault();
    setTried(true);
    if (!username.trim()) return;
    const patch: { username?: string; role?: Role } = {};
    if (username.trim() !== user.username) patch.username = username.trim();
    if (role !== user.role) patch.role = role;
    if (!Object.keys(patch).length) {
      toast.info(t('common.noChanges'));
      onClose();
      return;
    }
    await run(async () => {
      const updated = await API.updateUser(user.id, patch);
      toast.success(t('editUser.saved', { username: updated.username }));
      onSaved(updated);
    });
  };

  return (
    <Dialog title={t('editUser.title', { username: user.username })} onClose={onClose} busy={busy} testid="edit-user-dialog">
      <form onSubmit={submit} noValidate>
        <div class="dialog-body">
          <TextField
            id="edit-user-username"
            label={t('editUser.username')}
            value={username}
            onValue={setUsername}
            error={usernameError}
            autocomplete="off"
            autoCapitalize="none"
            spellcheck={false}
            required
            testid="edit-user-username"
          />
          <div class="field">
            <label for="edit-user-role">{t('editUser.role')}</label>
            <select
              id="edit-user-role"
              value={role}
              disabled={!verdicts.changeRole.allowed}
              aria-describedby={roleWhy ? 'edit-user-role-why' : role !== user.role ? 'edit-user-role-warn' : undefined}
              onChange={(e) => setRole((e.target as HTMLSelectElement).value as Role)}
              data-testid="edit-user-role"
            >
              {roleOptions.map((r) => (
                <option key={r} value={r}>
                  {roleLabel(r)}
                </option>
              ))}
            </select>
            {roleWhy && (
              <p id="edit-user-role-why" class="hint">
                {roleWhy}
              </p>
            )}
            {role !== user.role && (
              <p id="edit-user-role-warn" class="hint warn">
                {t('editUser.roleWarning')}
              </p>
            )}
          </div>
        </div>
        <div class="dialog-footer">
          <button type="button" class="btn" onClick={onClose} disabled={busy}>
            {t('common.cancel')}
          </button>
          <button type="submit" class="btn btn-primary" disabled={busy} data-testid="edit-user-submit">
            {busy ? t('common.saving') : t('common.save')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function ResetPasswordDialog({ user, onClose }: { user: User; onClose: () => void }) {
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [busy, run] = useAction();
  const [tried, setTried] = useState(false);
  const problem = passwordProblem(password, repeat);
  const pwError = tried && problem && problem !== 'mismatch' ? passwordProblemText(problem) : null;
  const repeatError = tried && problem === 'mismatch' ? passwordProblemText(problem) : null;

  const submit = async (e: Event) => {
    e.preventDefault();
    setTried(true);
    if (problem) return;
    await run(async () => {
      await API.resetPassword(user.id, password);
      toast.success(t('resetPassword.done', { username: user.username }));
      onClose();
    });
  };

  return (
    <Dialog title={t('resetPassword.title', { username: user.username })} onClose={onClose} busy={busy} testid="reset-password-dialog">
      <form onSubmit={submit} noValidate>
        <div class="dialog-body">
          <PasswordField id="reset-password-new" label={t('resetPassword.new')} value={password} onValue={setPassword} error={pwError} showPolicy required testid="reset-password-new" />
          <PasswordField id="reset-password-confirm" label={t('resetPassword.confirm')} value={repeat} onValue={setRepeat} error={repeatError} required testid="reset-password-confirm" />
        </div>
        <div class="dialog-footer">
          <button type="button" class="btn" onClick={onClose} disabled={busy}>
            {t('common.cancel')}
          </button>
          <button type="submit" class="btn btn-primary" disabled={busy} data-testid="reset-password-submit">
            {busy ? t('common.saving') : t('resetPassword.submit')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function PermissionsDialog({ actor, user, onClose, onSaved }: { actor: User; user: User; onClose: () => void; onSaved: (u: User) => void }) {
  const grantable = grantablePermissions(actor);
  const [perms, setPerms] = useState<string[]>(sortPermissions(user.permissions));
  const [busy, run] = useAction();

  const submit = async (e: Event) => {
    e.preventDefault();
    const next = mergeGrants(actor, user.permissions, perms);
    const before = sortPermissions(user.permissions);
    if (next.join(',') === before.join(',')) {
      toast.info(t('common.noChanges'));
      onClose();
      return;
    }
    await run(async () => {
      const updated = await API.setPermissions(user.id, next);
      toast.success(t('userPerms.saved', { username: user.username }));
      onSaved(updated);
    });
  };

  return (
    <Dialog title={t('userPerms.title', { username: user.username })} onClose={onClose} busy={busy} testid="permissions-dialog" size="large">
      <form onSubmit={submit}>
        <div class="dialog-body">
          {actor.role !== 'superAdmin' && <p class="hint">{t('userPerms.hint')}</p>}
          <PermissionChecklist value={perms} onChange={setPerms} grantable={grantable} idPrefix="user-perm" />
        </div>
        <div class="dialog-footer">
          <button type="button" class="btn" onClick={onClose} disabled={busy}>
            {t('common.cancel')}
          </button>
          <button type="submit" class="btn btn-primary" disabled={busy} data-testid="permissions-submit">
            {busy ? t('common.saving') : t('common.save')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
