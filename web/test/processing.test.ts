import { describe, expect, it, vi } from 'vitest';
import type { Derivative, SkillParameter } from '../src/api/types';
import { ApiClient } from '../src/api/client';
import { endpoints } from '../src/api/endpoints';
import { createBlobCache } from '../src/lib/blobCache';
import {
  aspectRatio,
  backoffDelay,
  executionState,
  fieldForCode,
  gridDerivative,
  initialValues,
  isProcessing,
  largeDerivative,
  parametersBody,
  prettyJson,
  publicImageSources,
  rewritesOriginal,
  snakeCase,
  stepStatus,
  validateValue,
  validateValues,
} from '../src/lib/processing';
import { parseJobsQuery, totalOf, canCancel, canRetry } from '../src/pages/Jobs';
import { authResult, delay, envelopeError, fakeFetch, json } from './fakeFetch';

const der = (kind: string, over: Partial<Derivative> = {}): Derivative => ({
  kind,
  contentType: kind === 'thumbnail_256' ? 'image/png' : 'image/webp',
  extension: kind === 'thumbnail_256' ? '.png' : '.webp',
  size: 100,
  width: kind === 'thumbnail_256' ? 256 : 1024,
  height: kind === 'thumbnail_256' ? 192 : 768,
  publicUrl: `/content/${kind}`,
  contentUrl: `/api/v1/assets/a/derivatives/${kind}/content`,
  createdAtUtc: '2026-01-01T00:00:00Z',
  ...over,
});

// The parameter descriptors the server lists for format-convert and watermark.
const FORMAT_CONVERT: SkillParameter[] = [
  { name: 'TargetFormat', type: 'string', required: true, default: null, values: ['webp', 'jpg', 'jpeg', 'png', 'gif'], minimum: null, maximum: null },
  { name: 'KeepOriginal', type: 'boolean', required: false, default: false, values: null, minimum: null, maximum: null },
];
const WATERMARK: SkillParameter[] = [
  { name: 'Text', type: 'string', required: false, default: 'NekoHub', values: null, minimum: null, maximum: null },
  { name: 'Opacity', type: 'number', required: false, default: 0.5, values: null, minimum: 0, maximum: 1 },
  { name: 'FontSize', type: 'integer', required: false, default: 36, values: null, minimum: 1, maximum: 1000 },
  { name: 'Position', type: 'string', required: false, default: 'BottomRight', values: ['BottomRight', 'BottomLeft', 'Center', 'TopRight', 'TopLeft'], minimum: null, maximum: null },
];

describe('which image to show', () => {
  it('never falls back to the original', () => {
    expect(gridDerivative({ derivatives: [] })).toBeNull();
    expect(publicImageSources({ derivatives: [] })).toBeNull();
    expect(publicImageSources({})).toBeNull();
  });

  it('uses the thumbnail in grids and the preview in detail views, with srcset when both exist', () => {
    const asset = { derivatives: [der('preview_1024'), der('thumbnail_256')] };
    expect(gridDerivative(asset)?.kind).toBe('thumbnail_256');
    expect(largeDerivative(asset)?.kind).toBe('preview_1024');
    expect(publicImageSources(asset)).toEqual({
      src: '/content/thumbnail_256',
      srcset: '/content/thumbnail_256 256w, /content/preview_1024 1024w',
      width: 256,
      height: 192,
    });
    expect(publicImageSources(asset, 'large')).toEqual({ src: '/content/preview_1024', srcset: undefined, width: 1024, height: 768 });
    expect(publicImageSources({ derivatives: [der('thumbnail_256')] })).toEqual({ src: '/content/thumbnail_256', srcset: undefined, width: 256, height: 192 });
  });

  it('has no public sources for a private asset (its derivatives have no public URL)', () => {
    const asset = { derivatives: [der('thumbnail_256', { publicUrl: null }), der('preview_1024', { publicUrl: null })] };
    expect(publicImageSources(asset)).toBeNull();
    expect(gridDerivative(asset)?.contentUrl).toBe('/api/v1/assets/a/derivatives/thumbnail_256/content');
  });

  it('lays out by the derivative shape, clamped', () => {
    expect(aspectRatio({ derivatives: [der('preview_1024')] })).toBeCloseTo(4 / 3);
    expect(aspectRatio({ width: 100, height: 50 })).toBe(2);
    expect(aspectRatio({ width: 10000, height: 10 })).toBe(4);
    expect(aspectRatio({})).toBe(1);
  });
});

