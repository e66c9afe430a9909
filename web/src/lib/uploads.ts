// The upload queue: client-side checks from /system/bootstrap, then XHR uploads (two at a
// time) with progress and cancel. Lives outside the page so uploads survive navigation.

import { api } from '../api/client';
import type { AssetDetail, Bootstrap } from '../api/types';
import { uploadAsset, type UploadFields, type UploadHandle } from '../api/upload';
import { isAbortError } from '../api/client';
import { errorMessage } from './errors';
import { createStore } from './store';

const EXTENSION_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  jpe: 'image/jpeg',
  jfif: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  avif: 'image/avif',
  bmp: 'image/bmp',
  svg: 'image/svg+xml',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  heic: 'image/heic',
  heif: 'image/heif',
  ico: 'image/x-icon',
};

/** The image type the first bytes of a file show (PNG, JPEG, GIF, WebP), or '' when none. */
export function sniffType(head: Uint8Array): string {
  const starts = (bytes: number[], at = 0) => bytes.every((b, i) => head[at + i] === b);
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (starts([0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (starts([0x47, 0x49, 0x46, 0x38]) && (head[4] === 0x37 || head[4] === 0x39) && head[5] === 0x61) return 'image/gif';
  if (starts([0x52, 0x49, 0x46, 0x46]) && starts([0x57, 0x45, 0x42, 0x50], 8)) return 'image/webp';
  return '';
}

/** How many leading bytes sniffType needs. */
export const SNIFF_BYTES = 12;

/**
 * The content type to send: what the bytes show (`sniffed`) when known, else the browser's,
 * else one guessed from the extension. Browsers derive their type from the file name, so a
 * JPEG saved as photo.png would otherwise be declared image/png; the server also goes by the
 * bytes.
 */
export function effectiveType(file: { name: string; type: string }, sniffed = ''): string {
  if (sniffed) return sniffed;
  if (file.type) return file.type.toLowerCase();
  const ext = file.name.includes('.') ? file.name.split('.').pop()!.toLowerCase() : '';
  return EXTENSION_TYPES[ext] ?? '';
}

export type Rejection = { reason: 'badType'; type: string } | { reason: 'tooLarge'; max: number } | { reason: 'empty' };

/** Client-side checks (the server checks again). Null = acceptable. The type check uses the
 * sniffed type when the bytes showed one, so no file is refused for its name. */
export function checkFile(file: { name: string; type: string; size: number }, limits: Bootstrap | null, sniffed = ''): Rejection | null {
  if (file.size === 0) return { reason: 'empty' };
  if (!limits) return null;
  const type = effectiveType(file, sniffed);
  const allowed = limits.allowedContentTypes.map((x) => x.toLowerCase());
  if (allowed.length && !allowed.includes(type)) return { reason: 'badType', type };
  if (limits.maxUploadSizeBytes > 0 && file.size > limits.maxUploadSizeBytes) return { reason: 'tooLarge', max: limits.maxUploadSizeBytes };
  return null;
}

/** The sniffed type of a file ('' when its first bytes show no known image or cannot be read). */
async function sniffFile(file: Blob): Promise<string> {
  try {
    return sniffType(new Uint8Array(await file.slice(0, SNIFF_BYTES).arrayBuffer()));
  } catch {
    return '';
  }
}

export type UploadStatus = 'queued' | 'uploading' | 'done' | 'failed' | 'cancelled' | 'rejected';

export interface UploadItem {
  id: number;
  name: string;
  size: number;
  type: string;
  status: UploadStatus;
  loaded: number;
  total: number;
  rejection: Rejection | null;
  error: string | null;
  assetId: string | null;
  /** The upload's answer (202): the asset as stored, with `processing` (queued while its
   * thumbnail is being made). */
  asset: AssetDetail | null;
  /** The write target's profile id (null = the default). */
  target: string | null;
}

export const uploadsStore = createStore<UploadItem[]>([]);

const files = new Map<number, File>();
const fieldsFor = new Map<number, UploadFields>();
const handles = new Map<number, UploadHandle>();
let seq = 0;
const CONCURRENCY = 2;

function patch(id: number, changes: Partial<UploadItem>) {
  uploadsStore.update((list) => list.map((x) => (x.id === id ? { ...x, ...changes } : x)));
}

export async function addFiles(list: File[], limits: Bootstrap | null, fields: UploadFields): Promise<void> {
  const sniffed = await Promise.all(list.map(sniffFile));
  const added: UploadItem[] = list.map((f, i) => {
    const id = ++seq;
    const rejection = checkFile(f, limits, sniffed[i]);
    const type = effectiveType(f, sniffed[i]);
    if (!rejection) {
      // Send the type the bytes show (or the guessed one when the browser left it empty).
      files.set(id, type && type !== f.type ? new File([f], f.name, { type, lastModified: f.lastModified }) : f);
      fieldsFor.set(id, { ...fields });
    }
    return {
      id,
      name: f.name,
      size: f.size,
      type,
      status: rejection ? 'rejected' : 'queued',
      loaded: 0,
      total: f.size,
      rejection,
      error: null,
      assetId: null,
      asset: null,
      target: fields.storageProviderProfileId ?? null,
    };
  });
  uploadsStore.update((l) => [...l, ...added]);
  pump();
}

function pump(): void {
  const list = uploadsStore.get();
  let active = list.filter((x) => x.status === 'uploading').length;
  for (const item of list) {
    if (active >= CONCURRENCY) break;
    if (item.status !== 'queued') continue;
    active++;
    start(item.id);
  }
}

function start(id: number): void {
  const file = files.get(id);
  const fields = fieldsFor.get(id);
  if (!file || !fields) return;
  patch(id, { status: 'uploading', loaded: 0 });
  const handle = uploadAsset(api, file, fields, (loaded, total) => patch(id, { loaded, total }));
  handles.set(id, handle);
  handle.promise
    .then((asset) => patch(id, { status: 'done', loaded: file.size, assetId: asset.id, asset }))
    .catch((err) => {
      if (isAbortError(err)) patch(id, { status: 'cancelled' });
      else patch(id, { status: 'failed', error: errorMessage(err) });
    })
    .finally(() => {
      handles.delete(id);
      files.delete(id);
      fieldsFor.delete(id);
      pump();
    });
}

export function cancelUpload(id: number): void {
  const handle = handles.get(id);
  if (handle) {
    handle.cancel();
    return;
  }
  const item = uploadsStore.get().find((x) => x.id === id);
  if (item?.status === 'queued') {
    files.delete(id);
    fieldsFor.delete(id);
    patch(id, { status: 'cancelled' });
  }
}

export function clearFinished(): void {
  uploadsStore.update((l) => l.filter((x) => x.status === 'queued' || x.status === 'uploading'));
}
