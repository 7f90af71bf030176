import { setTimeout as sleep } from 'node:timers/promises';
import { FerryError } from '../core/ferry-error.js';
import { retryDecision, retryDelay } from './retry-policy.js';

export interface RetrySettings {
  /** Further attempts after the first. */
  retries: number;
  baseMs: number;
  maxMs: number;
  maxRetryAfterMs: number;
  /** The idle timeout of each attempt, ms: named in the final error of a stalled download. */
  stallMs?: number;
  random?: () => number;
}

const STALLS = new Set(['UND_ERR_BODY_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/** The last error of a download that stalled on every attempt, saying how long each waited. */
function finalError(error: unknown, attempts: number, settings: RetrySettings): unknown {
  if (!(error instanceof FerryError) || error.code !== 'FERRY_NETWORK' || !STALLS.has(String(error.data.reason))) return error;
  const waited = (settings.stallMs ?? 0) / 1000;
  return new FerryError(
    'FERRY_NETWORK',
    `${String(error.data.url)}: upstream stalled: no bytes for ${waited} s (site.transport.stall_timeout), ${attempts} attempt(s) (site.transport.attempts)`,
    { ...error.data, waitedMs: settings.stallMs, attempts },
    error,
  );
}

export interface RetryHooks {
  signal?: AbortSignal;
  /** Called before each wait; `attempt` counts from 0. */
  onRetry?: (error: unknown, delayMs: number, attempt: number) => void;
}

/**
 * Runs `attempt` until it succeeds, fails for good (retryDecision), or runs out of retries;
 * waits with jittered exponential backoff, or the server's Retry-After, in between. The wait
 * ends early with FERRY_ABORTED when `signal` fires.
 */
export async function withRetries<T>(attempt: (n: number) => Promise<T>, settings: RetrySettings, hooks: RetryHooks = {}): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      const decision = retryDecision(error);
      if (!decision.retry || n >= settings.retries || hooks.signal?.aborted) throw finalError(error, n + 1, settings);
      const delayMs = retryDelay(n, decision.retryAfterMs, settings);
      hooks.onRetry?.(error, delayMs, n);
      try {
        await sleep(delayMs, undefined, { signal: hooks.signal });
      } catch (cause) {
        throw new FerryError('FERRY_ABORTED', 'aborted while waiting to retry', {}, cause);
      }
    }
  }
}
