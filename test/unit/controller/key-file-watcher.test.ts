import { describe, expect, it, afterEach } from '@jest/globals';
import { mkdtemp, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { watchKeyFile, type KeyFileWatcher } from '../../../src/controller/triggers/key-file-watcher.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let dir: string | undefined;
let w: KeyFileWatcher | undefined;
afterEach(async () => {
  w?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(20);
  }
}

describe('the site key file watcher', () => {
  it('fires once per new content: a rename over the file and an in-place write; not a touch, not a sibling file', async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-keywatch-'));
    const key = join(dir, 'site.asc');
    await writeFile(key, 'key 1');
    const changes: string[] = [];
    w = watchKeyFile({ debounceMs: 30, recheckMs: 60_000, onChange: (p) => changes.push(p) });
    await w.watch(key);
    await utimes(key, new Date(), new Date());
    await writeFile(join(dir, 'other.asc'), 'unrelated');
    await writeFile(key, 'key 1');
    await sleep(300);
    expect(changes).toEqual([]);
    await writeFile(`${key}.new`, 'key 2');
    await rename(`${key}.new`, key);
    await until(() => changes.length === 1);
    await writeFile(key, 'key 3');
    await until(() => changes.length === 2);
    await sleep(200);
    expect(changes).toEqual([key, key]);
  });

  it('moves to another file when the model names one, and compares periodically where no event comes', async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-keywatch-'));
    const a = join(dir, 'a.asc');
    const b = join(dir, 'b.asc');
    await writeFile(a, 'a');
    await writeFile(b, 'b');
    const changes: string[] = [];
    w = watchKeyFile({ debounceMs: 30, recheckMs: 100, onChange: (p) => changes.push(p) });
    await w.watch(a);
    await w.watch(b);
    expect(w.path).toBe(b);
    await writeFile(a, 'a2');
    await sleep(300);
    expect(changes).toEqual([]);
    await writeFile(b, 'b2');
    await until(() => changes.length === 1);
    expect(changes).toEqual([b]);
    await w.watch(undefined);
    await writeFile(b, 'b3');
    await sleep(300);
    expect(changes).toEqual([b]);
  });
});
