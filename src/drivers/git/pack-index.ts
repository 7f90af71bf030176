/**
 * Writes a version 2 pack index (gitformat-pack, "Version 2 pack-*.idx files"): magic and
 * version, a 256-entry fan-out table, the sorted object ids, their CRC32s, their 31-bit offsets
 * (large offsets in a trailing 64-bit table), the pack checksum and the index checksum. Pure.
 */
import { createHash } from 'node:crypto';

export interface PackIndexEntry {
  /** 40 hex digits. */
  oid: string;
  offset: number;
  crc32: number;
}

export function writePackIndex(entries: PackIndexEntry[], packChecksum: Buffer): Buffer {
  const sorted = [...entries].sort((a, b) => (a.oid < b.oid ? -1 : a.oid > b.oid ? 1 : 0));
  const n = sorted.length;
  const large = sorted.filter((e) => e.offset >= 0x80000000);
  const buf = Buffer.alloc(8 + 256 * 4 + n * 20 + n * 4 + n * 4 + large.length * 8 + 40);
  let p = 0;
  buf.writeUInt32BE(0xff744f63, p);
  buf.writeUInt32BE(2, p + 4);
  p += 8;
  const fanout = new Array<number>(256).fill(0);
  for (const e of sorted) fanout[Number.parseInt(e.oid.slice(0, 2), 16)]++;
  let running = 0;
  for (let i = 0; i < 256; i++) {
    running += fanout[i];
    buf.writeUInt32BE(running, p);
    p += 4;
  }
  for (const e of sorted) p += buf.write(e.oid, p, 'hex');
  for (const e of sorted) p = buf.writeUInt32BE(e.crc32 >>> 0, p);
  let largeIndex = 0;
  for (const e of sorted) p = buf.writeUInt32BE(e.offset >= 0x80000000 ? (0x80000000 | largeIndex++) >>> 0 : e.offset, p);
  for (const e of large) p = buf.writeBigUInt64BE(BigInt(e.offset), p);
  p += packChecksum.copy(buf, p);
  createHash('sha1').update(buf.subarray(0, p)).digest().copy(buf, p);
  return buf;
}
