import { describe, expect, it } from 'vitest';
import { ApiClient } from '../src/api/client';
import { uploadAsset } from '../src/api/upload';
import { checkFile, effectiveType, sniffType } from '../src/lib/uploads';
import { authResult, fakeFetch, json } from './fakeFetch';

const limits = { apiKeyRequired: false, maxUploadSizeBytes: 1000, allowedContentTypes: ['image/png', 'image/jpeg'] };

describe('client-side upload checks', () => {
  it('guesses the type from the extension when the browser gives none', () => {
    expect(effectiveType({ name: 'a.JPG', type: '' })).toBe('image/jpeg');
    expect(effectiveType({ name: 'a.png', type: 'image/png' })).toBe('image/png');
    expect(effectiveType({ name: 'noext', type: '' })).toBe('');
  });

  it('rejects by type, size and emptiness', () => {
    expect(checkFile({ name: 'a.png', type: 'image/png', size: 10 }, limits)).toBeNull();
    expect(checkFile({ name: 'a.gif', type: 'image/gif', size: 10 }, limits)).toEqual({ reason: 'badType', type: 'image/gif' });
    expect(checkFile({ name: 'a.png', type: 'image/png', size: 1001 }, limits)).toEqual({ reason: 'tooLarge', max: 1000 });
    expect(checkFile({ name: 'a.png', type: 'image/png', size: 1000 }, limits)).toBeNull();
    expect(checkFile({ name: 'a.png', type: 'image/png', size: 0 }, limits)).toEqual({ reason: 'empty' });
    expect(checkFile({ name: 'a.bin', type: '', size: 5 }, null)).toBeNull();
  });

  it('goes by the bytes, not the file name, when they show an image', () => {
    const head = (...bytes: number[]) => new Uint8Array([...bytes, ...new Array(12).fill(0)].slice(0, 12));
    expect(sniffType(head(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a))).toBe('image/png');
    expect(sniffType(head(0xff, 0xd8, 0xff, 0xe0))).toBe('image/jpeg');
    expect(sniffType(head(0x47, 0x49, 0x46, 0x38, 0x39, 0x61))).toBe('image/gif');
    expect(sniffType(head(0x52, 0x49, 0x46, 0x46, 1, 2, 3, 4, 0x57, 0x45, 0x42, 0x50))).toBe('image/webp');
    expect(sniffType(head(0x3c, 0x73, 0x76, 0x67))).toBe('');
    // a JPEG saved as photo.png (the browser says image/png) is sent as the JPEG it is
    expect(effectiveType({ name: 'photo.png', type: 'image/png' }, 'image/jpeg')).toBe('image/jpeg');
    // a JPEG named .heic is not refused for its name
    expect(checkFile({ name: 'photo.heic', type: 'image/heic', size: 10 }, limits, 'image/jpeg')).toBeNull();
    expect(checkFile({ name: 'photo.heic', type: 'image/heic', size: 10 }, limits)).toEqual({ reason: 'badType', type: 'image/heic' });
  });
});

