// A failure shown where it happened: the API's message and, when there is one, its error code.

export interface Coded {
  message: string;
  code: string | null;
}

export function CodedError({ error, testid, id, alert = true }: { error: Coded | null; testid: string; id?: string; alert?: boolean }) {
  if (!error) return null;
  return (
    <p id={id} class="field-error" role={alert ? 'alert' : undefined} data-testid={testid} data-code={error.code ?? ''}>
      {error.message}
      {error.code && (
        <>
          {' '}
          <code class="error-code">{error.code}</code>
        </>
      )}
    </p>
  );
}
