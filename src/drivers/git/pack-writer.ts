/**
 * Builds one undeltified packfile (gitformat-pack: "PACK", version 2, object count, entries of
 * a type-and-size header plus zlib data, SHA-1 trailer) and its index. Objects are written in
 * the order they are added, so the same objects added in the same order give the same bytes.
 * Each object's id is checked against its content before it is written.
 */
import { createHash } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';
import { FerryError } from '../../core/ferry-error.js';
import type { GitObjectType } from './object-links.js';
import { writePackIndex, type PackIndexEntry } from './pack-index.js';

const TYPE_CODES: Record<GitObjectType, number> = { commit: 1, tree: 2, blob: 3, tag: 4 };

export interface BuiltPack {
  /** Hex SHA-1 of the pack: its name is `pack-<checksum>.pack`. */
  checksum: string;
  pack: Buffer;
  idx: Buffer;
  objects: number;
}

/** The git object id of `content` as an object of `type`. */
export function gitObjectId(type: GitObjectType, content: Uint8Array): string {
  return createHash('sha1').update(`${type} ${content.byteLength}\0`).update(content).digest('hex');
}

function entryHeader(type: GitObjectType, size: number): Buffer {
  const bytes: number[] = [];
  let rest = Math.floor(size / 16);
  let byte = (TYPE_CODES[type] << 4) | (size & 0x0f);
  while (rest > 0) {
    bytes.push(byte | 0x80);
    byte = rest & 0x7f;
    rest = Math.floor(rest / 128);
  }
  bytes.push(byte);
  return Buffer.from(bytes);
}

export class PackWriter {
  private readonly chunks: Buffer[] = [];
  private readonly entries: PackIndexEntry[] = [];
  private offset = 12;

  get count(): number {
    return this.entries.length;
  }

  /** Appends an object; throws FERRY_DIGEST_MISMATCH if `content` is not the object `oid`. */
  add(oid: string, type: GitObjectType, content: Uint8Array): void {
    const actual = gitObjectId(type, content);
    if (actual !== oid) throw new FerryError('FERRY_DIGEST_MISMATCH', `git object ${oid} does not hash to its id`, { expected: oid, actual });
    const header = entryHeader(type, content.byteLength);
    const data = deflateSync(content, { level: 6 });
    this.entries.push({ oid, offset: this.offset, crc32: crc32(data, crc32(header)) });
    this.chunks.push(header, data);
    this.offset += header.length + data.length;
  }

  /**
   * Appends an entry already encoded for a pack (header and zlib data), as a compaction copies
   * it; `oid` is what the entry resolves to. Not verified here: the caller vouches for it.
   */
  addEntry(oid: string, entry: Buffer): void {
    this.entries.push({ oid, offset: this.offset, crc32: crc32(entry) });
    this.chunks.push(entry);
    this.offset += entry.length;
  }

  finish(): BuiltPack {
    const head = Buffer.alloc(12);
    head.write('PACK', 0, 'latin1');
    head.writeUInt32BE(2, 4);
    head.writeUInt32BE(this.entries.length, 8);
    const hash = createHash('sha1').update(head);
    for (const c of this.chunks) hash.update(c);
    const trailer = hash.digest();
    const pack = Buffer.concat([head, ...this.chunks, trailer]);
    this.chunks.length = 0;
    return { checksum: trailer.toString('hex'), pack, idx: writePackIndex(this.entries, trailer), objects: this.entries.length };
  }
}
