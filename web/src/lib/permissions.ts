// Permission catalogue and the actor × target rules the console uses to show, hide and
// disable actions. The API stays the authority; this only mirrors its rules for the UI.

import type { Role, User } from '../api/types';

export const PERMISSION_GROUPS = [
  { area: 'assets', permissions: ['assets.read', 'assets.create', 'assets.update', 'assets.delete'] },
  { area: 'providers', permissions: ['providers.read', 'providers.create', 'providers.update', 'providers.delete'] },
  { area: 'aiProviders', permissions: ['aiProviders.read', 'aiProviders.create', 'aiProviders.update', 'aiProviders.delete'] },
  { area: 'settings', permissions: ['settings.read', 'settings.update'] },
  { area: 'users', permissions: ['users.read', 'users.create', 'users.update', 'users.disable', 'users.managePermissions'] },
  { area: 'audit', permissions: ['audit.read'] },
] as const;

export type PermissionArea = (typeof PERMISSION_GROUPS)[number]['area'];
export type Permission = (typeof PERMISSION_GROUPS)[number]['permissions'][number];

/** All 20 permission keys, in catalogue order. */
export const PERMISSIONS: readonly Permission[] = PERMISSION_GROUPS.flatMap((g) => g.permissions);

/**
 * Permissions the MCP tools check (the rest mean nothing to an agent): assets.*, providers.*,
 * and settings.update for making a storage profile the default.
 */
export const MCP_PERMISSIONS: readonly Permission[] = [
  'assets.read',
  'assets.create',
  'assets.update',
  'assets.delete',
  'providers.read',
  'providers.create',
  'providers.update',
  'providers.delete',
  'settings.update',
];

export const ROLES: readonly Role[] = ['superAdmin', 'admin', 'user'];

type Actor = Pick<User, 'id' | 'role' | 'permissions'> | null | undefined;
type Target = Pick<User, 'id' | 'role' | 'isActive'>;

export function isSuperAdmin(actor: Actor): boolean {
  return actor?.role === 'superAdmin';
}

/** UI permission test: the SuperAdmin holds everything; others need the key. */
export function can(actor: Actor, permission: Permission): boolean {
  if (!actor) return false;
  if (actor.role === 'superAdmin') return true;
  return actor.permissions.includes(permission);
}

/** Catalogue order, keeping only known keys. */
export function sortPermissions(list: readonly string[]): Permission[] {
  const set = new Set(list);
  return PERMISSIONS.filter((p) => set.has(p));
}

/** What the actor may hand out (to users it manages, or to its own API keys). */
export function grantablePermissions(actor: Actor): Permission[] {
  if (!actor) return [];
  if (actor.role === 'superAdmin') return [...PERMISSIONS];
  return sortPermissions(actor.permissions);
}

/** Roles the actor may give a new account (needs users.create). */
export function creatableRoles(actor: Actor): Role[] {
  if (!actor || !can(actor, 'users.create')) return [];
  if (actor.role === 'superAdmin') return ['admin', 'user'];
  if (actor.role === 'admin') return ['user'];
  return [];
}

/** Reason keys (translated by the UI) explaining why an action is not available. */
export type DenyReason =
  | 'missingPermission'
  | 'roleCannotManage'
  | 'adminManagesUsersOnly'
  | 'selfDisable'
  | 'selfRole'
  | 'selfPermissions'
  | 'superAdminDisable'
  | 'superAdminRole'
  | 'superAdminPermissions'
  | 'adminCannotPromote';

export interface Verdict {
  allowed: boolean;
  reason: DenyReason | null;
  /** The permission the actor lacks, when reason is missingPermission. */
  permission?: Permission;
}

const yes: Verdict = { allowed: true, reason: null };
const no = (reason: DenyReason, permission?: Permission): Verdict => ({ allowed: false, reason, permission });

/** Hierarchy: SuperAdmin manages everyone (itself included), Admin only role `user`, User nobody. */
export function manageVerdict(actor: Actor, target: Target): Verdict {
  if (!actor) return no('roleCannotManage');
  if (actor.role === 'superAdmin') return yes;
  if (actor.role === 'admin') return target.role === 'user' ? yes : no('adminManagesUsersOnly');
  return no('roleCannotManage');
}

export function canManage(actor: Actor, target: Target): boolean {
  return manageVerdict(actor, target).allowed;
}

