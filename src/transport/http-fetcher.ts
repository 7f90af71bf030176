import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { FerryError } from '../core/ferry-error.js';
import { readFileSync } from 'node:fs';
import { Authenticator, credentialsFromAuthFile, type Credential } from './authenticator.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { redactUrl } from '../core/redact.js';
import { createDispatcher } from './dispatcher.js';
import { downloadAttempt, removePartial, type AttemptContext, type Progress } from './download-file.js';
import { HostLimiter } from './host-limiter.js';
import { readBody } from './read-body.js';
import { toTarget } from './request-target.js';
import { retryDecision } from './retry-policy.js';
import { discard, isAbort, sendRequest, statusError, unauthorizedTarget } from './send-request.js';
import type { RequestTarget } from './request-target.js';
import { StatsCounter } from './transport-stats.js';
import type { DownloadOptions, DownloadResult, Fetcher, GetOptions, GetResult, SendOptions, SendResult } from './types.js';
import { isRetryableStatus } from './retry-policy.js';
import { withRetries, type RetrySettings } from './with-retries.js';

export interface HttpFetcherOptions {
  /** Requests in flight over all hosts. Default 8. */
  concurrency?: number;
  /** Requests in flight (and connections) per host. Default 4. */
  perHost?: number;
  /** Further attempts after a transient failure. Default 5. */
  retries?: number;
  /** First backoff step, ms; doubles per retry, with jitter. Default 500. */
  backoffMs?: number;
  /** Largest backoff step, ms. Default 30000. */
  maxBackoffMs?: number;
  /** Longest Retry-After honoured, ms (longer ones are cut to this). Default 120000. */
  maxRetryAfterMs?: number;
  /** Idle limit waiting for headers or for the next body bytes, ms. Default 60000. */
  timeoutMs?: number;
  /** Proxy for http and https (NO_PROXY applies); else HTTPS_PROXY / HTTP_PROXY from the env. */
  proxy?: string;
  /** CONNECT-tunnel plain http through the proxy too (https always is). Default false: forwarded. */
  proxyTunnel?: boolean;
  /** Downloads smaller than this are fetched again rather than resumed (no sidecar). Default 1 MiB. */
  resumeMinBytes?: number;
  /** Redirects followed per request. Default 5. */
  maxRedirects?: number;
  userAgent?: string;
  /**
   * Credentials per origin (default: the auth file FERRY_AUTH_FILE or REGISTRY_AUTH_FILE names) (`https://host:port`) or `host[:port]`: sent to that origin only, never
   * along a redirect to another (authenticator.ts). Bearer challenges are answered with tokens.
   */
  credentials?: Record<string, Credential>;
  logger?: Logger;
  /** Environment read for *_PROXY variables; process.env by default. */
  env?: NodeJS.ProcessEnv;
}

const DEFAULT_MAX_BYTES = 1 << 30;

/**
 * The real Fetcher: undici (one pool per origin) behind two limits (global, per host: HostLimiter),
 * retries with backoff, streaming sha256 and size verification, resumable downloads.
 * See types.ts for the contract of each method.
 */
