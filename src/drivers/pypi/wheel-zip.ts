/**
 * The core metadata inside a wheel (PEP 427: `<name>-<version>.dist-info/METADATA`), read from
 * the zip's central directory (APPNOTE.TXT 4.3.16 end of central directory, 4.3.12 central
 * file header, 4.3.7 local file header; zip64 end records 4.3.14-15): only the directory and that
 * one entry are read, through `read(offset, length)`, and the entry is inflated with a bound
 * (`maxBytes`): a METADATA that inflates past it is refused (a zip bomb), as is one that is
 * stored with another method, encrypted, or not where the directory says.
 */
import { inflateRawSync } from 'node:zlib';

export type ReadAt = (offset: number, length: number) => Promise<Uint8Array>;

/** A wheel that cannot be read; the caller names the project, file and URL. */
export class WheelError extends Error {
  constructor(
    message: string,
    readonly tooLarge = false,
  ) {
    super(message);
  }
}

const EOCD = 0x06054b50;
const EOCD64 = 0x06064b50;
const EOCD64_LOCATOR = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX_COMMENT = 0xffff;

interface Entry {
  name: string;
  method: number;
  flags: number;
  compressedSize: number;
  size: number;
  offset: number;
}

const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
const u64 = (d: DataView, at: number) => {
  const n = d.getBigUint64(at, true);
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new WheelError('has a zip64 field too large to use');
  return Number(n);
};

async function directory(read: ReadAt, fileSize: number, maxDirectoryBytes: number): Promise<{ offset: number; size: number; count: number }> {
  const tailLength = Math.min(fileSize, 22 + MAX_COMMENT + 20);
  const tail = await read(fileSize - tailLength, tailLength);
  const d = view(tail);
  for (let i = tail.length - 22; i >= 0; i--) {
    if (d.getUint32(i, true) !== EOCD) continue;
    let count = d.getUint16(i + 10, true);
    let size = d.getUint32(i + 12, true);
    let offset = d.getUint32(i + 16, true);
    if ((count === 0xffff || size === 0xffffffff || offset === 0xffffffff) && i >= 20 && d.getUint32(i - 20, true) === EOCD64_LOCATOR) {
      const at = u64(d, i - 20 + 8);
      const rec = view(await read(at, 56));
      if (rec.getUint32(0, true) !== EOCD64) throw new WheelError('has a zip64 locator that points at no zip64 end record');
      count = u64(rec, 32);
      size = u64(rec, 40);
      offset = u64(rec, 48);
    }
    if (offset + size > fileSize) throw new WheelError('has a central directory past its end');
    if (size > maxDirectoryBytes) throw new WheelError(`has a central directory of ${size} bytes, more than the ${maxDirectoryBytes} read`, true);
    return { offset, size, count };
  }
  throw new WheelError('is not a zip file (no end of central directory record)');
}

function entries(cd: Uint8Array, count: number): Entry[] {
  const d = view(cd);
  const out: Entry[] = [];
  let at = 0;
  for (let n = 0; n < count; n++) {
    if (at + 46 > cd.length || d.getUint32(at, true) !== CENTRAL) throw new WheelError('has a damaged central directory');
    const nameLength = d.getUint16(at + 28, true);
    const extraLength = d.getUint16(at + 30, true);
    const commentLength = d.getUint16(at + 32, true);
    const name = new TextDecoder().decode(cd.subarray(at + 46, at + 46 + nameLength));
    let compressedSize = d.getUint32(at + 20, true);
    let size = d.getUint32(at + 24, true);
    let offset = d.getUint32(at + 42, true);
    // zip64 extended information (header 0x0001): the fields that overflowed, in this order.
    let x = at + 46 + nameLength;
    const end = x + extraLength;
    while (x + 4 <= end) {
      const id = d.getUint16(x, true);
      const len = d.getUint16(x + 2, true);
      if (id === 1) {
        let f = x + 4;
        if (size === 0xffffffff) {
          size = u64(d, f);
          f += 8;
        }
        if (compressedSize === 0xffffffff) {
          compressedSize = u64(d, f);
          f += 8;
        }
        if (offset === 0xffffffff) offset = u64(d, f);
      }
      x += 4 + len;
    }
    out.push({ name, method: d.getUint16(at + 10, true), flags: d.getUint16(at + 8, true), compressedSize, size, offset });
    at = end + commentLength;
  }
  return out;
}

