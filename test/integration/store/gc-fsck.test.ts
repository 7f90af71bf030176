import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import { chmod, copyFile, mkdir, mkdtemp, readdir, rm, symlink, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateStore } from '../../../src/store/state-store.js';
import { sha256Hex } from '../../../src/core/hash.js';
import type { SnapshotManifest } from '../../../src/store/types.js';

async function build(store: StateStore, files: Record<string, string>): Promise<SnapshotManifest> {
  const list = [];
  for (const [path, content] of Object.entries(files)) list.push({ path, ...(await store.blobs.putBytes(Buffer.from(content))) });
  return store.build({ desiredHash: sha256Hex(JSON.stringify(files)), site: { name: 's', retention: 2 }, resources: [{ kind: 'file', name: 'f', hash: 'h', root: 'file/f', files: list }] });
}

describe('gc and fsck', () => {
  let dir: string;
  let store: StateStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-gc-'));
    store = await StateStore.open(join(dir, 'state'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gc removes only unreferenced blobs, half-built snapshots and stale temp files', async () => {
    const a = await build(store, { 'a.txt': 'only in A', 'shared.txt': 'shared' });
    const b = await build(store, { 'b.txt': 'only in B', 'shared.txt': 'shared' });
    await store.publish(b.id, { desiredHash: b.desiredHash, action: 'apply' });
    const orphan = await store.blobs.putBytes(Buffer.from('orphan blob'));
    const partial = join(store.root, 'snapshots', '20200101T000000000Z-00000000');
    await mkdir(join(partial, 'tree', 'file'), { recursive: true });
    const oldTemp = store.blobs.tempPath();
    await writeFile(oldTemp, 'abandoned');
    await utimes(oldTemp, new Date(0), new Date(0));
    const freshTemp = store.blobs.tempPath();
    await writeFile(freshTemp, 'in progress');

    const lock = await store.lock({ purpose: 'gc' });
    try {
      const first = await store.gc();
      expect(first).toEqual({ removedBlobs: 1, removedBytes: 'orphan blob'.length, removedPartials: 2, removedPartialBytes: 0 });
      expect(await store.blobs.has(orphan.sha256)).toBe(false);
      for (const content of ['only in A', 'only in B', 'shared']) expect(await store.blobs.has(sha256Hex(content))).toBe(true);
      expect(await readdir(join(store.root, 'snapshots'))).not.toContain('20200101T000000000Z-00000000');
      expect(await readdir(store.blobs.tmpDir)).toEqual([freshTemp.split('/').pop()]);

      expect(await store.prune(1)).toEqual([a.id]);
      const second = await store.gc();
      expect(second.removedBlobs).toBe(1);
      expect(await store.blobs.has(sha256Hex('only in A'))).toBe(false);
      expect(await store.blobs.has(sha256Hex('shared'))).toBe(true);
    } finally {
      await lock.release();
    }
    expect(await store.fsck()).toEqual([]);
  });

  it('gc removes the partial downloads no run will resume, however fresh (a disk-full run leaves hundreds; issue 11)', async () => {
    const dir = store.blobs.partialDir;
    await mkdir(dir, { recursive: true });
    for (let i = 0; i < 300; i++) await writeFile(join(dir, `${String(i).padStart(64, '0')}`), 'cut off by ENOSPC');
    await writeFile(join(dir, `${'e'.repeat(64)}`), Buffer.alloc(0));
    const big = join(dir, 'f'.repeat(64));
    await writeFile(big, Buffer.alloc(2 << 20));
    await writeFile(`${big}.meta`, JSON.stringify({ url: 'x' }));
    await writeFile(join(dir, `${'d'.repeat(64)}.meta`), '{}');
    const lock = await store.lock({ purpose: 'gc' });
    try {
      const gc = await store.gc();
      expect(gc.removedPartials).toBe(301);
      expect(gc.removedPartialBytes).toBe(300 * 'cut off by ENOSPC'.length);
      expect((await readdir(dir)).sort()).toEqual(['f'.repeat(64), `${'f'.repeat(64)}.meta`]);
    } finally {
      await lock.release();
    }
  });

  it('gc stops rather than delete blobs when a manifest cannot be read', async () => {
    const a = await build(store, { 'a.txt': 'A' });
    await chmod(join(store.root, 'snapshots', a.id, 'manifest.json'), 0o644);
    await writeFile(join(store.root, 'snapshots', a.id, 'manifest.json'), '{not json');
    const fresh = await StateStore.open(store.root); // no cached manifest
    const lock = await fresh.lock();
    try {
      await expect(fresh.gc()).rejects.toMatchObject({ code: 'FERRY_STORE_CORRUPT' });
      expect(await fresh.blobs.has(sha256Hex('A'))).toBe(true);
    } finally {
      await lock.release();
    }
    expect((await fresh.fsck()).map((p) => p.kind)).toEqual(['bad-manifest']);
  });

  it('fsck finds a corrupted blob, a missing link, a replaced link and a missing blob', async () => {
    const a = await build(store, { 'one.txt': 'one', 'two.txt': 'two', 'three.txt': 'three', 'four.txt': 'four', 'five.txt': 'five' });
    await store.publish(a.id, { desiredHash: a.desiredHash, action: 'apply' });
    expect(await store.fsck()).toEqual([]);
    const tree = join(store.treePath(a.id), 'file/f');
    const corrupt = store.blobs.pathOf(sha256Hex('one'));
    await chmod(corrupt, 0o644);
    await writeFile(corrupt, 'bit rot');
    await unlink(join(tree, 'two.txt'));
    await unlink(join(tree, 'three.txt'));
    await writeFile(join(tree, 'three.txt'), 'THREE');
    await unlink(join(tree, 'five.txt'));
    await copyFile(store.blobs.pathOf(sha256Hex('five')), join(tree, 'five.txt')); // a copy with the right bytes is fine
    await unlink(store.blobs.pathOf(sha256Hex('four')));
    const problems = await store.fsck();
    const byKind = Object.fromEntries(problems.map((p) => [p.kind, p.path]));
    expect(problems).toHaveLength(4);
    expect(byKind['digest-mismatch']).toBe(corrupt);
    expect(byKind['missing-link']).toBe(join(tree, 'two.txt'));
    expect(byKind['bad-link']).toBe(join(tree, 'three.txt'));
    expect(byKind['missing-blob']).toBe(join(tree, 'four.txt'));
  });

  it('fsck reports a dangling current', async () => {
    const a = await build(store, { 'x.txt': 'x' });
    await store.publish(a.id, { desiredHash: a.desiredHash, action: 'apply' });
    await rm(join(store.root, 'snapshots', a.id, 'manifest.json'));
    const fresh = await StateStore.open(store.root);
    expect((await fresh.fsck()).map((p) => p.kind)).toEqual(['dangling-current']);
    await expect(fresh.current()).rejects.toMatchObject({ code: 'FERRY_STORE_CORRUPT' });
    await rm(join(store.root, 'current'));
    await symlink('snapshots/20990101T000000000Z-ffffffff', join(store.root, 'current'));
    expect((await fresh.fsck()).map((p) => p.kind)).toEqual(['dangling-current']);
  });
});
