import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { FerryError } from '../../../src/core/ferry-error.js';
import { sha256Hex } from '../../../src/core/hash.js';
import { createHttpFetcher } from '../../../src/transport/http-fetcher.js';
import { makeBlob, quick, upstreamAndDir } from './fixtures.js';
import { resetAfter, serveBytes } from './upstream.js';

/** Leaves `dest` as an earlier, interrupted download of `url` would: some bytes and the sidecar. */
async function leavePartial(dest: string, url: string, bytes: Buffer, validator = '"v1"'): Promise<void> {
  await writeFile(dest, bytes);
  await writeFile(`${dest}.meta`, JSON.stringify({ url: sha256Hex(new URL(url).href), validator }));
}

describe('http fetcher: resume and verification', () => {
  const t = upstreamAndDir();
  const blob = makeBlob(512 * 1024);
  const half = blob.size / 2;

  it('continues a partial file with Range + If-Range and hashes the bytes already there', async () => {
    t.up.route('/partial', serveBytes(blob.data));
    const dest = join(t.dir.path, 'partial');
    await leavePartial(dest, t.up.url('/partial'), blob.data.subarray(0, half));
    const f = createHttpFetcher(quick);
    const r = await f.download(t.up.url('/partial'), dest, { sha256: blob.sha256, size: blob.size });
    await f.close();
    expect(r).toMatchObject({ resumed: true, bytesFetched: blob.size - half, sha256: blob.sha256 });
    expect(f.stats()).toMatchObject({ requests: 1, bytes: blob.size - half, resumed: 1 });
    expect(t.up.requests.at(-1)?.headers).toMatchObject({ range: `bytes=${half}-`, 'if-range': '"v1"' });
    await expect(stat(`${dest}.meta`)).rejects.toThrow();
  });

  it('keeps no sidecar for a body under resumeMinBytes, and fetches it whole again', async () => {
    const good = serveBytes(blob.data);
    t.up.route('/small', (req, res, hit) => (hit === 1 ? resetAfter(blob.data, half)(req, res, hit) : good(req, res, hit)));
    const dest = join(t.dir.path, 'small');
    const f = createHttpFetcher({ ...quick, resumeMinBytes: blob.size + 1 });
    const r = await f.download(t.up.url('/small'), dest, { sha256: blob.sha256, size: blob.size });
    await f.close();
    expect(r.resumed).toBe(false);
    expect(t.up.requests.filter((q) => q.path === '/small')[1].headers.range).toBeUndefined();
    await expect(stat(`${dest}.meta`)).rejects.toThrow();
  });

  it('starts over when a 206 does not start where the partial ends', async () => {
    t.up.route('/bad-range', (req, res) => {
      if (req.headers.range) {
        res.writeHead(206, { etag: '"v1"', 'content-range': `bytes 0-${blob.size - 1}/${blob.size}`, 'content-length': blob.size });
        res.end(blob.data);
        return;
      }
      res.writeHead(200, { etag: '"v1"', 'content-length': blob.size }).end(blob.data);
    });
    const dest = join(t.dir.path, 'bad-range');
    await leavePartial(dest, t.up.url('/bad-range'), blob.data.subarray(0, half));
    const f = createHttpFetcher(quick);
    const r = await f.download(t.up.url('/bad-range'), dest, { sha256: blob.sha256, size: blob.size });
    await f.close();
    expect(r).toMatchObject({ resumed: false, sha256: blob.sha256 });
    expect((await readFile(dest)).equals(blob.data)).toBe(true);
    expect(f.stats()).toMatchObject({ requests: 2, resumed: 0 });
  });

  it('starts over, without appending, when a Range request gets a 200', async () => {
    t.up.route('/no-ranges', (_req, res) => res.writeHead(200, { etag: '"v1"', 'content-length': blob.size }).end(blob.data));
    const dest = join(t.dir.path, 'no-ranges');
    await leavePartial(dest, t.up.url('/no-ranges'), blob.data.subarray(0, half));
    const f = createHttpFetcher(quick);
    const r = await f.download(t.up.url('/no-ranges'), dest, { sha256: blob.sha256, size: blob.size });
    await f.close();
    expect(r).toMatchObject({ resumed: false, bytesFetched: blob.size });
    expect((await stat(dest)).size).toBe(blob.size);
    expect(f.stats()).toMatchObject({ requests: 1, resumed: 0 });
  });

  it('starts over when the upstream file changed (If-Range no longer matches)', async () => {
    t.up.route('/changed', serveBytes(blob.data, { etag: '"v2"' }));
    const dest = join(t.dir.path, 'changed');
    await leavePartial(dest, t.up.url('/changed'), Buffer.alloc(half, 7), '"v1"');
    const f = createHttpFetcher(quick);
    const r = await f.download(t.up.url('/changed'), dest, { sha256: blob.sha256 });
    await f.close();
    expect(r).toMatchObject({ resumed: false, sha256: blob.sha256, bytesFetched: blob.size });
  });

  it('fetches nothing when dest already holds the verified file', async () => {
    t.up.route('/complete', serveBytes(blob.data));
    const dest = join(t.dir.path, 'complete');
    await writeFile(dest, blob.data);
    const f = createHttpFetcher(quick);
    const r = await f.download(t.up.url('/complete'), dest, { sha256: blob.sha256.toUpperCase(), size: blob.size });
    await f.close();
    expect(r).toMatchObject({ bytesFetched: 0, sha256: blob.sha256 });
    expect(f.stats().requests).toBe(0);
  });

  it('asks for the rest of a partial that was already complete and gets a 416: nothing fetched', async () => {
    t.up.route('/whole', serveBytes(blob.data));
    const dest = join(t.dir.path, 'whole');
    await leavePartial(dest, t.up.url('/whole'), blob.data);
    const f = createHttpFetcher(quick);
    const r = await f.download(t.up.url('/whole'), dest, { sha256: blob.sha256 });
    await f.close();
    expect(r).toMatchObject({ bytesFetched: 0, sha256: blob.sha256, size: blob.size });
    expect(f.stats()).toMatchObject({ requests: 1, bytes: 0 });
  });

  it('fails a digest mismatch of a download made from scratch at once, naming expected and actual (issue 10: not twice)', async () => {
    const wrong = Buffer.from(blob.data);
    wrong[10] ^= 0xff;
    t.up.route('/wrong', serveBytes(wrong));
    const dest = join(t.dir.path, 'wrong');
    const f = createHttpFetcher(quick);
    const error = (await f.download(t.up.url('/wrong'), dest, { sha256: blob.sha256, size: blob.size }).catch((e: unknown) => e)) as FerryError;
    await f.close();
    expect(error.code).toBe('FERRY_DIGEST_MISMATCH');
    expect(error.data).toMatchObject({ expected: blob.sha256, actual: sha256Hex(wrong), url: t.up.url('/wrong') });
    expect(t.up.hits('/wrong')).toBe(1);
    await expect(stat(dest)).rejects.toThrow();
    await expect(stat(`${dest}.meta`)).rejects.toThrow();
  });

  it('downloads again from scratch, once, when a continued partial held stale bytes', async () => {
    const stale = Buffer.from(blob.data.subarray(0, half));
    stale[10] ^= 0xff;
    t.up.route('/flip', serveBytes(blob.data));
    const dest = join(t.dir.path, 'flip');
    await leavePartial(dest, t.up.url('/flip'), stale);
    const f = createHttpFetcher(quick);
    const r = await f.download(t.up.url('/flip'), dest, { sha256: blob.sha256 });
    await f.close();
    expect(r).toMatchObject({ sha256: blob.sha256 });
    expect(t.up.hits('/flip')).toBe(2);
  });

  it('fails on a body longer than the expected size', async () => {
    t.up.route('/long', serveBytes(Buffer.concat([blob.data, Buffer.alloc(10)])));
    const f = createHttpFetcher(quick);
    await expect(f.download(t.up.url('/long'), join(t.dir.path, 'long'), { size: blob.size })).rejects.toMatchObject({ code: 'FERRY_SIZE_MISMATCH', data: { expected: blob.size } });
    await f.close();
  });

  it('keeps the partial of an aborted download and continues it on the next call', async () => {
    const good = serveBytes(blob.data);
    t.up.route('/aborted', (req, res, hit) => {
      if (hit > 1) return good(req, res, hit);
      res.writeHead(200, { etag: '"v1"', 'content-length': blob.size });
      res.write(blob.data.subarray(0, half)); // the rest never comes: the client aborts
    });
    const dest = join(t.dir.path, 'aborted');
    const controller = new AbortController();
    const f = createHttpFetcher(quick);
    const onProgress = (received: number) => {
      if (received >= 64 * 1024) controller.abort();
    };
    await expect(f.download(t.up.url('/aborted'), dest, { sha256: blob.sha256, signal: controller.signal, onProgress })).rejects.toMatchObject({ code: 'FERRY_ABORTED' });
    const partial = (await stat(dest)).size;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(blob.size);
    await stat(`${dest}.meta`);
    f.resetStats();
    const r = await f.download(t.up.url('/aborted'), dest, { sha256: blob.sha256 });
    await f.close();
    expect(r).toMatchObject({ resumed: true, bytesFetched: blob.size - partial, sha256: blob.sha256 });
    expect(f.stats()).toMatchObject({ requests: 1, resumed: 1, retries: 0 });
  });

  it('keeps the partial when retries run out on 5xx, drops it on a 4xx', async () => {
    t.up.route('/gone', (_req, res) => res.writeHead(410).end());
    t.up.route('/down', (_req, res) => res.writeHead(503).end());
    const f = createHttpFetcher({ ...quick, retries: 1 });
    const gone = join(t.dir.path, 'gone');
    await leavePartial(gone, t.up.url('/gone'), blob.data.subarray(0, half));
    await expect(f.download(t.up.url('/gone'), gone, { sha256: blob.sha256 })).rejects.toMatchObject({ data: { status: 410 } });
    await expect(stat(gone)).rejects.toThrow();
    const down = join(t.dir.path, 'down');
    await leavePartial(down, t.up.url('/down'), blob.data.subarray(0, half));
    await expect(f.download(t.up.url('/down'), down, { sha256: blob.sha256 })).rejects.toMatchObject({ data: { status: 503 } });
    expect((await stat(down)).size).toBe(half);
    await f.close();
  });

  it('continues a download whose process was killed, fetching only the missing bytes', async () => {
    const good = serveBytes(blob.data);
    t.up.route('/killed', (req, res, hit) => {
      if (hit > 1) return good(req, res, hit);
      res.writeHead(200, { etag: '"v1"', 'content-length': blob.size });
      res.write(blob.data.subarray(0, half)); // then hang until the client dies
    });
    const dest = join(t.dir.path, 'killed');
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./download-child.ts', import.meta.url)), t.up.url('/killed'), dest, blob.sha256, String(blob.size)], {
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    let partial = 0;
    for (let i = 0; i < 600 && partial < half; i++) {
      await sleep(50);
      partial = await stat(dest).then((s) => s.size, () => 0);
    }
    child.kill('SIGKILL');
    await exited;
    partial = (await stat(dest)).size;
    expect(partial).toBe(half);

    const f = createHttpFetcher(quick);
    const r = await f.download(t.up.url('/killed'), dest, { sha256: blob.sha256, size: blob.size });
    await f.close();
    expect(r).toMatchObject({ resumed: true, bytesFetched: blob.size - partial, sha256: blob.sha256 });
    expect(f.stats()).toMatchObject({ requests: 1, bytes: blob.size - partial, resumed: 1 });
  }, 60_000);
});
