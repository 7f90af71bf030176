/**
 * When each mirror's upstream is read again, as a pure state: no clock, no timers (time arrives
 * as arguments; refresh-timer.ts is the I/O shell).
 *
 * - A mirror with a `refresh` interval (its own, or the site default) is due `interval` after
 *   its last refresh, brought forward by a random part of `jitter·interval`, so mirrors sharing
 *   an upstream spread out yet none is ever older than its interval.
 * - A mirror whose refresh failed is retried after base·2^(n-1) (n: failures in a row), capped
 *   at its interval: a broken upstream is asked less and less often, never less than on schedule.
 * - Mirrors due within `coalesceMs` of each other are refreshed by one run (one render, one
 *   lock, at most one snapshot).
 * - A mirror without an interval is never due (it follows the model only).
 */

export interface ScheduledMirror {
  /** `kind/name`. */
  id: string;
  /** Refresh interval (ms); undefined: no schedule. */
  intervalMs?: number;
}

export interface MirrorClock {
  id: string;
  intervalMs: number;
  /** When the next refresh is due (epoch ms). */
  dueAt: number;
  /** Failed refreshes in a row. */
  failures: number;
  /** Last time its upstream was read successfully (epoch ms). */
  lastRefreshAt?: number;
}

export type RefreshSchedule = Readonly<Record<string, MirrorClock>>;

export interface ScheduleOptions {
  /** Fraction of the interval by which a refresh may come early (default 0.1). */
  jitter: number;
  /** First retry delay after a failure (ms). */
  backoffBaseMs: number;
  random?: () => number;
}

/** The delay to the next refresh after a success: interval minus up to jitter·interval. */
export function jitteredInterval(intervalMs: number, jitter: number, random: () => number = Math.random): number {
  return Math.max(1, Math.round(intervalMs * (1 - jitter * random())));
}

/** The delay before retry number `failures` (1-based) of a failed refresh. */
export function refreshBackoff(failures: number, intervalMs: number, baseMs: number): number {
  return Math.min(intervalMs, baseMs * 2 ** Math.max(0, failures - 1));
}

/**
 * Brings the schedule in line with the mirrors the applied model holds: new mirrors are due an
 * interval after `lastRefreshAt` (from a restart's memory) or after `now`; removed ones and
 * ones without an interval are dropped; a changed interval re-plans from the last refresh.
 */
export function planSchedule(
  schedule: RefreshSchedule,
  mirrors: readonly ScheduledMirror[],
  now: number,
  options: ScheduleOptions,
  remembered: Readonly<Record<string, number>> = {},
): RefreshSchedule {
  const out: Record<string, MirrorClock> = {};
  for (const m of mirrors) {
    if (!m.intervalMs) continue;
    const old = schedule[m.id];
    if (old && old.intervalMs === m.intervalMs) {
      out[m.id] = old;
      continue;
    }
    const last = old?.lastRefreshAt ?? remembered[m.id] ?? now;
    const dueAt = old?.failures ? old.dueAt : last + jitteredInterval(m.intervalMs, options.jitter, options.random);
    out[m.id] = { id: m.id, intervalMs: m.intervalMs, dueAt, failures: old?.failures ?? 0, lastRefreshAt: old?.lastRefreshAt ?? remembered[m.id] };
  }
  return out;
}

/** Records the outcome of a refresh of these mirrors (ok: upstream read, changed or not). */
export function recordRefresh(schedule: RefreshSchedule, outcomes: ReadonlyArray<{ id: string; ok: boolean }>, now: number, options: ScheduleOptions): RefreshSchedule {
  const out: Record<string, MirrorClock> = { ...schedule };
  for (const o of outcomes) {
    const c = out[o.id];
    if (!c) continue;
    if (o.ok) out[o.id] = { ...c, failures: 0, lastRefreshAt: now, dueAt: now + jitteredInterval(c.intervalMs, options.jitter, options.random) };
    else {
      const failures = c.failures + 1;
      out[o.id] = { ...c, failures, dueAt: now + refreshBackoff(failures, c.intervalMs, options.backoffBaseMs) };
    }
  }
  return out;
}

/** Mirrors due at `now`, with those due within `coalesceMs` after it (sorted). */
export function dueMirrors(schedule: RefreshSchedule, now: number, coalesceMs: number): string[] {
  return Object.values(schedule)
    .filter((c) => c.dueAt <= now + coalesceMs)
    .map((c) => c.id)
    .sort();
}

/** When the earliest refresh is due; undefined when no mirror has a schedule. */
export function nextDue(schedule: RefreshSchedule): number | undefined {
  let next: number | undefined;
  for (const c of Object.values(schedule)) if (next === undefined || c.dueAt < next) next = c.dueAt;
  return next;
}

/** These mirrors' refresh was asked for: not due again before the run reports (then recordRefresh). */
export function markRequested(schedule: RefreshSchedule, ids: readonly string[], now: number): RefreshSchedule {
  const out: Record<string, MirrorClock> = { ...schedule };
  for (const id of ids) if (out[id]) out[id] = { ...out[id], dueAt: now + out[id].intervalMs };
  return out;
}
