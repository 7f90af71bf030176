import { describe, expect, it } from '@jest/globals';
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FerryError } from '../../../src/core/ferry-error.js';
import { createHttpFetcher } from '../../../src/transport/http-fetcher.js';
import { makeBlob, quick, upstreamAndDir } from './fixtures.js';
import { resetAfter, serveBytes } from './upstream.js';

describe('http fetcher: retries', () => {
  const t = upstreamAndDir();
  const blob = makeBlob(256 * 1024);

  it('downloads, verifies and counts a plain 200', async () => {
    t.up.route('/plain', serveBytes(blob.data));
    const f = createHttpFetcher(quick);
    const dest = join(t.dir.path, 'plain');
    const r = await f.download(t.up.url('/plain'), dest, { sha256: blob.sha256, size: blob.size });
    await f.close();
    expect(r).toMatchObject({ sha256: blob.sha256, size: blob.size, bytesFetched: blob.size, resumed: false });
    expect((await readFile(dest)).equals(blob.data)).toBe(true);
    const host = new URL(t.up.origin).host;
    expect(f.stats()).toEqual({ requests: 1, bytes: blob.size, retries: 0, resumed: 0, byHost: { [host]: { requests: 1, bytes: blob.size, retries: 0, resumed: 0 } } });
    await expect(readFile(`${dest}.meta`)).rejects.toThrow();
  });

  it('retries a 503 and then succeeds, logging no credentials', async () => {
    const ok = serveBytes(blob.data);
    t.up.route('/503', (req, res, hit) => (hit === 1 ? res.writeHead(503).end() : ok(req, res, hit)));
    const lines: unknown[] = [];
    const record = (message: string, fields?: Record<string, unknown>) => lines.push({ message, fields });
    const f = createHttpFetcher({ ...quick, logger: { debug: record, info: record, warn: record, error: record } });
    const url = `${t.up.url('/503').replace('http://', 'http://alice:s3cret@')}?token=abc`;
    const r = await f.download(url, join(t.dir.path, '503'), { sha256: blob.sha256 });
    await f.close();
    expect(r.sha256).toBe(blob.sha256);
    expect(r.url).not.toContain('s3cret');
    expect(f.stats()).toMatchObject({ requests: 2, retries: 1 });
    expect(lines.length).toBeGreaterThan(0);
    expect(JSON.stringify(lines)).not.toMatch(/s3cret|alice|abc/);
  });

  it('waits for the Retry-After of a 429', async () => {
    const ok = serveBytes(blob.data);
    t.up.route('/429', (req, res, hit) => (hit === 1 ? res.writeHead(429, { 'retry-after': '1' }).end() : ok(req, res, hit)));
    const f = createHttpFetcher(quick);
    const started = Date.now();
    const r = await f.get(t.up.url('/429'));
    await f.close();
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(r.body.equals(blob.data)).toBe(true);
    expect(f.stats()).toMatchObject({ requests: 2, retries: 1 });
  });

  it('does not retry a 404, and names the redacted url and status', async () => {
    t.up.route('/404', (_req, res) => res.writeHead(404).end());
    const f = createHttpFetcher(quick);
    const url = t.up.url('/404').replace('http://', 'http://alice:s3cret@') + '?token=abc';
    const error = await f.download(url, join(t.dir.path, '404')).catch((e: unknown) => e);
    await f.close();
    expect(error).toBeInstanceOf(FerryError);
    const fe = error as FerryError;
    expect(fe.code).toBe('FERRY_HTTP_STATUS');
    expect(fe.data).toMatchObject({ status: 404 });
    expect(JSON.stringify(fe.toJSON()) + fe.message).not.toMatch(/s3cret|alice|abc/);
    expect(t.up.hits('/404')).toBe(1);
    expect(f.stats()).toMatchObject({ requests: 1, retries: 0 });
  });

  it('gives up after the configured retries', async () => {
    t.up.route('/always-500', (_req, res) => res.writeHead(500).end());
    const f = createHttpFetcher({ ...quick, retries: 2 });
    await expect(f.get(t.up.url('/always-500'))).rejects.toMatchObject({ code: 'FERRY_HTTP_STATUS', data: { status: 500 } });
    await f.close();
    expect(t.up.hits('/always-500')).toBe(3);
    expect(f.stats().retries).toBe(2);
  });

  it('resumes after a connection reset mid-body, fetching only the rest', async () => {
    const cut = 100 * 1024;
    const ok = serveBytes(blob.data);
    const dest = join(t.dir.path, 'reset');
    const written = () => (statSync(dest, { throwIfNoEntry: false })?.size ?? 0) > 0;
    t.up.route('/reset', (req, res, hit) => (hit === 1 ? resetAfter(blob.data, cut, '"v1"', written)(req, res, hit) : ok(req, res, hit)));
    const f = createHttpFetcher(quick);
    const r = await f.download(t.up.url('/reset'), dest, { sha256: blob.sha256, size: blob.size });
    await f.close();
    expect(r.resumed).toBe(true);
    expect((await readFile(dest)).equals(blob.data)).toBe(true);
    const second = t.up.requests.filter((q) => q.path === '/reset')[1];
    const start = Number(/^bytes=(\d+)-$/.exec(String(second.headers.range))?.[1]);
    expect(start).toBeGreaterThan(0);
    expect(start).toBeLessThanOrEqual(cut);
    expect(second.headers['if-range']).toBe('"v1"');
    expect(r.bytesFetched).toBe(blob.size);
    expect(f.stats()).toMatchObject({ requests: 2, retries: 1, resumed: 1, bytes: blob.size });
  });

  it('treats a body that ends short of the expected size as premature EOF and resumes', async () => {
    const ok = serveBytes(blob.data);
    // No Content-Length: chunked, ended cleanly after half the bytes.
    t.up.route('/short', (req, res, hit) => (hit === 1 ? res.writeHead(200, { etag: '"v1"' }).end(blob.data.subarray(0, blob.size / 2)) : ok(req, res, hit)));
    const f = createHttpFetcher(quick);
    const dest = join(t.dir.path, 'short');
    const r = await f.download(t.up.url('/short'), dest, { sha256: blob.sha256, size: blob.size });
    await f.close();
    expect(r).toMatchObject({ resumed: true, bytesFetched: blob.size });
    expect(t.up.requests.filter((q) => q.path === '/short')[1].headers.range).toBe(`bytes=${blob.size / 2}-`);
  });

  it('retries when the body stalls past the timeout', async () => {
    const ok = serveBytes(blob.data);
    t.up.route('/stall', (req, res, hit) => {
      if (hit > 1) return ok(req, res, hit);
      res.writeHead(200, { etag: '"v1"', 'content-length': blob.size });
      res.write(blob.data.subarray(0, 1000));
    });
    const f = createHttpFetcher({ ...quick, timeoutMs: 1000 });
    const r = await f.download(t.up.url('/stall'), join(t.dir.path, 'stall'), { sha256: blob.sha256 });
    await f.close();
    expect(r.sha256).toBe(blob.sha256);
    expect(f.stats().retries).toBe(1);
  });

  it('a download that stalls on every attempt fails once, saying how long each attempt waited (issue 11)', async () => {
    t.up.route('/stuck', (_req, res) => {
      res.writeHead(200, { 'content-length': blob.size });
      res.write(blob.data.subarray(0, 10));
    });
    const f = createHttpFetcher({ ...quick, timeoutMs: 300, retries: 1 });
    const e = await f.download(t.up.url('/stuck'), join(t.dir.path, 'stuck'), { sha256: blob.sha256 }).catch((x: unknown) => x);
    await f.close();
    expect(e).toMatchObject({ code: 'FERRY_NETWORK', data: { waitedMs: 300, attempts: 2 } });
    expect((e as Error).message).toMatch(/upstream stalled: no bytes for 0.3 s \(site.transport.stall_timeout\), 2 attempt\(s\)/);
  });

  it('stops at once when aborted', async () => {
    t.up.route('/slow', serveBytes(blob.data, { delayMs: 5000 }));
    const f = createHttpFetcher(quick);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    await expect(f.get(t.up.url('/slow'), { signal: controller.signal })).rejects.toMatchObject({ code: 'FERRY_ABORTED' });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(f.stats().retries).toBe(0);
    await f.close();
  });
});
