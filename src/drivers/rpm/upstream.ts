/**
 * Reading an rpm upstream: `repodata/repomd.xml` (asked conditionally on a refresh), its detached
 * signature `repodata/repomd.xml.asc` checked against the mirror's keys, and the data files it
 * lists, downloaded into the blob store and checked against repomd's checksums (and, once
 * decompressed, its open-checksum). I/O goes through ctx.fetcher and ctx.blobs.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { FerryError, isFerryError } from '../../core/ferry-error.js';
import { canonicalJson, sha256Hex } from '../../core/hash.js';
import { redactUrl } from '../../core/redact.js';
import { verifyDetached } from '../../pgp/detached.js';
import type { DriverContext } from '../types.js';
import { parseRepomd, RepomdError, type Repomd, type RepomdData } from './format/repomd.js';
import { XmlSyntaxError } from './format/xml-records.js';

/** What is kept of one upstream repository for the next refresh (plain JSON). */
export interface RepoState {
  url: string;
  /** sha256 of repomd.xml as verified, a blob of the store. */
  repomd: string;
  etag?: string;
  lastModified?: string;
  /** Digest of the keys it was verified with ('' when unsigned). */
  trust: string;
}

export interface RepoCheck {
  state: RepoState;
  /** repomd.xml is the one the previous state recorded. */
  unchanged: boolean;
  requests: number;
  /** repomd.xml, parsed (read from the store when upstream answered 304). */
  repomd(): Promise<{ bytes: Buffer; parsed: Repomd }>;
}

export interface CheckOptions {
  /** The mirror (`rpm/<name>`), for messages. */
  resource: string;
  url: string;
  keys: string[];
  previous?: RepoState;
  /** No refresh asked and the same spec: use the stored repomd.xml without asking upstream. */
  offline: boolean;
}

export const REPOMD = 'repodata/repomd.xml';

function trustOf(keys: string[]): string {
  return keys.length ? sha256Hex(Buffer.from(canonicalJson(keys))) : '';
}

function withResource(e: unknown, resource: string): unknown {
  if (isFerryError(e) && !e.data.resource) return new FerryError(e.code, `${resource}: ${e.message}`, { ...e.data, resource }, e.cause ?? e);
  return e;
}

/** repomd.xml's bytes parsed; errors are FERRY_BAD_INDEX naming the URL and line. */
async function parseRepomdAt(bytes: Buffer, url: string, resource: string): Promise<Repomd> {
  try {
    return await parseRepomd(bytes);
  } catch (e) {
    if (e instanceof XmlSyntaxError || e instanceof RepomdError) {
      const field = e instanceof RepomdError ? e.field : undefined;
      throw new FerryError('FERRY_BAD_INDEX', `${resource}: ${redactUrl(url)}: line ${e.line}: ${e.message}`, { resource, url: redactUrl(url), line: e.line, field }, e);
    }
    throw e;
  }
}

/**
 * Asks upstream for repomd.xml (conditionally), verifies a new one with the keys and stores it.
 * With keys, a missing or failing repomd.xml.asc is FERRY_BAD_SIGNATURE naming it.
 */
