import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import { mkdtemp, readFile, readdir, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateStore } from '../../../src/store/state-store.js';
import { FerryError } from '../../../src/core/ferry-error.js';
import { sha256Hex } from '../../../src/core/hash.js';
import type { SnapshotManifest } from '../../../src/store/types.js';

type Input = Omit<SnapshotManifest, 'id' | 'createdAt'>;

async function snapshotOf(store: StateStore, files: Record<string, string>, desiredHash = sha256Hex(JSON.stringify(files))): Promise<Input> {
  const list = [];
  for (const [path, content] of Object.entries(files)) {
    const { sha256, size } = await store.blobs.putBytes(Buffer.from(content));
    list.push({ path, sha256, size });
  }
  return { desiredHash, commit: 'c0ffee', site: { name: 'lab', retention: 3 }, resources: [{ kind: 'file', name: 'images', hash: 'h1', root: 'file/images', files: list }] };
}

describe('StateStore', () => {
  let dir: string;
  let store: StateStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-store-'));
    store = await StateStore.open(join(dir, 'state'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('builds, publishes and reads back the current snapshot', async () => {
    expect(await store.current()).toBeNull();
    const input = await snapshotOf(store, { 'a.txt': 'alpha', 'sub/dir/b.txt': 'beta' });
    const m = await store.build(input);
    expect(m.id).toMatch(/^\d{8}T\d{9}Z-[0-9a-f]{8}$/);
    expect(m.id.endsWith(input.desiredHash.slice(0, 8))).toBe(true);
    expect(await readFile(join(store.treePath(m.id), 'file/images/sub/dir/b.txt'), 'utf8')).toBe('beta');
    const treeIno = (await stat(join(store.treePath(m.id), 'file/images/a.txt'))).ino;
    expect(treeIno).toBe((await stat(store.blobs.pathOf(sha256Hex('alpha')))).ino);
    expect(await store.current()).toBeNull();
    await store.publish(m.id, { desiredHash: m.desiredHash, commit: 'c0ffee', action: 'apply', stats: { files: 2 } });
    expect((await store.current())?.id).toBe(m.id);
    expect(await readlink(join(store.root, 'current'))).toBe(`snapshots/${m.id}`);
    expect(await readFile(join(store.currentTreePath(), 'file/images/a.txt'), 'utf8')).toBe('alpha');
    const history = await store.history();
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ snapshot: m.id, commit: 'c0ffee', action: 'apply', stats: { files: 2 } });
    expect(await store.fsck()).toEqual([]);
  });

  it('gives distinct sortable ids to snapshots built in the same second', async () => {
    const input = await snapshotOf(store, { x: '1' }, 'ab'.repeat(32));
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await store.build(input)).id);
    expect(new Set(ids).size).toBe(5);
    expect([...ids].sort()).toEqual(ids);
    expect((await store.list()).map((m) => m.id)).toEqual([...ids].reverse());
    expect((await store.findByDesiredHash('ab'.repeat(32)))?.id).toBe(ids[4]);
    expect(await store.findByDesiredHash('cd'.repeat(32))).toBeNull();
  });

  it('refuses a snapshot whose blob is missing, naming the file, and leaves nothing listed', async () => {
    const input = await snapshotOf(store, { 'ok.txt': 'ok' });
    input.resources[0].files.push({ path: 'gone.bin', sha256: sha256Hex('never stored'), size: 12 });
    const err = await store.build(input).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FerryError);
    expect((err as FerryError).code).toBe('FERRY_STORE_CORRUPT');
    expect((err as FerryError).message).toContain('file/images/gone.bin');
    expect((err as FerryError).data.resource).toBe('file/images');
    expect(await store.list()).toEqual([]);
  });

  it('refuses unsafe and clashing paths before writing anything', async () => {
    const cases: Record<string, string>[] = [{ '../escape': 'x' }, { '/abs': 'x' }, { a: '1', 'a/b': '2' }];
    for (const files of cases) {
      const err = await store.build(await snapshotOf(store, files)).catch((e: unknown) => e);
      expect((err as FerryError).code).toBe('FERRY_UNSAFE_PATH');
    }
    const dup = await snapshotOf(store, { a: '1' });
    dup.resources[0].files.push({ ...dup.resources[0].files[0] });
    expect(((await store.build(dup).catch((e: unknown) => e)) as FerryError).code).toBe('FERRY_UNSAFE_PATH');
    expect(await store.list()).toEqual([]);
  });

  it('get of an unknown or malformed id is FERRY_SNAPSHOT_NOT_FOUND', async () => {
    for (const id of ['20260101T000000000Z-deadbeef', '../../etc', 'current']) {
      expect(((await store.get(id).catch((e: unknown) => e)) as FerryError).code).toBe('FERRY_SNAPSHOT_NOT_FOUND');
    }
    expect(() => store.treePath('../x')).toThrow(FerryError);
  });

  it('get accepts a unique prefix of an id', async () => {
    const a = await store.build(await snapshotOf(store, { f: '1' }));
    const b = await store.build(await snapshotOf(store, { f: '2' }));
    expect((await store.get(a.id.slice(0, 19))).id).toBe(a.id);
    expect((await store.get(b.id.slice(0, 19))).id).toBe(b.id);
    const ambiguous = (await store.get(a.id.slice(0, 11)).catch((e: unknown) => e)) as FerryError;
    expect(ambiguous.code).toBe('FERRY_SNAPSHOT_NOT_FOUND');
    expect(ambiguous.data.candidates).toEqual([b.id, a.id]);
    expect(((await store.get('20990101T00').catch((e: unknown) => e)) as FerryError).code).toBe('FERRY_SNAPSHOT_NOT_FOUND');
  });

  it('prune keeps the newest N and always the current snapshot', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await store.build(await snapshotOf(store, { f: `v${i}` }))).id);
    await store.publish(ids[0], { desiredHash: 'x', action: 'rollback' });
    const removed = await store.prune(2);
    expect(removed).toEqual([ids[1], ids[2]]);
    expect((await store.list()).map((m) => m.id)).toEqual([ids[4], ids[3], ids[0]]);
    expect((await store.current())?.id).toBe(ids[0]);
    expect(await store.prune(0)).toEqual([ids[3], ids[4]]);
    expect((await store.list()).map((m) => m.id)).toEqual([ids[0]]);
  });

  it('does not trust its manifest cache for a snapshot another process pruned', async () => {
    const a = await store.build(await snapshotOf(store, { f: '1' }));
    const b = await store.build(await snapshotOf(store, { f: '2' }));
    await store.publish(b.id, { desiredHash: b.desiredHash, action: 'apply' });
    const other = await StateStore.open(store.root);
    expect(await other.prune(1)).toEqual([a.id]);
    await expect(store.get(a.id)).rejects.toMatchObject({ code: 'FERRY_SNAPSHOT_NOT_FOUND' });
    await expect(store.publish(a.id, { desiredHash: a.desiredHash, action: 'rollback' })).rejects.toMatchObject({ code: 'FERRY_SNAPSHOT_NOT_FOUND' });
    expect((await store.current())?.id).toBe(b.id);
  });

  it('skips a torn history line', async () => {
    const m = await store.build(await snapshotOf(store, { f: '1' }));
    await store.publish(m.id, { desiredHash: m.desiredHash, action: 'apply' });
    await writeFile(join(store.root, 'history.jsonl'), '{"snapshot":"x', { flag: 'a' });
    await store.publish(m.id, { desiredHash: m.desiredHash, action: 'reuse' });
    expect((await store.history()).map((h) => h.action)).toEqual(['apply', 'reuse']);
  });

  it('a draft lays out the folders ahead; build takes over its id; discard removes only an unused draft', async () => {
    const input = await snapshotOf(store, { 'pool/a/x.deb': 'x', 'pool/b/y.deb': 'y' });
    const draft = store.draft(input.desiredHash, input.resources);
    const { id } = await draft.ready;
    expect((await stat(join(store.treePath(id), 'file/images/pool/b'))).isDirectory()).toBe(true);
    expect(await store.list()).toEqual([]); // no manifest yet: not a snapshot
    // An index generated later lands in a folder the draft did not know of.
    const more = await snapshotOf(store, { 'pool/a/x.deb': 'x', 'pool/b/y.deb': 'y', 'dists/s/Release': 'r' }, input.desiredHash);
    const m = await store.build(more, { draft });
    expect(m.id).toBe(id);
    await draft.discard();
    expect(await readFile(join(store.treePath(id), 'file/images/dists/s/Release'), 'utf8')).toBe('r');
    expect(await store.fsck()).toEqual([]);

    // Files whose blobs are present are linked ahead; build links the rest and keeps those.
    const next = await snapshotOf(store, { 'pool/a/x.deb': 'x', 'pool/c/z.deb': 'z', 'dists/s/Release': 'r2' });
    const withBlobs = store.draft(next.desiredHash, next.resources.map((r) => ({ ...r, files: r.files.map((f) => ({ ...f, present: f.path !== 'dists/s/Release' })) })));
    const tree = await withBlobs.ready;
    expect([...tree.linked.keys()].sort()).toEqual(['file/images/pool/a/x.deb', 'file/images/pool/c/z.deb']);
    const built = await store.build(next, { draft: withBlobs });
    expect(built.id).toBe(tree.id);
    expect((await stat(join(store.treePath(built.id), 'file/images/pool/c/z.deb'))).ino).toBe((await stat(store.blobs.pathOf(sha256Hex('z')))).ino);
    expect(await readFile(join(store.treePath(built.id), 'file/images/dists/s/Release'), 'utf8')).toBe('r2');
    expect(await store.fsck()).toEqual([]);

    const unused = store.draft(input.desiredHash, input.resources);
    const other = (await unused.ready).id;
    await unused.discard();
    expect((await readdir(join(store.root, 'snapshots'))).sort()).toEqual([id, tree.id].sort());
    expect(other).not.toBe(id);
  });

  it('a draft with an unsafe path makes nothing; build then reports the path as it always does', async () => {
    const input = await snapshotOf(store, { 'a.txt': 'alpha' });
    input.resources[0].files[0].path = '../escape';
    const draft = store.draft(input.desiredHash, input.resources);
    await expect(draft.ready).rejects.toMatchObject({ code: 'FERRY_UNSAFE_PATH' });
    await expect(store.build(input, { draft })).rejects.toMatchObject({ code: 'FERRY_UNSAFE_PATH' });
    await draft.discard();
    expect(await readdir(join(store.root, 'snapshots'))).toEqual([]);
  });

  it('an aborted build rejects and leaves no snapshot folder behind', async () => {
    const input = await snapshotOf(store, { seed: 'x' });
    const seed = input.resources[0].files[0];
    input.resources[0].files = Array.from({ length: 3000 }, (_, i) => ({ ...seed, path: `d${i % 30}/f${i}` }));
    const ac = new AbortController();
    const building = store.build(input, { signal: ac.signal });
    setImmediate(() => ac.abort());
    await expect(building).rejects.toMatchObject({ name: 'AbortError' });
    expect(await readdir(join(store.root, 'snapshots'))).toEqual([]);
    await expect(store.build(input, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('a waiting lock gives up when its signal aborts, and a second lock in one process is refused', async () => {
    const other = await StateStore.open(store.root);
    const held = await other.lock({ purpose: 'first' });
    const err = (await store.lock().catch((e: unknown) => e)) as FerryError;
    expect(err.code).toBe('FERRY_LOCKED');
    expect(err.data).toMatchObject({ pid: process.pid, purpose: 'first' });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 150);
    await expect(store.lock({ wait: true, signal: ac.signal })).rejects.toMatchObject({ name: 'AbortError' });
    await held.release();
    await (await store.lock()).release();
  });

  it('creates every resource root, even one without files, and builds an empty snapshot', async () => {
    const input = await snapshotOf(store, { 'a.txt': 'a' });
    input.resources.push({ kind: 'file', name: 'empty', hash: 'h2', root: 'file/empty', files: [] });
    const m = await store.build(input);
    expect((await stat(join(store.treePath(m.id), 'file/empty'))).isDirectory()).toBe(true);
    const empty = await store.build({ desiredHash: 'e'.repeat(64), site: { name: 'lab', retention: 1 }, resources: [] });
    expect(await readdir(store.treePath(empty.id))).toEqual([]);
    expect(await store.fsck()).toEqual([]);
  });
});
