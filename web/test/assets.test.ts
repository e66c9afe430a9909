import { describe, expect, it } from 'vitest';
import { ASSET_LIST_DEFAULTS, assetListApiQuery, assetListUrl, metadataPatch, parseAssetListState } from '../src/lib/assets';
import { expiryToUtc } from '../src/lib/expiry';
import { htmlImage, markdownImage } from '../src/lib/clipboard';
import { passwordProblem } from '../src/lib/password';

describe('asset list state in the URL', () => {
  it('round-trips and omits defaults', () => {
    expect(assetListUrl(ASSET_LIST_DEFAULTS)).toBe('/assets');
    const s = { ...ASSET_LIST_DEFAULTS, page: 3, query: 'cat', sort: 'largest' as const, visibility: 'private' as const, view: 'table' as const };
    const url = assetListUrl(s);
    expect(parseAssetListState(url.slice('/assets'.length))).toEqual(s);
  });

  it('falls back on unknown values', () => {
    expect(parseAssetListState('?page=-2&pageSize=7&sort=random&visibility=x&view=list')).toEqual(ASSET_LIST_DEFAULTS);
  });

  it('maps to the API query', () => {
    const q = assetListApiQuery({ ...ASSET_LIST_DEFAULTS, sort: 'smallest', visibility: 'public', contentType: 'image/*', query: '  x ' });
    expect(q).toMatchObject({ orderBy: 'size', orderDirection: 'asc', isPublic: true, contentType: 'image/*', query: 'x', page: 1, pageSize: 20 });
    expect(assetListApiQuery(ASSET_LIST_DEFAULTS)).toMatchObject({ orderBy: 'createdAt', orderDirection: 'desc', isPublic: undefined });
  });
});

describe('asset helpers', () => {
  it('sends only changed metadata fields, clearing to null', () => {
    const a = { originalFileName: 'cat.png', description: 'old', altText: null };
    expect(metadataPatch(a, { originalFileName: 'cat.png', description: 'old', altText: '' })).toEqual({});
    expect(metadataPatch(a, { originalFileName: ' dog.png ', description: '', altText: 'a cat' })).toEqual({
      originalFileName: 'dog.png',
      description: null,
      altText: 'a cat',
    });
  });

  it('builds Markdown and HTML snippets safely', () => {
    expect(markdownImage('https://x/a b.png', 'a [cat]')).toBe('![a \\[cat\\]](https://x/a%20b.png)');
    expect(htmlImage('https://x/a.png?a=1&b=2', 'say "hi" <3')).toBe('<img src="https://x/a.png?a=1&amp;b=2" alt="say &quot;hi&quot; &lt;3">');
  });
});

describe('forms', () => {
  it('checks the password policy', () => {
    expect(passwordProblem('short')).toBe('tooShort');
    expect(passwordProblem('longenough')).toBeNull();
    expect(passwordProblem('longenough', 'different')).toBe('mismatch');
    expect(passwordProblem('é'.repeat(600))).toBe('tooLong'); // 1200 bytes
    expect(passwordProblem('😀😀😀😀😀😀😀😀')).toBeNull(); // 8 characters
  });

  it('computes API key expiry', () => {
    const now = new Date('2026-03-01T12:00:00Z');
    expect(expiryToUtc('never', '', now)).toBeNull();
    expect(expiryToUtc('30', '', now)).toBe('2026-03-31T12:00:00.000Z');
    expect(expiryToUtc('custom', '2020-01-01', now)).toBe('invalid');
    expect(expiryToUtc('custom', 'garbage', now)).toBe('invalid');
    expect(expiryToUtc('custom', '2027-01-01', now)).toMatch(/^202[67]-/);
  });
});
