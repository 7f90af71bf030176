import { createHash, type Hash } from 'node:crypto';
import { createReadStream, readFileSync, statSync, writeFileSync } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { Dispatcher } from 'undici';
import { FerryError } from '../core/ferry-error.js';
import type { Logger } from '../core/logger.js';
import { sha256Hex } from '../core/hash.js';
import { redactUrl } from '../core/redact.js';
import { parseContentRange, rangeContinues, type ContentRange } from './content-range.js';
import { readPartialMeta, removePartialMeta, validatorOf, writePartialMeta } from './partial-meta.js';
import type { RequestTarget } from './request-target.js';
import { bufferedRequest } from './buffered-request.js';
import { FileSink } from './file-sink.js';
import { discard, networkError, sendRequest, statusError, type OpenedResponse } from './send-request.js';
import type { StatsCounter } from './transport-stats.js';
import type { DownloadOptions } from './types.js';

export interface AttemptContext {
  dispatcher: Dispatcher;
  logger: Logger;
  /** Bodies smaller than this get no sidecar: fetched again rather than resumed. */
  resumeMinBytes: number;
  stats: StatsCounter;
  headers: Record<string, string>;
  maxRedirects: number;
  /** The Authorization for a redirect hop to another origin (its own credentials). */
  authorize?: (url: URL) => string | undefined;
}

export interface AttemptResult {
  sha256: string;
  size: number;
  resumed: boolean;
}

/** Bytes moved over the network by all attempts of one download. */
export interface Progress {
  fetched: number;
}

/**
 * One attempt at streaming `target` into `dest`: continues the partial file when it can
 * (Range + If-Range, only a 206 whose Content-Range starts at the partial's length is
 * appended; anything else starts over), hashes the bytes already on disk and the new ones,
 * fsyncs. Leaves the partial and its sidecar in place when the network fails, so that the
 * next attempt (or the next run) continues from there; bodies under ctx.resumeMinBytes get no
 * sidecar and start over instead. Does not compare digests: the caller does.
 */
export async function downloadAttempt(
  ctx: AttemptContext,
  target: RequestTarget,
  dest: string,
  options: DownloadOptions & { fromScratch: boolean },
  progress: Progress,
): Promise<AttemptResult> {
  const host = target.url.host;
  const partial = options.fromScratch ? 0 : fileSize(dest);

  // A complete file from an earlier run: verified, it needs no request at all.
  if (partial > 0 && options.sha256 && options.size === partial) {
    const hash = partial < ctx.resumeMinBytes ? createHash('sha256').update(readFileSync(dest)) : await hashFile(dest, createHash('sha256'), options.signal);
    const digest = hash.digest('hex');
    if (digest === options.sha256) {
      await removePartialMeta(dest);
      return { sha256: digest, size: partial, resumed: true };
    }
  }

  const urlId = sha256Hex(target.url.href);
  const meta = partial > 0 ? await readPartialMeta(dest) : undefined;
  const canResume =
    partial > 0 &&
    meta?.url === urlId &&
    (meta.validator !== undefined || options.sha256 !== undefined) &&
    (options.size === undefined || partial < options.size);

  if (!canResume && options.durable === false && options.size !== undefined && options.size < ctx.resumeMinBytes) {
    if (meta) await removePartialMeta(dest);
    return smallDownload(ctx, target, dest, { ...options, offset: 0, host, stats: ctx.stats, progress });
  }

  let response: OpenedResponse | undefined;
  let offset = 0;
  let hash = createHash('sha256');
  if (canResume) {
    // Hash what is on disk first: a slow read must not hold an open response past its timeout.
    const onDisk = await hashFile(dest, createHash('sha256'), options.signal);
    const headers: Record<string, string> = { ...ctx.headers, range: `bytes=${partial}-` };
    if (meta.validator) headers['if-range'] = meta.validator;
    const r = await sendRequest(target, { ...ctx, headers, signal: options.signal });
    if (r.status === 206 && rangeContinues(parseContentRange(r.headers['content-range']), partial, options.size)) {
      response = r;
      offset = partial;
      hash = onDisk;
      ctx.stats.resumed(host);
      ctx.logger.debug('resuming download', { url: redactUrl(target.url.href), offset: partial });
    } else if (r.status === 200) {
      response = r;
    } else if (r.status === 416 && isWholeFile(parseContentRange(r.headers['content-range']), partial)) {
      // The partial was in fact complete (killed after the last byte): nothing left to fetch.
      await discard(r.body);
      await removePartialMeta(dest);
      return { sha256: onDisk.digest('hex'), size: partial, resumed: true };
    } else if (r.status === 206 || r.status === 416) {
      ctx.logger.debug('range answer does not continue the partial file, starting over', { url: redactUrl(target.url.href), status: r.status });
      await discard(r.body);
    } else {
      await discard(r.body);
      throw statusError(r.target, r.status, r.headers);
    }
  }
  if (!response) {
    response = await sendRequest(target, { ...ctx, signal: options.signal });
    if (response.status !== 200) {
      await discard(response.body);
      throw statusError(response.target, response.status, response.headers);
    }
  }
  // The sidecar costs two file operations: only a body worth resuming gets one.
  const tracked = offset > 0 || worthResuming(response, options.size, ctx.resumeMinBytes);
  if (offset === 0) {
    if (tracked) await writePartialMeta(dest, { url: urlId, validator: validatorOf(response.headers) });
    else if (meta) await removePartialMeta(dest);
  }

  const file = await open(dest, offset === 0 ? 'w' : 'a');
  try {
    const received = await streamBody(response, file, hash, { ...options, offset, host, stats: ctx.stats, progress });
    const size = offset + received;
    if (options.size !== undefined && size < options.size) {
      const cause = Object.assign(new Error(`body ended after ${size} of ${options.size} bytes`), { code: 'FERRY_PREMATURE_EOF' });
      throw networkError(response.target, cause);
    }
    // A caller that adopts files in batches syncs the whole file system once instead.
    if (options.durable !== false) await file.sync();
    if (tracked) await removePartialMeta(dest);
    return { sha256: hash.digest('hex'), size, resumed: offset > 0 };
  } finally {
    await file.close();
  }
}

