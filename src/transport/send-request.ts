import type { Readable } from 'node:stream';
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
  /** GET unless set; redirects are followed for GET and HEAD only. */
  method?: Dispatcher.HttpMethod;
  /** A request body (sent again on each attempt, so not a one-shot stream). */
  body?: Buffer | (() => Readable);
  /** The Authorization for a hop to another origin (its own credentials, never the previous origin's). */
  authorize?: (url: URL) => string | undefined;
}

export const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Sends one request (GET unless `method` says otherwise) and follows redirects of GET and HEAD
 * (up to `maxRedirects`), counting every request sent.
 * Resolves with the final response whatever its status; the caller reads or dumps the body.
 * Network failures become FERRY_NETWORK with the undici error as cause.
 */
export async function sendRequest(first: RequestTarget, options: SendOptions): Promise<OpenedResponse> {
  let target = first;
  const method = options.method ?? 'GET';
  for (let hop = 0; ; hop++) {
    const headers: Record<string, string> = { ...options.headers };
    if (target.authorization) headers.authorization = target.authorization;
    options.stats.request(target.url.host);
    let response: Dispatcher.ResponseData;
    try {
      const body = typeof options.body === 'function' ? options.body() : options.body;
      response = await options.dispatcher.request({
        origin: target.url.origin,
        path: `${target.url.pathname}${target.url.search}`,
        method,
        headers,
        body,
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
    if (!REDIRECTS.has(status) || location === undefined || (method !== 'GET' && method !== 'HEAD')) {
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
    if (target.authorization === undefined) {
      const own = options.authorize?.(target.url);
      if (own) target = { ...target, authorization: own };
    }
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
  const challenge = status === 401 ? headers['www-authenticate'] : undefined;
  const error = new FerryError('FERRY_HTTP_STATUS', `HTTP ${status} from ${url}`, {
    url,
    status,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    ...(challenge !== undefined ? { challenge } : {}),
  });
  if (status === 401) unauthorized.set(error, { url: target.url, sent: target.authorization });
  return error;
}

/** What a 401 answered (the URL, unredacted, and the Authorization sent), for the challenge hook; never logged. */
const unauthorized = new WeakMap<FerryError, { url: URL; sent?: string }>();

export function unauthorizedTarget(error: unknown): { url: URL; sent?: string; challenge?: string } | undefined {
  if (!(error instanceof FerryError)) return undefined;
  const found = unauthorized.get(error);
  return found && { ...found, challenge: typeof error.data.challenge === 'string' ? error.data.challenge : undefined };
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
