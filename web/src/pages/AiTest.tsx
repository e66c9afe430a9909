// The AI provider test: one caption call with the server's sample image, which can take up to a
// minute. A hook that runs it (elapsed seconds, cancel) and the panel that shows the outcome:
// caption, alt text, tags, the model and URL that answered, or the sanitized error and its code.

import { useEffect, useRef, useState } from 'preact/hooks';
import { API } from '../api/endpoints';
import { isAbortError } from '../api/client';
import type { AiProviderTestRequest } from '../api/types';
import { normalizeAiTest, type AiTestOutcome } from '../lib/aiProviders';
import { errorDetail, errorMessage } from '../lib/errors';
import { formatNumber, t } from '../i18n';
import { CodedError } from '../ui/CodedError';
import { TagChips } from '../ui/TagChips';
import { formatMs } from './AssetProcessing';

export type AiTestState =
  | { phase: 'idle' }
  | { phase: 'running'; seconds: number }
  | { phase: 'done'; outcome: AiTestOutcome }
  | { phase: 'error'; error: unknown };

export function useAiTest(): { state: AiTestState; run: (body: AiProviderTestRequest) => Promise<void>; cancel: () => void; reset: () => void } {
  const [state, setState] = useState<AiTestState>({ phase: 'idle' });
  const controller = useRef<AbortController | null>(null);
  const timer = useRef<ReturnType<typeof setInterval> | null>(null);

  const stopTimer = () => {
    if (timer.current) clearInterval(timer.current);
    timer.current = null;
  };
  useEffect(
    () => () => {
      stopTimer();
      controller.current?.abort();
    },
    [],
  );

  const run = async (body: AiProviderTestRequest) => {
    controller.current?.abort();
    const mine = new AbortController();
    controller.current = mine;
    const started = Date.now();
    setState({ phase: 'running', seconds: 0 });
    stopTimer();
    timer.current = setInterval(() => setState((s) => (s.phase === 'running' ? { phase: 'running', seconds: Math.floor((Date.now() - started) / 1000) } : s)), 1000);
    try {
      const result = await API.testAiProvider(body, mine.signal);
      if (!mine.signal.aborted) setState({ phase: 'done', outcome: normalizeAiTest(result) });
    } catch (error) {
      if (mine.signal.aborted || isAbortError(error)) return;
      setState({ phase: 'error', error });
    } finally {
      if (controller.current === mine) {
        stopTimer();
        controller.current = null;
      }
    }
  };
  const cancel = () => {
    controller.current?.abort();
    controller.current = null;
    stopTimer();
    setState({ phase: 'idle' });
  };
  return { state, run, cancel, reset: () => setState({ phase: 'idle' }) };
}

/** The test's progress and outcome (a polite live region). */
export function AiTestPanel({ state, onCancel }: { state: AiTestState; onCancel: () => void }) {
  const ref = useRef<HTMLDivElement>(null);
  // A new phase (running, the outcome) is brought into view: in a long dialog it is below the fold.
  useEffect(() => {
    ref.current?.scrollIntoView?.({ block: 'nearest' });
  }, [state.phase]);
  if (state.phase === 'idle') return null;
  return (
    <div class="ai-test" aria-live="polite" data-testid="ai-test-panel" data-phase={state.phase} ref={ref}>
      {state.phase === 'running' && (
        <div class="state state-loading" role="status" data-testid="ai-test-running">
          <span class="spinner" aria-hidden="true" />
          <span>{t('ai.test.running', { seconds: formatNumber(state.seconds) })}</span>
          <button type="button" class="btn btn-small" onClick={onCancel} data-testid="ai-test-cancel">
            {t('common.cancel')}
          </button>
        </div>
      )}
      {state.phase === 'error' && (
        <div class="notice notice-warn" role="alert" data-testid="ai-test-error">
          <p>{errorMessage(state.error)}</p>
          {errorDetail(state.error) && <p class="muted small">{errorDetail(state.error)}</p>}
        </div>
      )}
      {state.phase === 'done' && <AiTestOutcomeView outcome={state.outcome} />}
    </div>
  );
}

function AiTestOutcomeView({ outcome: o }: { outcome: AiTestOutcome }) {
  return (
    <div class={`test-result ${o.succeeded ? 'ok' : 'failed'}`} data-testid="ai-test-result" data-succeeded={o.succeeded ? 'true' : 'false'}>
      <p class={o.succeeded ? 'test-summary ok' : 'test-summary failed'} data-testid="ai-test-summary">
        <strong>{o.succeeded ? t('ai.test.passed') : t('ai.test.failed')}</strong>
        {o.durationMs !== null && <span class="muted small"> · {formatMs(o.durationMs)}</span>}
      </p>
      {!o.succeeded && <CodedError error={{ message: o.error ?? t('error.unknown'), code: o.code }} testid="ai-test-error-message" alert={false} />}
      <dl class="kv">
        {o.succeeded && (
          <>
            <dt>{t('ai.test.caption')}</dt>
            <dd class="break" data-testid="ai-test-caption">
              {o.caption ?? t('common.none')}
            </dd>
            <dt>{t('ai.test.altText')}</dt>
            <dd class="break" data-testid="ai-test-alt-text">
              {o.altText ?? t('common.none')}
            </dd>
            <dt>{t('ai.test.tags')}</dt>
            <dd data-testid="ai-test-tags">
              <TagChips tags={o.tags} />
            </dd>
          </>
        )}
        <dt>{o.succeeded ? t('ai.test.model') : t('ai.test.modelAsked')}</dt>
        <dd class="break" data-testid="ai-test-model">
          <code>{o.model ?? t('common.none')}</code>
        </dd>
        <dt>{t('ai.test.url')}</dt>
        <dd class="break" data-testid="ai-test-url">
          <code>{o.apiBaseUrl ?? t('common.none')}</code>
        </dd>
      </dl>
    </div>
  );
}
