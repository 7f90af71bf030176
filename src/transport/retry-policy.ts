/**
 * When to retry and how long to wait. Pure functions, so the policy is tested as a table.
 *
 * Retried: connection resets and refusals, premature EOF, timeouts, 5xx and 429.
 * Never retried: any other 4xx, aborts, and verification failures (the download loop retries a
 * digest mismatch once from scratch on its own).
 */

/** Statuses worth another attempt: 429 and every 5xx. Other 4xx are final (RFC 9110 §15.5). */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599);
}

const RETRYABLE_CODES = new Set([
  // undici
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH',
  // node / libuv
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  // ours: a body that ended before its announced size
  'FERRY_PREMATURE_EOF',
]);

/** Whether a thrown network error (or its cause chain) is transient. Aborts never are. */
export function isRetryableNetworkError(error: unknown): boolean {
  let e: unknown = error;
  for (let depth = 0; depth < 5 && e; depth++) {
    if (typeof e !== 'object') return false;
    const { name, code, cause } = e as { name?: unknown; code?: unknown; cause?: unknown };
    if (name === 'AbortError' || code === 'UND_ERR_ABORTED' || code === 'ABORT_ERR') return false;
    if (typeof code === 'string' && RETRYABLE_CODES.has(code)) return true;
    e = cause;
  }
  return false;
}

export interface BackoffOptions {
  /** Base delay of the first retry, ms. */
  baseMs: number;
  /** Upper bound of any computed delay, ms. */
  maxMs: number;
  /** A number in [0, 1); Math.random by default. */
  random?: () => number;
}

/**
 * Delay before retry number `attempt` (0 for the first retry): exponential growth from baseMs,
 * capped at maxMs, with "equal jitter" (between half and all of the step) so that many
 * clients failing together do not come back together.
 */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const random = options.random ?? Math.random;
  const step = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempt));
  return Math.round(step / 2 + (step / 2) * random());
}

/**
 * Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP-date. Returns milliseconds to wait
 * (0 for a date in the past), or undefined when the header is absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (/^-?\d+(\.\d+)?$/.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/**
 * The wait before the next attempt: the server's Retry-After when it gave one (capped at
 * maxRetryAfterMs), else the jittered backoff.
 */
export function retryDelay(
  attempt: number,
  retryAfterMs: number | undefined,
  options: BackoffOptions & { maxRetryAfterMs: number },
): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, options.maxRetryAfterMs);
  return backoffDelay(attempt, options);
}

/**
 * The decision for one failed attempt: retry (after the server's Retry-After, if any) or give
 * up. FERRY_HTTP_STATUS follows isRetryableStatus; FERRY_NETWORK follows the undici or system
 * error it wraps; everything else (aborts, verification, usage) is final here.
 */
export function retryDecision(error: unknown): { retry: boolean; retryAfterMs?: number } {
  if (typeof error !== 'object' || error === null) return { retry: false };
  const { code, data, cause } = error as { code?: unknown; data?: { status?: unknown; retryAfterMs?: unknown }; cause?: unknown };
  if (code === 'FERRY_HTTP_STATUS') {
    const status = typeof data?.status === 'number' ? data.status : 0;
    const retryAfterMs = typeof data?.retryAfterMs === 'number' ? data.retryAfterMs : undefined;
    return isRetryableStatus(status) ? { retry: true, retryAfterMs } : { retry: false };
  }
  if (code === 'FERRY_NETWORK') return { retry: isRetryableNetworkError(cause) };
  return { retry: false };
}
