// A scriptable fake of fetch for the API client tests (no network).

export interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
  credentials: RequestCredentials | undefined;
}

export type Handler = (call: Call, signal: AbortSignal | undefined) => Promise<Response> | Response;

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

export function envelopeError(status: number, code: string, message: string, headers: Record<string, string> = {}): Response {
  return json(status, { error: { code, message, traceId: `trace-${code}`, status } }, headers);
}

export const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function fakeFetch(handler: Handler) {
  const calls: Call[] = [];
  const fn = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const headers: Record<string, string> = {};
    const h = init?.headers;
    if (h) {
      for (const [k, v] of Object.entries(h as Record<string, string>)) headers[k.toLowerCase()] = v;
    }
    const call: Call = {
      url: String(input),
      method: init?.method ?? 'GET',
      headers,
      body: typeof init?.body === 'string' ? init.body : undefined,
      credentials: init?.credentials,
    };
    calls.push(call);
    return handler(call, init?.signal ?? undefined);
  }) as typeof fetch;
  return { fetch: fn, calls };
}

export function authResult(token: string, expiresInMs = 15 * 60_000, username = 'root') {
  return {
    data: {
      accessToken: token,
      refreshToken: null,
      accessTokenExpiresAtUtc: new Date(Date.now() + expiresInMs).toISOString(),
      refreshTokenExpiresAtUtc: null,
      user: {
        id: 'u-1',
        username,
        role: 'superAdmin' as const,
        isActive: true,
        createdAtUtc: '2026-01-01T00:00:00+00:00',
        updatedAtUtc: '2026-01-01T00:00:00+00:00',
        lastLoginAtUtc: null,
        permissions: [],
      },
    },
  };
}