export function createHttpFetcher(options: HttpFetcherOptions = {}): Fetcher {
  const perHost = options.perHost ?? 4;
  const logger = options.logger ?? silentLogger;
  const dispatcher = createDispatcher({ perHost, timeoutMs: options.timeoutMs ?? 60_000, proxy: options.proxy, proxyTunnel: options.proxyTunnel, env: options.env });
  const limiter = new HostLimiter({ concurrency: options.concurrency ?? 8, perHost });
  const stats = new StatsCounter();
  const retry: RetrySettings = {
    retries: options.retries ?? 5,
    baseMs: options.backoffMs ?? 500,
    maxMs: options.maxBackoffMs ?? 30_000,
    maxRetryAfterMs: options.maxRetryAfterMs ?? 120_000,
    stallMs: options.timeoutMs ?? 60_000,
  };
  const baseHeaders = { 'user-agent': options.userAgent ?? 'ferry/0.1', 'accept-encoding': 'identity' };
  const maxRedirects = options.maxRedirects ?? 5;
  const auth = new Authenticator({
    credentials: options.credentials ?? credentialsFromEnv(options.env ?? process.env),
    async fetchToken(url, authorization, signal) {
      const host = url.host;
      return withRetries(
        () =>
          limiter.run(host, async () => {
            const r = await sendRequest({ url, authorization }, { dispatcher, stats, headers: { ...baseHeaders, accept: 'application/json' }, signal, maxRedirects });
            if (isRetryableStatus(r.status)) {
              await discard(r.body);
              throw statusError(r.target, r.status, r.headers);
            }
            const body = r.status >= 200 && r.status < 300 ? await readBody(r, { maxBytes: 1 << 20, stats }) : (await discard(r.body), Buffer.alloc(0));
            return { status: r.status, body, headers: r.headers };
          }, signal).catch(rethrowAbort(url.href)),
        retry,
        { signal, onRetry: onRetry(host, redactUrl(url.href)) },
      );
    },
  });
  const authorize = (url: URL) => auth.header(url);

  /**
   * Runs `attempt` with the Authorization the authenticator has for `url` (unless the URL holds
   * its own credentials); on a 401 lets the challenge hook find a better one and runs it again
   * (twice at most: a first token, then a fresh one if that was refused).
   */
  async function authed<T>(url: string, scope: string | undefined, signal: AbortSignal | undefined, attempt: (target: RequestTarget) => Promise<T>): Promise<T> {
    for (let round = 0; ; round++) {
      const target = toTarget(url);
      if (!target.authorization) {
        const header = auth.header(target.url, scope);
        if (header) target.authorization = header;
      }
      try {
        return await attempt(target);
      } catch (error) {
        const denied = round < 2 ? unauthorizedTarget(error) : undefined;
        if (!denied || !(await auth.onUnauthorized(denied.url, denied.sent, denied.challenge, scope, signal))) throw error;
      }
    }
  }

  function onRetry(host: string, url: string) {
    return (error: unknown, delayMs: number, attempt: number) => {
      stats.retry(host);
      const code = error instanceof FerryError ? error.code : 'unknown';
      const message = error instanceof Error ? error.message : String(error);
      logger.warn('retrying request', { url, attempt: attempt + 1, delayMs, code, error: message });
    };
  }

  async function get(url: string, o: GetOptions = {}): Promise<GetResult> {
    return authed(url, o.authScope, o.signal, (target) => getOnce(url, target, o));
  }

  async function getOnce(url: string, target: RequestTarget, o: GetOptions): Promise<GetResult> {
    const host = target.url.host;
    const headers: Record<string, string> = { ...baseHeaders, ...o.headers };
    if (o.etag) headers['if-none-match'] = o.etag;
    if (o.lastModified) headers['if-modified-since'] = o.lastModified;
    return withRetries(
      () =>
        limiter.run(host, async () => {
          const r = await sendRequest(target, { dispatcher, stats, headers, signal: o.signal, maxRedirects, authorize });
          const common = { url: r.target.url.href, status: r.status, headers: r.headers, etag: r.headers.etag, lastModified: r.headers['last-modified'] };
          if (r.status === 304 && (o.etag || o.lastModified)) {
            await discard(r.body);
            return { ...common, body: Buffer.alloc(0), notModified: true };
          }
          if (o.allowNotFound && (r.status === 404 || r.status === 410)) {
            await discard(r.body);
            return { ...common, body: Buffer.alloc(0), notModified: false };
          }
          if (r.status < 200 || r.status > 299) {
            await discard(r.body);
            throw statusError(r.target, r.status, r.headers);
          }
          const body = await readBody(r, { maxBytes: o.maxBytes ?? DEFAULT_MAX_BYTES, stats });
          return { ...common, body, notModified: false };
        }, o.signal).catch(rethrowAbort(url)),
      retry,
      { signal: o.signal, onRetry: onRetry(host, redactUrl(url)) },
    );
  }

  async function download(url: string, dest: string, given: DownloadOptions = {}): Promise<DownloadResult> {
    return authed(url, given.authScope, given.signal, (target) => downloadOnce(url, target, dest, given));
  }

  async function downloadOnce(url: string, target: RequestTarget, dest: string, given: DownloadOptions): Promise<DownloadResult> {
    const o = { ...given, sha256: given.sha256?.toLowerCase() };
    const host = target.url.host;
    const ctx: AttemptContext = { dispatcher, logger, resumeMinBytes: options.resumeMinBytes ?? 1 << 20, stats, headers: { ...baseHeaders, ...o.headers }, maxRedirects, authorize };
    const progress: Progress = { fetched: 0 };
    let fromScratch = o.resume === false;
    for (let round = 0; ; round++) {
      // Bytes already on disk may predate a change upstream: only a download that continued
      // them is worth repeating from scratch after a failed verification (issue 10).
      const continued = !fromScratch && (await stat(dest).then((st) => st.size > 0, () => false));
      try {
        const result = await withRetries(
          (n) => limiter.run(host, () => downloadAttempt(ctx, target, dest, { ...o, fromScratch: fromScratch && n === 0 }, progress), o.signal).catch(rethrowAbort(url)),
          retry,
          { signal: o.signal, onRetry: onRetry(host, redactUrl(url)) },
        );
        verify(url, o, result);
        return { url: target.url.href, sha256: result.sha256, size: result.size, bytesFetched: progress.fetched, resumed: result.resumed };
      } catch (error) {
        const code = error instanceof FerryError ? error.code : undefined;
        const verification = code === 'FERRY_DIGEST_MISMATCH' || code === 'FERRY_SIZE_MISMATCH';
        // Keep a partial that a later call may continue (network trouble, 5xx, abort); drop one
        // that failed verification or that upstream refused for good (4xx).
        if (verification || (code === 'FERRY_HTTP_STATUS' && !retryDecision(error).retry)) await removePartial(dest);
        // A download made from scratch in one go that fails verification is what upstream
        // serves: fetching it again would give the same bytes. Fail at once, naming both digests.
        if (verification && round === 0 && continued) {
          logger.warn('verification failed after continuing a partial download: downloading again from scratch', { url: redactUrl(url), code });
          stats.retry(host);
          fromScratch = true;
          continue;
        }
        throw error;
      }
    }
  }

  async function send(url: string, o: SendOptions): Promise<SendResult> {
    return authed(url, o.authScope, o.signal, (target) => {
      const host = target.url.host;
      const given = o.body;
      const body = given === undefined ? undefined : given instanceof Uint8Array ? Buffer.from(given.buffer, given.byteOffset, given.byteLength) : () => createReadStream(given.file);
      const headers: Record<string, string> = { ...baseHeaders, ...o.headers };
      if (given !== undefined) headers['content-length'] = String(given instanceof Uint8Array ? given.byteLength : given.size);
      return withRetries(
        () =>
          limiter.run(host, async () => {
            const r = await sendRequest(target, { dispatcher, stats, headers, signal: o.signal, maxRedirects, method: o.method, body, authorize });
            if (r.status === 401 || isRetryableStatus(r.status)) {
              await discard(r.body);
              throw statusError(r.target, r.status, r.headers);
            }
            const data = o.method === 'HEAD' ? (await discard(r.body), Buffer.alloc(0)) : await readBody(r, { maxBytes: o.maxBytes ?? 1 << 20, stats });
            return { url: r.target.url.href, status: r.status, headers: r.headers, body: data };
          }, o.signal).catch(rethrowAbort(url)),
        retry,
        { signal: o.signal, onRetry: onRetry(host, redactUrl(url)) },
      );
    });
  }

  return {
    get,
    download,
    send,
    stats: () => stats.snapshot(),
    resetStats: () => stats.reset(),
    close: () => dispatcher.close(),
  };
}

