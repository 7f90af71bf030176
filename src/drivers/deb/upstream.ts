/**
 * Reading a deb upstream (wiki.debian.org/DebianRepository/Format): the signed Release of each
 * suite (InRelease, else Release + Release.gpg), asked conditionally on a refresh, then the
 * indexes it lists, downloaded into the blob store and verified against Release's SHA256 (by
 * hash when the upstream offers Acquire-By-Hash). I/O goes through ctx.fetcher and ctx.blobs.
 */
import { readFile } from 'node:fs/promises';
import { FerryError, isFerryError } from '../../core/ferry-error.js';
import { redactUrl } from '../../core/redact.js';
import type { DriverContext } from '../types.js';
import { parseRelease, ReleaseSyntaxError, type ReleaseEntry, type ReleaseFile } from './format/release.js';
import { verifyRelease } from '../../pgp/signing.js';

export interface SuiteState {
  etag?: string;
  lastModified?: string;
  /** sha256 of the verified Release text, stored as a blob. */
  release: string;
  signedBy: 'InRelease' | 'Release.gpg';
}

export interface UpstreamState {
  url: string;
  suites: Record<string, SuiteState>;
  /** Armored keys of the spec's key_ids, by fingerprint, as verified (trusted-keys.ts). */
  keys?: Record<string, string>;
  /** Digest of the key configuration the Releases were verified with (a change verifies again). */
  trust?: string;
}

export interface FetchedSuite {
  suite: string;
  /** URL of the directory holding Release (no trailing slash). */
  base: string;
  release: ReleaseFile;
  state: SuiteState;
  /** True when the Release text is the one the previous state recorded. */
  unchanged: boolean;
  requests: number;
}

export function suiteBase(url: string, suite: string, flat: boolean): string {
  if (flat) return suite ? `${url}/${suite}` : url;
  return `${url}/dists/${suite}`;
}

function withResource(e: unknown, resource: string): unknown {
  if (isFerryError(e) && !e.data.resource) return new FerryError(e.code, `${resource}: ${e.message}`, { ...e.data, resource }, e.cause ?? e);
  return e;
}

function parseReleaseText(text: string, url: string, resource: string): ReleaseFile {
  try {
    return parseRelease(text);
  } catch (e) {
    const field = e instanceof ReleaseSyntaxError ? e.field : undefined;
    throw new FerryError('FERRY_BAD_INDEX', `${resource}: ${redactUrl(url)}: ${(e as Error).message}`, { resource, url: redactUrl(url), field }, e);
  }
}

export interface FetchSuiteOptions {
  url: string;
  suite: string;
  flat: boolean;
  /** Armored keys, asked for only when a signature has to be checked. */
  keys: () => Promise<string[]>;
  /**
   * When no key verifies: the keys again, fetched afresh (key_ids recorded by an earlier
   * snapshot may have been extended or replaced upstream since); undefined when that cannot help.
   */
  freshKeys?: () => Promise<string[] | undefined>;
  /** Verify upstream's signature again even if the Release is unchanged (the trusted keys changed). */
  verifyAgain?: boolean;
  resource: string;
  previous?: SuiteState;
  /** Use the previous Release without asking upstream (no refresh asked, same spec). */
  offline: boolean;
}

/**
 * What upstream says about one suite's Release: whether it is the one the previous state
 * recorded (asked conditionally; not asked at all when `offline`), and the verified, parsed
 * Release on demand. A Release upstream answered 304 for is read from the store and parsed only
 * when `fetched()` is called, so that an unchanged mirror costs one request and nothing more.
 */
export interface SuiteCheck {
  suite: string;
  base: string;
  state: SuiteState;
  /** True when the Release text is the one the previous state recorded. */
  unchanged: boolean;
  requests: number;
  fetched(): Promise<FetchedSuite>;
}

/** Asks upstream for one suite's Release (conditionally), verifies a new one and stores it. */
export async function checkSuite(ctx: DriverContext, o: FetchSuiteOptions): Promise<SuiteCheck> {
  const base = suiteBase(o.url, o.suite, o.flat);
  // Verifying again means reading the signed file again: no conditional request.
  const prev = !o.verifyAgain && o.previous && (await ctx.blobs.has(o.previous.release)) ? o.previous : undefined;
  const stored = (state: SuiteState, requests: number): SuiteCheck => {
    let parsed: Promise<FetchedSuite> | undefined;
    const fetched = () =>
      (parsed ??= readFile(ctx.blobs.pathOf(state.release), 'utf8').then((text) => ({
        suite: o.suite,
        base,
        release: parseReleaseText(text, `${base}/Release`, o.resource),
        state,
        unchanged: true,
        requests,
      })));
    return { suite: o.suite, base, state, unchanged: true, requests, fetched };
  };
  if (prev && o.offline) return stored(prev, 0);
  let requests = 0;
  try {
    requests++;
    const inRel = await ctx.fetcher.get(`${base}/InRelease`, { signal: ctx.signal, allowNotFound: true, etag: prev?.etag, lastModified: prev?.lastModified });
    if (inRel.notModified && prev) return stored(prev, requests);
    let verified: { text: string };
    let signedBy: SuiteState['signedBy'];
    let etag = inRel.etag;
    let lastModified = inRel.lastModified;
    if (inRel.status === 404 || inRel.status === 410) {
      requests += 2;
      const rel = await ctx.fetcher.get(`${base}/Release`, { signal: ctx.signal });
      const gpg = await ctx.fetcher.get(`${base}/Release.gpg`, { signal: ctx.signal, allowNotFound: true });
      verified = await verifyWithKeys(o, (keys) => verifyRelease({ release: rel.body, releaseGpg: gpg.status === 200 ? gpg.body : undefined, keys, url: redactUrl(`${base}/Release.gpg`), resource: o.resource }));
      signedBy = 'Release.gpg';
      etag = rel.etag;
      lastModified = rel.lastModified;
    } else {
      verified = await verifyWithKeys(o, (keys) => verifyRelease({ inRelease: inRel.body, keys, url: redactUrl(`${base}/InRelease`), resource: o.resource }));
      signedBy = 'InRelease';
    }
    const release = parseReleaseText(verified.text, `${base}/${signedBy === 'InRelease' ? 'InRelease' : 'Release'}`, o.resource);
    if (release.validUntil && release.validUntil.getTime() < Date.now()) {
      // apt would refuse it; an offline site may still want what it was told to mirror.
      ctx.logger.warn('deb: upstream Release has expired (Valid-Until)', { resource: o.resource, url: redactUrl(`${base}/Release`), validUntil: release.validUntil.toISOString() });
    }
    const { sha256 } = await ctx.blobs.putBytes(Buffer.from(verified.text, 'utf8'));
    const state: SuiteState = { release: sha256, signedBy, etag, lastModified };
    const result: FetchedSuite = { suite: o.suite, base, release, state, unchanged: o.previous?.release === sha256, requests };
    return { suite: o.suite, base, state, unchanged: result.unchanged, requests, fetched: () => Promise.resolve(result) };
  } catch (e) {
    throw withResource(e, o.resource);
  }
}

