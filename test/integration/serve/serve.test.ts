import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { symlink } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../../src/serve/server.js';
import { makeFakeState, type FakeState } from './fake-state.js';
import { httpGet } from './http-get.js';

const A = '20261121T210000Z-aaaaaaaa';
const B = '20261121T220000Z-bbbbbbbb';
const qcowA = randomBytes(64 * 1024);
const qcowB = randomBytes(48 * 1024);
const text = (s: string) => Buffer.from(s);

const common = (qcow: Buffer, tag: string) => [
  { path: 'file/images/cirros.qcow2', body: qcow },
  { path: 'file/images/disk.img', body: text(`img ${tag}`) },
  { path: 'file/images/notes.txt', body: text(`notes ${tag}\n`) },
  { path: 'file/images/meta.json', body: text(`{"tag":"${tag}"}`) },
  { path: 'file/images/odd name <b>&.txt', body: text('odd') },
  { path: 'deb/debian/dists/bookworm/Release', body: text(`Suite: bookworm\nTag: ${tag}\n`) },
  { path: 'deb/debian/dists/bookworm/InRelease', body: text(`signed ${tag}`) },
  { path: 'deb/debian/dists/bookworm/Release.gpg', body: text(`sig ${tag}`) },
  { path: 'deb/debian/dists/bookworm/main/binary-amd64/Packages.gz', body: text(`gz ${tag}`) },
  { path: 'deb/debian/dists/bookworm/main/binary-amd64/Packages.xz', body: text(`xz ${tag}`) },
  { path: 'deb/debian/pool/main/h/hello/hello_2.10-3_amd64.deb', body: text(`deb ${tag}`) },
  { path: 'deb/debian/key.asc', body: text('-----BEGIN PGP PUBLIC KEY BLOCK-----') },
  { path: 'pypi/wheels/simple/index.html', body: text(`<a href="six/">six</a> ${tag}`) },
  { path: 'file/images/generated.txt', body: text(`unlisted ${tag}`), unlisted: true },
];