/**
 * Credentials named by the environment: FERRY_AUTH_FILE, else REGISTRY_AUTH_FILE (the
 * containers-auth.json / docker config.json format skopeo and podman read). None when unset.
 */
function credentialsFromEnv(env: NodeJS.ProcessEnv): Record<string, Credential> | undefined {
  const file = env.FERRY_AUTH_FILE || env.REGISTRY_AUTH_FILE;
  if (!file) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new FerryError('FERRY_USAGE', `cannot read the auth file ${file} (FERRY_AUTH_FILE / REGISTRY_AUTH_FILE)`, { file }, cause);
  }
  return credentialsFromAuthFile(text, file);
}

function verify(url: string, o: DownloadOptions, result: { sha256: string; size: number }): void {
  const where = redactUrl(url);
  if (o.size !== undefined && result.size !== o.size) {
    throw new FerryError('FERRY_SIZE_MISMATCH', `${where}: expected ${o.size} bytes, got ${result.size}`, { url: where, expected: o.size, actual: result.size });
  }
  if (o.sha256 !== undefined && result.sha256 !== o.sha256) {
    throw new FerryError('FERRY_DIGEST_MISMATCH', `${where}: sha256 mismatch`, { url: where, expected: o.sha256, actual: result.sha256 });
  }
}

/** Aborts from the limiter or undici become FERRY_ABORTED; FerryErrors pass through. */
function rethrowAbort(url: string) {
  return (error: unknown): never => {
    if (!(error instanceof FerryError) && isAbort(error)) {
      throw new FerryError('FERRY_ABORTED', `${redactUrl(url)}: aborted`, { url: redactUrl(url) }, error);
    }
    throw error;
  };
}