/** Verifies with the keys, and once more with fresh keys when none verified and fresh ones may help. */
async function verifyWithKeys<T>(o: FetchSuiteOptions, verify: (keys: string[]) => Promise<T>): Promise<T> {
  try {
    return await verify(await o.keys());
  } catch (e) {
    if (!isFerryError(e) || e.code !== 'FERRY_BAD_SIGNATURE' || !o.freshKeys) throw e;
    const fresh = await o.freshKeys();
    if (!fresh) throw e;
    return verify(fresh);
  }
}

export interface IndexChoice {
  /** Path relative to the Release directory of the variant fetched (e.g. main/binary-amd64/Packages.gz). */
  path: string;
  entry: ReleaseEntry & { sha256: string };
  /** sha256 and size of the uncompressed index, when Release lists them. */
  plainSha256?: string;
  plainSize?: number;
}

/** Picks the variant of `plainPath` to fetch: gzip (decompressed in-process), then xz, then plain. */
export function chooseIndex(release: ReleaseFile, plainPath: string): IndexChoice | undefined {
  for (const suffix of ['.gz', '.xz', '']) {
    const e = release.entries.get(plainPath + suffix);
    const plain = release.entries.get(plainPath);
    if (e?.sha256) return { path: plainPath + suffix, entry: e as ReleaseEntry & { sha256: string }, plainSha256: plain?.sha256, plainSize: plain?.sha256 ? plain.size : undefined };
  }
  return undefined;
}

/**
 * Makes sure the index blob is in the store (downloading it by hash when offered, falling back
 * to its path) and returns its digest. 0 requests when the blob is already there.
 */
export async function fetchIndex(ctx: DriverContext, suite: FetchedSuite, choice: IndexChoice, resource: string): Promise<{ sha256: string; requests: number }> {
  const sha = choice.entry.sha256;
  if (await ctx.blobs.has(sha)) return { sha256: sha, requests: 0 };
  // Mirrors of one upstream (and bases) resolve in parallel: one download per index blob.
  const key = `${ctx.blobs.pathOf(sha)}`;
  const running = inFlight.get(key);
  if (running) {
    await running;
    return { sha256: sha, requests: 0 };
  }
  const p = downloadIndex(ctx, suite, choice, resource);
  inFlight.set(key, p);
  try {
    return await p;
  } finally {
    inFlight.delete(key);
  }
}

const inFlight = new Map<string, Promise<{ sha256: string; requests: number }>>();

async function downloadIndex(ctx: DriverContext, suite: FetchedSuite, choice: IndexChoice, resource: string): Promise<{ sha256: string; requests: number }> {
  const sha = choice.entry.sha256;
  const dest = ctx.blobs.partialPath(sha);
  const dir = choice.path.includes('/') ? choice.path.slice(0, choice.path.lastIndexOf('/')) : '';
  const urls = [`${suite.base}/${choice.path}`];
  if (suite.release.acquireByHash) urls.unshift(`${suite.base}/${dir ? `${dir}/` : ''}by-hash/SHA256/${sha}`);
  let requests = 0;
  for (const [i, url] of urls.entries()) {
    try {
      requests++;
      await ctx.fetcher.download(url, dest, { sha256: sha, size: choice.entry.size, signal: ctx.signal, resume: false });
      await ctx.blobs.adopt(dest, sha);
      return { sha256: sha, requests };
    } catch (e) {
      const notFound = isFerryError(e) && e.code === 'FERRY_HTTP_STATUS' && (e.data.status === 404 || e.data.actual === 404);
      if (i < urls.length - 1 && notFound) continue;
      if (isFerryError(e) && e.code === 'FERRY_DIGEST_MISMATCH') {
        throw new FerryError('FERRY_DIGEST_MISMATCH', `${resource}: ${redactUrl(url)}: index does not match the SHA256 that Release lists`, { ...e.data, resource, url: redactUrl(url), field: 'SHA256', expected: sha }, e);
      }
      throw withResource(e, resource);
    }
  }
  throw new FerryError('FERRY_INTERNAL', 'unreachable');
}
