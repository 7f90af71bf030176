import type { Dispatcher } from 'undici';
import { FerryError } from '../core/ferry-error.js';
import { redactUrl } from '../core/redact.js';
import { redirectTarget, type RequestTarget } from './request-target.js';
import { parseRetryAfter } from './retry-policy.js';
import type { StatsCounter } from './transport-stats.js';

export interface OpenedResponse {
  /** The target that answered, after redirects. */
  target: RequestTarget;
  status: number;
  headers: Record<string, string>;
  body: Dispatcher.ResponseData['body'];
}

export interface SendOptions {
  dispatcher: Dispatcher;
  stats: StatsCounter;
  headers: Record<string, string>;
  signal?: AbortSignal;
  maxRedirects: number;
}

export const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Sends one GET and follows redirects (up to `maxRedirects`), counting every request sent.
 * Resolves with the final response whatever its status; the caller reads or dumps the body.
 * Network failures become FERRY_NETWORK with the undici error as cause.
 */
export async function sendRequest(first: RequestTarget, options: SendOptions): Promise<OpenedResponse> {
  let target = first;
  for (let hop = 0; ; hop++) {
    const headers: Record<string, string> = { ...options.headers };
    if (target.authorization) headers.authorization = target.authorization;
    options.stats.request(target.url.host);
    let response: Dispatcher.ResponseData;
    try {
      response = await options.dispatcher.request({
        origin: target.url.origin,
        path: `${target.url.pathname}${target.url.search}`,
        method: 'GET',
        headers,
        signal: options.signal,
        // Let the socket run ahead of a consumer that is hashing or writing (default 64 KiB).
        highWaterMark: 1 << 20,
      });
    } catch (cause) {
      throw networkError(target, cause);
    }
    const status = response.statusCode;
    const responseHeaders = flattenHeaders(response.headers);
    const location = responseHeaders.location;
    if (!REDIRECTS.has(status) || location === undefined) {
      return { target, status, headers: responseHeaders, body: response.body };
    }
    await discard(response.body);
    if (hop >= options.maxRedirects) {
      throw new FerryError('FERRY_HTTP_STATUS', `too many redirects (more than ${options.maxRedirects}) from ${redactUrl(first.url.href)}`, {
        url: redactUrl(first.url.href),
        status,
      });
    }
    target = redirectTarget(target, location);
  }
}

/** Reads and drops a body we do not want, so that its connection can be reused. */
export async function discard(body: Dispatcher.ResponseData['body']): Promise<void> {
  try {
    await body.dump({ limit: 256 * 1024 });
  } catch {
    // The connection is closed instead; nothing to report.
  }
}

/** A FERRY_HTTP_STATUS for an answer we cannot use, with Retry-After when the server sent one. */
export function statusError(target: RequestTarget, status: number, headers: Record<string, string>): FerryError {
  const url = redactUrl(target.url.href);
  const retryAfterMs = parseRetryAfter(headers['retry-after']);
  return new FerryError('FERRY_HTTP_STATUS', `HTTP ${status} from ${url}`, { url, status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
}

export function networkError(target: RequestTarget, cause: unknown): FerryError {
  const url = redactUrl(target.url.href);
  if (isAbort(cause)) return new FerryError('FERRY_ABORTED', `download of ${url} aborted`, { url }, cause);
  const code = (cause as { code?: unknown } | null)?.code;
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new FerryError('FERRY_NETWORK', `${url}: ${reason}`, { url, ...(typeof code === 'string' ? { reason: code } : {}) }, cause);
}

export function isAbort(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const { name, code } = e as { name?: unknown; code?: unknown };
  return name === 'AbortError' || code === 'UND_ERR_ABORTED' || code === 'ABORT_ERR';
}

/** Lowercase header names, repeated headers joined with `, `. */
export function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}
