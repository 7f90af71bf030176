import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { StateStore } from '../../../src/store/state-store.js';
import { CRASH_BLOBS, generatedFiles, startChild, writeBlobsFast } from './fixtures.js';

const HASH_A = 'a'.repeat(64);
const HASH_B = 'b'.repeat(64);

async function buildSmall(store: StateStore, n: number, desiredHash: string) {
  const files = generatedFiles(n).map((f) => ({ ...f, content: `${f.content}${desiredHash}` }));
  const stored = [];
  for (const f of files) stored.push({ path: f.path, ...(await store.blobs.putBytes(Buffer.from(f.content))) });
  return store.build({ desiredHash, site: { name: 's', retention: 5 }, resources: [{ kind: 'file', name: 'x', hash: 'h', root: 'file/x', files: stored }] });
}

describe('store under concurrency and crashes', () => {
  let dir: string;
  let state: string;
  let store: StateStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-crash-'));
    state = join(dir, 'state');
    store = await StateStore.open(state);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('publish is atomic: a reader looping on readlink never misses current', async () => {
    const a = await buildSmall(store, 3, HASH_A);
    const b = await buildSmall(store, 3, HASH_B);
    await store.publish(a.id, { desiredHash: HASH_A, action: 'apply' });
    const readerCode = `
      const fs = require('node:fs');
      const seen = {}; let misses = 0, reads = 0;
      process.stdout.write('ready\\n');
      const end = Date.now() + 1500;
      while (Date.now() < end) {
        try { const t = fs.readlinkSync(process.argv[1]); seen[t] = (seen[t] || 0) + 1; } catch (e) { misses++; }
        reads++;
      }
      process.stdout.write(JSON.stringify({ seen, misses, reads }) + '\\n');`;
    const reader = spawn(process.execPath, ['-e', readerCode, join(state, 'current')], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    reader.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const done = new Promise<void>((resolve) => reader.on('exit', () => resolve()));
    while (!out.includes('ready')) await sleep(5);
    let switches = 0;
    let finished = false;
    void done.then(() => (finished = true));
    while (!finished) {
      await store.publish(switches % 2 ? a.id : b.id, { desiredHash: 'x', action: 'reuse' });
      switches++;
    }
    const result = JSON.parse(out.split('\n')[1]) as { seen: Record<string, number>; misses: number; reads: number };
    expect(switches).toBeGreaterThan(5);
    expect(result.reads).toBeGreaterThan(100);
    expect(result.misses).toBe(0);
    expect(Object.keys(result.seen).sort()).toEqual([`snapshots/${a.id}`, `snapshots/${b.id}`]);
    expect(await readdir(state)).not.toContainEqual(expect.stringMatching(/^\.current-/));
  });

  it('a SIGKILLed build leaves current intact, fsck clean, and gc removes the half-built snapshot', async () => {
    const a = await buildSmall(store, 5, HASH_A);
    await store.publish(a.id, { desiredHash: HASH_A, action: 'apply' });
    const files = generatedFiles(10_000, { distinct: CRASH_BLOBS });
    writeBlobsFast(store, files);
    const builder = startChild(['build', state, String(files.length), HASH_B]);
    await builder.line(/^building$/);
    // Kill as soon as the new snapshot's tree has started to appear.
    for (let i = 0; i < 2000; i++) {
      const partial = (await readdir(join(state, 'snapshots'))).filter((n) => n.endsWith(HASH_B.slice(0, 8)));
      if (partial.length > 0 && (await readdir(join(state, 'snapshots', partial[0])).catch(() => [] as string[])).includes('tree')) break;
      await sleep(2);
    }
    builder.child.kill('SIGKILL');
    await builder.exited;
    const partials = (await readdir(join(state, 'snapshots'))).filter((n) => n.endsWith(HASH_B.slice(0, 8)));
    expect(partials).toHaveLength(1);
    expect(await readdir(join(state, 'snapshots', partials[0]))).not.toContain('manifest.json');

    const reopened = await StateStore.open(state);
    expect((await reopened.current())?.id).toBe(a.id);
    expect((await reopened.list()).map((m) => m.id)).toEqual([a.id]);
    expect(await reopened.fsck()).toEqual([]);
    const lock = await reopened.lock();
    const gc = await reopened.gc();
    await lock.release();
    expect(gc.removedPartials).toBe(1);
    expect(gc.removedBlobs).toBe(CRASH_BLOBS);
    expect((await readdir(join(state, 'snapshots'))).sort()).toEqual([a.id]);
    // The next build completes.
    const c = await buildSmall(reopened, 5, HASH_B);
    await reopened.publish(c.id, { desiredHash: HASH_B, action: 'apply' });
    expect(await reopened.fsck()).toEqual([]);
  });

  it('a SIGKILLed publish loop leaves current on a complete snapshot and fsck clean', async () => {
    const a = await buildSmall(store, 3, HASH_A);
    const b = await buildSmall(store, 3, HASH_B);
    await store.publish(a.id, { desiredHash: HASH_A, action: 'apply' });
    const publisher = startChild(['publish', state, `${a.id},${b.id}`, '100000']);
    await publisher.line(/^publishing$/);
    while ((await store.history()).length < 4) await sleep(10); // a few switches done, more under way
    publisher.child.kill('SIGKILL');
    await publisher.exited;
    const reopened = await StateStore.open(state);
    expect([a.id, b.id]).toContain((await reopened.current())?.id);
    expect(await reopened.fsck()).toEqual([]);
    expect((await reopened.history()).length).toBeGreaterThanOrEqual(4);
  });
});
