import { afterEach, describe, expect, it } from '@jest/globals';
import { RevisitTimer, revisitDelay } from '../../../src/controller/refresh/revisit-timer.js';

const opts = { baseMs: 1_000, maxMs: 8_000 };

describe('revisit delay', () => {
  it('waits until the time asked, when it is ahead', () => {
    expect(revisitDelay(10_500, 10_000, 0, opts)).toBe(500);
    expect(revisitDelay(10_000 + 86_400_000, 10_000, 0, opts)).toBe(86_400_000);
  });

  it('a time already past waits base·2^(n-1) for the n-th run in a row that left it due, capped', () => {
    expect([1, 2, 3, 4, 5, 9].map((n) => revisitDelay(5_000, 10_000, n, opts))).toEqual([1_000, 2_000, 4_000, 8_000, 8_000, 8_000]);
    expect(revisitDelay(0, 10_000, 0, opts)).toBe(1_000);
  });
});

describe('revisit timer', () => {
  const timers: RevisitTimer[] = [];
  afterEach(() => {
    for (const t of timers) t.close();
    timers.length = 0;
  });
  const make = (onDue: () => void) => {
    const t = new RevisitTimer({ baseMs: 40, maxMs: 200, onDue });
    timers.push(t);
    return t;
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('fires once at the time asked; a new result re-arms it; none disarms it', async () => {
    let fired = 0;
    const t = make(() => fired++);
    const at = Date.now() + 300;
    t.update(at);
    expect(t.nextAt).toBe(at);
    await sleep(50);
    expect(fired).toBe(0);
    for (let i = 0; i < 100 && fired === 0; i++) await sleep(50);
    expect(fired).toBe(1);
    expect(Date.now()).toBeGreaterThanOrEqual(at);
    expect(t.nextAt).toBeUndefined();
    t.update(Date.now() + 50);
    t.update(undefined);
    expect(t.nextAt).toBeUndefined();
    await sleep(100);
    expect(fired).toBe(1);
  });

  it('does not spin when runs leave the snapshot due: each such run doubles the wait', () => {
    const clock = 1_000_000;
    const t = new RevisitTimer({ baseMs: 40_000, maxMs: 200_000, onDue: () => undefined, now: () => clock });
    timers.push(t);
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      t.update(clock - 1_000);
      waits.push(t.nextAt! - clock);
    }
    expect(waits).toEqual([40_000, 80_000, 160_000, 200_000]);
    // A run that renewed it (the next revisit a day ahead) starts the count again.
    t.update(clock + 86_400_000);
    expect(t.nextAt).toBe(clock + 86_400_000);
    t.update(clock - 1_000);
    expect(t.nextAt! - clock).toBe(40_000);
  });

  it('closed, it never fires', async () => {
    let fired = 0;
    const t = make(() => fired++);
    t.update(Date.now() + 20);
    t.close();
    await sleep(60);
    expect(fired).toBe(0);
  });
});
