import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createHttpFetcher } from '../../../src/transport/http-fetcher.js';
import { makeBlob, quick } from './fixtures.js';
import { startProxy } from './loopback-proxy.js';
import { serveBytes, startUpstream, type Upstream } from './upstream.js';

describe('http fetcher: proxies, credentials, redirects, limits, conditional GET', () => {
  let up: Upstream;
  let other: Upstream;
  const blob = makeBlob(64 * 1024);
  beforeAll(async () => {
    up = await startUpstream();
    other = await startUpstream();
    up.route('/blob', serveBytes(blob.data));
    other.route('/blob', serveBytes(blob.data));
  });
  afterAll(async () => {
    await up.close();
    await other.close();
  });

  it('goes through the configured proxy, with the proxy credentials', async () => {
    const proxy = await startProxy({ auth: 'px:pw' });
    const f = createHttpFetcher({ ...quick, proxy: proxy.url.replace('http://', 'http://px:pw@'), env: {} });
    const r = await f.get(up.url('/blob'));
    await f.close();
    await proxy.close();
    expect(r.body.equals(blob.data)).toBe(true);
    expect(proxy.forwarded).toEqual([up.url('/blob')]);
    expect(proxy.tunnels).toEqual([]);
    expect(proxy.rejected).toBe(0);
  });

  it('tunnels through the proxy with CONNECT when asked', async () => {
    const proxy = await startProxy({ auth: 'px:pw' });
    const f = createHttpFetcher({ ...quick, proxy: proxy.url.replace('http://', 'http://px:pw@'), proxyTunnel: true });
    const dest = join(await mkdtemp(join(tmpdir(), 'ferry-proxy-')), 'blob');
    const r = await f.download(up.url('/blob'), dest, { sha256: blob.sha256 });
    await f.close();
    await proxy.close();
    await rm(dirname(dest), { recursive: true });
    expect(r.sha256).toBe(blob.sha256);
    expect(proxy.tunnels).toEqual([new URL(up.origin).host]);
    expect(proxy.forwarded).toEqual([]);
  });

  it('fails at once when the proxy wants credentials it was not given (407)', async () => {
    const proxy = await startProxy({ auth: 'px:pw' });
    const f = createHttpFetcher({ ...quick, proxy: proxy.url });
    const error = await f.get(up.url('/blob')).catch((e: unknown) => e);
    await f.close();
    expect(error).toMatchObject({ code: 'FERRY_NETWORK', message: expect.stringContaining('407') });
    await proxy.close();
    expect(proxy.rejected).toBe(1);
  });

  it('takes the proxy from HTTP_PROXY and honours NO_PROXY', async () => {
    const proxy = await startProxy();
    const via = createHttpFetcher({ ...quick, env: { HTTP_PROXY: proxy.url } });
    await via.get(up.url('/blob'));
    await via.close();
    const direct = createHttpFetcher({ ...quick, env: { HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' } });
    await direct.get(up.url('/blob'));
    await direct.close();
    await proxy.close();
    expect(proxy.forwarded).toEqual([up.url('/blob')]);
  });

  it('sends URL credentials as an Authorization header, never in the request line', async () => {
    up.route('/private', (req, res) => {
      if (req.headers.authorization !== `Basic ${Buffer.from('alice:p@ss word').toString('base64')}`) return res.writeHead(401).end();
      res.writeHead(200).end('secret stuff');
    });
    const f = createHttpFetcher(quick);
    const r = await f.get(up.url('/private').replace('http://', 'http://alice:p%40ss%20word@'));
    await f.close();
    expect(r.body.toString()).toBe('secret stuff');
    expect(r.url).not.toContain('alice');
  });

  it('follows redirects, keeping credentials on the same origin only', async () => {
    up.route('/r1', (_req, res) => res.writeHead(302, { location: '/r2' }).end());
    up.route('/r2', (_req, res) => res.writeHead(301, { location: other.url('/blob') }).end());
    const f = createHttpFetcher(quick);
    const r = await f.get(up.url('/r1').replace('http://', 'http://u:p@'));
    await f.close();
    expect(r.url).toBe(other.url('/blob'));
    expect(r.body.equals(blob.data)).toBe(true);
    const seen = up.requests.filter((q) => q.path === '/r2').at(-1);
    expect(seen?.headers.authorization).toBeDefined();
    expect(other.requests.at(-1)?.headers.authorization).toBeUndefined();
    expect(f.stats().requests).toBe(3);
  });

  it('stops after 5 redirects', async () => {
    up.route('/loop', (_req, res) => res.writeHead(302, { location: '/loop' }).end());
    const f = createHttpFetcher(quick);
    await expect(f.get(up.url('/loop'))).rejects.toMatchObject({ code: 'FERRY_HTTP_STATUS', data: { status: 302 } });
    await f.close();
    expect(f.stats()).toMatchObject({ requests: 6, retries: 0 });
  });

  it('keeps at most perHost requests in flight to one host, and concurrency in all', async () => {
    const slow = await startUpstream();
    slow.route('/slow', serveBytes(blob.data, { delayMs: 50 }));
    const perHost = createHttpFetcher({ ...quick, perHost: 2, concurrency: 8 });
    await Promise.all(Array.from({ length: 8 }, () => perHost.get(slow.url('/slow'))));
    await perHost.close();
    expect(slow.maxInFlight).toBe(2);
    await slow.close();

    const slow2 = await startUpstream();
    slow2.route('/slow', serveBytes(blob.data, { delayMs: 50 }));
    const global = createHttpFetcher({ ...quick, perHost: 4, concurrency: 3 });
    await Promise.all(Array.from({ length: 8 }, () => global.get(slow2.url('/slow'))));
    await global.close();
    expect(slow2.maxInFlight).toBe(3);
    await slow2.close();
  });

  it('answers a conditional GET with notModified', async () => {
    up.route('/index', (req, res) => {
      if (req.headers['if-none-match'] === '"i1"') return res.writeHead(304, { etag: '"i1"' }).end();
      res.writeHead(200, { etag: '"i1"', 'last-modified': 'Sat, 21 Nov 2026 10:00:00 GMT' }).end('index');
    });
    const f = createHttpFetcher(quick);
    const first = await f.get(up.url('/index'));
    expect(first).toMatchObject({ status: 200, notModified: false, etag: '"i1"', lastModified: 'Sat, 21 Nov 2026 10:00:00 GMT' });
    const again = await f.get(up.url('/index'), { etag: first.etag });
    await f.close();
    expect(again).toMatchObject({ status: 304, notModified: true });
    expect(again.body.length).toBe(0);
  });

  it('returns 404 as a result when asked, and refuses bodies over maxBytes', async () => {
    const f = createHttpFetcher(quick);
    await expect(f.get(up.url('/missing'), { allowNotFound: true })).resolves.toMatchObject({ status: 404, notModified: false });
    await expect(f.get(up.url('/missing'))).rejects.toMatchObject({ code: 'FERRY_HTTP_STATUS', data: { status: 404 } });
    await expect(f.get(up.url('/blob'), { maxBytes: 1000 })).rejects.toMatchObject({ code: 'FERRY_SIZE_MISMATCH' });
    await f.close();
  });
});
