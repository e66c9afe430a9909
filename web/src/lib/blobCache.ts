// Object URLs for images that need the bearer token (derivatives of private assets): fetched at
// most `maxParallel` at a time, shared by every view that shows the same image, and revoked
// `keepMs` after the last view let go of it (so paging back and forth does not refetch, and a
// long session does not pile up blobs).

export interface BlobCacheOptions {
  fetch: (url: string) => Promise<Blob>;
  maxParallel?: number;
  keepMs?: number;
  createUrl?: (blob: Blob) => string;
  revokeUrl?: (url: string) => void;
}

interface Entry {
  promise: Promise<string>;
  url: string | null;
  refs: number;
  timer: ReturnType<typeof setTimeout> | null;
}

export interface BlobCache {
  /** The object URL for `url` (cached under `key`, e.g. url + version). Call release() when done. */
  acquire(key: string, url: string): { promise: Promise<string>; release: () => void };
  /** Entries held (for tests). */
  size(): number;
}

export function createBlobCache(options: BlobCacheOptions): BlobCache {
  const maxParallel = options.maxParallel ?? 4;
  const keepMs = options.keepMs ?? 30_000;
  const createUrl = options.createUrl ?? ((b: Blob) => URL.createObjectURL(b));
  const revokeUrl = options.revokeUrl ?? ((u: string) => URL.revokeObjectURL(u));
  const entries = new Map<string, Entry>();
  const waiting: (() => void)[] = [];
  let running = 0;

  const slot = () =>
    new Promise<void>((resolve) => {
      if (running < maxParallel) {
        running++;
        resolve();
      } else waiting.push(resolve);
    });
  const done = () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };

  const drop = (key: string, e: Entry) => {
    if (entries.get(key) !== e || e.refs > 0) return;
    entries.delete(key);
    if (e.url) revokeUrl(e.url);
  };

  return {
    acquire(key, url) {
      let e = entries.get(key);
      if (!e) {
        const entry: Entry = { promise: Promise.resolve(''), url: null, refs: 0, timer: null };
        entry.promise = (async () => {
          await slot();
          try {
            const blob = await options.fetch(url);
            const objectUrl = createUrl(blob);
            // Released and dropped while it was loading: nobody will revoke it later.
            if (entries.get(key) !== entry) {
              revokeUrl(objectUrl);
              return objectUrl;
            }
            entry.url = objectUrl;
            return objectUrl;
          } finally {
            done();
          }
        })();
        // A failed fetch is not cached: the next view tries again.
        entry.promise.catch(() => {
          if (entries.get(key) === entry) entries.delete(key);
        });
        entries.set(key, entry);
        e = entry;
      }
      const held = e;
      held.refs++;
      if (held.timer) {
        clearTimeout(held.timer);
        held.timer = null;
      }
      let released = false;
      return {
        promise: held.promise,
        release: () => {
          if (released) return;
          released = true;
          held.refs--;
          if (held.refs > 0 || entries.get(key) !== held) return;
          held.timer = setTimeout(() => drop(key, held), keepMs);
        },
      };
    },
    size: () => entries.size,
  };
}
