/**
 * The revisit timer: the controller runs again when a driver asks to resolve the served snapshot
 * again although neither the model nor a refresh schedule asks for it (ReconcileResult.revisitAt,
 * Driver.revisitAt): a deb mirror's Release re-signed before its Valid-Until, with no download.
 *
 * - After each successful run the timer is armed for the result's `revisitAt` (none: disarmed).
 * - A time already past runs soon, but a run that leaves the snapshot still due (the renewal
 *   failed to take, a key file unreadable) does not spin: each such run in a row doubles the
 *   wait, from `baseMs` up to `maxMs`.
 * - It keeps running while scheduled refreshes are held after a revert: re-signing changes no
 *   package, it keeps the reverted content installable. A suspended controller runs nothing
 *   (the request is refused); resuming runs a reconcile anyway, which renews what is due.
 */

export interface RevisitTimerOptions {
  baseMs: number;
  maxMs: number;
  onDue(): void;
  now?: () => number;
}

/**
 * The delay before the run that revisits at `at`: `at - now` when it is ahead, else
 * baseMs·2^(overdue-1) capped at maxMs, `overdue` being the runs in a row that left it due.
 */
export function revisitDelay(at: number, now: number, overdue: number, options: { baseMs: number; maxMs: number }): number {
  if (at > now) return at - now;
  return Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, overdue - 1));
}

export class RevisitTimer {
  private timer?: NodeJS.Timeout;
  private at?: number;
  private fireAt?: number;
  private overdue = 0;
  private closed = false;
  private readonly now: () => number;

  constructor(private readonly options: RevisitTimerOptions) {
    this.now = options.now ?? Date.now;
  }

  /** When the served snapshot next asks to be revisited (epoch ms), after a successful run. */
  update(at: number | undefined): void {
    this.at = at;
    this.overdue = at !== undefined && at <= this.now() ? this.overdue + 1 : 0;
    this.arm();
  }

  /** When the timer will fire (epoch ms), if armed. */
  get nextAt(): number | undefined {
    return this.fireAt;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private arm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.fireAt = undefined;
    if (this.closed || this.at === undefined) return;
    // setTimeout's limit is 2^31-1 ms (24.8 days); a longer wait re-arms on the way.
    const now = this.now();
    const delay = revisitDelay(this.at, now, this.overdue, this.options);
    this.fireAt = now + delay;
    const capped = Math.min(delay, 2 ** 31 - 1);
    this.timer = setTimeout(() => (capped < delay ? this.arm() : this.fire()), capped);
    this.timer.unref();
  }

  private fire(): void {
    this.timer = undefined;
    this.fireAt = undefined;
    if (this.closed) return;
    this.options.onDue();
  }
}
