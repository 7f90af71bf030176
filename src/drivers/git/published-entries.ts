/**
 * The entries of a pack Ferry published before (undeltified, as pack-writer.ts writes them),
 * by object id, so that a repository whose refs moved is packed again by copying the entries
 * of the objects it already published instead of reading and compressing them anew. Each entry
 * is exactly what the writer would produce for that object, so the result is unchanged.
 */
import { inflateSync } from 'node:zlib';
import type { GitObjectType } from './object-links.js';
import { readPackIndex } from './pack-reader.js';

const TYPES: Record<number, GitObjectType> = { 1: 'commit', 2: 'tree', 3: 'blob', 4: 'tag' };

export interface PublishedEntry {
  type: GitObjectType;
  /** Header and zlib data, as they stand in the pack. */
  entry: Buffer;
  /** The object's content, inflated on demand. */
  content(): Buffer;
}

export class PublishedEntries {
  private readonly spans = new Map<string, [number, number]>();

  constructor(
    private readonly pack: Buffer,
    idx: Buffer,
    name: string,
  ) {
    const byOffset = [...readPackIndex(idx, name)].sort((a, b) => a[1] - b[1]);
    byOffset.forEach(([oid, offset], i) => this.spans.set(oid, [offset, i + 1 < byOffset.length ? byOffset[i + 1][1] : pack.length - 20]));
  }

  get(oid: string): PublishedEntry | undefined {
    const span = this.spans.get(oid);
    if (!span) return undefined;
    const entry = this.pack.subarray(span[0], span[1]);
    const type = TYPES[(entry[0] >> 4) & 7];
    if (!type) return undefined;
    let p = 0;
    while (entry[p] & 0x80) p++;
    return { type, entry, content: () => inflateSync(entry.subarray(p + 1)) };
  }
}
