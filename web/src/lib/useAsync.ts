// Loads data for a component: loading / error / data, with reload and local updates.

import { useCallback, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { isAbortError } from '../api/client';

export interface AsyncState<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
  setData: (updater: (prev: T | undefined) => T | undefined) => void;
}

export function useAsync<T>(fn: (signal: AbortSignal) => Promise<T>, deps: unknown[]): AsyncState<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({
    data: undefined,
    error: null,
    loading: true,
  });
  const [tick, setTick] = useState(0);
  const fnRef = useRef(fn);
  fnRef.current = fn;

  // A layout effect, so that the request starts as soon as the component is in the document
  // rather than after the browser has painted it (a plain effect waits for that paint: on a
  // cold page load this alone delayed the gallery's first cards by a frame of 50-100 ms).
  useLayoutEffect(() => {
    const controller = new AbortController();
    // Unchanged state (the first load) keeps its identity: no extra render before the paint.
    setState((s) => (s.loading && s.error === null ? s : { ...s, loading: true, error: null }));
    fnRef
      .current(controller.signal)
      .then((data) => {
        if (!controller.signal.aborted) setState({ data, error: null, loading: false });
      })
      .catch((error) => {
        if (controller.signal.aborted || isAbortError(error)) return;
        setState((s) => ({ ...s, error, loading: false }));
      });
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);

  const reload = useCallback(() => setTick((n) => n + 1), []);
  const setData = useCallback(
    (updater: (prev: T | undefined) => T | undefined) => setState((s) => ({ ...s, data: updater(s.data) })),
    [],
  );
  return { ...state, reload, setData };
}
