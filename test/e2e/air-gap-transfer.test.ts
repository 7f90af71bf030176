/**
 * Air-gap transfer through the real CLI (issue 17): a connected site applies the example model,
 * exports its snapshot (full, then the delta of the next commit), and an offline site that
 * shares nothing with it imports the bundles and publishes them with `ferry apply` and nothing
 * fetched, serves them, and rolls back on a revert. Tampered, truncated, wrongly signed and
 * baseless bundles are refused with nothing built.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, openSync, readFileSync, readdirSync, readlinkSync, rmSync, truncateSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { startExampleUpstream, type ExampleUpstream } from '../../examples/upstream/serve.js';
import { startServer } from '../../src/serve/server.js';
import { CIRROS_063, LAB_NODE, ModelRepo } from '../helpers/model-repo.js';
import { runFerry } from '../helpers/run-ferry.js';

let upstream: ExampleUpstream;
const temps: string[] = [];
const tempDir = (prefix: string) => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  temps.push(d);
  return d;
};

beforeAll(async () => {
  upstream = await startExampleUpstream();
});
afterAll(async () => {
  await upstream.close();
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

const ok = async (args: string[]) => {
  const run = await runFerry(args);
  if (run.code !== 0) throw new Error(`ferry ${args[0]} exited ${run.code}: ${run.stderr}${run.stdout}`);
  return run.stdout;
};
const fail = async (args: string[]) => {
  const run = await runFerry(args);
  expect(run.code).not.toBe(0);
  return `${run.stderr}${run.stdout}`;
};
const json = async <T>(args: string[]) => JSON.parse(await ok([...args, '--json'])) as T;
const apply = (repo: ModelRepo, state: string) => json<{ outcome: string; snapshot: string; stats: { requests: number; bytesFetched: number } }>(['apply', '--repo', repo.dir, '--ref', 'main', '--node', LAB_NODE, '--state', state]);
const current = (state: string) => basename(readlinkSync(join(state, 'current')));
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
type Exported = { snapshot: string; blobs: number; bytes: number; volumes: string[]; written: string[] };
type Imported = { snapshot: string; source: string; outcome: string; blobsAdded: number };

describe('air-gap transfer', () => {
  it('exports a snapshot and its delta, imports them offline, publishes, serves and rolls back with nothing fetched', async () => {
    const repo = new ModelRepo(upstream.url);
    const connected = tempDir('ferry-connected-');
    const offline = tempDir('ferry-offline-');
    const a = await apply(repo, connected);
    expect(a.outcome).toBe('published');

    const keyFile = join(tempDir('ferry-key-'), 'site.asc');
    writeFileSync(keyFile, await ok(['export', '--public-key', '--state', connected]));
    expect(readFileSync(keyFile, 'utf8')).toContain('BEGIN PGP PUBLIC KEY BLOCK');

    const full = tempDir('ferry-bundle-');
    const e1 = await json<Exported>(['export', '--state', connected, '-o', full, '--volume-size', '1M']);
    expect(e1.snapshot).toBe(a.snapshot);
    expect(e1.volumes.length).toBeGreaterThan(1);
    expect(e1.written).toEqual(e1.volumes);
    // Resumable: a second run keeps finished volumes; a lost one is written again.
    rmSync(join(full, e1.volumes[1]));
    const again = await json<Exported>(['export', '--state', connected, '-o', full, '--volume-size', '1M']);
    expect(again.written).toEqual([e1.volumes[1]]);

    // The offline site: another state, volumes on two "media".
    const second = tempDir('ferry-medium-');
    const last = e1.volumes[e1.volumes.length - 1];
    cpSync(join(full, last), join(second, last));
    rmSync(join(full, last));
    const i1 = await json<Imported>(['import', full, second, '--key', keyFile, '--state', offline]);
    expect(i1).toMatchObject({ outcome: 'imported', source: a.snapshot, blobsAdded: e1.blobs });
    expect(existsSync(join(offline, 'current'))).toBe(false);
    expect((await json<Imported>(['import', full, second, '--key', keyFile, '--state', offline])).outcome).toBe('already-imported');

    const planned = await ok(['plan', '--repo', repo.dir, '--ref', 'main', '--node', LAB_NODE, '--state', offline, '--offline']);
    expect(planned).toContain('from bundle');
    const requestsBefore = upstream.requests.length;
    const oa = await apply(repo, offline);
    expect(oa).toMatchObject({ outcome: 'reused', snapshot: i1.snapshot });
    expect(oa.stats.requests).toBe(0);
    expect(current(offline)).toBe(i1.snapshot);
    expect(upstream.requests.length).toBe(requestsBefore);

    const served = async (state: string, path: string) => {
      const server = await startServer({ stateDir: state, port: 0 });
      try {
        const res = await fetch(`${server.url}${path}`);
        return { status: res.status, sha: sha256(Buffer.from(await res.arrayBuffer())) };
      } finally {
        await server.close();
      }
    };
    const cirros062 = '/file/images-cirros/cirros-0.6.2-x86_64-disk.img';
    const fromConnected = await served(connected, cirros062);
    expect(fromConnected.status).toBe(200);
    expect(await served(offline, cirros062)).toEqual(fromConnected);

    // Commit B: the delta bundle holds only the new image's bytes.
    repo.append('classes/cluster/lab/mirror.yml', CIRROS_063);
    repo.commit('B: CirrOS 0.6.3');
    const b = await apply(repo, connected);
    expect(b.outcome).toBe('published');
    const offlinePlan = await ok(['plan', '--repo', repo.dir, '--ref', 'main', '--node', LAB_NODE, '--state', offline, '--offline']);
    expect(offlinePlan).toContain('file/images-cirros');
    const delta = tempDir('ferry-delta-');
    const e2 = await json<Exported>(['export', '--state', connected, '--from', a.snapshot, '-o', delta]);
    // The new image, plus the mirror's regenerated checksum index (a few dozen bytes).
    expect(e2.snapshot).toBe(b.snapshot);
    expect(e2.blobs).toBe(2);
    expect(e2.bytes).toBeGreaterThanOrEqual(2097275);
    expect(e2.bytes).toBeLessThan(2097275 + 1024);

    // A delta needs its base: a site that never imported A is told which snapshot is missing.
    const empty = tempDir('ferry-empty-');
    expect(await fail(['import', delta, '--key', keyFile, '--state', empty])).toContain(a.snapshot);
    expect(readdirSync(join(empty, 'snapshots')).filter((n) => !n.startsWith('.'))).toEqual([]);

    await ok(['import', delta, '--key', keyFile, '--state', offline]);
    const ob = await apply(repo, offline);
    expect(ob.outcome).toBe('reused');
    expect(ob.stats.requests).toBe(0);
    expect((await served(offline, '/file/images-cirros/cirros-0.6.3-x86_64-disk.img')).status).toBe(200);

    // The offline site's own rollback: revert the commit, apply, back to A's content.
    repo.git('revert', '--no-edit', 'HEAD');
    const back = await apply(repo, offline);
    expect(back).toMatchObject({ outcome: 'reused', snapshot: oa.snapshot });
    expect((await served(offline, '/file/images-cirros/cirros-0.6.3-x86_64-disk.img')).status).toBe(404);
    expect(await served(offline, cirros062)).toEqual(fromConnected);
  }, 400_000);

  it('refuses a tampered, truncated or wrongly signed bundle, building nothing', async () => {
    const repo = new ModelRepo(upstream.url);
    const connected = tempDir('ferry-connected-');
    await apply(repo, connected);
    const keyFile = join(tempDir('ferry-key-'), 'site.asc');
    writeFileSync(keyFile, await ok(['export', '--public-key', '--state', connected]));
    const bundle = tempDir('ferry-bundle-');
    const e = await json<Exported>(['export', '--state', connected, '-o', bundle, '--volume-size', '1M']);
    const copy = (name: string) => {
      const d = tempDir(`ferry-${name}-`);
      cpSync(bundle, d, { recursive: true });
      return d;
    };
    const nothingBuilt = (state: string) => expect(existsSync(join(state, 'snapshots')) ? readdirSync(join(state, 'snapshots')).filter((n) => !n.startsWith('.')) : []).toEqual([]);

    const tampered = copy('tampered');
    const vol = join(tampered, e.volumes[0]);
    const fd = openSync(vol, 'r+');
    writeSync(fd, Buffer.from('X'), 0, 1, 1000);
    closeSync(fd);
    const s1 = tempDir('ferry-s1-');
    const m1 = await fail(['import', tampered, '--key', keyFile, '--state', s1]);
    expect(m1).toMatch(/sha256 is [0-9a-f]{64}, the signed table of contents says [0-9a-f]{64}/);
    nothingBuilt(s1);

    const truncated = copy('truncated');
    truncateSync(join(truncated, e.volumes[0]), 1000);
    const s2 = tempDir('ferry-s2-');
    expect(await fail(['import', truncated, '--key', keyFile, '--state', s2])).toContain('truncated');
    nothingBuilt(s2);

    const forged = copy('forged');
    const toc = JSON.parse(readFileSync(join(forged, 'toc.json'), 'utf8')) as { site: string };
    writeFileSync(join(forged, 'toc.json'), JSON.stringify({ ...toc, site: 'evil' }, null, 1));
    const s3 = tempDir('ferry-s3-');
    expect(await fail(['import', forged, '--key', keyFile, '--state', s3])).toContain('not signed by a trusted key');
    const otherSite = tempDir('ferry-other-');
    await apply(new ModelRepo(upstream.url), otherSite);
    const otherKey = join(tempDir('ferry-key-'), 'other.asc');
    writeFileSync(otherKey, await ok(['export', '--public-key', '--state', otherSite]));
    expect(await fail(['import', bundle, '--key', otherKey, '--state', s3])).toContain('not signed by a trusted key');
    nothingBuilt(s3);

    // A refused bundle leaves the store usable: the good bundle imports into the same state.
    expect((await json<Imported>(['import', bundle, '--key', keyFile, '--state', s1])).outcome).toBe('imported');
    expect((await runFerry(['fsck', '--state', s1])).code).toBe(0);
  }, 400_000);
});