/** The `.dist-info/METADATA` entry at the top of the wheel (the one of the wheel's own name when several). */
function metadataEntry(all: Entry[], distName: string): Entry {
  const found = all.filter((e) => /^[^/]+\.dist-info\/METADATA$/.test(e.name));
  const norm = (s: string) => s.replace(/[-_.]+/g, '_').toLowerCase();
  const own = found.filter((e) => norm(e.name.split('-')[0]) === norm(distName));
  const pick = own.length === 1 ? own[0] : found.length === 1 ? found[0] : undefined;
  if (!pick) throw new WheelError(found.length === 0 ? 'has no .dist-info/METADATA' : `has ${found.length} .dist-info/METADATA files`);
  return pick;
}

/** A zip sdist's `<name>-<version>/PKG-INFO` (the top folder's; core metadata, PEP 643). */
function pkgInfoEntry(all: Entry[]): Entry {
  const found = all.filter((e) => /^[^/]+\/PKG-INFO$/.test(e.name));
  if (found.length !== 1) throw new WheelError(found.length === 0 ? 'has no <name>-<version>/PKG-INFO' : `has ${found.length} top-level PKG-INFO files`);
  return found[0];
}

export interface ZipReadOptions {
  /** The largest METADATA (inflated or stored). */
  maxBytes: number;
  /** The largest central directory read (default: any that fits the file). */
  maxDirectoryBytes?: number;
}

async function readEntry(read: ReadAt, fileSize: number, pick: (all: Entry[]) => Entry, o: ZipReadOptions): Promise<Uint8Array> {
  const { maxBytes } = o;
  const dir = await directory(read, fileSize, o.maxDirectoryBytes ?? Number.MAX_SAFE_INTEGER);
  const entry = pick(entries(await read(dir.offset, dir.size), dir.count));
  if (entry.flags & 1) throw new WheelError(`has an encrypted ${entry.name}`);
  if (entry.size > maxBytes || entry.compressedSize > maxBytes) throw new WheelError(`says its ${entry.name} is ${Math.max(entry.size, entry.compressedSize)} bytes, more than the ${maxBytes} allowed`, true);
  const local = view(await read(entry.offset, 30));
  if (local.byteLength < 30 || local.getUint32(0, true) !== LOCAL) throw new WheelError(`has no local header where the directory puts ${entry.name}`);
  const dataAt = entry.offset + 30 + local.getUint16(26, true) + local.getUint16(28, true);
  if (dataAt + entry.compressedSize > fileSize) throw new WheelError(`has ${entry.name} running past its end`);
  const data = await read(dataAt, entry.compressedSize);
  if (entry.method === 0) return data;
  if (entry.method !== 8) throw new WheelError(`stores ${entry.name} with compression method ${entry.method} (only stored and deflate are read)`);
  try {
    return inflateRawSync(data, { maxOutputLength: maxBytes });
  } catch (e) {
    const bomb = (e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError;
    throw new WheelError(bomb ? `has a ${entry.name} that inflates to more than ${maxBytes} bytes (a zip bomb?)` : `has a ${entry.name} that does not inflate: ${(e as Error).message}`, bomb);
  }
}

/**
 * The METADATA bytes of a wheel of `fileSize` bytes. `distName` is the name part of its file
 * name. Throws WheelError (tooLarge for a bomb).
 */
export async function readWheelMetadata(read: ReadAt, fileSize: number, distName: string, limits: number | ZipReadOptions): Promise<Uint8Array> {
  return readEntry(read, fileSize, (all) => metadataEntry(all, distName), typeof limits === 'number' ? { maxBytes: limits } : limits);
}

/** The PKG-INFO bytes of a zip sdist. Throws WheelError. */
export async function readZipSdistPkgInfo(read: ReadAt, fileSize: number, maxBytes: number): Promise<Uint8Array> {
  return readEntry(read, fileSize, pkgInfoEntry, { maxBytes });
}
