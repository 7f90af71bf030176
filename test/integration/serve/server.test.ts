import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { readdir, readlink } from 'node:fs/promises';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../../src/core/logger.js';
import { createServeHandler } from '../../../src/serve/serve-handler.js';
import { startServer, type RunningServer } from '../../../src/serve/server.js';
import type { Handler } from '../../../src/serve/types.js';
import { makeFakeState, type FakeState } from './fake-state.js';
import { httpGet } from './http-get.js';

const ID = '20261121T210000Z-aaaaaaaa';

function recorder(): Logger & { lines: { level: string; message: string; fields?: Record<string, unknown> }[] } {
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push({ level, message, fields });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Open descriptors of this process on files named `name`. */
async function openFilesNamed(name: string): Promise<number> {
  let n = 0;
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    if (target.endsWith(`/${name}`)) n++;
  }
  return n;
}

describe('startServer', () => {
  let state: FakeState;
  let server: RunningServer;
  const logger = recorder();
  const big = randomBytes(16 * 1024 * 1024);
  const seen: string[] = [];

  const status: Handler = async (req, res) => {
    seen.push(`status ${req.url}`);
    if (req.url !== '/status') return false;
    res.setHeader('Content-Type', 'application/json');
    res.end('{"ready":true}');
    return true;
  };
  const hook: Handler = async (req, res) => {
    if (!req.url?.startsWith('/hooks/')) return false;
    res.statusCode = 202;
    res.end();
    return true;
  };
  const broken: Handler = async (req) => {
    if (req.url === '/broken') throw new Error('boom');
    return false;
  };

  beforeAll(async () => {
    state = await makeFakeState();
    await state.addSnapshot(ID, [
      { path: 'file/big/blob.bin', body: big },
      { path: 'file/small/a.txt', body: Buffer.from('a') },
      { path: 'extra/top.txt', body: Buffer.from('top') },
    ]);
    await state.publish(ID);
    server = await startServer({ stateDir: state.stateDir, port: 0, logger, extraHandlers: [status, hook, broken] });
  });

  afterAll(async () => {
    await server?.close();
    await state?.cleanup();
  });

  it('binds an ephemeral port on 127.0.0.1 and reports its URL', () => {
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(logger.lines.some((l) => l.message === 'serve: listening')).toBe(true);
  });

  it('fails with FERRY_USAGE on an address already in use', async () => {
    await expect(startServer({ stateDir: state.stateDir, port: server.port })).rejects.toMatchObject({
      code: 'FERRY_USAGE',
      message: expect.stringContaining(`127.0.0.1:${server.port}: EADDRINUSE`),
    });
  });

  it('offers requests to the extra handlers first, then to the snapshot tree', async () => {
    const s = await httpGet(server.port, '/status');
    expect(s.status).toBe(200);
    expect(s.body.toString()).toBe('{"ready":true}');
    expect((await httpGet(server.port, '/hooks/gitea', { method: 'POST' })).status).toBe(202);
    seen.length = 0;
    const file = await httpGet(server.port, '/file/small/a.txt');
    expect(file.body.toString()).toBe('a');
    expect(seen).toEqual(['status /file/small/a.txt']);
    // A top-level folder of the tree that is not a resource kind is still served...
    expect((await httpGet(server.port, '/extra/top.txt')).body.toString()).toBe('top');
    // ...and a path no handler claims is a 404, whatever the method.
    expect((await httpGet(server.port, '/metrics')).status).toBe(404);
    expect((await httpGet(server.port, '/hooks', { method: 'POST' })).status).toBe(404);
  });

  it('answers 500 when a handler throws, logs it, and keeps serving', async () => {
    expect((await httpGet(server.port, '/broken')).status).toBe(500);
    expect(logger.lines.some((l) => l.level === 'error' && String(l.fields?.error).includes('boom'))).toBe(true);
    expect((await httpGet(server.port, '/file/small/a.txt')).status).toBe(200);
  });

  it('streams a large range from the middle of a large file', async () => {
    const start = 1_000_003;
    const end = 9_000_017;
    const r = await httpGet(server.port, '/file/big/blob.bin', { headers: { range: `bytes=${start}-${end}` } });
    expect(r.status).toBe(206);
    expect(r.headers['content-range']).toBe(`bytes ${start}-${end}/${big.length}`);
    expect(r.body.equals(big.subarray(start, end + 1))).toBe(true);
  });

  it('answers HEAD on a listing with no body', async () => {
    const r = await httpGet(server.port, '/file/', { method: 'HEAD' });
    expect(r.status).toBe(200);
    expect(r.body.length).toBe(0);
    expect(Number(r.headers['content-length'])).toBeGreaterThan(0);
  });

  it('closes the file when a client goes away mid-download', async () => {
    expect(await openFilesNamed('blob.bin')).toBe(0);
    for (let i = 0; i < 5; i++) {
      await new Promise<void>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: server.port, path: '/file/big/blob.bin', agent: false }, (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        });
        req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? resolve() : reject(e)));
        req.end();
      });
    }
    // One look after a short pause, not a polling loop: a leaked FileHandle is eventually
    // closed by the garbage collector, which would hide the leak from a patient test.
    await new Promise((r) => setTimeout(r, 100));
    expect(await openFilesNamed('blob.bin')).toBe(0);
    const r = await httpGet(server.port, '/file/big/blob.bin');
    expect(r.body.equals(big)).toBe(true);
    expect(logger.lines.filter((l) => l.level === 'error' && l.message !== 'serve: handler failed')).toEqual([]);
  });

  it('logs each answered request at debug level, without the query string', async () => {
    await httpGet(server.port, '/file/small/a.txt?token=s3cr3t');
    const line = logger.lines.find((l) => l.message === 'serve: request' && l.fields?.path === '/file/small/a.txt');
    expect(line?.fields?.status).toBe(200);
    expect(JSON.stringify(logger.lines)).not.toContain('s3cr3t');
  });
});

describe('createServeHandler', () => {
  it('streams with backpressure: a client that stops reading stops the reads', async () => {
    const state = await makeFakeState();
    const size = 32 * 1024 * 1024;
    await state.addSnapshot(ID, [{ path: 'file/big/huge.bin', body: Buffer.alloc(size, 7) }]);
    await state.publish(ID);
    const handler = createServeHandler({ stateDir: state.stateDir });
    let served: ServerResponse | undefined;
    const server = createServer((req, res) => {
      served = res;
      void handler(req, res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      const client = await new Promise<IncomingMessage>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/file/big/huge.bin', agent: false }, (res) => {
          res.pause();
          resolve(res);
        });
        req.on('error', reject);
        req.end();
      });
      await new Promise((r) => setTimeout(r, 300));
      const pushed = (served?.socket?.bytesWritten ?? 0) + (served?.writableLength ?? 0);
      expect(pushed).toBeGreaterThan(0);
      expect(pushed).toBeLessThan(size / 3);
      let received = 0;
      client.on('data', (c: Buffer) => (received += c.length));
      const ended = new Promise((r) => client.on('end', r));
      client.resume();
      await ended;
      expect(received).toBe(size);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await state.cleanup();
    }
  });
});