describe('processing state and polling', () => {
  it('polls only while queued or running', () => {
    expect(isProcessing({ state: 'queued', pendingJobs: 1, lastError: null })).toBe(true);
    expect(isProcessing({ state: 'running', pendingJobs: 1, lastError: null })).toBe(true);
    expect(isProcessing({ state: 'failed', pendingJobs: 0, lastError: 'x' })).toBe(false);
    expect(isProcessing({ state: 'idle', pendingJobs: 0, lastError: null })).toBe(false);
    expect(isProcessing(undefined)).toBe(false);
  });

  it('backs off up to a ceiling', () => {
    const delays = Array.from({ length: 10 }, (_, i) => backoffDelay(i));
    expect(delays[0]).toBe(1000);
    expect(delays[1]).toBe(1600);
    for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThanOrEqual(delays[i - 1]);
    expect(delays[9]).toBe(10_000);
  });

  it('reads step and execution outcomes from old and new servers', () => {
    expect(stepStatus({ status: 'skipped', succeeded: true })).toBe('skipped');
    expect(stepStatus({ succeeded: false })).toBe('failed');
    expect(executionState({ state: 'queued', succeeded: null, completedAtUtc: null })).toBe('queued');
    expect(executionState({ succeeded: false, completedAtUtc: 'x' } as never)).toBe('failed');
  });

  it('pretty-prints payloads and leaves non-JSON alone', () => {
    expect(prettyJson('{"caption":"a cat","n":[1]}')).toBe('{\n  "caption": "a cat",\n  "n": [\n    1\n  ]\n}');
    expect(prettyJson('not json')).toBe('not json');
  });
});

describe('run-skill form', () => {
  it('starts from the defaults', () => {
    expect(initialValues(FORMAT_CONVERT)).toEqual({ TargetFormat: 'webp', KeepOriginal: false });
    expect(initialValues(WATERMARK)).toEqual({ Text: 'NekoHub', Opacity: '0.5', FontSize: '36', Position: 'BottomRight' });
  });

  it('checks what the descriptors allow', () => {
    const [, opacity, fontSize, position] = WATERMARK;
    expect(validateValue(opacity, '1.5')).toEqual({ kind: 'range', min: 0, max: 1 });
    expect(validateValue(opacity, 'abc')).toEqual({ kind: 'number' });
    expect(validateValue(opacity, '')).toBeNull(); // optional: the server's default
    expect(validateValue(fontSize, '12.5')).toEqual({ kind: 'integer' });
    expect(validateValue(fontSize, '0')).toEqual({ kind: 'range', min: 1, max: 1000 });
    expect(validateValue(position, 'middle')).toEqual({ kind: 'choice' });
    expect(validateValue(position, 'center')).toBeNull();
    expect(validateValue(FORMAT_CONVERT[0], ' ')).toEqual({ kind: 'required' });
    expect(validateValue({ ...WATERMARK[0], maxLength: 3 }, '猫猫')).toEqual({ kind: 'tooLong', max: 3 });
    expect(validateValues(WATERMARK, initialValues(WATERMARK))).toEqual({});
  });

  it('sends typed values and leaves out empty optional ones', () => {
    expect(parametersBody(FORMAT_CONVERT, { TargetFormat: 'webp', KeepOriginal: true })).toEqual({ TargetFormat: 'webp', KeepOriginal: true });
    expect(parametersBody(WATERMARK, { Text: ' cat ', Opacity: '0.25', FontSize: '', Position: 'TopLeft' })).toEqual({ Text: ' cat ', Opacity: 0.25, Position: 'TopLeft' });
    expect(parametersBody([], {})).toBeNull();
  });

  it('puts a server code on its field', () => {
    expect(snakeCase('FontSize')).toBe('font_size');
    expect(fieldForCode('watermark', WATERMARK, 'watermark_font_size_out_of_range')).toBe('FontSize');
    expect(fieldForCode('watermark', WATERMARK, 'watermark_text_too_long')).toBe('Text');
    expect(fieldForCode('watermark', WATERMARK, 'watermark_opacity_invalid')).toBe('Opacity');
    expect(fieldForCode('format-convert', FORMAT_CONVERT, 'format_convert_target_format_invalid')).toBe('TargetFormat');
    expect(fieldForCode('format-convert', FORMAT_CONVERT, 'format_convert_keep_original_invalid')).toBe('KeepOriginal');
    expect(fieldForCode('format-convert', FORMAT_CONVERT, 'storage_provider_profile_disabled')).toBeNull();
  });

  it('knows which skills rewrite the original', () => {
    expect(rewritesOriginal({ skillName: 'watermark' })).toBe(true);
    expect(rewritesOriginal({ skillName: 'basic_image_enrich' })).toBe(false);
    expect(rewritesOriginal({ skillName: 'x', rewritesOriginal: true })).toBe(true);
  });
});

describe('jobs page state', () => {
  it('reads the URL and sums the counts', () => {
    expect(parseJobsQuery('?state=failed&page=2')).toEqual({ state: 'failed', page: 2, pageSize: 20 });
    expect(parseJobsQuery('?state=bogus&pageSize=7')).toEqual({ state: '', page: 1, pageSize: 20 });
    expect(totalOf({ queued: 1, running: 2, succeeded: 3, failed: 4, cancelled: 5 })).toBe(15);
  });

  it('offers retry and cancel only where the server allows them', () => {
    const job = (state: string, cancelRequested = false) => ({ state, cancelRequested }) as never;
    expect(canRetry(job('failed'))).toBe(true);
    expect(canRetry(job('cancelled'))).toBe(true);
    expect(canRetry(job('running'))).toBe(false);
    expect(canCancel(job('queued'))).toBe(true);
    expect(canCancel(job('running'))).toBe(true);
    expect(canCancel(job('running', true))).toBe(false);
    expect(canCancel(job('succeeded'))).toBe(false);
  });
});

