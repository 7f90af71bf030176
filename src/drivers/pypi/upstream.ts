/**
 * What a pypi mirror reads from its upstream, each failure a FerryError naming the mirror, the
 * project, the file and the URL: project pages (PEP 691 JSON asked first, PEP 503 HTML
 * accepted; redirects followed, relative links resolved against the final URL), the project
 * list, requirements files, and a wheel's core metadata (the PEP 658 `.metadata` file when the
 * page offers one, checked against its hash; else the wheel itself, downloaded into the blob
 * store against the page's sha256, which the mirror keeps anyway, and read from its zip with a bound).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { parseContentRange } from '../../transport/content-range.js';
import { decompressionLimits } from '../../compression/bounded.js';
import { FerryError, isFerryError } from '../../core/ferry-error.js';
import type { DriverContext } from '../types.js';
import type { Candidate } from './choose.js';
import { ACCEPT, PageError, pageFormat, parseProjectList, parseProjectPage, type ProjectPage } from './simple-index.js';
import { readTarPkgInfo, SdistError } from './sdist.js';
import { readWheelMetadata, readZipSdistPkgInfo, WheelError, type ReadAt } from './wheel-zip.js';

/** The largest METADATA read (inflated or fetched): the 8 MiB any index may have (compression/bounded.ts), or the site's index_max_bytes if lower. */
function metadataBound(ctx: Pick<DriverContext, 'desired'>): number {
  return Math.min(8 * 1024 * 1024, decompressionLimits(ctx.desired.site).maxBytes);
}

