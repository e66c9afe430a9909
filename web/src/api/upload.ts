// Multipart upload through XMLHttpRequest (fetch has no upload progress).

import { API_PREFIX, ApiError, errorFromBody, networkError, type ApiClient } from './client';
import type { AssetDetail } from './types';

export interface UploadFields {
  description?: string;
  altText?: string;
  isPublic: boolean;
  /** The write target; absent = the default (the server's default profile or configuration). */
  storageProviderProfileId?: string | null;
  /** Commit message for a GitHub repository target. */
  commitMessage?: string;
  /** Queue the background processing (thumbnail, preview, caption); absent = the server's default (on). */
  runEnrichment?: boolean;
}

export interface UploadHandle {
  promise: Promise<AssetDetail>;
  cancel: () => void;
}

export type XhrFactory = () => XMLHttpRequest;

export class UploadCancelled extends Error {
  constructor() {
    super('Upload cancelled');
    this.name = 'AbortError';
  }
}

export function uploadAsset(
  client: ApiClient,
  file: Blob & { name: string },
  fields: UploadFields,
  onProgress: (loaded: number, total: number) => void,
  makeXhr: XhrFactory = () => new XMLHttpRequest(),
): UploadHandle {
  let current: XMLHttpRequest | null = null;
  let cancelled = false;

  const form = () => {
    const fd = new FormData();
    fd.append('file', file, file.name);
    if (fields.description?.trim()) fd.append('description', fields.description.trim());
    if (fields.altText?.trim()) fd.append('altText', fields.altText.trim());
    fd.append('isPublic', fields.isPublic ? 'true' : 'false');
    if (fields.storageProviderProfileId) fd.append('storageProviderProfileId', fields.storageProviderProfileId);
    if (fields.commitMessage?.trim()) fd.append('commitMessage', fields.commitMessage.trim());
    if (fields.runEnrichment !== undefined) fd.append('runEnrichment', fields.runEnrichment ? 'true' : 'false');
    return fd;
  };

  const once = (token: string | null) =>
    new Promise<{ status: number; statusText: string; body: string; retryAfter: string | null }>((resolve, reject) => {
      if (cancelled) return reject(new UploadCancelled());
      const xhr = makeXhr();
      current = xhr;
      xhr.open('POST', client.url(`${API_PREFIX}/assets`));
      xhr.setRequestHeader('Accept', 'application/json');
      if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
      xhr.upload.onprogress = (ev) => {
        if (ev.lengthComputable) onProgress(ev.loaded, ev.total);
      };
      xhr.onload = () =>
        resolve({
          status: xhr.status,
          statusText: xhr.statusText,
          body: xhr.responseText,
          retryAfter: xhr.getResponseHeader('Retry-After'),
        });
      xhr.onerror = () => reject(networkError(new Error('upload failed')));
      xhr.onabort = () => reject(new UploadCancelled());
      xhr.send(form());
    });

  const run = async (): Promise<AssetDetail> => {
    let token = await client.validToken();
    let res = await once(token);
    if (res.status === 401) {
      token = await client.recoverFrom401(token);
      if (!token) {
        client.authLost();
        throw errorFromBody(res.status, res.statusText, res.body, res.retryAfter);
      }
      onProgress(0, file.size);
      res = await once(token);
      if (res.status === 401) {
        client.authLost();
        throw errorFromBody(res.status, res.statusText, res.body, res.retryAfter);
      }
    }
    if (res.status < 200 || res.status >= 300) throw errorFromBody(res.status, res.statusText, res.body, res.retryAfter);
    try {
      const json = JSON.parse(res.body) as { data: AssetDetail };
      return json.data;
    } catch {
      throw new ApiError({ code: 'invalid_response', message: 'The server sent an invalid response.', status: res.status });
    }
  };

  return {
    promise: run(),
    cancel: () => {
      cancelled = true;
      current?.abort();
    },
  };
}
