/**
 * The fallback for lost webhooks: a trigger every `intervalMs`, spread by ±`jitter` (a
 * fraction) so that many sites polling one Gerrit do not arrive in step.
 */
export interface Poller {
  /** When the next poll is due (epoch ms). */
  readonly nextAt: number | undefined;
  stop(): void;
}

export function jitteredDelay(intervalMs: number, jitter: number, random: () => number = Math.random): number {
  return Math.max(1, Math.round(intervalMs * (1 + jitter * (2 * random() - 1))));
}

export function startPoller(options: { intervalMs: number; jitter: number; onPoll(): void; random?: () => number }): Poller {
  let timer: NodeJS.Timeout | undefined;
  let nextAt: number | undefined;
  let stopped = false;
  const schedule = () => {
    if (stopped) return;
    const delay = jitteredDelay(options.intervalMs, options.jitter, options.random);
    nextAt = Date.now() + delay;
    timer = setTimeout(() => {
      options.onPoll();
      schedule();
    }, delay);
    timer.unref();
  };
  schedule();
  return {
    get nextAt() {
      return nextAt;
    },
    stop() {
      stopped = true;
      nextAt = undefined;
      clearTimeout(timer);
    },
  };
}