describe('run skill over HTTP', () => {
  const signedIn = (handler: Parameters<typeof fakeFetch>[0]) => {
    const ff = fakeFetch(handler);
    const client = new ApiClient({ fetch: ff.fetch, timeoutMs: 2000, sessionHint: null });
    client.setSession(authResult('tok').data);
    return { api: endpoints(client), calls: ff.calls };
  };

  it('returns the result of a run that finished (200)', async () => {
    const { api, calls } = signedIn(() => json(200, { data: { succeeded: true, skillName: 'format-convert', steps: [], asset: { id: 'a' }, executionId: 'e', jobId: 'j' } }));
    const outcome = await api.runSkill('a', 'format-convert', { TargetFormat: 'webp' });
    expect(outcome.kind).toBe('finished');
    expect(calls[0].url).toBe('/api/v1/assets/a/skills/format-convert/run');
    expect(JSON.parse(calls[0].body!)).toEqual({ parameters: { TargetFormat: 'webp' } });
  });

  it('returns the pending execution and its Location (202)', async () => {
    const { api } = signedIn(() =>
      json(202, { data: { executionId: 'e1', state: 'queued', steps: [] } }, { Location: '/api/v1/assets/a/executions/e1' }),
    );
    const outcome = await api.runSkill('a', 'watermark', null);
    expect(outcome).toEqual({ kind: 'pending', execution: { executionId: 'e1', state: 'queued', steps: [] }, location: '/api/v1/assets/a/executions/e1' });
  });

  it('surfaces a parameter code as an ApiError', async () => {
    const { api } = signedIn(() => envelopeError(400, 'watermark_text_too_long', 'The watermark text is longer than 200 bytes.'));
    await expect(api.runSkill('a', 'watermark', { Text: 'x' })).rejects.toMatchObject({ code: 'watermark_text_too_long', status: 400 });
  });
});

describe('private image cache', () => {
  it('fetches once per key, limits parallel fetches, and revokes after the last release', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      let active = 0;
      let peak = 0;
      const fetched: string[] = [];
      const revoked: string[] = [];
      const cache = createBlobCache({
        fetch: async (url) => {
          fetched.push(url);
          active++;
          peak = Math.max(peak, active);
          await Promise.resolve();
          await Promise.resolve();
          active--;
          return new Blob([url]);
        },
        maxParallel: 2,
        keepMs: 1000,
        createUrl: (b) => `blob:${fetched.length}:${b.size}`,
        revokeUrl: (u) => revoked.push(u),
      });
      const a1 = cache.acquire('a', '/a');
      const a2 = cache.acquire('a', '/a');
      const others = ['b', 'c', 'd'].map((k) => cache.acquire(k, `/${k}`));
      const urls = await Promise.all([a1.promise, a2.promise, ...others.map((o) => o.promise)]);
      expect(urls[0]).toBe(urls[1]);
      expect(fetched.sort()).toEqual(['/a', '/b', '/c', '/d']);
      expect(peak).toBeLessThanOrEqual(2);

      a1.release();
      vi.advanceTimersByTime(5000);
      expect(revoked).toEqual([]); // a2 still holds it
      a2.release();
      a2.release(); // twice is harmless
      vi.advanceTimersByTime(999);
      expect(revoked).toEqual([]);
      vi.advanceTimersByTime(1);
      expect(revoked).toEqual([urls[0]]);
      expect(cache.size()).toBe(3);

      // Taken again before its time is up: kept, not fetched again.
      others[0].release();
      vi.advanceTimersByTime(500);
      const again = cache.acquire('b', '/b');
      vi.advanceTimersByTime(5000);
      expect(await again.promise).toBe(urls[2]);
      expect(fetched.filter((u) => u === '/b')).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('does not keep a failed fetch', async () => {
    let calls = 0;
    const cache = createBlobCache({
      fetch: async () => {
        calls++;
        await delay(1);
        if (calls === 1) throw new Error('boom');
        return new Blob(['x']);
      },
      createUrl: () => 'blob:x',
      revokeUrl: () => {},
    });
    await expect(cache.acquire('k', '/k').promise).rejects.toThrow('boom');
    await expect(cache.acquire('k', '/k').promise).resolves.toBe('blob:x');
    expect(calls).toBe(2);
  });
});

describe('jobs page labels', () => {
  it('shows both ends of an id and names a job by its skill or kind', async () => {
    const { shortId, jobLabel } = await import('../src/pages/Jobs');
    expect(shortId('01a23421-7a0e-73d5-9502-1a68b970db74')).toBe('01a23421…db74');
    expect(shortId('short')).toBe('short');
    expect(jobLabel({ skillName: null, kind: 'asset.process' })).toBe('Processing after upload');
    expect(jobLabel({ skillName: 'watermark', kind: 'asset.process' })).toBe('Watermark (watermark)');
    expect(jobLabel({ skillName: null, kind: 'other.kind' })).toBe('other.kind');
  });
});
