/**
 * apt's by-hash files across every switch (issue 11). A client that read one snapshot's
 * InRelease asks next for `…/by-hash/SHA256/<digest>` of an index that snapshot lists; if a
 * publish or a rollback switched `current` meanwhile, the new tree must still hold that file.
 * Forwards the deb driver keeps earlier generations' by-hash files; this covers every
 * direction: before `current` is switched to a snapshot, the by-hash files of every other
 * retained snapshot are hard-linked into its tree, in the index folders that tree serves. A
 * by-hash path names its content (the digest), so two snapshots can never disagree on one.
 * These links are not in the snapshot's manifest (it still says what the snapshot published);
 * nginx and `ferry serve` read the tree, so both answer them.
 */
import { link, lstat, mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { treeFiles } from './manifest.js';
import type { SnapshotManifest } from './types.js';

const BY_HASH = /^(.*)\/by-hash\/(?:MD5Sum|SHA1|SHA256|SHA512)\/[0-9a-f]{32,128}$/;

/** The by-hash paths (from the tree root) of `others` that `target` serves an index folder for and lacks. */
export function missingByHash(target: SnapshotManifest, others: readonly SnapshotManifest[]): Array<{ rel: string; sha256: string }> {
  const have = new Set<string>();
  const folders = new Set<string>();
  for (const { rel } of treeFiles(target)) {
    have.add(rel);
    folders.add(dirname(rel));
  }
  const out = new Map<string, string>();
  for (const other of others) {
    if (other.id === target.id) continue;
    for (const { rel, f } of treeFiles(other)) {
      const m = BY_HASH.exec(rel);
      if (!m || have.has(rel) || out.has(rel) || !folders.has(m[1])) continue;
      out.set(rel, f.sha256);
    }
  }
  return [...out].sort(([a], [b]) => (a < b ? -1 : 1)).map(([rel, sha256]) => ({ rel, sha256 }));
}

/**
 * Links the missing by-hash files into `treeDir` (each via a temporary name and a rename, so
 * none is ever seen half-made). A blob no longer in the store is skipped. Returns the count.
 */
export async function linkByHash(treeDir: string, files: ReadonlyArray<{ rel: string; sha256: string }>, blobPath: (sha256: string) => string): Promise<number> {
  let linked = 0;
  for (const { rel, sha256 } of files) {
    const dest = join(treeDir, rel);
    if (await lstat(dest).then(() => true, () => false)) continue;
    const source = blobPath(sha256);
    if (!(await lstat(source).then((s) => s.isFile(), () => false))) continue;
    await mkdir(dirname(dest), { recursive: true });
    const tmp = `${dest}.${randomBytes(6).toString('hex')}.tmp`;
    await link(source, tmp);
    try {
      await rename(tmp, dest);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
    linked++;
  }
  return linked;
}
