/**
 * Puts the cache's pack files into the blob store by hard link, never by copy: a pack and its
 * index are immutable once git wrote them, so the blob, the cache's file and every snapshot's
 * `objects/pack/` entry are one inode. A pack's sha256 is computed once and remembered in the
 * cache (`ferry-digests`, keyed by the pack's name, which is git's checksum of its content);
 * a blob removed from the store is linked in again from the cache, re-hashed first.
 */
import { link, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hashFile } from '../../store/blob-store.js';
import type { BlobStore } from '../../store/types.js';

export interface PackBlob {
  sha256: string;
  size: number;
}

export interface ImportedPack {
  /** `pack-<checksum>` */
  name: string;
  pack: PackBlob;
  idx: PackBlob;
}

const DIGESTS = 'ferry-digests';

async function readDigests(gitdir: string): Promise<Map<string, PackBlob>> {
  const text = await readFile(join(gitdir, DIGESTS), 'utf8').catch(() => '');
  const out = new Map<string, PackBlob>();
  for (const line of text.split('\n')) {
    const [file, sha256, size] = line.split(' ');
    if (file && /^[0-9a-f]{64}$/.test(sha256 ?? '') && /^\d+$/.test(size ?? '')) out.set(file, { sha256, size: Number(size) });
  }
  return out;
}

async function writeDigests(gitdir: string, digests: Map<string, PackBlob>, keep: ReadonlySet<string>): Promise<void> {
  const lines = [...digests].filter(([file]) => keep.has(file)).map(([file, d]) => `${file} ${d.sha256} ${d.size}\n`);
  const temp = join(gitdir, `${DIGESTS}.tmp`);
  await writeFile(temp, lines.sort().join(''));
  await rename(temp, join(gitdir, DIGESTS));
}

/** Links `file` into the store as blob `sha256` (copies only across file systems). */
async function linkIn(blobs: BlobStore, file: string, sha256: string, verify: boolean): Promise<void> {
  if (await blobs.has(sha256)) return;
  const temp = blobs.tempPath();
  try {
    await link(file, temp);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
    await copyFile(file, temp);
  }
  try {
    await blobs.adopt(temp, sha256, { verify });
  } finally {
    await rm(temp, { force: true });
  }
}

/**
 * Makes every pack of `packs` (names from listPacks) a blob: hashes the ones not seen before,
 * links in the ones the store lacks. Returns their blobs, in the order given.
 */
export async function importPacks(gitdir: string, packs: readonly string[], blobs: BlobStore, signal: AbortSignal): Promise<ImportedPack[]> {
  const digests = await readDigests(gitdir);
  const files = packs.flatMap((p) => [`${p}.pack`, `${p}.idx`]);
  let learnt = false;
  for (const file of files) {
    signal.throwIfAborted();
    const path = join(gitdir, 'objects', 'pack', file);
    const known = digests.get(file);
    if (known) {
      await linkIn(blobs, path, known.sha256, true);
      continue;
    }
    const { size } = await stat(path);
    const sha256 = await hashFile(path, { signal, size });
    digests.set(file, { sha256, size });
    learnt = true;
    await linkIn(blobs, path, sha256, false);
  }
  if (learnt || digests.size !== files.length) await writeDigests(gitdir, digests, new Set(files));
  return packs.map((name) => ({ name, pack: digests.get(`${name}.pack`) as PackBlob, idx: digests.get(`${name}.idx`) as PackBlob }));
}
