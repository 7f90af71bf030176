import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rm, stat, type FileHandle } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { Dispatcher } from 'undici';
import { FerryError } from '../core/ferry-error.js';
import type { Logger } from '../core/logger.js';
import { sha256Hex } from '../core/hash.js';
import { redactUrl } from '../core/redact.js';
import { parseContentRange, rangeContinues, type ContentRange } from './content-range.js';
import { readPartialMeta, removePartialMeta, validatorOf, writePartialMeta } from './partial-meta.js';
import type { RequestTarget } from './request-target.js';
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
  const urlId = sha256Hex(target.url.href);
  const partial = options.fromScratch ? 0 : await fileSize(dest);

  // A complete file from an earlier run: verified, it needs no request at all.
  if (partial > 0 && options.sha256 && options.size === partial) {
    const hash = await hashFile(dest, createHash('sha256'), options.signal);
    const digest = hash.digest('hex');
    if (digest === options.sha256) {
      await removePartialMeta(dest);
      return { sha256: digest, size: partial, resumed: true };
    }
  }

  const meta = partial > 0 ? await readPartialMeta(dest) : undefined;
  const canResume =
    partial > 0 &&
    meta?.url === urlId &&
    (meta.validator !== undefined || options.sha256 !== undefined) &&
    (options.size === undefined || partial < options.size);

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

/** Body → file with backpressure, hashing and counting each chunk as it passes. */
async function streamBody(response: OpenedResponse, file: FileHandle, hash: Hash, o: StreamOptions): Promise<number> {
  const announced = Number(response.headers['content-length']);
  const total = o.size ?? (Number.isSafeInteger(announced) ? o.offset + announced : undefined);
  let received = 0;
  const url = redactUrl(response.target.url.href);
  const onChunk = (length: number) => {
    received += length;
    o.stats.bytes(o.host, length);
    o.progress.fetched += length;
    if (o.size !== undefined && o.offset + received > o.size) {
      throw new FerryError('FERRY_SIZE_MISMATCH', `${url}: more than the expected ${o.size} bytes`, {
        url,
        expected: o.size,
        actual: `>${o.offset + received - length}`,
      });
    }
    o.onProgress?.(o.offset + received, total);
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

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/** Removes a download that must not be continued: the file and its sidecar. */
export async function removePartial(dest: string): Promise<void> {
  await rm(dest, { force: true });
  await removePartialMeta(dest);
}
