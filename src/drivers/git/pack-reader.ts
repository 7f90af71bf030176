/**
 * Reads objects out of a packfile held in memory, given its version 2 index
 * (gitformat-pack): entry headers, zlib data, and both delta kinds (a base at a negative
 * offset in the same pack, or a base named by id and looked up by the caller). Resolved
 * objects are kept in a bounded most-recently-used cache, since delta chains share bases.
 */
import { inflateSync } from 'node:zlib';
import { FerryError } from '../../core/ferry-error.js';
import type { GitObjectType } from './object-links.js';
import { applyDelta } from './pack-delta.js';

export interface RawObject {
  type: GitObjectType;
  content: Buffer;
}

const TYPES: Record<number, GitObjectType> = { 1: 'commit', 2: 'tree', 3: 'blob', 4: 'tag' };
const OFS_DELTA = 6;
const REF_DELTA = 7;

/** Object id to offset, from a version 2 `.idx` file. */
export function readPackIndex(idx: Buffer, name: string): Map<string, number> {
  if (idx.length < 1072 || idx.readUInt32BE(0) !== 0xff744f63 || idx.readUInt32BE(4) !== 2) {
    throw new FerryError('FERRY_BAD_INDEX', `${name} is not a version 2 pack index`, { file: name });
  }
  const n = idx.readUInt32BE(8 + 255 * 4);
  const ids = 1032;
  const offsets = ids + n * 24;
  const large = offsets + n * 4;
  if (idx.length < large + 40) throw new FerryError('FERRY_BAD_INDEX', `${name} is truncated`, { file: name });
  const map = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const small = idx.readUInt32BE(offsets + i * 4);
    const offset = small & 0x80000000 ? Number(idx.readBigUInt64BE(large + (small & 0x7fffffff) * 8)) : small;
    map.set(idx.toString('hex', ids + i * 20, ids + (i + 1) * 20), offset);
  }
  return map;
}

export class PackReader {
  private readonly cache = new Map<number, RawObject>();
  private cached = 0;

  /**
   * @param pack the whole packfile
   * @param byId resolves a REF_DELTA base by id (from this pack or another)
   * @param cacheBytes budget of the resolved-object cache
   */
  constructor(
    private readonly pack: Buffer,
    private readonly name: string,
    private readonly byId: (oid: string) => Promise<RawObject>,
    private readonly cacheBytes = 64 * 1024 * 1024,
  ) {}

  async readAt(offset: number): Promise<RawObject> {
    const hit = this.cache.get(offset);
    if (hit) {
      this.cache.delete(offset);
      this.cache.set(offset, hit);
      return hit;
    }
    const pack = this.pack;
    if (offset < 12 || offset >= pack.length - 20) throw this.bad(offset, 'offset out of range');
    let p = offset;
    let byte = pack[p++];
    const code = (byte >> 4) & 7;
    let size = byte & 15;
    let shift = 4;
    while (byte & 0x80) {
      byte = pack[p++];
      size += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    }
    let base: RawObject | undefined;
    if (code === OFS_DELTA) {
      byte = pack[p++];
      let back = byte & 0x7f;
      while (byte & 0x80) {
        byte = pack[p++];
        back = (back + 1) * 128 + (byte & 0x7f);
      }
      base = await this.readAt(offset - back);
    } else if (code === REF_DELTA) {
      base = await this.byId(pack.toString('hex', p, p + 20));
      p += 20;
    } else if (!TYPES[code]) {
      throw this.bad(offset, `unknown object type ${code}`);
    }
    let data: Buffer;
    try {
      data = inflateSync(pack.subarray(p));
    } catch (e) {
      throw this.bad(offset, `corrupt zlib data (${e instanceof Error ? e.message : String(e)})`);
    }
    if (data.length !== size) throw this.bad(offset, `inflated to ${data.length} bytes, header says ${size}`);
    const object: RawObject = base ? { type: base.type, content: applyDelta(data, base.content) } : { type: TYPES[code], content: data };
    this.remember(offset, object);
    return object;
  }

  private remember(offset: number, object: RawObject): void {
    if (object.content.length > this.cacheBytes / 4) return;
    this.cache.set(offset, object);
    this.cached += object.content.length;
    for (const [key, value] of this.cache) {
      if (this.cached <= this.cacheBytes) break;
      this.cache.delete(key);
      this.cached -= value.content.length;
    }
  }

  private bad(offset: number, why: string): FerryError {
    return new FerryError('FERRY_BAD_INDEX', `${this.name}: entry at ${offset}: ${why}`, { file: this.name, actual: offset });
  }
}
