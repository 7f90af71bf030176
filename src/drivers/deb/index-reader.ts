/**
 * Reads one upstream index (Packages or Sources) from a verified blob as a stream: decompress,
 * split into stanzas, hand each to `onStanza`, and check the decompressed bytes against the
 * digest Release gives for the uncompressed file when it lists one. Errors name the index URL,
 * the line and the field.
 */
import { createHash } from 'node:crypto';
import { FerryError } from '../../core/ferry-error.js';
import { parseStanzaFields, StanzaSyntaxError, type StanzaField } from './control.js';
import { readDecompressed, type Compression } from './compression.js';
import { splitStanzas } from './stanza-stream.js';

export interface ReadIndexOptions {
  path: string;
  compression: Compression;
  /** Upstream URL of the index (for messages). */
  url: string;
  resource: string;
  /** sha256 of the uncompressed index, if Release lists it. */
  plainSha256?: string;
  signal?: AbortSignal;
  onStanza(fields: StanzaField[], offset: number, length: number, line: number): void;
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
  for await (const raw of splitStanzas(hashing(readDecompressed(o.path, o.compression, o.signal), hash))) {
    let fields: StanzaField[];
    try {
      fields = parseStanzaFields(raw.text, raw.line);
    } catch (e) {
      const line = e instanceof StanzaSyntaxError ? e.line : raw.line;
      throw new FerryError('FERRY_BAD_INDEX', `${o.resource}: ${o.url}: line ${line}: ${(e as Error).message}`, { resource: o.resource, url: o.url, line }, e);
    }
    try {
      o.onStanza(fields, raw.offset, raw.length, raw.line);
    } catch (e) {
      if (e instanceof FerryError) throw e;
      const field = (e as { field?: string }).field;
      throw new FerryError('FERRY_BAD_INDEX', `${o.resource}: ${o.url}: stanza at line ${raw.line}: ${(e as Error).message}`, { resource: o.resource, url: o.url, line: raw.line, field }, e);
    }
    count++;
  }
  const actual = hash.digest('hex');
  if (o.plainSha256 && actual !== o.plainSha256) {
    throw new FerryError('FERRY_DIGEST_MISMATCH', `${o.resource}: ${o.url}: uncompressed content does not match Release SHA256`, { resource: o.resource, url: o.url, expected: o.plainSha256, actual, field: 'SHA256' });
  }
  return count;
}

/** Copies the given byte ranges (distinct, non-overlapping) out of an index, as strings, in one pass. */
export async function extractStanzas(path: string, compression: Compression, ranges: Array<{ offset: number; length: number }>, signal?: AbortSignal): Promise<string[]> {
  const out: string[] = new Array<string>(ranges.length);
  const order = ranges.map((_r, i) => i).sort((a, b) => ranges[a].offset - ranges[b].offset);
  let k = 0;
  let pos = 0;
  let pending: Buffer[] = [];
  for await (const chunk of readDecompressed(path, compression, signal)) {
    const cstart = pos;
    const cend = pos + chunk.length;
    while (k < order.length) {
      const r = ranges[order[k]];
      const end = r.offset + r.length;
      if (r.offset >= cend) break;
      pending.push(chunk.subarray(Math.max(r.offset, cstart) - cstart, Math.min(end, cend) - cstart));
      if (end > cend) break;
      out[order[k]] = (pending.length === 1 ? pending[0] : Buffer.concat(pending)).toString('utf8');
      pending = [];
      k++;
    }
    pos = cend;
    if (k >= order.length) break;
  }
  if (k < order.length) throw new FerryError('FERRY_STORE_CORRUPT', `index ${path} is shorter than when it was read`, { file: path });
  return out;
}