/** Roles the actor may set on an existing account through PATCH /users/{id}. */
export function assignableRoles(actor: Actor, target: Target): Role[] {
  if (!actor || !canManage(actor, target)) return [];
  if (actor.role === 'superAdmin') {
    if (target.role === 'superAdmin' || target.id === actor.id) return [];
    return ['admin', 'user'];
  }
  // An Admin cannot promote anyone to admin; targets are already `user`.
  return [];
}

export interface UserActionVerdicts {
  edit: Verdict;
  changeRole: Verdict;
  toggleStatus: Verdict;
  resetPassword: Verdict;
  permissions: Verdict;
}

function withPermission(actor: Actor, permission: Permission, inner: () => Verdict): Verdict {
  if (!can(actor, permission)) return no('missingPermission', permission);
  return inner();
}

/** Every per-row action of the Users page, with the reason when it is not allowed. */
export function userActions(actor: Actor, target: Target): UserActionVerdicts {
  const manage = manageVerdict(actor, target);
  const self = !!actor && actor.id === target.id;
  const managed = (extra?: () => Verdict) => (): Verdict => (manage.allowed ? (extra ? extra() : yes) : manage);

  return {
    edit: withPermission(actor, 'users.update', managed()),
    changeRole: withPermission(
      actor,
      'users.update',
      managed(() => {
        if (target.role === 'superAdmin') return no('superAdminRole');
        if (self) return no('selfRole');
        if (actor?.role !== 'superAdmin') return no('adminCannotPromote');
        return yes;
      }),
    ),
    toggleStatus: withPermission(
      actor,
      'users.disable',
      managed(() => {
        // Enabling an inactive account is always fine once managed; only switching off is guarded.
        if (!target.isActive) return yes;
        if (target.role === 'superAdmin') return no('superAdminDisable');
        if (self) return no('selfDisable');
        return yes;
      }),
    ),
    resetPassword: withPermission(actor, 'users.update', managed()),
    permissions: withPermission(
      actor,
      'users.managePermissions',
      managed(() => {
        if (target.role === 'superAdmin') return no('superAdminPermissions');
        if (self) return no('selfPermissions');
        return yes;
      }),
    ),
  };
}

/**
 * The permission list to send when the actor edits a target's grants: what the actor ticked
 * among the permissions it may grant, plus the target's existing grants the actor may not
 * touch (kept as they are).
 */
export function mergeGrants(actor: Actor, existing: readonly string[], selected: readonly string[]): Permission[] {
  const grantable = new Set<string>(grantablePermissions(actor));
  const keep = existing.filter((p) => !grantable.has(p));
  const chosen = selected.filter((p) => grantable.has(p));
  return sortPermissions([...keep, ...chosen]);
}

// ---- navigation ------------------------------------------------------------------------------

export interface NavEntry {
  path: string;
  key: 'assets' | 'upload' | 'users' | 'audit' | 'connect' | 'account' | 'storage' | 'jobs' | 'aiProviders' | 'workflows';
  /** null = any signed-in user. */
  permission: Permission | null;
  /** Shown only to holders of at least one of these (besides `permission`). */
  anyOf?: readonly Permission[];
  /** Pages planned but not built yet are kept here, hidden. */
  enabled: boolean;
}

export const NAV: readonly NavEntry[] = [
  { path: '/assets', key: 'assets', permission: 'assets.read', enabled: true },
  { path: '/assets/upload', key: 'upload', permission: 'assets.create', enabled: true },
  { path: '/storage', key: 'storage', permission: 'providers.read', enabled: true },
  { path: '/jobs', key: 'jobs', permission: 'settings.read', enabled: true },
  { path: '/ai-providers', key: 'aiProviders', permission: 'aiProviders.read', enabled: true },
  { path: '/workflows', key: 'workflows', permission: 'settings.read', enabled: true },
  { path: '/users', key: 'users', permission: 'users.read', enabled: true },
  { path: '/audit', key: 'audit', permission: 'audit.read', enabled: true },
  // Anyone who can give a key something an agent can use (personal keys need ≥ 1 permission).
  { path: '/connect', key: 'connect', permission: null, anyOf: MCP_PERMISSIONS, enabled: true },
  { path: '/account', key: 'account', permission: null, enabled: true },
];

export function visibleNav(actor: Actor): NavEntry[] {
  return NAV.filter(
    (n) => n.enabled && (n.permission === null || can(actor, n.permission)) && (!n.anyOf || n.anyOf.some((p) => can(actor, p))),
  );
}

/** Where `/` and a successful sign-in without `next` lead: the first permitted page. */
export function landingPath(actor: Actor): string {
  if (!actor) return '/gallery';
  const first = visibleNav(actor)[0];
  return first ? first.path : '/account';
}
