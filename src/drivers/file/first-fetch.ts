/**
 * Files whose sha256 the model does not give: fetched once at resolve time, into the blob
 * store, so that their sha256 is known before the snapshot is planned. With an md5 (given, or
 * read from a checksum file) the bytes are checked against it; with none, the sha256 seen on
 * this first download is what the snapshot records (trust on first use). Later reconciles
 * take the recorded sha256 (pins.ts) and download nothing.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { FerryError } from '../../core/ferry-error.js';
import type { DriverContext } from '../types.js';

async function md5Of(file: string, signal: AbortSignal): Promise<string> {
  const h = createHash('md5');
  for await (const chunk of createReadStream(file, { signal })) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Downloads `url` into the store; checks `md5` when given. Returns what the store now holds. */
export async function fetchUnpinned(url: string, md5: string | undefined, ctx: DriverContext, resource: string): Promise<{ sha256: string; size: number }> {
  const tmp = ctx.blobs.tempPath();
  try {
    const got = await ctx.fetcher.download(url, tmp, { signal: ctx.signal, resume: false });
    if (md5 !== undefined) {
      const actual = await md5Of(tmp, ctx.signal);
      if (actual !== md5) {
        throw new FerryError('FERRY_DIGEST_MISMATCH', `${resource}: ${url}: md5 ${actual}, expected ${md5}`, { resource, url, expected: `md5:${md5}`, actual: `md5:${actual}` });
      }
    }
    await ctx.blobs.adopt(tmp, got.sha256);
    return { sha256: got.sha256, size: got.size };
  } finally {
    await rm(tmp, { force: true });
  }
}
