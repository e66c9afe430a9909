// A minimal observable value with a Preact hook.

import { useEffect, useState } from 'preact/hooks';

export interface Store<T> {
  get(): T;
  set(value: T): void;
  update(fn: (value: T) => T): void;
  subscribe(fn: (value: T) => void): () => void;
}

export function createStore<T>(initial: T): Store<T> {
  let value = initial;
  const listeners = new Set<(value: T) => void>();
  return {
    get: () => value,
    set(next) {
      if (Object.is(next, value)) return;
      value = next;
      for (const l of [...listeners]) l(value);
    },
    update(fn) {
      this.set(fn(value));
    },
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}

export function useStore<T>(store: Store<T>): T {
  const value = store.get();
  const [, force] = useState(0);
  useEffect(() => {
    const unsubscribe = store.subscribe(() => force((n) => n + 1));
    // The store may have changed between this render and the subscription (effects run after
    // paint): render again rather than miss that change.
    if (!Object.is(store.get(), value)) force((n) => n + 1);
    return unsubscribe;
  }, [store]);
  return value;
}
