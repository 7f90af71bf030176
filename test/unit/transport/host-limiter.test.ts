import { describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { HostLimiter } from '../../../src/transport/host-limiter.js';
import { withRetries } from '../../../src/transport/with-retries.js';
import { FerryError } from '../../../src/core/ferry-error.js';

describe('HostLimiter', () => {
  it('limits per host and in all, and lets other hosts pass a busy one', async () => {
    const limiter = new HostLimiter({ concurrency: 3, perHost: 2 });
    const running = new Map<string, number>();
    const peak = new Map<string, number>();
    let total = 0;
    let peakTotal = 0;
    const order: string[] = [];
    const task = (host: string, ms: number) =>
      limiter.run(host, async () => {
        running.set(host, (running.get(host) ?? 0) + 1);
        peak.set(host, Math.max(peak.get(host) ?? 0, running.get(host) ?? 0));
        peakTotal = Math.max(peakTotal, ++total);
        order.push(host);
        await sleep(ms);
        running.set(host, (running.get(host) ?? 0) - 1);
        total--;
      });
    await Promise.all([...Array.from({ length: 6 }, () => task('a', 20)), task('b', 1)]);
    expect(peak.get('a')).toBe(2);
    expect(peakTotal).toBe(3);
    expect(order.indexOf('b')).toBeLessThan(3);
  });
});

describe('HostLimiter and cancellation', () => {
  it('a waiting task whose signal aborts leaves the line with the reason; the next ones still run', async () => {
    const limiter = new HostLimiter({ concurrency: 4, perHost: 1 });
    let release: () => void = () => undefined;
    const first = limiter.run('a', () => new Promise<string>((resolve) => (release = () => resolve('first'))));
    const controller = new AbortController();
    const second = limiter.run('a', async () => 'second', controller.signal);
    const third = limiter.run('a', async () => 'third');
    controller.abort();
    await expect(second).rejects.toMatchObject({ name: 'AbortError' });
    release();
    expect(await first).toBe('first');
    expect(await third).toBe('third');
    expect(limiter.load).toBe(0);
    await expect(limiter.run('a', async () => 'late', controller.signal)).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('withRetries', () => {
  const settings = { retries: 3, baseMs: 1, maxMs: 2, maxRetryAfterMs: 1000 };
  it('retries transient failures and reports each retry', async () => {
    const seen: number[] = [];
    let calls = 0;
    const value = await withRetries(
      async () => {
        if (++calls < 3) throw new FerryError('FERRY_HTTP_STATUS', '503', { status: 503 });
        return 'ok';
      },
      settings,
      { onRetry: (_e, _d, n) => seen.push(n) },
    );
    expect(value).toBe('ok');
    expect(seen).toEqual([0, 1]);
  });
  it('throws at once on a final error, and after the last retry otherwise', async () => {
    let calls = 0;
    await expect(withRetries(async () => { calls++; throw new FerryError('FERRY_HTTP_STATUS', '404', { status: 404 }); }, settings)).rejects.toMatchObject({ data: { status: 404 } });
    expect(calls).toBe(1);
    calls = 0;
    await expect(withRetries(async () => { calls++; throw new FerryError('FERRY_HTTP_STATUS', '502', { status: 502 }); }, settings)).rejects.toMatchObject({ data: { status: 502 } });
    expect(calls).toBe(4);
  });
  it('ends the wait with FERRY_ABORTED when the signal fires', async () => {
    const controller = new AbortController();
    const p = withRetries(async () => { throw new FerryError('FERRY_HTTP_STATUS', '429', { status: 429, retryAfterMs: 10_000 }); }, settings, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(p).rejects.toMatchObject({ code: 'FERRY_ABORTED' });
  });
});
