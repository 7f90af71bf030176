import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateStore } from '../../../src/store/state-store.js';
import { FerryError } from '../../../src/core/ferry-error.js';
import { startChild } from './fixtures.js';

describe('store lock across processes', () => {
  let dir: string;
  let state: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-lock-'));
    state = join(dir, 'state');
    await StateStore.open(state);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('fails at once with FERRY_LOCKED naming the holder pid and purpose, and waits with wait:true', async () => {
    const holder = startChild(['hold-lock', state, 'apply commit abc']);
    try {
      await holder.line(/^locked /);
      const store = await StateStore.open(state);
      const t0 = Date.now();
      const err = await store.lock({ purpose: 'gc' }).catch((e: unknown) => e);
      expect(Date.now() - t0).toBeLessThan(3000); // at once: without wait it never polls
      expect(err).toBeInstanceOf(FerryError);
      expect((err as FerryError).code).toBe('FERRY_LOCKED');
      expect((err as FerryError).data.pid).toBe(holder.child.pid);
      expect((err as FerryError).data.purpose).toBe('apply commit abc');
      expect((err as FerryError).message).toContain(`pid ${holder.child.pid}`);

      let acquired = false;
      const waiting = store.lock({ wait: true, purpose: 'second' }).then((h) => {
        acquired = true;
        return h;
      });
      await new Promise((r) => setTimeout(r, 300));
      expect(acquired).toBe(false);
      holder.child.stdin!.end(); // the holder releases and exits
      const handle = await waiting;
      expect(acquired).toBe(true);
      expect(JSON.parse(await readFile(join(state, 'lock'), 'utf8'))).toMatchObject({ pid: process.pid, purpose: 'second' });
      await handle.release();
      await expect(readFile(join(state, 'lock'))).rejects.toThrow();
    } finally {
      holder.child.kill('SIGKILL');
      await holder.exited;
    }
  });

  it('takes over the lock of a SIGKILLed holder', async () => {
    const holder = startChild(['hold-lock', state, 'doomed']);
    await holder.line(/^locked /);
    holder.child.kill('SIGKILL');
    await holder.exited;
    expect(JSON.parse(await readFile(join(state, 'lock'), 'utf8')).pid).toBe(holder.child.pid);
    const store = await StateStore.open(state);
    const handle = await store.lock({ purpose: 'after crash' });
    expect(JSON.parse(await readFile(join(state, 'lock'), 'utf8'))).toMatchObject({ pid: process.pid, purpose: 'after crash' });
    await handle.release();
  });

  it('treats a lock whose pid was reused by another process as stale', async () => {
    // Our own pid, but a different process start time: the recorded holder is gone.
    const forged = { pid: process.pid, hostname: (await import('node:os')).hostname(), purpose: 'old', since: '2020-01-01T00:00:00Z', start: '1', token: 'forged' };
    await writeFile(join(state, 'lock'), JSON.stringify(forged));
    const store = await StateStore.open(state);
    const handle = await store.lock();
    expect(JSON.parse(await readFile(join(state, 'lock'), 'utf8')).token).not.toBe('forged');
    await handle.release();
  });

  it('lets only one of many concurrent stale takeovers win', async () => {
    const dead = startChild(['hold-lock', state, 'doomed']);
    await dead.line(/^locked /);
    dead.child.kill('SIGKILL');
    await dead.exited;
    const stores = await Promise.all(Array.from({ length: 8 }, () => StateStore.open(state)));
    const results = await Promise.allSettled(stores.map((s) => s.lock({ purpose: 'race' })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect((r.reason as FerryError).code).toBe('FERRY_LOCKED');
  });

  it('gc refuses to run without the lock', async () => {
    const store = await StateStore.open(state);
    expect(((await store.gc().catch((e: unknown) => e)) as FerryError).message).toMatch(/lock/);
    const handle = await store.lock();
    await expect(store.gc()).resolves.toMatchObject({ removedBlobs: 0 });
    await handle.release();
    await expect(store.gc()).rejects.toThrow(/lock/);
  });
});
