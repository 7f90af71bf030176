/**
 * Reads objects from the mirror cache for packing: through its packs (fetches store what they
 * receive as packs) with Ferry's own reader, which caches delta bases, and through
 * isomorphic-git for anything else (loose objects). Packs are loaded into memory once.
 */
import * as fs from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import git from 'isomorphic-git';
import { FerryError } from '../../core/ferry-error.js';
import type { GitObjectType } from './object-links.js';
import { PackReader, readPackIndex, type RawObject } from './pack-reader.js';

export type ReadObject = (oid: string) => Promise<RawObject>;

/** A reader over every pack of `gitdir` (read at call time) with a loose-object fallback. */
export async function openCacheObjects(gitdir: string, options: { signal: AbortSignal }): Promise<ReadObject> {
  const packDir = join(gitdir, 'objects', 'pack');
  const names = (await readdir(packDir).catch(() => [] as string[])).filter((n) => /^pack-[0-9a-f]{40}\.idx$/.test(n)).sort();
  const where = new Map<string, { reader: PackReader; offset: number }>();
  const isoCache = {};
  const read: ReadObject = async (oid) => {
    const found = where.get(oid);
    if (found) return found.reader.readAt(found.offset);
    try {
      const { type, object } = await git.readObject({ fs, gitdir, oid, format: 'content', cache: isoCache });
      return { type: type as GitObjectType, content: Buffer.from(object as Uint8Array) };
    } catch (e) {
      throw new FerryError('FERRY_GIT', `git object ${oid} is missing from the mirror cache ${gitdir}`, { expected: oid, file: gitdir }, e);
    }
  };
  for (const name of names) {
    const idxPath = join(packDir, name);
    const packPath = idxPath.replace(/\.idx$/, '.pack');
    const [idx, pack] = await Promise.all([readFile(idxPath, { signal: options.signal }), readFile(packPath, { signal: options.signal })]);
    const reader = new PackReader(pack, packPath, read);
    for (const [oid, offset] of readPackIndex(idx, idxPath)) if (!where.has(oid)) where.set(oid, { reader, offset });
  }
  return read;
}
