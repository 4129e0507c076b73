// HTTP for PSA adapters: base URL taken as given (so a loopback server can stand in for the vendor),
// a timeout on every request (5 s), retries with exponential backoff for reads, 429 honoured with
// Retry-After for every method, and every failure turned into one PsaError carrying the vendor's message.
import { PsaError, type PsaProvider } from './types.js';

export interface PsaHttpOptions {
  provider: PsaProvider;
  baseUrl: string;
  /** Headers for each request (auth); may fetch a token. */
  headers: () => Promise<Record<string, string>> | Record<string, string>;
  /** Pulls the vendor's error message out of an error body. */
  messageOf?: (body: unknown) => string | undefined;
  /** A vendor's refusal for load that may come with any status (Autotask's thread limit): retried like a 429, for every method. */
  isBusy?: (status: number, body: unknown) => boolean;
  timeoutMs?: number;
  /** Extra attempts for reads (and for any request answered 429). */
  retries?: number;
  backoffMs?: number;
  /** The longest Retry-After we wait for; a longer one fails at once. */
  maxRetryAfterMs?: number;
}

export interface PsaRequest {
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  /** Override the default (reads retry, writes do not: a write that timed out may have happened). */
  retry?: boolean;
}

export interface PsaResponse<T> {
  status: number;
  body: T;
  headers: Headers;
}

export interface PsaHttp {
  request<T>(method: string, path: string, options?: PsaRequest): Promise<PsaResponse<T>>;
  /** The URL for a path, for vendors that page with absolute next-page links. */
  url(path: string, query?: PsaRequest['query']): string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createPsaHttp(options: PsaHttpOptions): PsaHttp {
  const { provider, timeoutMs = 5_000, retries = 2, backoffMs = 250, maxRetryAfterMs = 10_000 } = options;
  const base = options.baseUrl.replace(/\/+$/, '');

  function url(path: string, query: PsaRequest['query'] = {}): string {
    const target = new URL(/^https?:\/\//.test(path) ? path : base + (path.startsWith('/') ? path : `/${path}`));
    for (const [key, value] of Object.entries(query)) if (value !== undefined) target.searchParams.set(key, String(value));
    return target.toString();
  }

  async function once<T>(method: string, target: string, body: unknown): Promise<PsaResponse<T> & { retryAfterMs?: number }> {
    const headers: Record<string, string> = { Accept: 'application/json', ...(await options.headers()) };
    if (body !== undefined && !(body instanceof URLSearchParams)) headers['Content-Type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(target, {
        method,
        headers,
        body: body === undefined ? undefined : body instanceof URLSearchParams ? body : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError';
      throw new PsaError(provider, timedOut ? `no answer within ${timeoutMs} ms` : `unreachable: ${(error as Error).message}`);
    }
    const text = await response.text().catch(() => '');
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON: keep the text */
    }
    if (response.ok) return { status: response.status, body: parsed as T, headers: response.headers };
    const vendorMessage = options.messageOf?.(parsed) ?? (typeof parsed === 'string' && parsed ? parsed.slice(0, 300) : undefined);
    const error = new PsaError(provider, `${response.status} ${response.statusText || ''}${vendorMessage ? `: ${vendorMessage}` : ''}`.trim(), response.status);
    if (response.status === 429 || options.isBusy?.(response.status, parsed)) {
      Object.assign(error, { busy: true });
      // Seconds, as the vendors send it; absent or unreadable: our own backoff decides.
      const header = response.headers.get('retry-after');
      const seconds = header !== null && /^\d+(\.\d+)?$/.test(header.trim()) ? Number(header) : undefined;
      if (seconds !== undefined) Object.assign(error, { retryAfterMs: seconds * 1000 });
    }
    throw error;
  }

  return {
    url,
    async request<T>(method: string, path: string, request: PsaRequest = {}) {
      const target = url(path, request.query);
      const mayRetry = request.retry ?? method === 'GET';
      for (let attempt = 0; ; attempt++) {
        try {
          return await once<T>(method, target, request.body);
        } catch (error) {
          const e = error as PsaError & { retryAfterMs?: number; busy?: boolean };
          const rateLimited = e.busy === true;
          const transient = e.status === undefined || e.status >= 500;
          if (attempt >= retries || !(rateLimited || (mayRetry && transient))) throw e;
          // A refusal for load without Retry-After waits a little more at random, so processes sharing a limit do not retry in step.
          const wait = rateLimited && e.retryAfterMs !== undefined ? e.retryAfterMs : backoffMs * 2 ** attempt * (rateLimited ? 1 + Math.random() / 2 : 1);
          if (wait > maxRetryAfterMs) throw e;
          await sleep(wait);
        }
      }
    },
  };
}
