import { describe, expect, it } from 'vitest';
import type { Role, User } from '../src/api/types';
import {
  assignableRoles,
  can,
  canManage,
  creatableRoles,
  grantablePermissions,
  landingPath,
  mergeGrants,
  PERMISSION_GROUPS,
  PERMISSIONS,
  userActions,
  visibleNav,
} from '../src/lib/permissions';

const ALL = [...PERMISSIONS];
const USER_ADMIN = ['users.read', 'users.create', 'users.update', 'users.disable', 'users.managePermissions'];

function mk(id: string, role: Role, permissions: string[] = [], isActive = true): User {
  return { id, username: id, role, isActive, permissions, createdAtUtc: '', updatedAtUtc: '', lastLoginAtUtc: null };
}

const root = mk('root', 'superAdmin');
const admin = mk('admin', 'admin', ALL);
const admin2 = mk('admin2', 'admin', ALL);
const limitedAdmin = mk('ladmin', 'admin', ['assets.read', 'users.read', 'users.create', 'users.update']);
const user = mk('alice', 'user', ['assets.read']);
const powerUser = mk('bob', 'user', [...USER_ADMIN, 'assets.read']);
const inactiveUser = mk('carol', 'user', ['assets.read'], false);

describe('catalogue', () => {
  it('has the 20 permissions in catalogue order, grouped by area', () => {
    expect(PERMISSIONS).toHaveLength(20);
    expect(PERMISSIONS[0]).toBe('assets.read');
    expect(PERMISSIONS[19]).toBe('audit.read');
    expect(PERMISSION_GROUPS.map((g) => g.area)).toEqual(['assets', 'providers', 'aiProviders', 'settings', 'users', 'audit']);
  });

  it('the super admin can do everything; others need the key', () => {
    expect(can(root, 'audit.read')).toBe(true);
    expect(can(user, 'assets.read')).toBe(true);
    expect(can(user, 'assets.delete')).toBe(false);
    expect(can(null, 'assets.read')).toBe(false);
  });
});

describe('who may create which role', () => {
  it('superAdmin creates admins and users', () => expect(creatableRoles(root)).toEqual(['admin', 'user']));
  it('admin creates only users', () => expect(creatableRoles(admin)).toEqual(['user']));
  it('user creates nobody, even holding users.create', () => expect(creatableRoles(powerUser)).toEqual([]));
  it('admin without users.create creates nobody', () => expect(creatableRoles(mk('x', 'admin', ['users.read']))).toEqual([]));
});

describe('who may manage whom', () => {
  it('superAdmin manages everyone including itself', () => {
    for (const target of [root, admin, user]) expect(canManage(root, target)).toBe(true);
  });
  it('admin manages only role user', () => {
    expect(canManage(admin, user)).toBe(true);
    expect(canManage(admin, admin2)).toBe(false);
    expect(canManage(admin, admin)).toBe(false);
    expect(canManage(admin, root)).toBe(false);
  });
  it('user manages nobody', () => {
    expect(canManage(powerUser, user)).toBe(false);
    expect(canManage(powerUser, powerUser)).toBe(false);
  });
});

