/**
 * Merges the packs of a mirror cache into one once there are more than `maxPacks` (every fetch
 * that brings something adds a pack). Entries are copied as they are, deltas included, so the
 * cache stays as compact as the server made it; an offset delta becomes a delta on the base's
 * id (its offset changes in the merged pack). The merged pack and its index are written under
 * temporary names and renamed into place before the old packs are removed: a reader sees the
 * old packs, both, or the new one, never a pack without its index.
 */
import { randomUUID } from 'node:crypto';
import { readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FerryError } from '../../core/ferry-error.js';
import { readPackIndex } from './pack-reader.js';
import { PackWriter } from './pack-writer.js';

const OFS_DELTA = 6;
const REF_DELTA = 7;

/** The size header of an entry, re-encoded with another type. */
function retype(entry: Buffer, type: number): { header: Buffer; end: number } {
  let p = 0;
  while (entry[p] & 0x80) p++;
  const header = Buffer.from(entry.subarray(0, p + 1));
  header[0] = (header[0] & 0x8f) | (type << 4);
  return { header, end: p + 1 };
}

export async function compactCache(gitdir: string, options: { signal: AbortSignal; maxPacks?: number }): Promise<boolean> {
  const packDir = join(gitdir, 'objects', 'pack');
  const names = (await readdir(packDir)).filter((n) => /^pack-[0-9a-f]{40}\.idx$/.test(n)).sort();
  if (names.length <= (options.maxPacks ?? 16)) return false;
  const writer = new PackWriter();
  const seen = new Set<string>();
  for (const name of names) {
    options.signal.throwIfAborted();
    const idxPath = join(packDir, name);
    const pack = await readFile(idxPath.replace(/\.idx$/, '.pack'), { signal: options.signal });
    const byOffset = [...readPackIndex(await readFile(idxPath, { signal: options.signal }), idxPath)].map(([oid, offset]) => ({ oid, offset })).sort((a, b) => a.offset - b.offset);
    const oidAt = new Map(byOffset.map((e) => [e.offset, e.oid]));
    byOffset.forEach(({ oid, offset }, i) => {
      if (seen.has(oid)) return;
      seen.add(oid);
      const entry = pack.subarray(offset, i + 1 < byOffset.length ? byOffset[i + 1].offset : pack.length - 20);
      if (((entry[0] >> 4) & 7) !== OFS_DELTA) {
        writer.addEntry(oid, entry);
        return;
      }
      const { header, end } = retype(entry, REF_DELTA);
      let p = end;
      let byte = entry[p++];
      let back = byte & 0x7f;
      while (byte & 0x80) {
        byte = entry[p++];
        back = (back + 1) * 128 + (byte & 0x7f);
      }
      const base = oidAt.get(offset - back);
      if (!base) throw new FerryError('FERRY_BAD_INDEX', `${name}: delta at ${offset} has no base at ${offset - back}`, { file: idxPath, actual: offset });
      writer.addEntry(oid, Buffer.concat([header, Buffer.from(base, 'hex'), entry.subarray(p)]));
    });
  }
  const built = writer.finish();
  const target = join(packDir, `pack-${built.checksum}`);
  const temp = join(packDir, `tmp-${randomUUID()}`);
  await writeFile(`${temp}.pack`, built.pack);
  await writeFile(`${temp}.idx`, built.idx);
  await rename(`${temp}.pack`, `${target}.pack`);
  await rename(`${temp}.idx`, `${target}.idx`);
  for (const name of names) {
    if (name === `pack-${built.checksum}.idx`) continue;
    await rm(join(packDir, name), { force: true });
    await rm(join(packDir, name.replace(/\.idx$/, '.pack')), { force: true });
  }
  return true;
}
