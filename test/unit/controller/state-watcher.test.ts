import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, rename, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { watchStateDir, type StateWatcher } from '../../../src/controller/triggers/state-watcher.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dirs: string[] = [];
const watchers: StateWatcher[] = [];
afterEach(() => {
  for (const w of watchers.splice(0)) w.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(recheckMs = 3_600_000): { dir: string; calls: number[] } {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-state-watch-'));
  dirs.push(dir);
  const calls: number[] = [];
  watchers.push(watchStateDir({ stateDir: dir, onChange: () => calls.push(Date.now()), debounceMs: 20, recheckMs }));
  return { dir, calls };
}

async function until(what: string, check: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe('state folder watch', () => {
  it('reports a suspension, a refresh hold and a switched `current` (each written by rename, as ferry writes them), settled into one call per burst', async () => {
    const { dir, calls } = setup();
    expect(watchers[0].watching).toBe(true);
    await writeFile(join(dir, 'suspended.json.1.tmp'), '{"suspended":true}');
    await rename(join(dir, 'suspended.json.1.tmp'), join(dir, 'suspended.json'));
    await until('the suspension', () => calls.length === 1);
    await writeFile(join(dir, 'refresh-hold.json'), '{"held":true}');
    await until('the hold', () => calls.length === 2);
    await mkdir(join(dir, 'snapshots', 'b'), { recursive: true });
    await symlink('snapshots/b', join(dir, 'current.tmp'));
    await rename(join(dir, 'current.tmp'), join(dir, 'current'));
    await until('the switch', () => calls.length === 3);
    await sleep(100);
    expect(calls.length).toBe(3);
  });

  it('ignores the files a run writes (history, events, locks, blobs), and costs nothing while nothing changes', async () => {
    const { dir, calls } = setup();
    await writeFile(join(dir, 'history.jsonl'), '{}\n');
    await writeFile(join(dir, 'events.jsonl'), '{}\n');
    await mkdir(join(dir, 'blobs'));
    await writeFile(join(dir, 'blobs', 'x'), 'x');
    await sleep(300);
    expect(calls).toEqual([]);
  });

  it('re-reads anyway every recheckMs (a watch can miss changes on a network filesystem)', async () => {
    const { calls } = setup(100);
    await until('two re-checks', () => calls.length >= 2);
  });
});
