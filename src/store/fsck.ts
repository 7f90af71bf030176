import { lstat, readFile, readdir, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FsBlobStore } from './blob-store.js';
import { hashFile } from './blob-store.js';
import { forEachLimit } from './for-each-limit.js';
import { isCode } from './fs-util.js';
import { parseManifest, treeFiles } from './manifest.js';
import { SNAPSHOT_ID_RE } from './snapshot-id.js';
import type { FsckProblem, SnapshotManifest } from './types.js';

export interface FsckContext {
  root: string;
  snapshotsDir: string;
  blobs: FsBlobStore;
  signal?: AbortSignal;
  /** Files hashed at once. */
  concurrency?: number;
}

/**
 * Checks the whole store and reports every problem found (repair.ts in src/reconcile mends them):
 * - each blob re-hashed against its name (`digest-mismatch`);
 * - each complete snapshot's manifest parses (`bad-manifest`), and each of its files exists in
 *   the tree (`missing-link`) as a hard link to the blob of its digest, or a copy with the same
 *   bytes (else `bad-link`), and that blob exists (`missing-blob`);
 * - `current`, if present, is a symlink to a complete snapshot (`dangling-current`).
 * Half-built snapshots are not problems: gc removes them. Problems come sorted by path.
 */
export async function checkStore(ctx: FsckContext): Promise<FsckProblem[]> {
  const problems: FsckProblem[] = [];
  const limit = ctx.concurrency ?? 8;
  const inodes = new Map<string, { dev: number; ino: number; size: number; intact: boolean }>();

  const fans = (await readdir(ctx.blobs.objects)).filter((n) => /^[0-9a-f]{2}$/.test(n)).sort();
  for (const fan of fans) {
    const names = (await readdir(join(ctx.blobs.objects, fan))).sort();
    await forEachLimit(names, limit, async (name) => {
      const path = join(ctx.blobs.objects, fan, name);
      const st = await lstat(path);
      if (!st.isFile()) {
        problems.push({ kind: 'digest-mismatch', path, detail: 'not a regular file', sha256: fan + name });
        return;
      }
      const actual = await hashFile(path, { signal: ctx.signal, size: st.size });
      const intact = actual === fan + name;
      if (!intact) problems.push({ kind: 'digest-mismatch', path, detail: `content hashes to ${actual}`, sha256: fan + name });
      inodes.set(fan + name, { dev: st.dev, ino: st.ino, size: st.size, intact });
    }, ctx.signal);
  }

  const ids = (await readdir(ctx.snapshotsDir)).filter((n) => SNAPSHOT_ID_RE.test(n)).sort();
  const complete = new Set<string>();
  for (const id of ids) {
    ctx.signal?.throwIfAborted();
    const file = join(ctx.snapshotsDir, id, 'manifest.json');
    let manifest: SnapshotManifest;
    try {
      manifest = parseManifest(await readFile(file, 'utf8'), file, id);
    } catch (e) {
      if (isCode(e, 'ENOENT')) continue; // half-built
      problems.push({ kind: 'bad-manifest', path: file, detail: e instanceof Error ? e.message : String(e) });
      continue;
    }
    complete.add(id);
    const tree = join(ctx.snapshotsDir, id, 'tree');
    // Every URL a file is served at is a link of its own (aliases, mirrors: served.ts).
    const files = treeFiles(manifest);
    await forEachLimit(files, limit * 4, async ({ rel, f }) => {
      const path = join(tree, rel);
      const blob = inodes.get(f.sha256);
      if (!blob) {
        problems.push({ kind: 'missing-blob', path, detail: `blob ${f.sha256} is not in the store`, sha256: f.sha256 });
        return;
      }
      if (blob.intact && blob.size !== f.size) {
        problems.push({ kind: 'bad-manifest', path, detail: `manifest says ${f.size} bytes, blob ${f.sha256} has ${blob.size}` });
      }
      const st = await lstat(path).catch((e: unknown) => {
        if (isCode(e, 'ENOENT', 'ENOTDIR')) return undefined;
        throw e;
      });
      if (!st) problems.push({ kind: 'missing-link', path, detail: `expected a link to blob ${f.sha256}`, sha256: f.sha256 });
      else if (!st.isFile()) problems.push({ kind: 'bad-link', path, detail: `not a regular file (blob ${f.sha256})`, sha256: f.sha256 });
      else if (st.dev !== blob.dev || st.ino !== blob.ino) {
        // A copy is legitimate when the blob was at the link limit; its bytes must still match.
        const same = st.size === blob.size && (await hashFile(path, { signal: ctx.signal, size: st.size })) === f.sha256;
        if (!same) problems.push({ kind: 'bad-link', path, detail: `neither a hard link to blob ${f.sha256} nor a copy of it`, sha256: f.sha256 });
      }
    }, ctx.signal);
  }

  const current = join(ctx.root, 'current');
  const cur = await lstat(current).catch(() => undefined);
  if (cur) {
    if (!cur.isSymbolicLink()) problems.push({ kind: 'dangling-current', path: current, detail: 'not a symlink' });
    else {
      const target = await readlink(current);
      const id = target.replace(/^snapshots\//, '');
      const ok = SNAPSHOT_ID_RE.test(id) && complete.has(id) && (await stat(join(current, 'tree')).then((s) => s.isDirectory(), () => false));
      if (!ok) problems.push({ kind: 'dangling-current', path: current, detail: `points at ${target}, not a complete snapshot` });
    }
  }
  return problems.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0));
}
