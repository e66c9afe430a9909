import { describe, expect, it } from 'vitest';
import { en } from '../src/i18n/en';
import { zhCN } from '../src/i18n/zh-CN';
import { detectLang, formatBytes, formatDuration, langStore, setLang, tn, translate } from '../src/i18n';
import { PERMISSIONS, PERMISSION_GROUPS, NAV } from '../src/lib/permissions';
import { AUDIT_ACTIONS } from '../src/pages/Audit';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('dictionaries', () => {
  it('have the same keys', () => {
    expect(Object.keys(zhCN).sort()).toEqual(Object.keys(en).sort());
  });

  it('have no empty strings and the same placeholders', () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(en[key].trim(), key).not.toBe('');
      expect(zhCN[key].trim(), key).not.toBe('');
      expect(placeholders(zhCN[key]), key).toEqual(placeholders(en[key]));
    }
  });

  it('translate every permission, area, nav entry and audit action', () => {
    const dict = en as Record<string, string>;
    for (const p of PERMISSIONS) expect(dict[`perm.${p}`], p).toBeTruthy();
    for (const g of PERMISSION_GROUPS) expect(dict[`area.${g.area}`], g.area).toBeTruthy();
    for (const n of NAV) expect(dict[`nav.${n.key}`], n.key).toBeTruthy();
    for (const a of AUDIT_ACTIONS) expect(dict[`audit.act.${a}`], a).toBeTruthy();
  });
});

describe('language choice and formatting', () => {
  it('picks Simplified Chinese for any zh tag, else English', () => {
    expect(detectLang(['zh-TW', 'en'])).toBe('zh-CN');
    expect(detectLang(['fr-FR', 'en-GB'])).toBe('en');
    expect(detectLang(['de'])).toBe('en');
    expect(detectLang([])).toBe('en');
  });

  it('formats sizes per locale', () => {
    expect(formatBytes(512, 'en')).toBe('512 B');
    expect(formatBytes(1536, 'en')).toBe('1.5 kB');
    expect(formatBytes(10 * 1024 * 1024, 'en')).toBe('10 MB');
    expect(formatBytes(null, 'en')).toBe('—');
  });

  it('formats waits', () => {
    expect(formatDuration(45, 'en')).toBe('45 seconds');
    expect(formatDuration(120, 'en')).toBe('2 minutes');
  });

  it('interpolates and pluralises', () => {
    expect(translate('en', 'login.tooMany', { time: '5 seconds' })).toBe('Too many sign-in attempts. Try again in 5 seconds.');
    const before = langStore.get();
    setLang('en');
    expect(tn('users.count', 1)).toBe('1 user');
    expect(tn('users.count', 3)).toBe('3 users');
    setLang('zh-CN');
    expect(tn('users.count', 3)).toBe('3 个用户');
    setLang(before);
  });
});