describe('per-row actions', () => {
  it('superAdmin on itself: may edit and reset, may not disable, change role or permissions', () => {
    const v = userActions(root, root);
    expect(v.edit.allowed).toBe(true);
    expect(v.resetPassword.allowed).toBe(true);
    expect(v.toggleStatus).toMatchObject({ allowed: false, reason: 'superAdminDisable' });
    expect(v.changeRole).toMatchObject({ allowed: false, reason: 'superAdminRole' });
    expect(v.permissions).toMatchObject({ allowed: false, reason: 'superAdminPermissions' });
  });

  it('superAdmin on an admin: everything', () => {
    const v = userActions(root, admin);
    expect(Object.values(v).every((x) => x.allowed)).toBe(true);
    expect(assignableRoles(root, admin)).toEqual(['admin', 'user']);
  });

  it('admin on a user: everything but changing the role (no promotion)', () => {
    const v = userActions(admin, user);
    expect(v.edit.allowed).toBe(true);
    expect(v.toggleStatus.allowed).toBe(true);
    expect(v.resetPassword.allowed).toBe(true);
    expect(v.permissions.allowed).toBe(true);
    expect(v.changeRole).toMatchObject({ allowed: false, reason: 'adminCannotPromote' });
    expect(assignableRoles(admin, user)).toEqual([]);
  });

  it('admin on another admin or the super admin: nothing', () => {
    for (const target of [admin2, root]) {
      const v = userActions(admin, target);
      for (const verdict of Object.values(v)) expect(verdict).toMatchObject({ allowed: false, reason: 'adminManagesUsersOnly' });
    }
  });

  it('user role manages nobody even with users.* permissions', () => {
    const v = userActions(powerUser, user);
    for (const verdict of Object.values(v)) expect(verdict).toMatchObject({ allowed: false, reason: 'roleCannotManage' });
  });

  it('a missing permission is reported before hierarchy rules', () => {
    const v = userActions(limitedAdmin, user);
    expect(v.edit.allowed).toBe(true);
    expect(v.toggleStatus).toMatchObject({ allowed: false, reason: 'missingPermission', permission: 'users.disable' });
    expect(v.permissions).toMatchObject({ allowed: false, reason: 'missingPermission', permission: 'users.managePermissions' });
  });

  it('enabling an inactive account is allowed for a manager', () => {
    expect(userActions(admin, inactiveUser).toggleStatus.allowed).toBe(true);
  });
});

describe('what may be granted', () => {
  it('superAdmin grants everything', () => expect(grantablePermissions(root)).toEqual(ALL));
  it('others grant only what they hold (catalogue order, unknown keys dropped)', () => {
    expect(grantablePermissions(mk('x', 'admin', ['users.read', 'assets.read', 'bogus.perm']))).toEqual(['assets.read', 'users.read']);
  });
  it('a user grants its own permissions to its API keys only', () => expect(grantablePermissions(user)).toEqual(['assets.read']));

  it('merging keeps grants the actor cannot touch and applies its choices', () => {
    const target = ['assets.read', 'providers.read', 'audit.read'];
    // limitedAdmin holds assets.read, users.read, users.create, users.update
    expect(mergeGrants(limitedAdmin, target, ['users.read'])).toEqual(['providers.read', 'users.read', 'audit.read']);
    // selections outside the actor's grants are ignored
    expect(mergeGrants(limitedAdmin, [], ['assets.delete', 'assets.read'])).toEqual(['assets.read']);
    expect(mergeGrants(root, target, [])).toEqual([]);
  });
});

describe('navigation', () => {
  it('shows only permitted, built pages', () => {
    expect(visibleNav(root).map((n) => n.key)).toEqual(['assets', 'upload', 'storage', 'jobs', 'aiProviders', 'workflows', 'users', 'audit', 'connect', 'account']);
    expect(visibleNav(user).map((n) => n.key)).toEqual(['assets', 'connect', 'account']);
    expect(visibleNav(mk('n', 'user', [])).map((n) => n.key)).toEqual(['account']);
  });
  it('offers "Connect an agent" only to holders of a permission an MCP tool checks', () => {
    expect(visibleNav(mk('a', 'user', ['audit.read'])).map((n) => n.key)).toEqual(['audit', 'account']);
    expect(visibleNav(mk('p', 'user', ['providers.read'])).map((n) => n.key)).toEqual(['storage', 'connect', 'account']);
    expect(visibleNav(mk('s', 'user', ['settings.update'])).map((n) => n.key)).toEqual(['connect', 'account']);
    expect(visibleNav(mk('r', 'user', ['settings.read', 'aiProviders.read'])).map((n) => n.key)).toEqual(['jobs', 'aiProviders', 'workflows', 'account']);
  });
  it('lands on the first permitted page', () => {
    expect(landingPath(root)).toBe('/assets');
    expect(landingPath(mk('a', 'user', ['audit.read']))).toBe('/audit');
    expect(landingPath(mk('n', 'user', []))).toBe('/account');
    expect(landingPath(mk('ai', 'user', ['aiProviders.read']))).toBe('/ai-providers');
    // Never the workflow editor: settings.read lands on the Jobs page first.
    expect(landingPath(mk('s', 'user', ['settings.read']))).toBe('/jobs');
    expect(landingPath(null)).toBe('/gallery');
  });
});
