import { constants, copyFile, link, mkdir } from 'node:fs';
import { join } from 'node:path';
import { FerryError } from '../core/ferry-error.js';
import { fsyncDir } from './fs-util.js';

/** One hard link to make: `rel` inside the tree, to the blob of `sha256` (of `resource`'s file `path`). */
export interface TreeEntry {
  rel: string;
  sha256: string;
  resource: string;
  path: string;
}

export interface TreeBuildOptions {
  signal?: AbortSignal;
  /** Operations in flight at once (libuv runs them on its thread pool). */
  concurrency?: number;
}

/**
 * Lays out a served tree of hard links (the hot path of a snapshot build). Each directory is
 * created exactly once, parents before children (one level at a time, in parallel); then the
 * links are made with a bounded window of callbacks in flight (no stat per file: a missing
 * blob shows up as ENOENT on link and becomes FERRY_STORE_CORRUPT naming the file; a blob at
 * the file system's link limit is copied instead, which fsck accepts); then every
 * directory is fsynced so that the tree is durable before the manifest is written.
 * The plan must already be checked (planTree: safe paths, no duplicates, no file/folder clash).
 */
export async function buildTree(
  treeRoot: string,
  plan: { entries: readonly TreeEntry[]; dirs: readonly string[] },
  blobPath: (sha256: string) => string,
  options: TreeBuildOptions = {},
): Promise<{ dirs: number; links: number }> {
  const concurrency = options.concurrency ?? 64;
  const { entries, dirs } = plan;
  const base = `${treeRoot}/`;
  const levels = new Map<number, string[]>();
  for (const d of dirs) {
    const depth = d.split('/').length;
    let level = levels.get(depth);
    if (!level) levels.set(depth, (level = []));
    level.push(d);
  }
  await mkdirOnce(treeRoot, options.signal);
  for (const depth of [...levels.keys()].sort((a, b) => a - b)) {
    await pool(levels.get(depth) ?? [], concurrency, (d, done) => mkdir(base + d, done), options.signal);
  }
  const linkOrCopy = (e: TreeEntry, done: Done) => {
    const source = blobPath(e.sha256);
    link(source, base + e.rel, (err) => {
      // A blob shared by more paths than the file system allows links (ext4: 65000) is copied.
      if (err?.code === 'EMLINK') copyFile(source, base + e.rel, constants.COPYFILE_FICLONE, done);
      else done(err);
    });
  };
  await pool(entries, concurrency, linkOrCopy, options.signal, (e, err) => {
    if (err.code === 'ENOENT') {
      return new FerryError('FERRY_STORE_CORRUPT', `blob ${e.sha256} missing from the store for ${e.rel}`, { resource: e.resource, path: e.path, expected: e.sha256, blob: blobPath(e.sha256) }, err);
    }
    return err;
  });
  await pool(['', ...dirs], Math.min(concurrency, 16), (d, done) => {
    fsyncDir(join(treeRoot, d)).then(() => done(null), done);
  }, options.signal);
  return { dirs: dirs.length, links: entries.length };
}

/**
 * Every directory that must exist below the root, each once, in no particular order: the
 * parents of every entry, and `folders` (e.g. resource roots, even empty ones) with theirs.
 */
export function directoriesOf(entries: readonly { rel: string }[], folders: readonly string[] = []): string[] {
  const seen = new Set<string>();
  const paths = folders.map((f) => `${f}/`);
  const count = entries.length + paths.length;
  for (let i = 0; i < count; i++) {
    const rel = i < entries.length ? entries[i].rel : paths[i - entries.length];
    let slash = rel.lastIndexOf('/');
    while (slash > 0) {
      const d = rel.slice(0, slash);
      if (seen.has(d)) break; // its ancestors are already in
      seen.add(d);
      slash = d.lastIndexOf('/');
    }
  }
  return [...seen];
}

function mkdirOnce(path: string, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  return new Promise((resolve, reject) => mkdir(path, (err) => (err ? reject(err) : resolve())));
}

type Done = (err: NodeJS.ErrnoException | null) => void;

/**
 * Runs `op` over items with at most `limit` in flight, callback style (no promise per item:
 * this runs 100k times per build). Stops at the first error (after the ones in flight settle)
 * or when the signal aborts.
 */
function pool<T>(
  items: readonly T[],
  limit: number,
  op: (item: T, done: Done) => void,
  signal?: AbortSignal,
  mapError: (item: T, err: NodeJS.ErrnoException) => Error = (_i, e) => e,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let next = 0;
    let inFlight = 0;
    let failure: Error | undefined;
    const finish = () => {
      if (inFlight > 0) return;
      if (failure) reject(failure);
      else resolve();
    };
    const launch = () => {
      while (inFlight < limit && next < items.length && !failure) {
        if (signal?.aborted) {
          failure = signal.reason instanceof Error ? signal.reason : new Error('aborted');
          break;
        }
        const item = items[next++];
        inFlight++;
        op(item, (err) => {
          inFlight--;
          if (err && !failure) failure = mapError(item, err);
          if (failure || next >= items.length) finish();
          else launch();
        });
      }
      if (inFlight === 0 && (failure || next >= items.length)) finish();
    };
    launch();
  });
}
