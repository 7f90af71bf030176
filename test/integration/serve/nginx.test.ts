import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { chmod, mkdir, realpath, symlink, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { renderNginxServerBlock } from '../../../src/serve/nginx-config.js';
import { makeFakeState, type FakeState } from './fake-state.js';
import { httpGet } from './http-get.js';
import { findNginx, startNginx, type RunningNginx } from './nginx-runner.js';

const A = '20261121T210000Z-aaaaaaaa';
const B = '20261121T220000Z-bbbbbbbb';

describe('the generated nginx configuration (real nginx)', () => {
  let state: FakeState;
  let nginx: RunningNginx;
  const qcowA = randomBytes(100_000);
  const qcowB = randomBytes(50_000);
  const get = (target: string, headers?: Record<string, string>) => httpGet(nginx.port, target, { headers });

  beforeAll(async () => {
    state = await makeFakeState();
    // nginx workers run as an unprivileged user: the fixture must be readable by them.
    await chmod(state.base, 0o755);
    for (const [id, qcow] of [[A, qcowA], [B, qcowB]] as const) {
      await state.addSnapshot(id, [
        { path: 'file/images/cirros.qcow2', body: qcow },
        { path: 'deb/debian/dists/bookworm/InRelease', body: Buffer.from(`signed ${id}\n`) },
        { path: 'deb/debian/pool/main/h/hello/hello_2.10-3_amd64.deb', body: Buffer.from('deb') },
        { path: 'pypi/wheels/simple/index.html', body: Buffer.from('<a href="six/">six</a>') },
      ]);
    }
    await symlink(join(state.base, 'secret.txt'), join(state.stateDir, 'snapshots', A, 'tree', 'file/images/escape'));
    await state.publish(A);
    const stateDir = await realpath(state.stateDir);
    nginx = await startNginx({ dir: state.base, serverBlock: (port) => renderNginxServerBlock({ stateDir, listen: `127.0.0.1:${port}` }) });
  });

  afterAll(async () => {
    await nginx?.stop();
    await state?.cleanup();
  });

  it('passes `nginx -t` with no warning, next to the stock mime.types (issue 10: duplicate MIME type "text/html")', async () => {
    const dir = join(state.base, 'nginx-t');
    await mkdir(dir, { recursive: true });
    const conf = join(dir, 'nginx.conf');
    const block = renderNginxServerBlock({ stateDir: await realpath(state.stateDir), listen: '127.0.0.1:1' });
    await writeFile(conf, `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n    include /etc/nginx/mime.types;\n    access_log off;\n${block}}\n`);
    const { stderr } = await promisify(execFile)(await findNginx(), ['-t', '-q', '-p', dir, '-c', conf]);
    expect(stderr).toBe('');
  });

  it('serves a file of the current snapshot, whole and by range', async () => {
    const r = await get('/file/images/cirros.qcow2');
    expect(r.status).toBe(200);
    expect(r.body.equals(qcowA)).toBe(true);
    expect(r.headers['content-type']).toBe('application/octet-stream');
    expect(r.headers['content-length']).toBe(String(qcowA.length));
    const part = await get('/file/images/cirros.qcow2', { range: 'bytes=10-19' });
    expect(part.status).toBe(206);
    expect(part.body.equals(qcowA.subarray(10, 20))).toBe(true);
  });

  it('never answers 304 for the published tree, whose files a rollback changes (issue 10)', async () => {
    const r = await get('/deb/debian/dists/bookworm/InRelease');
    expect(r.headers.etag).toBeUndefined();
    const lastModified = r.headers['last-modified'] ?? '';
    expect(Date.parse(lastModified)).not.toBeNaN();
    for (const since of [lastModified, new Date(Date.parse(lastModified) + 3_600_000).toUTCString()]) {
      expect((await get('/deb/debian/dists/bookworm/InRelease', { 'if-modified-since': since })).status).toBe(200);
    }
    // A retained snapshot's URL never changes content: its validators work.
    const kept = await get(`/snapshots/${A}/deb/debian/dists/bookworm/InRelease`);
    expect(kept.headers.etag).toBeDefined();
    expect((await get(`/snapshots/${A}/deb/debian/dists/bookworm/InRelease`, { 'if-none-match': kept.headers.etag ?? '' })).status).toBe(304);
    const keptDate = kept.headers['last-modified'] ?? '';
    expect((await get(`/snapshots/${A}/deb/debian/dists/bookworm/InRelease`, { 'if-modified-since': keptDate })).status).toBe(304);
    const later = new Date(Date.parse(keptDate) + 3_600_000).toUTCString();
    expect((await get(`/snapshots/${A}/deb/debian/dists/bookworm/InRelease`, { 'if-modified-since': later })).status).toBe(200);
  });

  it('gives the same content types as ferry serve', async () => {
    expect((await get('/deb/debian/dists/bookworm/InRelease')).headers['content-type']).toBe('text/plain; charset=utf-8');
    expect((await get('/deb/debian/pool/main/h/hello/hello_2.10-3_amd64.deb')).headers['content-type']).toBe(
      'application/vnd.debian.binary-package',
    );
    const simple = await get('/pypi/wheels/simple/');
    expect(simple.status).toBe(200);
    expect(simple.body.toString()).toBe('<a href="six/">six</a>');
  });

  it('serves retained snapshots under /snapshots/<id>/ and follows a publish at once', async () => {
    const r = await get(`/snapshots/${B}/file/images/cirros.qcow2`);
    expect(r.status).toBe(200);
    expect(r.body.equals(qcowB)).toBe(true);
    expect(r.headers['cache-control']).toContain('immutable');
    expect((await get(`/snapshots/${A}/deb/debian/dists/bookworm/InRelease`)).headers['content-type']).toBe('text/plain; charset=utf-8');
    expect((await get(`/snapshots/${B}`)).status).toBe(301);
    expect((await get(`/snapshots/${B}/file/images/`)).body.toString()).toContain('cirros.qcow2');
    await state.publish(B);
    try {
      expect((await get('/file/images/cirros.qcow2')).body.equals(qcowB)).toBe(true);
    } finally {
      await state.publish(A);
    }
  });

  it.each(['/../secret.txt', '/%2e%2e/%2e%2e/secret.txt', '/file/images/..%2f..%2f..%2f..%2f..%2fsecret.txt', `/snapshots/${A}/../../../secret.txt`, '/file/images/escape', `/snapshots/${A}/file/images/escape`, '/snapshots/../secret.txt'])(
    'never serves anything outside the tree: %s',
    async (target) => {
      const r = await get(target);
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.body.toString()).not.toContain(state.secret);
    },
  );
});
