import { constants, copyFileSync, linkSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { FerryError } from '../core/ferry-error.js';
import { forEachLimit } from './for-each-limit.js';
import { FSYNC_IN_FLIGHT, SYNCFS_MIN, fsyncDir, syncFileSystem, yieldToLoop } from './fs-util.js';

/** One hard link to make: `rel` inside the tree, to the blob of `sha256` (of `resource`'s file `path`). */
export interface TreeEntry {
  rel: string;
  sha256: string;
  resource: string;
  path: string;
}

export interface TreeBuildOptions {
  signal?: AbortSignal;
  /** Links made between two turns of the event loop (default 256). */
  batch?: number;
  /** Folders (and the root) already made, by a SnapshotDraft. */
  made?: ReadonlySet<string>;
  /** Files already linked by a SnapshotDraft (path → digest): skipped when the digest matches. */
  linked?: ReadonlyMap<string, string>;
}


/**
 * Lays out a served tree of hard links (the hot path of a snapshot build). Each directory is
 * created exactly once, parents before children; then the links are made. Both with synchronous
 * calls in slices of `batch`, letting the event loop run in between: a link or mkdir takes a few
 * microseconds, a thread-pool round trip per call costs more than the call. No stat per file: a
 * missing blob shows up as ENOENT on link and becomes FERRY_STORE_CORRUPT naming the file; a
 * blob at the file system's link limit is copied instead, which fsck accepts. Then the tree is
 * made durable before the manifest is written: one syncfs (fsync of every folder as fallback).
 * The plan must already be checked (planTree: safe paths, no duplicates, no file/folder clash).
 */
export async function buildTree(
  treeRoot: string,
  plan: { entries: readonly TreeEntry[]; dirs: readonly string[] },
  blobPath: (sha256: string) => string,
  options: TreeBuildOptions = {},
): Promise<{ dirs: number; links: number }> {
  const batch = Math.max(1, options.batch ?? 256);
  const { entries } = plan;
  const { signal } = options;
  const base = `${treeRoot}/`;
  await makeFolders(treeRoot, plan.dirs, { signal, batch, made: options.made });
  const { linked } = options;
  for (let i = 0; i < entries.length; i++) {
    if (i % batch === 0) await yieldToLoop(signal);
    const e = entries[i];
    if (linked?.get(e.rel) === e.sha256) continue;
    const source = blobPath(e.sha256);
    try {
      linkSync(source, base + e.rel);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // A blob shared by more paths than the file system allows links (ext4: 65000) is copied.
      if (code === 'EMLINK') copyFileSync(source, base + e.rel, constants.COPYFILE_FICLONE);
      else if (code === 'ENOENT') {
        throw new FerryError('FERRY_STORE_CORRUPT', `blob ${e.sha256} for ${e.rel} is missing from the store (removed outside Ferry): \`ferry fsck --repair\` downloads every damaged or missing blob again from the URL its manifests record and relinks it into every retained snapshot`, { resource: e.resource, path: e.path, expected: e.sha256, blob: source }, err);
      } else throw err;
    }
  }
  const dirs = plan.dirs;
  // Below SYNCFS_MIN folders, fsync each (several at once); above, one syncfs of the file system.
  if (dirs.length >= SYNCFS_MIN && (await syncFileSystem(treeRoot))) return { dirs: dirs.length, links: entries.length };
  await forEachLimit(['', ...dirs], FSYNC_IN_FLIGHT, (d) => fsyncDir(join(treeRoot, d)), signal);
  return { dirs: dirs.length, links: entries.length };
}

/**
 * Creates `treeRoot` and the folders below it, parents before children, with synchronous calls
 * in slices of `batch` (the event loop runs in between). Folders in `made` (and the root, when
 * `made` is given) exist already and are skipped.
 */
async function makeFolders(treeRoot: string, folders: readonly string[], options: { signal?: AbortSignal; batch?: number; made?: ReadonlySet<string> } = {}): Promise<void> {
  const batch = Math.max(1, options.batch ?? 256);
  const { signal, made } = options;
  // A parent is a strict prefix of its children, hence shorter: by length, parents come first.
  const dirs = (made ? folders.filter((d) => !made.has(d)) : [...folders]).sort((a, b) => a.length - b.length);
  const base = `${treeRoot}/`;
  signal?.throwIfAborted();
  if (!made) mkdirSync(treeRoot);
  for (let i = 0; i < dirs.length; i++) {
    if (i > 0 && i % batch === 0) await yieldToLoop(signal);
    mkdirSync(base + dirs[i]);
  }
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