export async function checkRepo(ctx: DriverContext, o: CheckOptions): Promise<RepoCheck> {
  const url = `${o.url}/${REPOMD}`;
  const trust = trustOf(o.keys);
  const prev = o.previous && o.previous.url === o.url && o.previous.trust === trust && (await ctx.blobs.has(o.previous.repomd)) ? o.previous : undefined;
  const stored = (state: RepoState, requests: number): RepoCheck => {
    let parsed: Promise<{ bytes: Buffer; parsed: Repomd }> | undefined;
    const repomd = () => (parsed ??= readFile(ctx.blobs.pathOf(state.repomd)).then(async (bytes) => ({ bytes, parsed: await parseRepomdAt(bytes, url, o.resource) })));
    return { state, unchanged: true, requests, repomd };
  };
  if (prev && o.offline) return stored(prev, 0);
  try {
    let requests = 1;
    const got = await ctx.fetcher.get(url, { signal: ctx.signal, etag: prev?.etag, lastModified: prev?.lastModified, maxBytes: 64 << 20 });
    if (got.notModified && prev) return stored(prev, requests);
    if (o.keys.length) {
      requests++;
      const sig = await ctx.fetcher.get(`${url}.asc`, { signal: ctx.signal, allowNotFound: true, maxBytes: 1 << 20 });
      if (sig.status !== 200) {
        throw new FerryError('FERRY_BAD_SIGNATURE', `${o.resource}: ${redactUrl(`${url}.asc`)}: not found (HTTP ${sig.status}), and the mirror has keys: repomd.xml must be signed`, { resource: o.resource, url: redactUrl(`${url}.asc`), field: 'keys' });
      }
      await verifyDetached(got.body, sig.body.toString('utf8'), o.keys, `${o.resource}: ${redactUrl(`${url}.asc`)}`);
    }
    const parsed = await parseRepomdAt(got.body, url, o.resource);
    const { sha256 } = await ctx.blobs.putBytes(got.body);
    const state: RepoState = { url: o.url, repomd: sha256, etag: got.etag, lastModified: got.lastModified, trust };
    const unchanged = o.previous?.repomd === sha256 && o.previous.url === o.url;
    return { state, unchanged, requests, repomd: () => Promise.resolve({ bytes: got.body, parsed }) };
  } catch (e) {
    throw withResource(e, o.resource);
  }
}

const inFlight = new Map<string, Promise<string>>();

/**
 * Makes sure the data file is in the blob store, checked against repomd's checksum (any type
 * repomd uses; the store keys it by sha256), and returns its sha256. No request when the store
 * has it already.
 */
export async function fetchData(ctx: DriverContext, repoUrl: string, data: RepomdData, resource: string): Promise<string> {
  const key = `${data.checksum.type}:${data.checksum.value}`;
  if (data.checksum.type === 'sha256' && (await ctx.blobs.has(data.checksum.value))) return data.checksum.value;
  const running = inFlight.get(key);
  if (running) return running;
  const p = downloadData(ctx, repoUrl, data, resource).finally(() => inFlight.delete(key));
  inFlight.set(key, p);
  return p;
}

async function downloadData(ctx: DriverContext, repoUrl: string, data: RepomdData, resource: string): Promise<string> {
  const url = `${repoUrl}/${data.href}`;
  const shown = redactUrl(url);
  const mismatch = (expected: string, actual: unknown, cause?: unknown) =>
    new FerryError('FERRY_DIGEST_MISMATCH', `${resource}: ${shown}: does not match the ${data.checksum.type} that repomd.xml lists`, { resource, url: shown, field: 'checksum', expected, actual }, cause);
  try {
    if (data.checksum.type === 'sha256') {
      const dest = ctx.blobs.partialPath(data.checksum.value);
      try {
        await ctx.fetcher.download(url, dest, { sha256: data.checksum.value, size: data.size, signal: ctx.signal, resume: false });
      } catch (e) {
        if (isFerryError(e) && (e.code === 'FERRY_DIGEST_MISMATCH' || e.code === 'FERRY_SIZE_MISMATCH')) throw mismatch(data.checksum.value, e.data.actual, e);
        throw e;
      }
      await ctx.blobs.adopt(dest, data.checksum.value);
      return data.checksum.value;
    }
    const dest = ctx.blobs.tempPath();
    try {
      await ctx.fetcher.download(url, dest, { size: data.size, signal: ctx.signal, resume: false });
      const [theirs, sha256] = await hashFile(dest, [data.checksum.type, 'sha256']);
      if (theirs !== data.checksum.value) throw mismatch(data.checksum.value, theirs);
      await ctx.blobs.adopt(dest, sha256);
      return sha256;
    } finally {
      await rm(dest, { force: true });
    }
  } catch (e) {
    throw withResource(e, resource);
  }
}

async function hashFile(path: string, algorithms: string[]): Promise<string[]> {
  const hashes = algorithms.map((a) => {
    try {
      return createHash(a);
    } catch (e) {
      throw new FerryError('FERRY_BAD_INDEX', `unknown checksum type ${a}`, { actual: a }, e);
    }
  });
  for await (const chunk of createReadStream(path)) for (const h of hashes) h.update(chunk as Buffer);
  return hashes.map((h) => h.digest('hex'));
}
