// media-workers.js - the running server's media worker processes, found through /proc (their
// parent pid and command name), for tests that look at the sandboxed worker from outside.
import { readFileSync, readdirSync } from 'node:fs';

export function workerPids(server) {
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try { stat = readFileSync(`/proc/${entry}/stat`, 'utf8'); } catch { continue; }
    const close = stat.lastIndexOf(')');
    const name = stat.slice(stat.indexOf('(') + 1, close);
    const ppid = Number(stat.slice(close + 2).split(' ')[1]);
    if (ppid === server.process.pid && name.startsWith('nekohub-media')) pids.push(Number(entry));
  }
  return pids.sort();
}