export interface FetchedPage {
  page: ProjectPage;
  /** sha256 of the page's bytes: a refresh compares it with the last one. */
  digest: string;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** The URL of a project's page: `<index>/<normalized>/`. */
export const projectUrl = (indexUrl: string, normalized: string): string => new URL(`${encodeURIComponent(normalized)}/`, indexUrl).toString();

async function getPage(ctx: DriverContext, url: string, what: { resource: string; project?: string }) {
  const { resource, project } = what;
  const res = await ctx.fetcher.get(url, { signal: ctx.signal, headers: { Accept: ACCEPT }, allowNotFound: true, maxBytes: decompressionLimits(ctx.desired.site).maxBytes });
  if (res.status === 404 || res.status === 410) {
    const message = project ? `${resource}: project ${project} does not exist at ${url} (HTTP ${res.status})` : `${resource}: no simple index at ${url} (HTTP ${res.status})`;
    throw new FerryError('FERRY_UNRESOLVED_DEPENDENCY', message, { resource, project, url, actual: res.status });
  }
  const type = res.headers['content-type'];
  const format = pageFormat(type);
  if (!format) {
    throw new FerryError('FERRY_BAD_INDEX', `${resource}: ${project ? `project ${project}: ` : ''}${res.url} answered ${type ?? 'no Content-Type'}, not a simple index page (PEP 503 HTML or PEP 691 JSON)`, { resource, project, url: res.url, actual: type });
  }
  return { res, format };
}

function pageError(e: unknown, resource: string, project: string | undefined, url: string): never {
  if (e instanceof PageError) {
    throw new FerryError('FERRY_BAD_INDEX', `${resource}: ${project ? `project ${project}: ` : ''}the page at ${url} ${e.message}`, { resource, project, url }, e);
  }
  throw e;
}

export async function fetchProjectPage(ctx: DriverContext, resource: string, indexUrl: string, normalized: string): Promise<FetchedPage> {
  const url = projectUrl(indexUrl, normalized);
  const { res, format } = await getPage(ctx, url, { resource, project: normalized });
  try {
    return { page: parseProjectPage(res.body, res.url, format), digest: sha256(res.body) };
  } catch (e) {
    pageError(e, resource, normalized, res.url);
  }
}

export async function fetchProjectList(ctx: DriverContext, resource: string, indexUrl: string): Promise<{ names: string[]; digest: string }> {
  const { res, format } = await getPage(ctx, indexUrl, { resource });
  try {
    return { names: parseProjectList(res.body, res.url, format), digest: sha256(res.body) };
  } catch (e) {
    pageError(e, resource, undefined, res.url);
  }
}

/** A requirements or constraints file by URL, checked against `sha256` when given. */
export async function fetchText(ctx: DriverContext, resource: string, url: string, expected?: string): Promise<{ text: string; digest: string }> {
  const res = await ctx.fetcher.get(url, { signal: ctx.signal, maxBytes: 4 * 1024 * 1024 });
  const digest = sha256(res.body);
  if (expected && digest !== expected) throw new FerryError('FERRY_DIGEST_MISMATCH', `${resource}: requirements file ${url}`, { resource, url, expected, actual: digest });
  return { text: res.body.toString('utf8'), digest };
}

function checkHashes(bytes: Uint8Array, hashes: Record<string, string>, what: { resource: string; project: string; file: string; url: string }): void {
  for (const [algo, want] of Object.entries(hashes)) {
    let got: string;
    try {
      got = createHash(algo).update(bytes).digest('hex');
    } catch {
      continue;
    }
    if (got !== want) {
      throw new FerryError('FERRY_DIGEST_MISMATCH', `${what.resource}: project ${what.project}: ${what.file}: ${what.url} has ${algo} ${got}, the index says ${want}`, { ...what, expected: `${algo}:${want}`, actual: `${algo}:${got}` });
    }
  }
}

/** Puts a file in the blob store (verified against the page's sha256) unless it is there; its path. */
export async function ensureFile(ctx: DriverContext, c: Candidate, sha: string, what: { resource: string; project: string }): Promise<string> {
  if (!(await ctx.blobs.has(sha))) {
    const dest = ctx.blobs.partialPath(sha);
    try {
      await ctx.fetcher.download(c.file.url, dest, { signal: ctx.signal, sha256: sha, ...(c.file.size !== undefined ? { size: c.file.size } : {}) });
    } catch (e) {
      if (isFerryError(e) && (e.code === 'FERRY_DIGEST_MISMATCH' || e.code === 'FERRY_SIZE_MISMATCH')) {
        throw new FerryError(e.code, `${what.resource}: project ${what.project}: ${c.file.filename}: ${c.file.url} does not match the index (${e.message})`, { ...e.data, ...what, file: c.file.filename, url: c.file.url }, e);
      }
      throw e;
    }
    await ctx.blobs.adopt(dest, sha);
  }
  return ctx.blobs.pathOf(sha);
}

/**
 * A wheel's core metadata bytes: its `.metadata` file when the page offers one (404: as if it
 * did not), else `otherwise()`: for a wheel the mirror keeps, read from the wheel downloaded
 * into the blob store (wheelFromStore); for one it does not, by ranges (rangedWheelMetadata).
 */
export async function wheelMetadata(ctx: DriverContext, resource: string, project: string, c: Candidate, otherwise: () => Promise<Uint8Array>): Promise<Uint8Array> {
  const what = { resource, project, file: c.file.filename };
  if (c.file.coreMetadata !== false) {
    const url = `${c.file.url}.metadata`;
    const res = await ctx.fetcher.get(url, { signal: ctx.signal, allowNotFound: true, maxBytes: metadataBound(ctx) });
    if (res.status !== 404 && res.status !== 410) {
      checkHashes(res.body, c.file.coreMetadata, { ...what, file: `${c.file.filename}.metadata`, url });
      return res.body;
    }
  }
  return otherwise();
}

/** The METADATA of a wheel the mirror keeps: the wheel is downloaded into the blob store (against `sha`) and read there. */
export async function wheelFromStore(ctx: DriverContext, resource: string, project: string, c: Candidate, sha: string): Promise<Uint8Array> {
  const what = { resource, project, file: c.file.filename };
  const path = await ensureFile(ctx, c, sha, what);
  return metadataFromWheelFile(ctx, path, { ...what, url: c.file.url });
}

/** The digests pip accepts in an index besides sha256 (pip's models/link.py), strongest first. */
export const OTHER_DIGESTS = ['sha512', 'sha384', 'sha224', 'sha1', 'md5'] as const;

/**
 * A file the index gives no sha256 for but another digest pip accepts (an old devpi or
 * pypiserver gives md5): downloaded, checked against that digest as given (a mismatch names the
 * project, file, URL and both digests), and stored under the sha256 it has, which the mirror
 * records and serves.
 */
export async function adoptByDigest(ctx: DriverContext, resource: string, project: string, c: Candidate, algo: string, digest: string): Promise<{ sha256: string; size: number }> {
  const what = { resource, project, file: c.file.filename, url: c.file.url };
  const tmp = ctx.blobs.tempPath();
  let got;
  try {
    got = await ctx.fetcher.download(c.file.url, tmp, { signal: ctx.signal, resume: false, ...(c.file.size !== undefined ? { size: c.file.size } : {}) });
    const hash = createHash(algo);
    for await (const chunk of createReadStream(tmp)) hash.update(chunk as Buffer);
    const actual = hash.digest('hex');
    if (actual !== digest) {
      throw new FerryError('FERRY_DIGEST_MISMATCH', `${resource}: project ${project}: ${c.file.filename}: ${c.file.url} has ${algo} ${actual}, the index says ${digest}`, { ...what, expected: `${algo}:${digest}`, actual: `${algo}:${actual}` });
    }
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  await ctx.blobs.adopt(tmp, got.sha256);
  return { sha256: got.sha256, size: got.size };
}

/** The METADATA of a wheel file on disk (in the blob store), read with the bound; errors name project, file and URL. */
export async function metadataFromWheelFile(ctx: Pick<DriverContext, 'desired'>, path: string, what: { resource: string; project: string; file: string; url: string }): Promise<Uint8Array> {
  const max = metadataBound(ctx);
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const read = async (offset: number, length: number) => {
      const buf = Buffer.alloc(length);
      const { bytesRead } = await fh.read(buf, 0, length, offset);
      return buf.subarray(0, bytesRead);
    };
    return await readWheelMetadata(read, size, what.file.split('-')[0], max);
  } catch (e) {
    if (e instanceof WheelError) {
      const code = e.tooLarge ? 'FERRY_INDEX_TOO_LARGE' : 'FERRY_BAD_INDEX';
      throw new FerryError(code, `${what.resource}: project ${what.project}: wheel ${what.file} from ${what.url} ${e.message}; refused`, { ...what, ...(e.tooLarge ? { expected: max } : {}) }, e);
    }
    throw e;
  } finally {
    await fh.close();
  }
}

/**
 * The first ranged request: the zip's tail, where its end record (found within its last 64 KiB +
 * 42 bytes, the longest comment), its central directory and, in a wheel, the .dist-info files are.
 */
export const TAIL_BYTES = 72 * 1024;
/** The largest answer to one ranged request (a 200 to a range is taken as the whole file up to this). */
const RANGE_MAX_BYTES = 1 << 20;
/** The largest central directory read by ranges. */
const MAX_RANGED_DIRECTORY = 16 << 20;

/** The upstream does not answer ranges usably: the caller reads the whole file. */
class RangeUnusable extends Error {}

/**
 * A wheel's METADATA by HTTP range requests (PEP 658 not offered, and the mirror does not keep
 * the wheel): the last 72 KiB (the zip's central directory and, as wheels put `.dist-info` last,
 * usually METADATA itself), then whatever the directory points at that this did not hold. A
 * server that answers the first range with 200 sent the whole file: small enough (1 MiB), it is
 * checked against the index's hashes and read; larger (refused from its Content-Length, before
 * its body), or a range answered wrong, the whole wheel is downloaded into the blob store
 * against its sha256 instead. Bounds as for a downloaded wheel. Resolves with the bytes and the
 * body bytes the requests carried.
 */
export async function rangedWheelMetadata(ctx: DriverContext, resource: string, project: string, c: Candidate, whole: () => Promise<string>): Promise<{ bytes: Uint8Array; ranged: boolean }> {
  const what = { resource, project, file: c.file.filename, url: c.file.url };
  const max = metadataBound(ctx);
  const chunks: Array<{ start: number; bytes: Uint8Array }> = [];
  const get = (range: string, length = 0) => ctx.fetcher.get(c.file.url, { signal: ctx.signal, headers: { Range: range }, maxBytes: Math.max(RANGE_MAX_BYTES, length) });
  let size: number;
  let all: Uint8Array | undefined;
  const wholeWheelMetadata = async () => metadataFromWheelFile(ctx, await whole(), what);
  try {
    const first = await get(`bytes=-${TAIL_BYTES}`);
    if (first.status === 200) all = first.body;
    else {
      const cr = parseContentRange(first.headers['content-range']);
      if (first.status !== 206 || !cr || cr.unsatisfied || cr.total === undefined || cr.end !== cr.total - 1 || first.body.length !== cr.end - cr.start + 1) throw new RangeUnusable();
      if (c.file.size !== undefined && cr.total !== c.file.size) throw new RangeUnusable();
      size = cr.total;
      chunks.push({ start: cr.start, bytes: first.body });
    }
  } catch (e) {
    if (e instanceof RangeUnusable || (isFerryError(e) && e.code === 'FERRY_SIZE_MISMATCH')) return { bytes: await wholeWheelMetadata(), ranged: false };
    throw e;
  }
  if (all) {
    checkHashes(all, c.file.hashes, what);
    const data = all;
    return { bytes: await zipMetadata(async (offset, length) => data.subarray(offset, offset + length), data.length, what, { maxBytes: max }), ranged: false };
  }
  const read: ReadAt = async (offset, length) => {
    if (length === 0) return new Uint8Array(0);
    const hit = chunks.find((ch) => offset >= ch.start && offset + length <= ch.start + ch.bytes.length);
    if (hit) return hit.bytes.subarray(offset - hit.start, offset - hit.start + length);
    const end = Math.min(offset + length, size) - 1;
    const res = await get(`bytes=${offset}-${end}`, end - offset + 1);
    const cr = parseContentRange(res.headers['content-range']);
    if (res.status !== 206 || !cr || cr.unsatisfied || cr.start !== offset || res.body.length !== end - offset + 1) throw new RangeUnusable();
    chunks.push({ start: offset, bytes: res.body });
    return res.body;
  };
  try {
    return { bytes: await zipMetadata(read, size!, what, { maxBytes: max, maxDirectoryBytes: MAX_RANGED_DIRECTORY }), ranged: true };
  } catch (e) {
    if (e instanceof RangeUnusable || (isFerryError(e) && e.code === 'FERRY_SIZE_MISMATCH' && !(e.cause instanceof WheelError))) return { bytes: await wholeWheelMetadata(), ranged: false };
    throw e;
  }
}

/** readWheelMetadata with errors naming the project, file and URL. */
async function zipMetadata(read: ReadAt, size: number, what: { resource: string; project: string; file: string; url: string }, limits: { maxBytes: number; maxDirectoryBytes?: number }): Promise<Uint8Array> {
  try {
    return await readWheelMetadata(read, size, what.file.split('-')[0], limits);
  } catch (e) {
    if (e instanceof WheelError) {
      const code = e.tooLarge ? 'FERRY_INDEX_TOO_LARGE' : 'FERRY_BAD_INDEX';
      throw new FerryError(code, `${what.resource}: project ${what.project}: wheel ${what.file} from ${what.url} ${e.message}; refused`, { ...what, ...(e.tooLarge ? { expected: limits.maxBytes } : {}) }, e);
    }
    throw e;
  }
}

/** How much of an sdist's tar stream is read looking for its PKG-INFO. */
const SDIST_SCAN_BYTES = 256 << 20;

/**
 * An sdist's PKG-INFO (`.tar.gz`, `.tgz` or `.zip`): the sdist is downloaded into the blob store
 * against the index's sha256 (the mirror keeps it), then its top-level PKG-INFO is read, bounded.
 */
export async function sdistPkgInfo(ctx: DriverContext, resource: string, project: string, c: Candidate, sha: string): Promise<Uint8Array> {
  const what = { resource, project, file: c.file.filename, url: c.file.url };
  const max = metadataBound(ctx);
  const path = await ensureFile(ctx, c, sha, what);
  try {
    if (/\.zip$/i.test(c.file.filename)) {
      const fh = await open(path, 'r');
      try {
        const size = (await fh.stat()).size;
        return await readZipSdistPkgInfo(async (offset, length) => {
          const buf = Buffer.alloc(length);
          const { bytesRead } = await fh.read(buf, 0, length, offset);
          return buf.subarray(0, bytesRead);
        }, size, max);
      } finally {
        await fh.close();
      }
    }
    if (!/\.(tar\.gz|tgz)$/i.test(c.file.filename)) throw new SdistError('is neither .tar.gz nor .zip (the formats PEP 625 and its predecessors allow and Ferry reads)');
    const gunzip = createGunzip();
    const stream = createReadStream(path).pipe(gunzip);
    try {
      return await readTarPkgInfo(stream, { maxBytes: max, maxScan: SDIST_SCAN_BYTES });
    } catch (e) {
      if (e instanceof SdistError) throw e;
      throw new SdistError(`does not decompress: ${(e as Error).message}`);
    } finally {
      stream.destroy();
    }
  } catch (e) {
    if (e instanceof SdistError || e instanceof WheelError) {
      const code = e.tooLarge ? 'FERRY_INDEX_TOO_LARGE' : 'FERRY_BAD_INDEX';
      throw new FerryError(code, `${resource}: project ${project}: sdist ${c.file.filename} from ${c.file.url} ${e.message}`, { ...what }, e);
    }
    throw e;
  }
}
