import type { Dispatcher } from 'undici';
import { FerryError } from '../core/ferry-error.js';
import { redactUrl } from '../core/redact.js';
import { redirectTarget, type RequestTarget } from './request-target.js';
import { flattenHeaders, networkError, REDIRECTS } from './send-request.js';
import type { StatsCounter } from './transport-stats.js';

export interface BufferedOptions {
  dispatcher: Dispatcher;
  stats: StatsCounter;
  headers: Record<string, string>;
  signal?: AbortSignal;
  maxRedirects: number;
  /**
   * Called with each body chunk's length as it arrives (counters, progress); may throw (the
   * body is too long, say) to stop the request with that error. Only for a 2xx answer: the body
   * of any other answer is dropped (the caller needs its status and headers only).
   */
  onChunk?: (length: number) => void;
  /** The Authorization for a hop to another origin (its own credentials, never the previous origin's). */
  authorize?: (url: URL) => string | undefined;
}

export interface BufferedResponse {
  /** The target that answered, after redirects. */
  target: RequestTarget;
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * One GET whose body is gathered in memory, on undici's handler interface (Dispatcher.dispatch):
 * no stream or promise per chunk, about half the CPU of `request()` per small file, which is what
 * a mirror of many small packages spends its time on. Follows redirects (up to `maxRedirects`),
 * counts every request sent, resolves with the final answer whatever its status. Network
 * failures become FERRY_NETWORK (FERRY_ABORTED when `signal` aborts); an error thrown by
 * `onChunk` is passed through.
 */
export async function bufferedRequest(first: RequestTarget, options: BufferedOptions): Promise<BufferedResponse> {
  let target = first;
  for (let hop = 0; ; hop++) {
    const r = await dispatchOnce(target, options);
    const location = r.headers.location;
    if (!REDIRECTS.has(r.status) || location === undefined) return r;
    if (hop >= options.maxRedirects) {
      throw new FerryError('FERRY_HTTP_STATUS', `too many redirects (more than ${options.maxRedirects}) from ${redactUrl(first.url.href)}`, {
        url: redactUrl(first.url.href),
        status: r.status,
      });
    }
    target = redirectTarget(target, location);
    if (target.authorization === undefined) {
      const own = options.authorize?.(target.url);
      if (own) target = { ...target, authorization: own };
    }
  }
}

function dispatchOnce(target: RequestTarget, options: BufferedOptions): Promise<BufferedResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (target.authorization) headers.authorization = target.authorization;
  options.stats.request(target.url.host);
  const { signal } = options;
  return new Promise((resolve, reject) => {
    let status = 0;
    let responseHeaders: Record<string, string> = {};
    const chunks: Buffer[] = [];
    let size = 0;
    let failure: Error | undefined;
    let controller: Dispatcher.DispatchController | undefined;
    const onAbort = () => controller?.abort(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    const done = () => signal?.removeEventListener('abort', onAbort);
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
        if (signal?.aborted) onAbort();
      },
      onResponseStart(_c, statusCode, h) {
        // 1xx answers come before the real one: only the last call counts.
        status = statusCode;
        responseHeaders = flattenHeaders(h);
      },
      onResponseData(c, chunk) {
        if (status < 200 || status > 299 || failure !== undefined) return;
        try {
          options.onChunk?.(chunk.length);
        } catch (e) {
          failure = e instanceof Error ? e : new Error(String(e));
          c.abort(failure);
          return;
        }
        chunks.push(chunk);
        size += chunk.length;
      },
      onResponseEnd() {
        done();
        if (failure !== undefined) reject(failure);
        else resolve({ target, status, headers: responseHeaders, body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size) });
      },
      onResponseError(_c, error) {
        done();
        reject(failure ?? networkError(target, signal?.aborted ? (signal.reason ?? error) : error));
      },
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      options.dispatcher.dispatch({ origin: target.url.origin, path: `${target.url.pathname}${target.url.search}`, method: 'GET', headers }, handler);
    } catch (e) {
      done();
      reject(networkError(target, e));
    }
  });
}
