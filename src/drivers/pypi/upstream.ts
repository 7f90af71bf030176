/**
 * What a pypi mirror reads from its upstream, each failure a FerryError naming the mirror, the
 * project, the file and the URL: project pages (PEP 691 JSON asked first, PEP 503 HTML
 * accepted; redirects followed, relative links resolved against the final URL), the project
 * list, requirements files, and a wheel's core metadata (the PEP 658 `.metadata` file when the
 * page offers one, checked against its hash; else the wheel itself, downloaded into the blob
 * store against the page's sha256, which the mirror keeps anyway, and read from its zip with a bound).
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { decompressionLimits } from '../../compression/bounded.js';
import { FerryError, isFerryError } from '../../core/ferry-error.js';
import type { DriverContext } from '../types.js';
import type { Candidate } from './choose.js';
import { ACCEPT, PageError, pageFormat, parseProjectList, parseProjectPage, type ProjectPage } from './simple-index.js';
import { readWheelMetadata, WheelError } from './wheel-zip.js';

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

/** Puts a wheel in the blob store (verified against the page's sha256) unless it is there. */
async function ensureWheel(ctx: DriverContext, c: Candidate, sha: string, what: { resource: string; project: string }): Promise<string> {
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
 * A wheel's core metadata bytes: its `.metadata` file when the page offers one (404: the
 * wheel after all), else read from the wheel in the blob store.
 */
export async function wheelMetadata(ctx: DriverContext, resource: string, project: string, c: Candidate, sha: string): Promise<Uint8Array> {
  const what = { resource, project, file: c.file.filename };
  if (c.file.coreMetadata !== false) {
    const url = `${c.file.url}.metadata`;
    const res = await ctx.fetcher.get(url, { signal: ctx.signal, allowNotFound: true, maxBytes: metadataBound(ctx) });
    if (res.status !== 404 && res.status !== 410) {
      checkHashes(res.body, c.file.coreMetadata, { ...what, file: `${c.file.filename}.metadata`, url });
      return res.body;
    }
  }
  const path = await ensureWheel(ctx, c, sha, what);
  return metadataFromWheelFile(ctx, path, { ...what, url: c.file.url });
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
