/**
 * Reads one upstream index (Packages or Sources) from a verified blob as a stream: decompress,
 * split into stanzas, hand each to `onStanza`, and check the decompressed bytes against the
 * digest Release gives for the uncompressed file when it lists one. Errors name the index URL,
 * the line and the field.
 */
import { createHash } from 'node:crypto';
import { FerryError } from '../../core/ferry-error.js';
import { StanzaSyntaxError } from './format/control.js';
import { readDecompressed, type Compression } from '../../compression/compression.js';
import { readBoundedIndex, type DecompressionLimits } from '../../compression/bounded.js';
import { forEachStanza } from './format/stanza-stream.js';

export interface ReadIndexOptions {
  path: string;
  compression: Compression;
  /** Upstream URL of the index (for messages). */
  url: string;
  resource: string;
  /** sha256 and size of the uncompressed index, if Release lists them. */
  plainSha256?: string;
  plainSize?: number;
  /** Bounds on what the index may decompress to (src/compression/bounded.ts). */
  limits?: DecompressionLimits;
  signal?: AbortSignal;
  /** Called with each stanza's text; throws StanzaSyntaxError or an error with a `field`. */
  onStanza: (text: string, ordinal: number, line: number) => void;
}

async function* hashing(source: AsyncIterable<Buffer>, hash: ReturnType<typeof createHash>): AsyncGenerator<Buffer> {
  for await (const c of source) {
    hash.update(c);
    yield c;
  }
}

/** Streams the index through `onStanza`; returns the stanza count. */
export async function readIndex(o: ReadIndexOptions): Promise<number> {
  const hash = createHash('sha256');
  let count = 0;
  const chunks = readBoundedIndex(o.path, { resource: o.resource, url: o.url, compression: o.compression, expectedSize: o.plainSize, limits: o.limits }, o.signal);
  await forEachStanza(hashing(chunks, hash), (raw) => {
    try {
      o.onStanza(raw.text, raw.ordinal, raw.line);
    } catch (e) {
      if (e instanceof FerryError) throw e;
      const line = e instanceof StanzaSyntaxError ? e.line : raw.line;
      const field = (e as { field?: string }).field;
      const where = e instanceof StanzaSyntaxError ? `line ${line}` : `stanza at line ${line}`;
      throw new FerryError('FERRY_BAD_INDEX', `${o.resource}: ${o.url}: ${where}: ${(e as Error).message}`, { resource: o.resource, url: o.url, line, field }, e);
    }
    count++;
  });
  const actual = hash.digest('hex');
  if (o.plainSha256 && actual !== o.plainSha256) {
    throw new FerryError('FERRY_DIGEST_MISMATCH', `${o.resource}: ${o.url}: uncompressed content does not match Release SHA256`, { resource: o.resource, url: o.url, expected: o.plainSha256, actual, field: 'SHA256' });
  }
  return count;
}

/** The text of the stanzas at the given ordinals (distinct), in the order asked, in one pass. */
export async function extractStanzas(path: string, compression: Compression, ordinals: number[], signal?: AbortSignal): Promise<string[]> {
  const want = new Map<number, number>();
  ordinals.forEach((o, i) => want.set(o, i));
  const out: string[] = new Array<string>(ordinals.length);
  let left = ordinals.length;
  let last = -1;
  for (const o of ordinals) last = Math.max(last, o);
  if (left === 0) return out;
  await forEachStanza(readDecompressed(path, compression, signal), (raw) => {
    const i = want.get(raw.ordinal);
    if (i !== undefined) {
      out[i] = raw.text;
      left--;
    }
    return left > 0 && raw.ordinal < last;
  });
  if (left > 0) throw new FerryError('FERRY_STORE_CORRUPT', `index ${path} is shorter than when it was read`, { file: path });
  return out;
}
