/**
 * The I/O shell of refresh-schedule.ts: one timer armed for the earliest due mirror; when it
 * fires, the mirrors due (and those due within the coalescing window) are handed to `onDue`
 * in one request. While refreshes are held (a model revert pinned the served snapshot, or
 * reconciliation is suspended) the timer is not armed; overdue mirrors fire when released.
 */
import { dueMirrors, markRequested, nextDue, planSchedule, recordRefresh, type MirrorClock, type RefreshSchedule, type ScheduleOptions, type ScheduledMirror } from './refresh-schedule.js';

export interface RefreshTimerOptions extends ScheduleOptions {
  coalesceMs: number;
  onDue(mirrors: string[]): void;
  now?: () => number;
  /** Last refresh times from before a restart (epoch ms by mirror id). */
  remembered?: Record<string, number>;
}

export class RefreshTimer {
  private schedule: RefreshSchedule = {};
  private timer?: NodeJS.Timeout;
  private held = false;
  private closed = false;
  private readonly now: () => number;

  constructor(private readonly options: RefreshTimerOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The mirrors of the model just applied, with their intervals. */
  update(mirrors: readonly ScheduledMirror[]): void {
    this.schedule = planSchedule(this.schedule, mirrors, this.now(), this.options, this.options.remembered);
    this.arm();
  }

  /** The outcome of the refresh of these mirrors. */
  record(outcomes: ReadonlyArray<{ id: string; ok: boolean }>): void {
    this.schedule = recordRefresh(this.schedule, outcomes, this.now(), this.options);
    this.arm();
  }

  setHeld(held: boolean): void {
    this.held = held;
    this.arm();
  }

  get isHeld(): boolean {
    return this.held;
  }

  clock(id: string): MirrorClock | undefined {
    return this.schedule[id];
  }

  /** Last successful refresh per mirror (epoch ms), to remember across restarts. */
  lastRefreshTimes(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const c of Object.values(this.schedule)) if (c.lastRefreshAt !== undefined) out[c.id] = c.lastRefreshAt;
    return out;
  }

  get nextAt(): number | undefined {
    return this.held ? undefined : nextDue(this.schedule);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private arm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const at = this.nextAt;
    if (this.closed || at === undefined) return;
    // setTimeout's limit is 2^31-1 ms (24.8 days); a longer wait re-arms on the way.
    const delay = Math.min(Math.max(0, at - this.now()), 2 **31 - 1);
    this.timer = setTimeout(() => this.fire(), delay);
    this.timer.unref();
  }

  private fire(): void {
    if (this.held || this.closed) return;
    const now = this.now();
    const due = dueMirrors(this.schedule, now, this.options.coalesceMs);
    if (due.length) {
      this.schedule = markRequested(this.schedule, due, now);
      this.options.onDue(due);
    }
    this.arm();
  }
}