interface StreamOptions extends DownloadOptions {
  offset: number;
  host: string;
  stats: StatsCounter;
  progress: Progress;
}

/**
 * A small file that need not be durable yet (the caller syncs many at once): the body is
 * gathered in memory (bufferedRequest: no stream per file) and written in one synchronous call,
 * where open, write and close on the thread pool would cost three round trips for a few KiB.
 * Nothing to resume: a failed attempt starts over.
 */
async function smallDownload(ctx: AttemptContext, target: RequestTarget, dest: string, o: StreamOptions): Promise<AttemptResult> {
  const r = await bufferedRequest(target, { ...ctx, signal: o.signal, onChunk: chunkCounter(target, undefined, o) });
  if (r.status !== 200) throw statusError(r.target, r.status, r.headers);
  if (o.size !== undefined && r.body.length < o.size) {
    const cause = Object.assign(new Error(`body ended after ${r.body.length} of ${o.size} bytes`), { code: 'FERRY_PREMATURE_EOF' });
    throw networkError(r.target, cause);
  }
  writeFileSync(dest, r.body);
  return { sha256: sha256Hex(r.body), size: r.body.length, resumed: false };
}

/** The per-chunk bookkeeping of a download: counters, progress, and the size limit. */
function chunkCounter(target: RequestTarget, announced: number | undefined, o: StreamOptions): (length: number) => void {
  const total = o.size ?? (announced !== undefined && Number.isSafeInteger(announced) ? o.offset + announced : undefined);
  let received = 0;
  return (length: number) => {
    received += length;
    o.stats.bytes(o.host, length);
    o.progress.fetched += length;
    if (o.size !== undefined && o.offset + received > o.size) {
      const url = redactUrl(target.url.href);
      throw new FerryError('FERRY_SIZE_MISMATCH', `${url}: more than the expected ${o.size} bytes`, {
        url,
        expected: o.size,
        actual: `>${o.offset + received - length}`,
      });
    }
    o.onProgress?.(o.offset + received, total);
  };
}

/** Body → file with backpressure, hashing and counting each chunk as it passes. */
async function streamBody(response: OpenedResponse, file: FileHandle, hash: Hash, o: StreamOptions): Promise<number> {
  let received = 0;
  const count = chunkCounter(response.target, Number(response.headers['content-length']), o);
  const onChunk = (length: number) => {
    count(length);
    received += length;
  };
  const sink = new FileSink({ fd: file.fd, hash, onChunk });
  try {
    await pipeline(response.body, sink, { signal: o.signal });
  } catch (e) {
    await sink.idle();
    if (e instanceof FerryError) throw e;
    throw networkError(response.target, e);
  }
  return received;
}

function worthResuming(response: OpenedResponse, expectedSize: number | undefined, minBytes: number): boolean {
  const announced = Number(response.headers['content-length']);
  const size = expectedSize ?? (Number.isSafeInteger(announced) ? announced : undefined);
  return size === undefined || size >= minBytes;
}

function isWholeFile(range: ContentRange | undefined, partial: number): boolean {
  return range?.unsatisfied === true && range.total === partial;
}

async function hashFile(path: string, hash: Hash, signal?: AbortSignal): Promise<Hash> {
  await pipeline(createReadStream(path, { highWaterMark: 1 << 20 }), async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) hash.update(chunk);
  }, { signal });
  return hash;
}

/** Size of the partial file, 0 when there is none (a synchronous stat: cheaper than a thread-pool round trip). */
function fileSize(path: string): number {
  try {
    return statSync(path, { throwIfNoEntry: false })?.size ?? 0;
  } catch {
    return 0;
  }
}

/** Removes a download that must not be continued: the file and its sidecar. */
export async function removePartial(dest: string): Promise<void> {
  await rm(dest, { force: true });
  await removePartialMeta(dest);
}
