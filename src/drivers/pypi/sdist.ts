/**
 * An sdist's core metadata: `<name>-<version>/PKG-INFO` (the source distribution format spec,
 * https://packaging.python.org/en/latest/specifications/source-distribution-format/), read from
 * a `.tar.gz` as a stream of tar records (POSIX ustar headers, the `prefix` field, GNU `L` long
 * names and pax `path` records), stopping at the first top-level PKG-INFO; and whether its
 * Requires-Dist can be trusted without building (PEP 643: Metadata-Version 2.2 or later and
 * Requires-Dist not listed as Dynamic). Bounded: at most `maxScan` bytes of tar are read and a
 * PKG-INFO larger than `maxBytes` is refused. Pure but for the stream it is given.
 */

/** An sdist that cannot be read; the caller names the project, file and URL. */
export class SdistError extends Error {
  constructor(
    message: string,
    readonly tooLarge = false,
  ) {
    super(message);
  }
}

const BLOCK = 512;

const field = (h: Uint8Array, at: number, len: number): string => {
  const raw = h.subarray(at, at + len);
  const nul = raw.indexOf(0);
  return new TextDecoder().decode(nul < 0 ? raw : raw.subarray(0, nul));
};

function octal(h: Uint8Array, at: number, len: number): number {
  // GNU base-256 for sizes over 8 GiB: refused (no PKG-INFO is that large, nor skipped past).
  if (h[at] & 0x80) throw new SdistError('has a tar entry with a base-256 size');
  const text = field(h, at, len).trim();
  if (!/^[0-7]*$/.test(text)) throw new SdistError('is not a tar archive (a header with a bad size)');
  return text === '' ? 0 : parseInt(text, 8);
}

/** pax extended header records (`<len> key=value\n`): the `path` one, if any. */
function paxPath(data: Uint8Array): string | undefined {
  const text = new TextDecoder().decode(data);
  for (const m of text.matchAll(/(\d+) path=([^\n]*)\n/g)) return m[2];
  return undefined;
}

/** Reads exactly the next `n` bytes from a chunk stream (an async iterator), or fewer at its end. */
class Reader {
  private buf: Uint8Array = new Uint8Array(0);
  consumed = 0;
  constructor(private readonly it: AsyncIterator<Uint8Array>) {}

  async take(n: number): Promise<Uint8Array> {
    while (this.buf.length < n) {
      const next = await this.it.next();
      if (next.done) break;
      const joined = new Uint8Array(this.buf.length + next.value.length);
      joined.set(this.buf);
      joined.set(next.value, this.buf.length);
      this.buf = joined;
    }
    const out = this.buf.subarray(0, Math.min(n, this.buf.length));
    this.buf = this.buf.subarray(out.length);
    this.consumed += out.length;
    return out;
  }

  /** Skips `n` bytes without keeping them (whole chunks are dropped, not copied). */
  async skip(n: number): Promise<void> {
    let left = n;
    const fromBuf = Math.min(left, this.buf.length);
    this.buf = this.buf.subarray(fromBuf);
    this.consumed += fromBuf;
    left -= fromBuf;
    while (left > 0) {
      const next = await this.it.next();
      if (next.done) throw new SdistError('ends inside a tar entry');
      const used = Math.min(left, next.value.length);
      this.buf = next.value.subarray(used);
      this.consumed += used;
      left -= used;
    }
  }
}

const padded = (n: number) => Math.ceil(n / BLOCK) * BLOCK;

/** The top-level PKG-INFO of a tar stream (already decompressed). Throws SdistError. */
export async function readTarPkgInfo(tar: AsyncIterable<Uint8Array>, limits: { maxBytes: number; maxScan: number }): Promise<Uint8Array> {
  const r = new Reader(tar[Symbol.asyncIterator]());
  let longName: string | undefined;
  for (;;) {
    if (r.consumed > limits.maxScan) throw new SdistError(`has no top-level PKG-INFO in its first ${limits.maxScan} bytes`, true);
    const h = await r.take(BLOCK);
    if (h.length < BLOCK || h.every((b) => b === 0)) throw new SdistError('has no <name>-<version>/PKG-INFO');
    const magic = field(h, 257, 6);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
    if (sum !== octal(h, 148, 8)) throw new SdistError('is not a tar archive (a header checksum does not match)');
    const size = octal(h, 124, 12);
    const type = String.fromCharCode(h[156] || 48);
    const prefix = magic.startsWith('ustar') ? field(h, 345, 155) : '';
    let name = longName ?? (prefix ? `${prefix}/${field(h, 0, 100)}` : field(h, 0, 100));
    longName = undefined;
    if (type === 'L' || type === 'x') {
      if (size > 64 * 1024) throw new SdistError('has a tar name record over 64 KiB', true);
      const data = await r.take(padded(size));
      longName = type === 'L' ? field(data, 0, size) : paxPath(data.subarray(0, size));
      continue;
    }
    name = name.replace(/^\.\//, '');
    if ((type === '0' || type === '7') && /^[^/]+\/PKG-INFO$/.test(name)) {
      if (size > limits.maxBytes) throw new SdistError(`says its ${name} is ${size} bytes, more than the ${limits.maxBytes} allowed`, true);
      const data = await r.take(padded(size));
      if (data.length < size) throw new SdistError(`ends inside ${name}`);
      return data.slice(0, size);
    }
    if (r.consumed + padded(size) > limits.maxScan) throw new SdistError(`has no top-level PKG-INFO in its first ${limits.maxScan} bytes`, true);
    await r.skip(padded(size));
  }
}

/** PEP 643: whether an sdist's PKG-INFO may be trusted for Requires-Dist, or why not. */
export function sdistRequiresDistTrusted(headers: { metadataVersion?: string; dynamic: string[] }): true | string {
  const v = /^(\d+)\.(\d+)/.exec(headers.metadataVersion ?? '');
  if (!v) return 'its PKG-INFO has no Metadata-Version';
  const [major, minor] = [Number(v[1]), Number(v[2])];
  if (major < 2 || (major === 2 && minor < 2)) return `its PKG-INFO is Metadata-Version ${headers.metadataVersion}, before 2.2 (PEP 643): its Requires-Dist may change when it is built`;
  if (headers.dynamic.some((d) => d.toLowerCase() === 'requires-dist')) return 'its PKG-INFO marks Requires-Dist as Dynamic (PEP 643): known only once it is built';
  return true;
}