/** A minimal XMLHttpRequest stand-in driven by a script. */
class FakeXhr {
  static script: ((x: FakeXhr) => void)[] = [];
  static sent: FakeXhr[] = [];
  headers: Record<string, string> = {};
  method = '';
  url = '';
  status = 0;
  statusText = '';
  responseText = '';
  upload: { onprogress: ((e: { lengthComputable: boolean; loaded: number; total: number }) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  body: unknown;
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(k: string, v: string) {
    this.headers[k] = v;
  }
  getResponseHeader() {
    return null;
  }
  send(body: unknown) {
    this.body = body;
    FakeXhr.sent.push(this);
    const step = FakeXhr.script.shift();
    if (step) setTimeout(() => step(this), 0);
  }
  abort() {
    this.onabort?.();
  }
  respond(status: number, body: unknown) {
    this.status = status;
    this.responseText = JSON.stringify(body);
    this.onload?.();
  }
}

describe('XHR upload', () => {
  const file = Object.assign(new Blob(['12345'], { type: 'image/png' }), { name: 'cat.png' });

  it('reports progress and resolves with the created asset', async () => {
    FakeXhr.sent = [];
    FakeXhr.script = [
      (x) => {
        x.upload.onprogress?.({ lengthComputable: true, loaded: 2, total: 5 });
        x.respond(202, { data: { id: 'asset-1' } });
      },
    ];
    const client = new ApiClient({ fetch: fakeFetch(() => json(500, {})).fetch });
    client.setSession(authResult('tok').data);
    const progress: number[] = [];
    const h = uploadAsset(client, file, { isPublic: false, description: ' d ' }, (l) => progress.push(l), () => new FakeXhr() as unknown as XMLHttpRequest);
    await expect(h.promise).resolves.toMatchObject({ id: 'asset-1' });
    expect(progress).toEqual([2]);
    const x = FakeXhr.sent[0];
    expect(x.method).toBe('POST');
    expect(x.url).toBe('/api/v1/assets');
    expect(x.headers.Authorization).toBe('Bearer tok');
    const fd = x.body as FormData;
    expect(fd.get('isPublic')).toBe('false');
    expect(fd.get('description')).toBe('d');
    expect((fd.get('file') as File).name).toBe('cat.png');
    // the default target: no profile id, no commit message
    expect(fd.has('storageProviderProfileId')).toBe(false);
    expect(fd.has('commitMessage')).toBe(false);
  });

  it('sends the chosen write target and a trimmed commit message', async () => {
    FakeXhr.sent = [];
    FakeXhr.script = [(x) => x.respond(202, { data: { id: 'asset-3' } })];
    const client = new ApiClient({ fetch: fakeFetch(() => json(500, {})).fetch });
    client.setSession(authResult('tok').data);
    const fields = { isPublic: true, storageProviderProfileId: '01a2-profile', commitMessage: '  add cat  ' };
    const h = uploadAsset(client, file, fields, () => {}, () => new FakeXhr() as unknown as XMLHttpRequest);
    await expect(h.promise).resolves.toMatchObject({ id: 'asset-3' });
    const fd = FakeXhr.sent[0].body as FormData;
    expect(fd.get('storageProviderProfileId')).toBe('01a2-profile');
    expect(fd.get('commitMessage')).toBe('add cat');
    FakeXhr.script = [(x) => x.respond(202, { data: { id: 'asset-4' } })];
    const blank = uploadAsset(client, file, { isPublic: true, storageProviderProfileId: null, commitMessage: '   ' }, () => {}, () => new FakeXhr() as unknown as XMLHttpRequest);
    await expect(blank.promise).resolves.toMatchObject({ id: 'asset-4' });
    const fd2 = FakeXhr.sent[1].body as FormData;
    expect(fd2.has('storageProviderProfileId')).toBe(false);
    expect(fd2.has('commitMessage')).toBe(false);
  });

  it('refreshes once on 401 and retries with the new token', async () => {
    FakeXhr.sent = [];
    FakeXhr.script = [(x) => x.respond(401, { error: { code: 'auth_unauthorized', message: 'x', traceId: 't', status: 401 } }), (x) => x.respond(202, { data: { id: 'a2' } })];
    const ff = fakeFetch(() => json(200, authResult('new')));
    const client = new ApiClient({ fetch: ff.fetch });
    client.setSession(authResult('old').data);
    const h = uploadAsset(client, file, { isPublic: true }, () => {}, () => new FakeXhr() as unknown as XMLHttpRequest);
    await expect(h.promise).resolves.toMatchObject({ id: 'a2' });
    expect(ff.calls).toHaveLength(1);
    expect(FakeXhr.sent.map((x) => x.headers.Authorization)).toEqual(['Bearer old', 'Bearer new']);
  });

  it('maps server errors and cancels', async () => {
    FakeXhr.sent = [];
    FakeXhr.script = [(x) => x.respond(400, { error: { code: 'asset_file_too_large', message: 'Too large.', traceId: 't', status: 400 } })];
    const client = new ApiClient({ fetch: fakeFetch(() => json(500, {})).fetch });
    client.setSession(authResult('tok').data);
    const h = uploadAsset(client, file, { isPublic: true }, () => {}, () => new FakeXhr() as unknown as XMLHttpRequest);
    await expect(h.promise).rejects.toMatchObject({ code: 'asset_file_too_large', status: 400, message: 'Too large.' });

    FakeXhr.script = [() => {}]; // never answers
    const h2 = uploadAsset(client, file, { isPublic: true }, () => {}, () => new FakeXhr() as unknown as XMLHttpRequest);
    await new Promise((r) => setTimeout(r, 5));
    h2.cancel();
    await expect(h2.promise).rejects.toMatchObject({ name: 'AbortError' });
  });
});
