import { setTimeout as sleep } from 'node:timers/promises';
import { FerryError } from '../core/ferry-error.js';
import { retryDecision, retryDelay } from './retry-policy.js';

export interface RetrySettings {
  /** Further attempts after the first. */
  retries: number;
  baseMs: number;
  maxMs: number;
  maxRetryAfterMs: number;
  random?: () => number;
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
      if (!decision.retry || n >= settings.retries || hooks.signal?.aborted) throw error;
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
