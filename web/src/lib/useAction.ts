// A form's one action at a time: `busy` while it runs, the API's message in a toast when it
// fails. Replaces the same try/catch/finally in every dialog and form.

import { useState } from 'preact/hooks';
import { toast } from '../ui/toast';

/** The same for actions on one row of a list: the id of the row whose action runs, or null. */
export function useRowAction(): [busyId: string | null, run: (id: string, action: () => Promise<void>) => Promise<void>] {
  const [busyId, setBusyId] = useState<string | null>(null);
  const run = async (id: string, action: () => Promise<void>) => {
    setBusyId(id);
    try {
      await action();
    } catch (err) {
      toast.error(err);
    } finally {
      setBusyId(null);
    }
  };
  return [busyId, run];
}

export function useAction(): [busy: boolean, run: (action: () => Promise<void>) => Promise<void>] {
  const [busy, setBusy] = useState(false);
  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    try {
      await action();
    } catch (err) {
      toast.error(err);
    } finally {
      setBusy(false);
    }
  };
  return [busy, run];
}
