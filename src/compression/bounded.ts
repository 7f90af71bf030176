/**
 * Bounded decompression of upstream indexes (issue 11, defect 3): a signed but compromised
 * upstream can serve an index of a few hundred KB that expands to gigabytes (4 million
 * stanzas; 1 GiB of NULs). Every index a driver reads goes through here, so the bound holds for
 * every format: deb Packages/Sources today, and any kind that reads an index later (rpm
 * repodata, PyPI JSON/HTML, OCI manifests) calls `readBoundedIndex` (a file in the blob store)
 * or `boundedText` (bytes in memory) instead of decompressing on its own.
 *
 * Three bounds, each a site setting (`site.limits`, schemas/ferry.schema.json):
 * - the decompressed size: at most `index_expansion` times the compressed size (default 30;
 *   Debian's Packages indexes expand 4-7x) or 8 MiB, whichever is larger, never more than
 *   `index_max_bytes` (default 2 GiB),
 *   and never more than the uncompressed size Release lists, when it lists one;
 * - the length of one line: `index_line_bytes` (default 1 MiB; the longest lines of Debian's
 *   indexes are a few KB);
 * - the work stops at the first byte past a bound: the xz process is killed, nothing more is read.
 *
 * Errors are FERRY_INDEX_TOO_LARGE naming the mirror, the URL, the bound and how it is set.
 */
import { stat } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { FerryError } from '../core/ferry-error.js';
import { readDecompressed, type Compression } from './compression.js';

export interface DecompressionLimits {
  /** Decompressed bytes per compressed byte. */
  expansion: number;
  /** Decompressed bytes, whatever the compressed size. */
  maxBytes: number;
  /** Bytes between two newlines. */
  lineBytes: number;
}

/** Any index may decompress to this much whatever its ratio (a tiny index compresses well). */
const MIN_BOUND = 8 * 1024 * 1024;

export const DEFAULT_DECOMPRESSION_LIMITS: DecompressionLimits = { expansion: 30, maxBytes: 2 * 1024 ** 3, lineBytes: 1024 * 1024 };

/** The limits of a site (`site.limits` of the desired state), defaults for what it leaves out. */
export function decompressionLimits(site: Record<string, unknown> | undefined): DecompressionLimits {
  const l = (site?.limits ?? {}) as { index_expansion?: number; index_max_bytes?: number; index_line_bytes?: number };
  const d = DEFAULT_DECOMPRESSION_LIMITS;
  return { expansion: l.index_expansion ?? d.expansion, maxBytes: l.index_max_bytes ?? d.maxBytes, lineBytes: l.index_line_bytes ?? d.lineBytes };
}

export interface BoundedSource {
  /** The mirror (resource id) and the upstream URL, for the error. */
  resource: string;
  url: string;
  compression: Compression;
  /** Size of the compressed bytes. */
  compressedSize: number;
  /** The uncompressed size the signed index lists (Release), when known. */
  expectedSize?: number;
  limits?: DecompressionLimits;
  /** A line-based format (the default): bound the line length. JSON may be one long line. */
  lines?: boolean;
}

/** The bound on decompressed bytes for `src`, and how it was set (for the message). */
function sizeBound(src: BoundedSource): { max: number; why: string } {
  const l = src.limits ?? DEFAULT_DECOMPRESSION_LIMITS;
  let max = l.maxBytes;
  let why = `site.limits.index_max_bytes (${l.maxBytes})`;
  if (src.compression !== '') {
    // Small indexes compress better than large ones: below MIN_BOUND the ratio is not applied.
    const rel = Math.max(src.compressedSize * l.expansion, MIN_BOUND);
    if (rel < max) {
      max = rel;
      why = rel === MIN_BOUND ? 'the 8 MiB any index may have' : `${l.expansion}x its compressed ${src.compressedSize} bytes (site.limits.index_expansion)`;
    }
  }
  if (src.expectedSize !== undefined && src.expectedSize < max) {
    max = src.expectedSize;
    why = `the ${src.expectedSize} bytes its signed index lists`;
  }
  return { max, why };
}

function tooLarge(src: BoundedSource, what: string, data: Record<string, unknown>): FerryError {
  return new FerryError('FERRY_INDEX_TOO_LARGE', `${src.resource}: ${src.url}: ${what}; refused (a decompression bomb?)`, { resource: src.resource, url: src.url, ...data });
}

/**
 * Checks a stream of decompressed chunks against the bounds of `src`, passing them on; throws at
 * the first byte past one. Ending the iteration early ends the source (and its xz process).
 */
export async function* bounded(chunks: AsyncIterable<Buffer>, src: BoundedSource): AsyncGenerator<Buffer> {
  const { max, why } = sizeBound(src);
  const lineMax = (src.limits ?? DEFAULT_DECOMPRESSION_LIMITS).lineBytes;
  const checkLines = src.lines !== false;
  let total = 0;
  let line = 0;
  for await (const chunk of chunks) {
    total += chunk.length;
    if (total > max) throw tooLarge(src, `decompresses to more than ${max} bytes, ${why}`, { expected: max, actual: `>${max}` });
    if (checkLines) {
      let from = 0;
      for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, from)) {
        if (line + nl - from > lineMax) break;
        line = 0;
        from = nl + 1;
      }
      line += chunk.length - from;
    }
    if (line > lineMax) throw tooLarge(src, `has a line longer than ${lineMax} bytes (site.limits.index_line_bytes)`, { expected: lineMax, actual: `>${lineMax}` });
    yield chunk;
  }
}

/** The decompressed chunks of an index blob at `path`, within the bounds of `src`. */
export async function* readBoundedIndex(path: string, src: Omit<BoundedSource, 'compressedSize'> & { compressedSize?: number }, signal?: AbortSignal): AsyncGenerator<Buffer> {
  const compressedSize = src.compressedSize ?? (await stat(path)).size;
  yield* bounded(readDecompressed(path, src.compression, signal), { ...src, compressedSize });
}

/**
 * An index held in memory (a JSON document, an HTML page, a manifest; gzip or plain) as text,
 * within the same bounds. For kinds whose indexes are small enough to read whole.
 */
export function boundedText(bytes: Uint8Array, src: Omit<BoundedSource, 'compressedSize' | 'compression'> & { compression: '' | 'gz' }): string {
  const full: BoundedSource = { ...src, compressedSize: bytes.length };
  const { max, why } = sizeBound(full);
  let plain: Buffer;
  try {
    plain = src.compression === 'gz' ? gunzipSync(bytes, { maxOutputLength: max + 1 }) : Buffer.from(bytes);
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(full, `decompresses to more than ${max} bytes, ${why}`, { expected: max });
    throw new FerryError('FERRY_BAD_INDEX', `${src.resource}: ${src.url}: cannot decompress: ${(e as Error).message}`, { resource: src.resource, url: src.url }, e);
  }
  if (plain.length > max) throw tooLarge(full, `decompresses to more than ${max} bytes, ${why}`, { expected: max, actual: plain.length });
  const lineMax = (src.limits ?? DEFAULT_DECOMPRESSION_LIMITS).lineBytes;
  for (let from = 0; src.lines !== false && from < plain.length; ) {
    const nl = plain.indexOf(10, from);
    const end = nl < 0 ? plain.length : nl;
    if (end - from > lineMax) throw tooLarge(full, `has a line longer than ${lineMax} bytes (site.limits.index_line_bytes)`, { expected: lineMax });
    from = end + 1;
  }
  return plain.toString('utf8');
}
