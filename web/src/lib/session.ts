// Session state for the UI, mirrored from the API client.

import { api } from '../api/client';
import type { User } from '../api/types';
import { createStore, useStore } from './store';
import { currentPathWithSearch, locationStore, loginPathFor, navigate } from './router';

export interface SessionState {
  status: 'loading' | 'signedIn' | 'signedOut';
  user: User | null;
}

export const sessionStore = createStore<SessionState>({ status: 'loading', user: null });

let restored = false;

api.subscribe((s) => {
  if (!restored && !s) return; // still restoring
  sessionStore.set({ status: s ? 'signedIn' : 'signedOut', user: s?.user ?? null });
});

/** On a 401 that a refresh could not fix: back to the sign-in page, then here again. */
api.onAuthLost = () => {
  const here = currentPathWithSearch();
  if (locationStore.get().path === '/login') return;
  navigate(loginPathFor(here), { replace: true });
};

/** Page load: one refresh from the HttpOnly cookie restores the session. */
export async function restoreSession(): Promise<void> {
  await api.restore();
  restored = true;
  // api.user, not restore()'s result: a sign-in may have finished while the refresh was pending.
  const user = api.user;
  sessionStore.set(user ? { status: 'signedIn', user } : { status: 'signedOut', user: null });
}

export function useSession(): SessionState {
  return useStore(sessionStore);
}

export async function signOut(): Promise<void> {
  await api.logout();
  navigate('/login', { replace: true });
}
