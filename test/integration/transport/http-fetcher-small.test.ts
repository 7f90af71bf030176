import { describe, expect, it } from '@jest/globals';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FerryError } from '../../../src/core/ferry-error.js';
import { createHttpFetcher } from '../../../src/transport/http-fetcher.js';
import { makeBlob, quick, upstreamAndDir } from './fixtures.js';
import { resetAfter, serveBytes } from './upstream.js';

/**
 * The buffered path for small files that need not be durable yet (what a mirror of many small
 * packages runs through): gathered in memory on undici's handler interface, written whole.
 * It must verify, retry, follow redirects and cancel like the streaming path.
 */
describe('http fetcher: small files, buffered (durable: false)', () => {
  const t = upstreamAndDir();
  const blob = makeBlob(3000);
  const small = { ...quick, resumeMinBytes: 1 << 20 };

  it('writes the verified body after following a redirect, counting both requests', async () => {
    t.up.route('/pkg.deb', serveBytes(blob.data));
    t.up.route('/moved.deb', (_req, res) => res.writeHead(302, { location: '/pkg.deb' }).end('see /pkg.deb'));
    const dest = join(t.dir.path, 'ok');
    const f = createHttpFetcher(small);
    const seen: number[] = [];
    const r = await f.download(t.up.url('/moved.deb'), dest, { sha256: blob.sha256, size: blob.size, durable: false, onProgress: (n) => seen.push(n) });
    await f.close();
    expect(r).toMatchObject({ sha256: blob.sha256, size: blob.size, bytesFetched: blob.size, resumed: false });
    expect(Buffer.compare(await readFile(dest), blob.data)).toBe(0);
    expect(f.stats()).toMatchObject({ requests: 2, bytes: blob.size });
    expect(seen.at(-1)).toBe(blob.size);
  });

  it('retries a body cut short, then succeeds; a wrong body is FERRY_DIGEST_MISMATCH and leaves no file', async () => {
    const good = serveBytes(blob.data);
    t.up.route('/cut.deb', (req, res, hit) => (hit === 1 ? resetAfter(blob.data, 1000)(req, res, hit) : good(req, res, hit)));
    const f = createHttpFetcher(small);
    const cut = await f.download(t.up.url('/cut.deb'), join(t.dir.path, 'cut'), { sha256: blob.sha256, size: blob.size, durable: false });
    expect(cut.sha256).toBe(blob.sha256);
    expect(t.up.hits('/cut.deb')).toBe(2);

    const other = makeBlob(blob.size);
    t.up.route('/wrong.deb', serveBytes(other.data));
    const dest = join(t.dir.path, 'wrong');
    const err = (await f.download(t.up.url('/wrong.deb'), dest, { sha256: blob.sha256, size: blob.size, durable: false }).catch((e: unknown) => e)) as FerryError;
    await f.close();
    expect(err.code).toBe('FERRY_DIGEST_MISMATCH');
    expect(err.data).toMatchObject({ expected: blob.sha256, actual: other.sha256 });
    await expect(stat(dest)).rejects.toThrow();
  });

  it('a longer body than announced is FERRY_SIZE_MISMATCH; a 404 fails at once with its status', async () => {
    t.up.route('/long.deb', serveBytes(Buffer.concat([blob.data, Buffer.from('more')])));
    const f = createHttpFetcher(small);
    const long = (await f.download(t.up.url('/long.deb'), join(t.dir.path, 'long'), { sha256: blob.sha256, size: blob.size, durable: false }).catch((e: unknown) => e)) as FerryError;
    expect(long.code).toBe('FERRY_SIZE_MISMATCH');
    const missing = (await f.download(t.up.url('/none.deb'), join(t.dir.path, 'none'), { sha256: blob.sha256, size: blob.size, durable: false }).catch((e: unknown) => e)) as FerryError;
    await f.close();
    expect(missing).toMatchObject({ code: 'FERRY_HTTP_STATUS', data: { status: 404 } });
    expect(t.up.hits('/none.deb')).toBe(1);
  });

  it('a cancel while waiting for the answer is FERRY_ABORTED', async () => {
    t.up.route('/slow.deb', serveBytes(blob.data, { delayMs: 2000 }));
    const f = createHttpFetcher(small);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    const err = (await f.download(t.up.url('/slow.deb'), join(t.dir.path, 'slow'), { sha256: blob.sha256, size: blob.size, durable: false, signal: controller.signal }).catch((e: unknown) => e)) as FerryError;
    await f.close();
    expect(err.code).toBe('FERRY_ABORTED');
    expect(Date.now() - started).toBeLessThan(1500);
  });
});
