import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FerryError } from '../../../src/core/ferry-error.js';
import { sha256Hex } from '../../../src/core/hash.js';
import { createFakeFetcher } from '../../../src/transport/fake-fetcher.js';

describe('FakeFetcher', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-fake-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('answers routes and counts requests and bytes per host', async () => {
    const f = createFakeFetcher({ 'http://a.test/x': 'hello', 'http://b.test/y': new Uint8Array([1, 2, 3]) });
    expect((await f.get('http://a.test/x')).body.toString()).toBe('hello');
    expect((await f.get('http://b.test/y')).body.length).toBe(3);
    expect(f.stats()).toEqual({
      requests: 2,
      bytes: 8,
      retries: 0,
      resumed: 0,
      byHost: { 'a.test': { requests: 1, bytes: 5, retries: 0, resumed: 0 }, 'b.test': { requests: 1, bytes: 3, retries: 0, resumed: 0 } },
    });
    f.resetStats();
    expect(f.stats().requests).toBe(0);
  });

  it('uses queued answers once each, in order, before the route', async () => {
    const f = createFakeFetcher({ 'http://a.test/x': 'route' })
      .expect('http://a.test/x', { error: new FerryError('FERRY_NETWORK', 'reset') }, { status: 503 }, 'queued');
    await expect(f.get('http://a.test/x')).rejects.toMatchObject({ code: 'FERRY_NETWORK' });
    await expect(f.get('http://a.test/x')).rejects.toMatchObject({ code: 'FERRY_HTTP_STATUS', data: { status: 503 } });
    expect((await f.get('http://a.test/x')).body.toString()).toBe('queued');
    expect((await f.get('http://a.test/x')).body.toString()).toBe('route');
    expect(f.unconsumed()).toEqual([]);
    expect(f.calls.map((c) => c.method)).toEqual(['get', 'get', 'get', 'get']);
  });

  it('reports queued answers nobody asked for', () => {
    const f = createFakeFetcher().expect('http://a.test/never', 'x', 'y');
    expect(f.unconsumed()).toEqual([{ url: 'http://a.test/never', count: 2 }]);
  });

  it('gives 404 for unknown URLs, or a result with allowNotFound', async () => {
    const f = createFakeFetcher();
    await expect(f.get('http://a.test/nope')).rejects.toMatchObject({ code: 'FERRY_HTTP_STATUS', data: { status: 404 } });
    await expect(f.get('http://a.test/nope', { allowNotFound: true })).resolves.toMatchObject({ status: 404 });
  });

  it('answers 304 to a matching ETag', async () => {
    const f = createFakeFetcher({ 'http://a.test/i': { body: 'index', headers: { etag: '"1"' } } });
    expect(await f.get('http://a.test/i', { etag: '"1"' })).toMatchObject({ status: 304, notModified: true });
    expect(await f.get('http://a.test/i', { etag: '"0"' })).toMatchObject({ status: 200, notModified: false, etag: '"1"' });
  });

  it('downloads to dest and verifies size and sha256 like the real one', async () => {
    const f = createFakeFetcher({ 'http://a.test/f': 'file body' });
    const dest = join(dir, 'f');
    const r = await f.download('http://a.test/f', dest, { sha256: sha256Hex('file body'), size: 9 });
    expect(r).toEqual({ url: 'http://a.test/f', sha256: sha256Hex('file body'), size: 9, bytesFetched: 9, resumed: false });
    expect(await readFile(dest, 'utf8')).toBe('file body');
    const bad = join(dir, 'bad');
    await expect(f.download('http://a.test/f', bad, { sha256: sha256Hex('other') })).rejects.toMatchObject({
      code: 'FERRY_DIGEST_MISMATCH',
      data: { expected: sha256Hex('other'), actual: sha256Hex('file body') },
    });
    await expect(f.download('http://a.test/f', bad, { size: 3 })).rejects.toMatchObject({ code: 'FERRY_SIZE_MISMATCH', data: { expected: 3, actual: 9 } });
    await expect(stat(bad)).rejects.toThrow();
  });

  it('fails with FERRY_ABORTED on an aborted signal', async () => {
    const f = createFakeFetcher({ 'http://a.test/x': 'x' });
    await expect(f.get('http://a.test/x', { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'FERRY_ABORTED' });
  });
});
