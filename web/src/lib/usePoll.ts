// Polls while `active`: calls `tick` after a growing delay (lib/processing backoffDelay), one
// call at a time, and stops as soon as `active` turns false or the component goes away. A new
// `resetKey` (e.g. another run started) starts the delays from the beginning again.

import { useEffect, useRef } from 'preact/hooks';
import { backoffDelay } from './processing';

export interface PollOptions {
  first?: number;
  factor?: number;
  max?: number;
  resetKey?: unknown;
}

export function usePoll(active: boolean, tick: () => Promise<unknown> | void, options: PollOptions = {}): void {
  const tickRef = useRef(tick);
  tickRef.current = tick;
  const { first, factor, max, resetKey } = options;
  useEffect(() => {
    if (!active) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let attempt = 0;
    const schedule = () => {
      if (stopped) return;
      timer = setTimeout(run, backoffDelay(attempt++, { first, factor, max }));
    };
    const run = async () => {
      if (stopped) return;
      try {
        await tickRef.current();
      } catch {
        // A failed poll is tried again later (the page shows the last good data).
      }
      schedule();
    };
    schedule();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [active, resetKey, first, factor, max]);
}