describe('ferry serve', () => {
  let state: FakeState;
  let server: RunningServer;
  let port: number;
  const get = (target: string, options?: { method?: string; headers?: Record<string, string> }) => httpGet(port, target, options);

  beforeAll(async () => {
    state = await makeFakeState();
    // Files and publish a minute old: a date is sent only once its second is over (issue 10).
    const past = (files: ReturnType<typeof common>) => files.map((f) => ({ ...f, mtimeMs: Date.now() - 120_000 }));
    await state.addSnapshot(A, past(common(qcowA, 'A')));
    await state.addSnapshot(B, past(common(qcowB, 'B')));
    const tree = join(state.stateDir, 'snapshots', A, 'tree');
    await symlink(join(state.base, 'secret.txt'), join(tree, 'file/images/escape-abs'));
    await symlink('../../../../secret.txt', join(tree, 'file/images/escape-rel'));
    await symlink('../../../..', join(tree, 'file/images/escape-dir'));
    await symlink('notes.txt', join(tree, 'file/images/inside-link'));
    await state.publish(A, { atMs: Date.now() - 60_000 });
    server = await startServer({ stateDir: state.stateDir, port: 0 });
    port = server.port;
  });

  afterAll(async () => {
    await server?.close();
    await state?.cleanup();
  });

  it('serves a file of the current snapshot with length, validators and type', async () => {
    const r = await get('/file/images/cirros.qcow2');
    expect(r.status).toBe(200);
    expect(r.body.equals(qcowA)).toBe(true);
    expect(r.headers['content-length']).toBe(String(qcowA.length));
    expect(r.headers['content-type']).toBe('application/octet-stream');
    expect(r.headers.etag).toBe(`"${state.sha256(qcowA)}"`);
    expect(Date.parse(r.headers['last-modified'] ?? '')).not.toBeNaN();
    expect(r.headers['accept-ranges']).toBe('bytes');
    expect(r.headers['x-ferry-snapshot']).toBe(A);
    expect(r.headers['cache-control']).toBe('no-cache');
  });

  it('falls back to an inode ETag for a file the manifest does not list', async () => {
    const r = await get('/file/images/generated.txt');
    expect(r.status).toBe(200);
    expect(r.headers.etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+-[0-9a-f]+"$/);
    expect((await get('/file/images/generated.txt', { headers: { 'if-none-match': r.headers.etag ?? '' } })).status).toBe(304);
  });

  it.each([
    ['/deb/debian/pool/main/h/hello/hello_2.10-3_amd64.deb', 'application/vnd.debian.binary-package'],
    ['/deb/debian/dists/bookworm/Release', 'text/plain; charset=utf-8'],
    ['/deb/debian/dists/bookworm/InRelease', 'text/plain; charset=utf-8'],
    ['/deb/debian/dists/bookworm/Release.gpg', 'application/pgp-signature'],
    ['/deb/debian/key.asc', 'application/pgp-signature'],
    ['/deb/debian/dists/bookworm/main/binary-amd64/Packages.gz', 'application/gzip'],
    ['/deb/debian/dists/bookworm/main/binary-amd64/Packages.xz', 'application/x-xz'],
    ['/file/images/meta.json', 'application/json'],
    ['/file/images/disk.img', 'application/octet-stream'],
    ['/file/images/notes.txt', 'text/plain; charset=utf-8'],
    ['/pypi/wheels/simple/', 'text/html; charset=utf-8'],
  ])('answers %s as %s, with no Content-Encoding', async (target, type) => {
    const r = await get(target);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe(type);
    expect(r.headers['content-encoding']).toBeUndefined();
  });

  it('answers 304 to a matching If-None-Match or the exact If-Modified-Since', async () => {
    const first = await get('/file/images/notes.txt');
    const etag = first.headers.etag ?? '';
    const notModified = await get('/file/images/notes.txt', { headers: { 'if-none-match': etag } });
    expect(notModified.status).toBe(304);
    expect(notModified.body.length).toBe(0);
    expect(notModified.headers.etag).toBe(etag);
    expect((await get('/file/images/notes.txt', { headers: { 'if-none-match': `"nope", W/${etag}` } })).status).toBe(304);
    expect((await get('/file/images/notes.txt', { headers: { 'if-none-match': '"nope"' } })).status).toBe(200);
    const lastModified = first.headers['last-modified'] ?? '';
    expect((await get('/file/images/notes.txt', { headers: { 'if-modified-since': lastModified } })).status).toBe(304);
    const before = new Date(Date.parse(lastModified) - 60_000).toUTCString();
    expect((await get('/file/images/notes.txt', { headers: { 'if-modified-since': before } })).status).toBe(200);
    // A later date is not "not modified": after a rollback it is the newer snapshot's copy (issue 10).
    const later = new Date(Date.parse(lastModified) + 60_000).toUTCString();
    expect((await get('/file/images/notes.txt', { headers: { 'if-modified-since': later } })).status).toBe(200);
    // If-None-Match wins over If-Modified-Since.
    expect((await get('/file/images/notes.txt', { headers: { 'if-none-match': '"nope"', 'if-modified-since': lastModified } })).status).toBe(200);
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const r = await get('/file/images/cirros.qcow2', { method: 'HEAD' });
    expect(r.status).toBe(200);
    expect(r.body.length).toBe(0);
    expect(r.headers['content-length']).toBe(String(qcowA.length));
    expect(r.headers.etag).toBe(`"${state.sha256(qcowA)}"`);
  });

  it('answers a single range with 206 and Content-Range', async () => {
    const r = await get('/file/images/cirros.qcow2', { headers: { range: 'bytes=100-1123' } });
    expect(r.status).toBe(206);
    expect(r.headers['content-range']).toBe(`bytes 100-1123/${qcowA.length}`);
    expect(r.headers['content-length']).toBe('1024');
    expect(r.body.equals(qcowA.subarray(100, 1124))).toBe(true);

    const tail = await get('/file/images/cirros.qcow2', { headers: { range: 'bytes=-10' } });
    expect(tail.status).toBe(206);
    expect(tail.body.equals(qcowA.subarray(qcowA.length - 10))).toBe(true);

    const open = await get('/file/images/cirros.qcow2', { headers: { range: `bytes=${qcowA.length - 3}-` } });
    expect(open.status).toBe(206);
    expect(open.body.equals(qcowA.subarray(qcowA.length - 3))).toBe(true);

    const clipped = await get('/file/images/cirros.qcow2', { headers: { range: `bytes=${qcowA.length - 2}-${qcowA.length + 50}` } });
    expect(clipped.headers['content-range']).toBe(`bytes ${qcowA.length - 2}-${qcowA.length - 1}/${qcowA.length}`);
  });

  it('answers 416 to an unsatisfiable range and 200 to several ranges', async () => {
    const r = await get('/file/images/cirros.qcow2', { headers: { range: `bytes=${qcowA.length}-` } });
    expect(r.status).toBe(416);
    expect(r.headers['content-range']).toBe(`bytes */${qcowA.length}`);
    const multi = await get('/file/images/cirros.qcow2', { headers: { range: 'bytes=0-1,5-9' } });
    expect(multi.status).toBe(200);
    expect(multi.body.equals(qcowA)).toBe(true);
  });

  it('honours If-Range: the range for the same ETag, the whole file otherwise', async () => {
    const etag = `"${state.sha256(qcowA)}"`;
    const same = await get('/file/images/cirros.qcow2', { headers: { range: 'bytes=0-9', 'if-range': etag } });
    expect(same.status).toBe(206);
    expect(same.body.length).toBe(10);
    const other = await get('/file/images/cirros.qcow2', { headers: { range: 'bytes=0-9', 'if-range': '"stale"' } });
    expect(other.status).toBe(200);
    expect(other.body.equals(qcowA)).toBe(true);
  });

  it.each([
    '/../secret.txt',
    '/file/../../secret.txt',
    '/file/images/../../../../secret.txt',
    '/%2e%2e/secret.txt',
    '/file/%2E%2E/%2e%2e/%2e%2e/%2e%2e/secret.txt',
    '/file/images/..%2f..%2f..%2f..%2fsecret.txt',
    '/file/images/%2f..%2f..%2fsecret.txt',
    '/file/images/..%5c..%5csecret.txt',
    '/file/images/notes.txt%00.html',
    '/file/images/%zz',
    '/snapshots/../secret.txt',
    '/snapshots/..%2f..%2fsecret.txt',
    `/snapshots/${A}/../../secret.txt`,
  ])('refuses the traversal %s with 400 and never leaks the secret', async (target) => {
    const r = await get(target);
    expect(r.status).toBe(400);
    expect(r.body.toString()).not.toContain(state.secret);
  });

  it.each(['/file/images/escape-abs', '/file/images/escape-rel', '/file/images/escape-dir/secret.txt', '/file/images/escape-dir/'])(
    'answers 404 for %s, a symlink planted to lead out of the tree',
    async (target) => {
      const r = await get(target);
      expect(r.status).toBe(404);
      expect(r.body.toString()).not.toContain(state.secret);
    },
  );

  it('follows a symlink that stays inside the tree', async () => {
    const r = await get('/file/images/inside-link');
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('notes A\n');
  });

  it('redirects a folder without its slash and lists it as escaped HTML', async () => {
    const redirect = await get('/file/images?x=1');
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe('/file/images/?x=1');
    const listing = await get('/file/images/');
    expect(listing.status).toBe(200);
    expect(listing.headers['content-type']).toBe('text/html; charset=utf-8');
    const html = listing.body.toString();
    expect(html).toContain('<a href="cirros.qcow2">cirros.qcow2</a>');
    expect(html).toContain('odd name &lt;b&gt;&amp;.txt');
    expect(html).toContain('href="odd%20name%20%3Cb%3E%26.txt"');
    expect(html).not.toContain('<b>');
    // Links are listed without being followed: no size or time of what lies outside.
    expect(html).toContain('<a href="escape-abs">escape-abs</a></td><td>-</td><td></td>');
    const root = await get('/');
    expect(root.status).toBe(200);
    expect(root.body.toString()).toContain('href="snapshots/"');
    expect(root.body.toString()).toContain('href="deb/"');
  });

  it('serves index.html for a folder that has one (PEP 503 simple index)', async () => {
    const r = await get('/pypi/wheels/simple/');
    expect(r.body.toString()).toBe('<a href="six/">six</a> A');
  });

  it('answers 404 for missing files and 405 for other methods', async () => {
    expect((await get('/file/images/missing.qcow2')).status).toBe(404);
    expect((await get('/file/nope/')).status).toBe(404);
    expect((await get('/file/images/notes.txt/')).status).toBe(404);
    expect((await get('/elsewhere')).status).toBe(404);
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const r = await get('/file/images/notes.txt', { method });
      expect(r.status).toBe(405);
      expect(r.headers.allow).toBe('GET, HEAD');
    }
  });

  it('serves every retained snapshot under /snapshots/<id>/, immutable', async () => {
    const r = await get(`/snapshots/${B}/file/images/cirros.qcow2`);
    expect(r.status).toBe(200);
    expect(r.body.equals(qcowB)).toBe(true);
    expect(r.headers.etag).toBe(`"${state.sha256(qcowB)}"`);
    expect(r.headers['x-ferry-snapshot']).toBe(B);
    expect(r.headers['cache-control']).toContain('immutable');
    expect((await get(`/snapshots/${A}/deb/debian/dists/bookworm/Release`)).body.toString()).toContain('Tag: A');
    const list = await get('/snapshots/');
    expect(list.status).toBe(200);
    expect(list.body.toString()).toContain(`href="${A}/"`);
    expect(list.body.toString()).toContain(`href="${B}/"`);
    expect((await get('/snapshots')).headers.location).toBe('/snapshots/');
    expect((await get(`/snapshots/${B}`)).headers.location).toBe(`/snapshots/${B}/`);
    expect((await get(`/snapshots/${B}/file`)).headers.location).toBe(`/snapshots/${B}/file/`);
    expect((await get(`/snapshots/${B}/`)).body.toString()).toContain('href="file/"');
    expect((await get('/snapshots/20990101T000000Z-00000000/')).status).toBe(404);
    expect((await get('/snapshots/secret.txt/')).status).toBe(404);
  });
});

