// A form's one action at a time: `busy` while it runs, the API's message in a toast when it
// fails. Replaces the same try/catch/finally in every dialog and form.

import { useState } from 'preact/hooks';
import { toast } from '../ui/toast';

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
