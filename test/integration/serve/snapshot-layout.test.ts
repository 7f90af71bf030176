import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdir, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startServer, type RunningServer } from '../../../src/serve/server.js';
import { makeFakeState, type FakeState } from './fake-state.js';
import { httpGet } from './http-get.js';

const A = '20261121T210000Z-aaaaaaaa';
const B = '20261121T220000Z-bbbbbbbb';
const text = (s: string) => Buffer.from(s);

describe('ferry serve on unusual state folders', () => {
  let state: FakeState;
  let server: RunningServer;
  const get = (target: string) => httpGet(server.port, target);
  const snapshotDir = (id: string) => join(state.stateDir, 'snapshots', id);

  beforeAll(async () => {
    state = await makeFakeState();
    await state.addSnapshot(A, [
      { path: 'deb/debian/dists/bookworm/Release', body: text('Suite: bookworm\n') },
      { path: 'file/x/a.txt', body: text('A') },
    ]);
    await state.addSnapshot(B, [{ path: 'file/x/a.txt', body: text('B') }]);
    const tree = join(snapshotDir(A), 'tree');
    await symlink('bookworm', join(tree, 'deb/debian/dists/stable'));
    await promisify(execFile)('mkfifo', [join(tree, 'file/x/fifo')]);
    await state.publish(A);
    server = await startServer({ stateDir: state.stateDir, port: 0 });
  });

  afterAll(async () => {
    await server?.close();
    await state?.cleanup();
  });

  it('follows a folder symlink that stays inside the tree (dists/stable -> bookworm)', async () => {
    const r = await get('/deb/debian/dists/stable/Release');
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('Suite: bookworm\n');
  });

  it('refuses a FIFO planted in the tree without hanging', async () => {
    expect((await get('/file/x/fifo')).status).toBe(404);
  });

  it('accepts an absolute current link and refuses one that leads out of snapshots/', async () => {
    const link = join(state.stateDir, 'current');
    await unlink(link);
    await symlink(snapshotDir(B), link);
    expect((await get('/file/x/a.txt')).body.toString()).toBe('B');
    await unlink(link);
    await mkdir(join(state.base, 'elsewhere', 'tree', 'file', 'x'), { recursive: true });
    await writeFile(join(state.base, 'elsewhere', 'tree', 'file', 'x', 'a.txt'), state.secret);
    await symlink(join(state.base, 'elsewhere'), link);
    const r = await get('/file/x/a.txt');
    expect(r.status).toBe(404);
    expect(r.body.toString()).not.toContain(state.secret);
    await state.publish(A);
  });

  it('refuses a snapshot whose tree is a link to somewhere else', async () => {
    const id = '20261121T230000Z-cccccccc';
    await mkdir(snapshotDir(id));
    await writeFile(join(snapshotDir(id), 'manifest.json'), '{"resources":[]}');
    await symlink(join(state.base, 'elsewhere', 'tree'), join(snapshotDir(id), 'tree'));
    expect((await get(`/snapshots/${id}/file/x/a.txt`)).status).toBe(404);
    await rm(snapshotDir(id), { recursive: true });
  });

  it('serves the current snapshot without a manifest, but lists only snapshots that have one', async () => {
    await rename(join(snapshotDir(B), 'manifest.json'), join(snapshotDir(B), 'manifest.away'));
    try {
      await state.publish(B);
      await new Promise((r) => setTimeout(r, 1100)); // facts about a snapshot are re-checked once a second
      const r = await get('/file/x/a.txt');
      expect(r.body.toString()).toBe('B');
      expect(r.headers.etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+-[0-9a-f]+"$/);
      expect((await get(`/snapshots/${B}/file/x/a.txt`)).status).toBe(404);
      expect((await get('/snapshots/')).body.toString()).not.toContain(`href="${B}/"`);
    } finally {
      await rename(join(snapshotDir(B), 'manifest.away'), join(snapshotDir(B), 'manifest.json'));
      await state.publish(A);
      await new Promise((r) => setTimeout(r, 1100));
    }
  });

  it('notices a snapshot deleted and rebuilt under the same id', async () => {
    expect((await get(`/snapshots/${B}/file/x/a.txt`)).body.toString()).toBe('B');
    await rm(snapshotDir(B), { recursive: true });
    expect((await get(`/snapshots/${B}/file/x/a.txt`)).status).toBe(404);
    await state.addSnapshot(B, [{ path: 'file/x/a.txt', body: text('B2') }]);
    await new Promise((r) => setTimeout(r, 1100));
    const r = await get(`/snapshots/${B}/file/x/a.txt`);
    expect(r.body.toString()).toBe('B2');
    expect(r.headers.etag).toBe(`"${state.sha256(text('B2'))}"`);
  });
});
