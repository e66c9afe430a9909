// Language choice, message lookup and locale-aware formatting (Intl).

import { createStore, useStore } from '../lib/store';
import { en, type MessageKey, type Messages } from './en';
import { zhCN } from './zh-CN';

export type Lang = 'en' | 'zh-CN';
export type { MessageKey };

export const LANGS: { code: Lang; name: string }[] = [
  { code: 'en', name: 'English' },
  { code: 'zh-CN', name: '简体中文' },
];

export const MESSAGES: Record<Lang, Messages> = { en, 'zh-CN': zhCN };

const STORAGE_KEY = 'nekohub.lang';

/** Picks the first supported language from the browser's preference list. */
export function detectLang(preferred: readonly string[]): Lang {
  for (const raw of preferred) {
    const tag = raw.toLowerCase();
    if (tag.startsWith('zh')) return 'zh-CN';
    if (tag.startsWith('en')) return 'en';
  }
  return 'en';
}

function initialLang(): Lang {
  try {
    const saved = globalThis.localStorage?.getItem(STORAGE_KEY);
    if (saved === 'en' || saved === 'zh-CN') return saved;
  } catch {
    // storage unavailable
  }
  const nav = (globalThis as { navigator?: Navigator }).navigator;
  const list = nav ? (nav.languages && nav.languages.length ? nav.languages : [nav.language]) : [];
  return detectLang(list.filter(Boolean));
}

export const langStore = createStore<Lang>(initialLang());

function applyDocumentLang(lang: Lang) {
  if (typeof document !== 'undefined') document.documentElement.lang = lang;
}
applyDocumentLang(langStore.get());

export function setLang(lang: Lang): void {
  langStore.set(lang);
  applyDocumentLang(lang);
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, lang);
  } catch {
    // ignore
  }
}

export function useLang(): Lang {
  return useStore(langStore);
}

export type Params = Record<string, string | number>;

export function format(template: string, params?: Params): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

export function translate(lang: Lang, key: MessageKey, params?: Params): string {
  const msg = MESSAGES[lang][key] ?? en[key] ?? key;
  return format(msg, params);
}

/** Translate with the current language. */
export function t(key: MessageKey, params?: Params): string {
  return translate(langStore.get(), key, params);
}

/** Translate a key that may not exist (dynamic keys such as audit actions); null if missing. */
export function tMaybe(key: string, params?: Params): string | null {
  const dict = MESSAGES[langStore.get()] as Record<string, string>;
  const msg = dict[key];
  return msg === undefined ? null : format(msg, params);
}

/** Plural: uses `<key>_one` / `<key>_other` chosen by Intl.PluralRules; `count` is formatted. */
export function tn(key: string, count: number, params?: Params): string {
  const lang = langStore.get();
  const rule = new Intl.PluralRules(lang).select(count);
  const dict = MESSAGES[lang] as Record<string, string>;
  const msg = dict[`${key}_${rule}`] ?? dict[`${key}_other`] ?? key;
  return format(msg, { ...params, count: formatNumber(count) });
}

// ---- formatting -------------------------------------------------------------------------------

export function formatNumber(n: number, lang: Lang = langStore.get()): string {
  return new Intl.NumberFormat(lang).format(n);
}

export function formatDateTime(iso: string | null | undefined, lang: Lang = langStore.get()): string {
  if (!iso) return translate(lang, 'common.none');
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

export function formatDate(iso: string | null | undefined, lang: Lang = langStore.get()): string {
  if (!iso) return translate(lang, 'common.none');
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(lang, { dateStyle: 'medium' }).format(d);
}

const BYTE_UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'] as const;

/** Sizes in B/kB/MB/GB (1024 steps), one decimal above bytes, formatted per locale. */
export function formatBytes(bytes: number | null | undefined, lang: Lang = langStore.get()): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return translate(lang, 'common.none');
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${new Intl.NumberFormat(lang).format(value)} B`;
  return new Intl.NumberFormat(lang, {
    style: 'unit',
    unit: BYTE_UNITS[unit],
    unitDisplay: 'short',
    maximumFractionDigits: unit === 0 ? 0 : 1,
  }).format(value);
}

/** A wait such as "45 seconds" or "3 minutes" (rounded up), for Retry-After. */
export function formatDuration(seconds: number, lang: Lang = langStore.get()): string {
  const s = Math.max(0, Math.ceil(seconds));
  if (s < 60) return new Intl.NumberFormat(lang, { style: 'unit', unit: 'second', unitDisplay: 'long' }).format(s);
  if (s < 3600) {
    const m = Math.floor(s / 60);
    const rest = s % 60;
    const mins = new Intl.NumberFormat(lang, { style: 'unit', unit: 'minute', unitDisplay: 'long' }).format(m);
    if (!rest) return mins;
    return `${mins} ${new Intl.NumberFormat(lang, { style: 'unit', unit: 'second', unitDisplay: 'long' }).format(rest)}`;
  }
  return new Intl.NumberFormat(lang, { style: 'unit', unit: 'hour', unitDisplay: 'long', maximumFractionDigits: 1 }).format(s / 3600);
}