describe('ferry serve while current is switched', () => {
  let state: FakeState;
  let server: RunningServer;
  const bigA = randomBytes(8 * 1024 * 1024);
  const bigB = randomBytes(8 * 1024 * 1024);

  beforeAll(async () => {
    state = await makeFakeState();
    await state.addSnapshot(A, [{ path: 'file/big/blob.bin', body: bigA }]);
    await state.addSnapshot(B, [{ path: 'file/big/blob.bin', body: bigB }]);
    await state.publish(A);
    server = await startServer({ stateDir: state.stateDir, port: 0 });
  });

  afterAll(async () => {
    await server?.close();
    await state?.cleanup();
  });

  it('answers 404 before anything is published, then serves the published snapshot', async () => {
    const empty = await makeFakeState();
    const s = await startServer({ stateDir: empty.stateDir, port: 0 });
    try {
      expect((await httpGet(s.port, '/')).status).toBe(404);
      expect((await httpGet(s.port, '/file/x/y')).status).toBe(404);
      expect((await httpGet(s.port, '/snapshots/')).status).toBe(200);
    } finally {
      await s.close();
      await empty.cleanup();
    }
  });

  it('finishes a download begun before a publish from the old snapshot', async () => {
    await state.publish(A);
    const body = await new Promise<Buffer>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server.port, path: '/file/big/blob.bin', agent: false }, (res) => {
        const chunks: Buffer[] = [];
        let switched = false;
        res.on('data', (c: Buffer) => {
          chunks.push(c);
          if (switched) return;
          switched = true;
          res.pause();
          state.publish(B).then(() => setTimeout(() => res.resume(), 20), reject);
        });
        res.on('end', () => resolve(Buffer.concat(chunks)));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    expect(body.equals(bigA)).toBe(true);
    expect((await httpGet(server.port, '/file/big/blob.bin')).body.equals(bigB)).toBe(true);
  });

  it('never mixes two snapshots in one answer', async () => {
    const sha = { [state.sha256(bigA)]: A, [state.sha256(bigB)]: B };
    const seen = new Set<string>();
    let switching = true;
    const switcher = (async () => {
      for (let i = 0; switching; i++) {
        await state.publish(i % 2 === 0 ? B : A);
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    try {
      for (let round = 0; round < 4; round++) {
        const answers = await Promise.all([0, 1, 2].map(() => httpGet(server.port, '/file/big/blob.bin')));
        for (const r of answers) {
          expect(r.status).toBe(200);
          const id = sha[state.sha256(r.body)];
          expect(id).toBeDefined();
          expect(r.headers['x-ferry-snapshot']).toBe(id);
          expect(r.headers.etag).toBe(`"${state.sha256(r.body)}"`);
          seen.add(id);
        }
      }
    } finally {
      switching = false;
      await switcher;
    }
    await state.publish(B);
    const after = await httpGet(server.port, '/file/big/blob.bin');
    expect(after.body.equals(bigB)).toBe(true);
    expect(seen.size).toBeGreaterThan(0);
  });
});

describe('ferry serve across a rollback (issue 10: never a 304 for another snapshot)', () => {
  let state: FakeState;
  let server: RunningServer;
  const now = Date.now();
  const NEW = '20261121T230000Z-cccccccc';
  const OLD = '20261121T200000Z-dddddddd';
  const path = '/deb/debian/dists/bookworm/InRelease';
  const get = (headers: Record<string, string> = {}) => httpGet(server.port, path, { headers });

  beforeAll(async () => {
    state = await makeFakeState();
    await state.addSnapshot(OLD, [{ path: path.slice(1), body: text('signed OLD'), mtimeMs: now - 3_600_000 }]);
    await state.addSnapshot(NEW, [{ path: path.slice(1), body: text('signed NEW'), mtimeMs: now - 30_000 }]);
    server = await startServer({ stateDir: state.stateDir, port: 0 });
  });

  afterAll(async () => {
    await server?.close();
    await state?.cleanup();
  });

  it('sends the newer copy, then the rolled-back one, then the newer one again, whatever date the client holds', async () => {
    await state.publish(NEW, { atMs: now - 20_000 });
    const fromNew = await get();
    expect(fromNew.body.toString()).toBe('signed NEW');
    const newDate = fromNew.headers['last-modified'] ?? '';
    expect(Date.parse(newDate)).toBe(Math.floor((now - 20_000) / 1000) * 1000);
    expect((await get({ 'if-modified-since': newDate })).status).toBe(304);

    await state.publish(OLD, { atMs: now - 10_000 });
    const fromOld = await get({ 'if-modified-since': newDate });
    expect(fromOld.status).toBe(200);
    expect(fromOld.body.toString()).toBe('signed OLD');
    const oldDate = fromOld.headers['last-modified'] ?? '';
    // The rolled-back file is dated by its publish, not by its (older) mtime.
    expect(Date.parse(oldDate)).toBe(Math.floor((now - 10_000) / 1000) * 1000);

    await state.publish(NEW, { atMs: now - 5_000 });
    for (const held of [oldDate, newDate]) {
      const again = await get({ 'if-modified-since': held });
      expect({ held, status: again.status, body: again.body.toString() }).toEqual({ held, status: 200, body: 'signed NEW' });
    }
  });

  it('sends no Last-Modified during the second of a publish, so no date can name two contents', async () => {
    await state.publish(OLD);
    const r = await get({ 'if-modified-since': new Date(now + 60_000).toUTCString() });
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('signed OLD');
    expect(r.headers['last-modified']).toBeUndefined();
    expect(r.headers.etag).toBe(`"${state.sha256(text('signed OLD'))}"`);
  });

  it('dates a retained snapshot by its files, which never change', async () => {
    const r = await httpGet(server.port, `/snapshots/${OLD}${path}`);
    expect(Date.parse(r.headers['last-modified'] ?? '')).toBe(Math.floor((now - 3_600_000) / 1000) * 1000);
    expect((await httpGet(server.port, `/snapshots/${OLD}${path}`, { headers: { 'if-modified-since': r.headers['last-modified'] ?? '' } })).status).toBe(304);
  });
});
