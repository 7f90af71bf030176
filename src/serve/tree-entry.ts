/**
 * Opens what a request names inside a snapshot's tree, and nothing outside it. The folders on
 * the way are checked by real path once per snapshot (ServedSnapshot.realDir); the last name is
 * opened with O_NOFOLLOW, so the common case costs one open and one fstat. A last name that is
 * a symlink is followed only when its real path stays inside the tree (the store writes only
 * hard links; a link leading out is a 404, never a leak).
 */
import { constants, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { isMissing, realPathInside, type ServedSnapshot } from './snapshot-resolver.js';

export type TreeEntry =
  | { kind: 'file'; handle: FileHandle; stat: Stats; real: string }
  | { kind: 'directory'; real: string }
  | null;

// O_NONBLOCK: opening a FIFO planted in a tree must not hang the request (it is then refused).
const FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

const errorCode = (e: unknown): string => (typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : '');

async function openNoFollow(path: string): Promise<FileHandle | 'symlink' | null> {
  try {
    return await open(path, FLAGS);
  } catch (e) {
    if (errorCode(e) === 'ELOOP') return 'symlink';
    if (isMissing(e)) return null;
    throw e;
  }
}

export async function openInTree(snapshot: ServedSnapshot, segments: readonly string[]): Promise<TreeEntry> {
  if (segments.length === 0) return { kind: 'directory', real: snapshot.treeDir };
  const dir = await snapshot.realDir(segments.slice(0, -1));
  if (dir === null) return null;
  let real = join(dir, segments[segments.length - 1]);
  let handle = await openNoFollow(real);
  if (handle === 'symlink') {
    const inside = await realPathInside(snapshot.treeDir, segments);
    if (inside === null) return null;
    real = inside;
    handle = await openNoFollow(real);
  }
  if (handle === null || handle === 'symlink') return null;
  try {
    const stat = await handle.stat();
    if (stat.isFile()) return { kind: 'file', handle, stat, real };
    await handle.close();
    return stat.isDirectory() ? { kind: 'directory', real } : null;
  } catch (e) {
    await handle.close();
    throw e;
  }
}
