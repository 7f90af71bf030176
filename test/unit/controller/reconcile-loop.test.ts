import { describe, it, expect } from '@jest/globals';
import { ReconcileLoop, type LoopNotice, type RunContext } from '../../../src/controller/loop/reconcile-loop.js';
import { FerryError } from '../../../src/core/ferry-error.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function abortable(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));
}

describe('ReconcileLoop (the I/O shell)', () => {
  it('collapses triggers that arrive during an apply into one more run, one at a time', async () => {
    let head = A;
    let concurrent = 0;
    let maxConcurrent = 0;
    const applied: string[] = [];
    const gate = deferred();
    const loop = new ReconcileLoop<string>({
      fetchHead: async () => head,
      apply: async (rev) => {
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        if (applied.length === 0) await gate.promise;
        applied.push(rev);
        concurrent--;
        return rev;
      },
    });
    loop.trigger({ by: 'poll' });
    await new Promise((r) => setTimeout(r, 10));
    head = B;
    for (let i = 0; i < 5; i++) loop.trigger({ by: `webhook:${i}` });
    gate.resolve();
    await loop.idle();
    await new Promise((r) => setTimeout(r, 10));
    await loop.idle();
    expect(applied).toEqual([A, B]);
    expect(maxConcurrent).toBe(1);
    expect(loop.state.lastAppliedRevision).toBe(B);
    expect(loop.state.nextRunId).toBe(3);
    await loop.close();
  });

  it('times a hung run out as a retryable failure and schedules a retry', async () => {
    const notices: Array<LoopNotice<string>> = [];
    const loop = new ReconcileLoop<string>({
      fetchHead: async () => A,
      apply: async (_rev, ctx: RunContext) => abortable(ctx.signal),
      timeoutMs: 50,
      config: { backoffBaseMs: 60_000, backoffMaxMs: 60_000 },
      onNotice: (n) => notices.push(n),
    });
    loop.trigger({ by: 'cli' });
    await new Promise((r) => setTimeout(r, 20));
    await loop.idle();
    const failed = notices.find((n) => n.type === 'failed');
    expect(failed).toMatchObject({ type: 'failed', revision: A, errorClass: 'retryable' });
    expect((failed as { errors: FerryError[] }).errors[0].message).toMatch(/timed out/);
    expect(loop.state).toMatchObject({ failures: 1, failedRevision: A });
    expect(notices.some((n) => n.type === 'retryScheduled')).toBe(true);
    await loop.close();
  });

  it('cancel() aborts without counting a failure; a stalled error is not retried', async () => {
    const notices: Array<LoopNotice<string>> = [];
    let mode: 'hang' | 'invalid' = 'hang';
    const loop = new ReconcileLoop<string>({
      fetchHead: async () => A,
      apply: async (_rev, ctx) => {
        if (mode === 'hang') return abortable(ctx.signal);
        throw new FerryError('FERRY_SCHEMA', 'bad model', { file: 'nodes/a.yml', line: 3 });
      },
      onNotice: (n) => notices.push(n),
    });
    loop.trigger({ by: 'cli' });
    await new Promise((r) => setTimeout(r, 20));
    loop.cancel();
    await loop.idle();
    expect(notices.some((n) => n.type === 'cancelled')).toBe(true);
    expect(loop.state.failures).toBe(0);
    mode = 'invalid';
    loop.trigger({ by: 'cli' });
    await new Promise((r) => setTimeout(r, 20));
    await loop.idle();
    expect(loop.state).toMatchObject({ failures: 1, stalled: true, retryAt: undefined });
    await loop.close();
  });
});
