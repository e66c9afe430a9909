// tmpfs.js - small volumes the disk-full tests mount themselves: mount a tmpfs, fill it, unmount
// it. Mounting needs root (or CAP_SYS_ADMIN); where it is not permitted, mountTmpfs says why so
// the test can skip with that message.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmdirSync, statfsSync as statfs, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Mount a tmpfs of `size` (e.g. '16m') at a new directory: { dir }, or { reason } when this
// machine does not allow it.
export function mountTmpfs(size) {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    return { reason: 'mounting a tmpfs needs root' };
  }
  const dir = mkdtempSync(join(tmpdir(), 'nekohub-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir],
      { stdio: 'pipe' });
  } catch (error) {
    rmdirSync(dir);
    return { reason: `mount -t tmpfs is not permitted here (${String(error.stderr || error.message).trim()})` };
  }
  return { dir };
}

// Run use(dir) on a fresh tmpfs of `size` and unmount it after, or skip the test with the
// reason when this machine does not allow mounting.
export async function withTmpfs(t, size, use) {
  const { dir, reason } = mountTmpfs(size);
  if (!dir) {
    t.skip(`skipped: ${reason}`);
    return;
  }
  try {
    await use(dir);
  } finally {
    unmount(dir);
  }
}

export function unmount(dir) {
  execFileSync('umount', [dir], { stdio: 'pipe' });
  rmdirSync(dir);
}

// Write zeros into dir/filler until the volume has at most `leave` bytes free (0: until it
// refuses more, with ever smaller writes so that not even one page is left). Returns the path.
export function fill(dir, leave = 0) {
  const path = join(dir, 'filler');
  const descriptor = openSync(path, 'w');
  try {
    if (leave > 0) {
      const { bavail, bsize } = statfs(dir);
      writeSync(descriptor, Buffer.alloc(Math.max(0, bavail * bsize - leave)));
      return path;
    }
    for (const size of [1 << 20, 1 << 16, 1 << 12, 512, 1]) {
      const chunk = Buffer.alloc(size);
      for (;;) {
        try {
          writeSync(descriptor, chunk);
        } catch (error) {
          if (error.code !== 'ENOSPC') throw error;
          break;
        }
      }
    }
  } finally {
    closeSync(descriptor);
  }
  return path;
}
