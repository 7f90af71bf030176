/**
 * Applies a git delta (gitformat-pack, "Deltified representation"): the source and target sizes
 * as little-endian base-128 numbers, then instructions that either copy a range of the base
 * (bit 7 set; offset and size bytes present per bits 0-3 and 4-6; size 0 means 0x10000) or
 * insert the next 1-127 literal bytes. Pure; throws FERRY_BAD_INDEX on a malformed delta.
 */
import { FerryError } from '../../core/ferry-error.js';

function bad(why: string): FerryError {
  return new FerryError('FERRY_BAD_INDEX', `malformed git delta: ${why}`, {});
}

export function applyDelta(delta: Uint8Array, base: Uint8Array): Buffer {
  let p = 0;
  const size = (): number => {
    let value = 0;
    let shift = 0;
    let byte: number;
    do {
      if (p >= delta.length) throw bad('truncated size');
      byte = delta[p++];
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    return value;
  };
  const sourceSize = size();
  if (sourceSize !== base.length) throw bad(`base is ${base.length} bytes, delta expects ${sourceSize}`);
  const out = Buffer.allocUnsafe(size());
  let o = 0;
  while (p < delta.length) {
    const op = delta[p++];
    if (op & 0x80) {
      let offset = 0;
      let length = 0;
      for (let bit = 0; bit < 4; bit++) if (op & (1 << bit)) offset += delta[p++] * 2 ** (8 * bit);
      for (let bit = 0; bit < 3; bit++) if (op & (0x10 << bit)) length += delta[p++] * 2 ** (8 * bit);
      if (length === 0) length = 0x10000;
      if (offset + length > base.length || o + length > out.length) throw bad('copy out of range');
      out.set(base.subarray(offset, offset + length), o);
      o += length;
    } else if (op !== 0) {
      if (p + op > delta.length || o + op > out.length) throw bad('insert out of range');
      out.set(delta.subarray(p, p + op), o);
      p += op;
      o += op;
    } else {
      throw bad('reserved instruction 0');
    }
  }
  if (o !== out.length) throw bad(`result is ${o} bytes, delta promised ${out.length}`);
  return out;
}
