import { describe, expect, it } from '@jest/globals';
import { dueMirrors, jitteredInterval, markRequested, nextDue, planSchedule, recordRefresh, refreshBackoff } from '../../../src/controller/refresh/refresh-schedule.js';
import { mergeRefresh } from '../../../src/controller/loop/loop-machine.js';

const MIN = 60_000;
const opts = (r: number) => ({ jitter: 0.1, backoffBaseMs: 10_000, random: () => r });

describe('refresh schedule', () => {
  it('comes up to jitter·interval early, never late', () => {
    expect(jitteredInterval(5 * MIN, 0.1, () => 0)).toBe(5 * MIN);
    expect(jitteredInterval(5 * MIN, 0.1, () => 0.999999)).toBe(Math.round(5 * MIN * (1 - 0.1 * 0.999999)));
    for (let i = 0; i < 100; i++) {
      const d = jitteredInterval(6 * 3600_000, 0.1);
      expect(d).toBeGreaterThanOrEqual(0.9 * 6 * 3600_000);
      expect(d).toBeLessThanOrEqual(6 * 3600_000);
    }
  });

  it('plans new mirrors from now or from a remembered refresh; drops mirrors without an interval', () => {
    const s = planSchedule({}, [{ id: 'deb/a', intervalMs: 5 * MIN }, { id: 'file/b' }, { id: 'deb/c', intervalMs: MIN }], 1_000_000, opts(0), { 'deb/c': 900_000 });
    expect(Object.keys(s).sort()).toEqual(['deb/a', 'deb/c']);
    expect(s['deb/a']).toEqual({ id: 'deb/a', intervalMs: 5 * MIN, dueAt: 1_000_000 + 5 * MIN, failures: 0, lastRefreshAt: undefined });
    expect(s['deb/c'].dueAt).toBe(900_000 + MIN);
    // Same interval: the clock stands; a changed interval re-plans from the last refresh; a removed mirror goes.
    const t = recordRefresh(s, [{ id: 'deb/a', ok: true }], 2_000_000, opts(0));
    const u = planSchedule(t, [{ id: 'deb/a', intervalMs: 10 * MIN }], 2_100_000, opts(0));
    expect(u).toEqual({ 'deb/a': { id: 'deb/a', intervalMs: 10 * MIN, dueAt: 2_000_000 + 10 * MIN, failures: 0, lastRefreshAt: 2_000_000 } });
  });

  it('coalesces mirrors due close together and retries failures with capped backoff', () => {
    let s = planSchedule({}, [{ id: 'deb/a', intervalMs: 5 * MIN }, { id: 'deb/b', intervalMs: 5 * MIN }, { id: 'deb/c', intervalMs: 60 * MIN }], 0, opts(0));
    s = { ...s, 'deb/b': { ...s['deb/b'], dueAt: 5 * MIN + 20_000 } };
    expect(nextDue(s)).toBe(5 * MIN);
    expect(dueMirrors(s, 5 * MIN, 30_000)).toEqual(['deb/a', 'deb/b']);
    expect(dueMirrors(s, 5 * MIN, 0)).toEqual(['deb/a']);
    s = markRequested(s, ['deb/a', 'deb/b'], 5 * MIN);
    expect(dueMirrors(s, 5 * MIN, 30_000)).toEqual([]);
    // deb/a's upstream is down: 10 s, 20 s, 40 s ... never more than its interval.
    const fails: number[] = [];
    for (let i = 0; i < 8; i++) {
      s = recordRefresh(s, [{ id: 'deb/a', ok: false }], 0, opts(0));
      fails.push(s['deb/a'].dueAt);
    }
    expect(fails).toEqual([10_000, 20_000, 40_000, 80_000, 160_000, 5 * MIN, 5 * MIN, 5 * MIN]);
    expect(refreshBackoff(3, 5 * MIN, 10_000)).toBe(40_000);
    s = recordRefresh(s, [{ id: 'deb/a', ok: true }], 1000, opts(0));
    expect(s['deb/a']).toMatchObject({ failures: 0, lastRefreshAt: 1000, dueAt: 1000 + 5 * MIN });
  });

  it('merges refresh sets of collapsed triggers', () => {
    expect(mergeRefresh(undefined, undefined)).toBeUndefined();
    expect(mergeRefresh(['deb/b'], ['deb/a', 'deb/b'])).toEqual(['deb/a', 'deb/b']);
    expect(mergeRefresh(['deb/b'], ['*'])).toEqual(['*']);
  });
});
