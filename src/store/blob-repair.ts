/**
 * The store's half of `ferry fsck --repair` (issue 10): putting a verified file in place of a
 * damaged or missing blob, and linking the good blob into every retained snapshot tree that
 * holds it. A damaged blob is a file whose inode every tree shares: replacing the blob alone
 * leaves the damaged inode served, so each tree path of that digest is relinked (a new link
 * under a temp name, renamed over the old: a reader sees the old file or the new, never none).
 * The caller holds the store lock; fetching and verifying the bytes is its business
 * (src/reconcile/repair.ts).
 */
import { link, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { FsBlobStore } from './blob-store.js';
import { fsyncDir, isCode, tempSuffix } from './fs-util.js';
import { parseManifest, treeFiles } from './manifest.js';

/** Where a digest's bytes came from and where it is served, over all retained snapshots. */
export interface BlobUse {
  sha256: string;
  size: number;
  /** Upstream URLs recorded for it (redacted), first seen first. */
  urls: string[];
  /** Tree paths holding it, absolute. */
  paths: string[];
}

/** Every digest used by the retained snapshots `ids`, with its URLs and tree paths. */
export async function blobUses(snapshotsDir: string, ids: readonly string[]): Promise<Map<string, BlobUse>> {
  const uses = new Map<string, BlobUse>();
  for (const id of ids) {
    const file = join(snapshotsDir, id, 'manifest.json');
    const manifest = parseManifest(await readFile(file, 'utf8'), file, id);
    for (const { rel, f } of treeFiles(manifest)) {
      const use = uses.get(f.sha256) ?? { sha256: f.sha256, size: f.size, urls: [], paths: [] };
      if (f.url && !use.urls.includes(f.url)) use.urls.push(f.url);
      use.paths.push(join(snapshotsDir, id, 'tree', rel));
      uses.set(f.sha256, use);
    }
  }
  return uses;
}

/**
 * Replaces the blob of `sha256` with `file` (already verified to hash to it): the damaged blob,
 * if any, is moved out of the way first, so that adopt() does not keep it.
 */
export async function replaceBlob(blobs: FsBlobStore, sha256: string, file: string): Promise<void> {
  const blob = blobs.pathOf(sha256);
  const aside = join(blobs.tmpDir, `damaged-${sha256.slice(0, 16)}-${tempSuffix()}`);
  try {
    await rename(blob, aside);
  } catch (e) {
    if (!isCode(e, 'ENOENT')) throw e;
  }
  await blobs.adopt(file, sha256);
  await rm(aside, { force: true });
}

/** Links the blob of `sha256` at each of `paths` (tree paths), replacing what is there. Returns how many were relinked. */
export async function relinkBlob(blobs: FsBlobStore, sha256: string, paths: readonly string[]): Promise<number> {
  const blob = blobs.pathOf(sha256);
  const dirs = new Set<string>();
  for (const path of paths) {
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.ferry-relink-${tempSuffix()}`;
    await link(blob, tmp);
    try {
      await rename(tmp, path);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
    dirs.add(dirname(path));
  }
  for (const d of dirs) await fsyncDir(d);
  return paths.length;
}

