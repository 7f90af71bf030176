import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import { parseRelease } from '../../../src/drivers/deb/format/release.js';
import type { Resource } from '../../../src/core/resource.js';
import type { FerryError } from '../../../src/core/ferry-error.js';
import { makeGpgKey, type GpgKey } from '../../helpers/deb-gpg.js';
import { makeUpstream, writeArchive, writeFlat, buildPackages, type FixturePackage, type UpstreamRepo } from '../../helpers/deb-repo.js';
import { startStaticServer, type StaticServer } from '../../helpers/deb-http.js';
import { debResource, desiredOf, generateDeb, makeTestContext, manifestOf, resolveDeb, type TestContext } from '../../helpers/deb-context.js';

const run = promisify(execFile);

const OS: FixturePackage[] = [
  { name: 'app', version: '2.0-1', depends: 'libfoo (>= 1.2), python3:any, mta | mail-transport-agent', preDepends: 'base-init', recommends: 'docs-pkg' },
  { name: 'libfoo', version: '1.0-1' },
  { name: 'libfoo', version: '1.3-1' },
  { name: 'python3', version: '3.11.2-1', multiArch: 'allowed' },
  { name: 'postfix', version: '3.7-1', provides: 'mail-transport-agent' },
  { name: 'base-init', version: '1', priority: 'required' },
  { name: 'docs-pkg', version: '1.0', arch: 'all' },
  { name: 'foo-dbg', version: '1.0', section: 'debug' },
  { name: 'broken', version: '1.0', depends: 'does-not-exist (>= 2)' },
  { name: 'contrib-tool', version: '0.1', component: 'contrib', depends: 'libfoo' },
];
const PRODUCT: FixturePackage[] = [{ name: 'product-app', version: '5.0', depends: 'libfoo (>= 1.3), product-data' }, { name: 'product-data', version: '5.0', arch: 'all' }];

let key: GpgKey;
let root: string;
let server: StaticServer;
let os: UpstreamRepo;
let t: TestContext;
let resources: Resource[] = [];

const names = (files: Array<{ path: string }>) => files.map((f) => f.path.split('/').pop()).sort();

beforeAll(async () => {
  key = await makeGpgKey();
  root = await mkdtemp(join(tmpdir(), 'ferry-deb-up-'));
  os = await makeUpstream(join(root, 'debian'), OS, { key, components: ['main', 'contrib'], byHash: true, real: false });
  await makeUpstream(join(root, 'product'), PRODUCT, { key, sign: 'release.gpg', real: false });
  server = await startStaticServer(root);
  t = await makeTestContext(() => desiredOf(resources));
}, 60_000);

afterAll(async () => {
  await server?.close();
  await t?.cleanup();
  await key?.destroy();
  await rm(root, { recursive: true, force: true });
});

function mirror(name: string, spec: Record<string, unknown>): Resource {
  const r = debResource(name, { url: `${server.url}/debian`, suites: ['bookworm'], components: ['main'], architectures: ['amd64'], keys: [key.publicArmored], ...spec });
  resources = [...resources.filter((x) => x.name !== name), r];
  return r;
}

describe('deb driver: full mirror', () => {
  it('mirrors every package and publishes signed dists apt can verify', async () => {
    const r = mirror('os-full', { components: ['main', 'contrib'] });
    const res = await resolveDeb(r, t.ctx());
    expect(res.files).toHaveLength(OS.length);
    expect(res.files.every((f) => f.path.startsWith('pool/') && f.url === `${server.url}/debian/${f.path}`)).toBe(true);
    const gen = await generateDeb(r, res, t.ctx());
    const byPath = new Map(gen.map((g) => [g.path, g.content]));
    const rel = parseRelease(Buffer.from(byPath.get('dists/bookworm/Release')!).toString());
    expect(rel.acquireByHash).toBe(true);
    for (const e of rel.entries.values()) {
      const content = byPath.get(`dists/bookworm/${e.path}`)!;
      expect(content).toBeDefined();
      expect(createHash('sha256').update(content).digest('hex')).toBe(e.sha256);
      expect(createHash('sha512').update(content).digest('hex')).toBe(e.sha512);
      expect(e.md5 && e.sha1).toBeTruthy();
      const dir = e.path.split('/').slice(0, -1).join('/');
      expect(byPath.get(`dists/bookworm/${dir}/by-hash/SHA256/${e.sha256}`)).toEqual(content);
    }
    const packages = Buffer.from(byPath.get('dists/bookworm/main/binary-amd64/Packages')!).toString();
    expect(packages.match(/^Package: /gm)).toHaveLength(9);
    expect(packages).toContain('Filename: pool/main/d/docs-pkg/docs-pkg_1.0_all.deb');
    // gpgv checks what openpgp.js signed, with the published key.
    const dir = await mkdtemp(join(tmpdir(), 'ferry-gpgv-'));
    await writeFile(join(dir, 'key.gpg'), byPath.get('archive-key.gpg')!);
    await writeFile(join(dir, 'InRelease'), byPath.get('dists/bookworm/InRelease')!);
    await writeFile(join(dir, 'Release'), byPath.get('dists/bookworm/Release')!);
    await writeFile(join(dir, 'Release.gpg'), byPath.get('dists/bookworm/Release.gpg')!);
    await run('gpgv', ['--keyring', join(dir, 'key.gpg'), join(dir, 'InRelease')]);
    await run('gpgv', ['--keyring', join(dir, 'key.gpg'), join(dir, 'Release.gpg'), join(dir, 'Release')]);
    await rm(dir, { recursive: true, force: true });
    expect(Buffer.from(byPath.get('archive-key.asc')!).toString()).toContain('BEGIN PGP PUBLIC KEY BLOCK');
    // Release Date is upstream's, never later than the publish time (a rollback must not serve an
    // older Date than the snapshot it replaces: apt would keep the newer one).
    expect(rel.date!.getTime()).toBeLessThanOrEqual(Date.now());
    // Deterministic: generating again at the same publish time gives the same bytes.
    const second = await resolveDeb(r, t.ctx());
    (second.scratch as { date: Date }).date = (res.scratch as { date: Date }).date;
    const again = await generateDeb(r, second, t.ctx());
    expect(new Map(again.map((g) => [g.path, Buffer.from(g.content).toString('base64')]))).toEqual(new Map(gen.map((g) => [g.path, Buffer.from(g.content).toString('base64')])));
  });

  it('reads Release + Release.gpg when there is no InRelease', async () => {
    const r = mirror('product-full', { url: `${server.url}/product` });
    const res = await resolveDeb(r, t.ctx());
    expect(names(res.files)).toEqual(['product-app_5.0_amd64.deb', 'product-data_5.0_all.deb']);
  });
});

describe('deb driver: partial mirrors', () => {
  it('takes the dependency closure: Pre-Depends, versions, :any, alternatives, virtual packages', async () => {
    const r = mirror('os-app', { packages: ['app'] });
    const res = await resolveDeb(r, t.ctx());
    expect(names(res.files)).toEqual(['app_2.0-1_amd64.deb', 'base-init_1_amd64.deb', 'libfoo_1.3-1_amd64.deb', 'postfix_3.7-1_amd64.deb', 'python3_3.11.2-1_amd64.deb']);
    expect(res.warnings ?? []).toEqual([]);
    const gen = await generateDeb(r, res, t.ctx());
    const packages = Buffer.from(gen.find((g) => g.path === 'dists/bookworm/main/binary-amd64/Packages')!.content).toString();
    expect(packages.match(/^Package: (.*)$/gm)).toEqual(['Package: app', 'Package: base-init', 'Package: libfoo', 'Package: postfix', 'Package: python3']);
  });

  it('adds Recommends when asked', async () => {
    const res = await resolveDeb(mirror('os-app-rec', { packages: ['app'], with_recommends: true }), t.ctx());
    expect(names(res.files)).toContain('docs-pkg_1.0_all.deb');
  });

  it('selects with aptly filter queries across components', async () => {
    const r = mirror('os-filter', { components: ['main', 'contrib'], filter: 'Priority (required) | contrib-tool | (Section (debug), !Name (% *-dbg))', with_deps: true });
    const res = await resolveDeb(r, t.ctx());
    expect(names(res.files)).toEqual(['base-init_1_amd64.deb', 'contrib-tool_0.1_amd64.deb', 'libfoo_1.3-1_amd64.deb']);
  });

  it('follows dependencies of a filter only when with_deps says so (aptly filter_with_deps)', async () => {
    const plain = await resolveDeb(mirror('os-filter-nodeps', { filter: 'app' }), t.ctx());
    expect(names(plain.files)).toEqual(['app_2.0-1_amd64.deb']);
  });

  it('adds Priority required and important packages with with_required', async () => {
    const res = await resolveDeb(mirror('os-required', { packages: [], with_required: true }), t.ctx());
    expect(names(res.files)).toEqual(['base-init_1_amd64.deb']);
  });

  it('takes upstream keys from key_urls; short key_ids are refused', async () => {
    await writeFile(join(root, 'debian', 'archive.asc'), key.publicArmored);
    const res = await resolveDeb(mirror('os-keyurl', { keys: undefined, key_urls: [`${server.url}/debian/archive.asc`], packages: ['libfoo'] }), t.ctx());
    expect(names(res.files)).toEqual(['libfoo_1.3-1_amd64.deb']);
    await expect(resolveDeb(mirror('os-keyids', { keys: undefined, key_ids: ['A1B2C3D4'] }), t.ctx())).rejects.toThrow(/key_ids\.0: .*short key ID/);
  });

  it('reports unresolvable relations per package', async () => {
    const res = await resolveDeb(mirror('os-broken', { packages: ['broken'] }), t.ctx());
    expect(names(res.files)).toEqual(['broken_1.0_amd64.deb']);
    expect(res.warnings?.map((w) => [w.code, w.data.package, w.data.relation])).toEqual([['FERRY_UNRESOLVED_DEPENDENCY', 'broken_1.0_amd64', 'does-not-exist (>= 2)']]);
  });

  it('fails when a named package does not exist', async () => {
    await expect(resolveDeb(mirror('os-missing', { packages: ['nope'] }), t.ctx())).rejects.toMatchObject({ code: 'FERRY_UNRESOLVED_DEPENDENCY', data: { expected: ['nope'] } });
  });

  it('resolves across bases without copying them (aptly#357)', async () => {
    mirror('debian', { components: ['main', 'contrib'] });
    const r = mirror('product', { url: `${server.url}/product`, packages: ['product-app'], bases: ['debian'] });
    const res = await resolveDeb(r, t.ctx());
    expect(names(res.files)).toEqual(['product-app_5.0_amd64.deb', 'product-data_5.0_all.deb']);
    expect(res.warnings ?? []).toEqual([]);
    const alone = await resolveDeb(mirror('product-alone', { url: `${server.url}/product`, packages: ['product-app'] }), t.ctx());
    expect(alone.warnings?.map((w) => w.data.relation)).toEqual(['libfoo (>= 1.3)']);
  });
});

describe('deb driver: refresh across bases', () => {
  it('a base mirror whose spec changed means the selection is made again, even with every Release unchanged', async () => {
    mirror('debian-b', { components: ['main'] });
    const r = mirror('product-b', { url: `${server.url}/product`, packages: ['product-app'], bases: ['debian-b'] });
    const first = await resolveDeb(r, t.ctx({ refresh: true }));
    const gen = await generateDeb(r, first, t.ctx());
    const previous = await manifestOf(r, first.files, gen, t.blobs, gen.upstream ?? first.upstream);
    expect((await resolveDeb(r, t.ctx({ refresh: true, previous }))).unchanged).toBe(true);
    mirror('debian-b', { components: ['main', 'contrib'] });
    const again = await resolveDeb(r, t.ctx({ refresh: true, previous }));
    expect(again.unchanged).toBeUndefined();
    expect((again.scratch as { reuse?: unknown }).reuse).toBeUndefined();
  });
});

describe('deb driver: sources, udebs, architectures, flat repositories', () => {
  beforeAll(async () => {
    await makeUpstream(
      join(root, 'extra'),
      [
        { name: 'a', version: '1.0' },
        { name: 'a', version: '1.0', arch: 'arm64' },
        { name: 'b', version: '2.0', arch: 'all' },
        { name: 'c', version: '3.0', source: 'csrc', depends: 'b' },
      ],
      { key, architectures: ['amd64', 'arm64'], udebs: [{ name: 'di-a', version: '1.0' }], sources: true, real: false },
    );
    const flat = await buildPackages(join(root, 'flat'), [{ name: 'f', version: '1' }, { name: 'g', version: '1', depends: 'f' }], { real: false });
    await writeFlat(join(root, 'flat', 'repo'), flat, { key });
  });

  it('mirrors source packages and udebs for several architectures', async () => {
    const r = mirror('extra-full', { url: `${server.url}/extra`, architectures: ['amd64', 'arm64'], with_sources: true, with_udebs: true });
    const res = await resolveDeb(r, t.ctx());
    expect(names(res.files)).toEqual(['a_1.0.dsc', 'a_1.0.tar.xz', 'a_1.0_amd64.deb', 'a_1.0_arm64.deb', 'b_2.0.dsc', 'b_2.0.tar.xz', 'b_2.0_all.deb', 'c_3.0_amd64.deb', 'csrc_3.0.dsc', 'csrc_3.0.tar.xz', 'di-a_1.0_amd64.udeb']);
    const gen = new Map((await generateDeb(r, res, t.ctx())).map((g) => [g.path, Buffer.from(g.content).toString()]));
    expect(gen.get('dists/bookworm/main/binary-arm64/Packages')?.match(/^Package: .*$/gm)).toEqual(['Package: a', 'Package: b']);
    expect(gen.get('dists/bookworm/main/debian-installer/binary-amd64/Packages')).toContain('Filename: pool/main/d/di-a/di-a_1.0_amd64.udeb');
    expect(gen.get('dists/bookworm/main/source/Sources')?.match(/^Package: .*$/gm)).toEqual(['Package: a', 'Package: b', 'Package: csrc']);
    expect(gen.get('dists/bookworm/Release')).toMatch(/^Architectures: amd64 arm64$/m);
  });

  it('takes the source packages of a partial selection', async () => {
    const res = await resolveDeb(mirror('extra-c', { url: `${server.url}/extra`, packages: ['c'], with_sources: true }), t.ctx());
    expect(names(res.files)).toEqual(['b_2.0.dsc', 'b_2.0.tar.xz', 'b_2.0_all.deb', 'c_3.0_amd64.deb', 'csrc_3.0.dsc', 'csrc_3.0.tar.xz']);
  });

  it('mirrors several suites, resolving across them', async () => {
    const up = join(root, 'suites');
    await makeUpstream(up, [{ name: 'base', version: '1.0' }, { name: 'tool', version: '1.0', depends: 'base' }], { key, real: false });
    await makeUpstream(up, [{ name: 'tool', version: '1.1', depends: 'base (>= 1.0)' }], { key, suite: 'bookworm-updates', real: false });
    const r = mirror('two-suites', { url: `${server.url}/suites`, suites: ['bookworm', 'bookworm-updates'], packages: ['tool'] });
    const res = await resolveDeb(r, t.ctx());
    expect(names(res.files)).toEqual(['base_1.0_amd64.deb', 'tool_1.1_amd64.deb']);
    const gen = new Map((await generateDeb(r, res, t.ctx())).map((g) => [g.path, Buffer.from(g.content).toString()]));
    expect(gen.get('dists/bookworm/main/binary-amd64/Packages')?.match(/^Package: .*$/gm)).toEqual(['Package: base']);
    expect(gen.get('dists/bookworm-updates/main/binary-amd64/Packages')?.match(/^Package: .*$/gm)).toEqual(['Package: tool']);
    expect(gen.get('dists/bookworm-updates/Release')).toMatch(/^Suite: bookworm-updates$/m);
  });

  it('writes Valid-Until only when the site asks for it', async () => {
    const r = mirror('valid', { url: `${server.url}/product`, packages: ['product-data'] });
    const release = async (site: Record<string, unknown>) => {
      const ctx = t.ctx({ desired: desiredOf(resources, site) });
      const gen = await generateDeb(r, await resolveDeb(r, ctx), ctx);
      return Buffer.from(gen.find((g) => g.path === 'dists/bookworm/Release')!.content).toString();
    };
    expect(await release({})).not.toMatch(/^Valid-Until:/m);
    const seven = await release({ valid_until_days: 7 });
    const date = Date.parse(/^Date: (.*)$/m.exec(seven)![1].replace('UTC', 'GMT'));
    const until = Date.parse(/^Valid-Until: (.*)$/m.exec(seven)![1].replace('UTC', 'GMT'));
    // Valid-Until counts from the publish time, whatever upstream's Date.
    expect(date).toBeLessThanOrEqual(Date.now());
    expect(Math.abs(until - (Date.now() + 7 * 86_400_000))).toBeLessThan(60_000);
  });

  it('mirrors a flat repository and publishes it flat', async () => {
    const r = mirror('flat', { url: `${server.url}/flat`, flat: true, directory: 'repo/', suites: undefined, components: undefined, packages: ['g'] });
    const res = await resolveDeb(r, t.ctx());
    expect(res.files.map((f) => f.path)).toEqual(['pool/main/f/f/f_1_amd64.deb', 'pool/main/g/g/g_1_amd64.deb']);
    const gen = await generateDeb(r, res, t.ctx());
    const paths = gen.map((g) => g.path);
    expect(paths).toEqual(expect.arrayContaining(['repo/Packages', 'repo/Packages.gz', 'repo/Packages.xz', 'repo/Release', 'repo/InRelease', 'repo/Release.gpg']));
    expect(Buffer.from(gen.find((g) => g.path === 'repo/Release')!.content).toString()).not.toMatch(/^(Suite|Components):/m);
  });
});

describe('deb driver: refresh', () => {
  it('asks for Release conditionally; unchanged upstream means one request and the same files', async () => {
    const r = mirror('os-refresh', { components: ['main', 'contrib'] });
    const first = await resolveDeb(r, t.ctx({ refresh: true }));
    const gen = await generateDeb(r, first, t.ctx());
    const previous = await manifestOf(r, first.files, gen, t.blobs, gen.upstream ?? first.upstream);
    t.fetcher.resetStats();
    const second = await resolveDeb(r, t.ctx({ refresh: true, previous }));
    expect(t.fetcher.log).toEqual([`${server.url}/debian/dists/bookworm/InRelease`]);
    expect(second.files).toEqual(first.files);
    const gen2 = await generateDeb(r, second, t.ctx());
    expect(gen2.map((g) => g.path).sort()).toEqual(gen.map((g) => g.path).sort());
    // No refresh asked and same spec: not even the Release request.
    t.fetcher.resetStats();
    await resolveDeb(r, t.ctx({ previous }));
    expect(t.fetcher.log).toEqual([]);
  });

  it('an unchanged upstream gives the published entry back as it stands, unless the signing policy changed', async () => {
    const r = mirror('os-same', {});
    const first = await resolveDeb(r, t.ctx({ refresh: true }));
    const gen = await generateDeb(r, first, t.ctx());
    const previous = await manifestOf(r, first.files, gen, t.blobs, gen.upstream ?? first.upstream);
    t.fetcher.resetStats();
    const same = await resolveDeb(r, t.ctx({ refresh: true, previous }));
    expect(same.unchanged).toBe(true);
    expect(same.files).toEqual(first.files);
    expect(t.fetcher.log).toEqual([`${server.url}/debian/dists/bookworm/InRelease`]);
    // Valid-Until is part of what was signed: a new policy means new signed files.
    const site = { valid_until_days: 7 };
    const other = await resolveDeb(r, t.ctx({ refresh: true, previous, desired: desiredOf(resources, site) }));
    expect(other.unchanged).toBeUndefined();
    const regenerated = await generateDeb(r, other, t.ctx({ desired: desiredOf(resources, site) }));
    expect(Buffer.from(regenerated.find((g) => g.path === 'dists/bookworm/Release')!.content).toString()).toMatch(/^Valid-Until: /m);
  });

  it('fetches only the changed index after new upstream packages, keeping earlier by-hash files', async () => {
    const dir = join(root, 'inc');
    await cp(join(root, 'debian'), dir, { recursive: true });
    const repo: UpstreamRepo = { ...os, dir, packages: [...os.packages] };
    const r = mirror('inc', { url: `${server.url}/inc` });
    const first = await resolveDeb(r, t.ctx({ refresh: true }));
    const gen = await generateDeb(r, first, t.ctx());
    const previous = await manifestOf(r, first.files, gen, t.blobs, gen.upstream ?? first.upstream);
    repo.packages.push(...(await buildPackages(dir, [{ name: 'newpkg', version: '1.0' }], { real: false })));
    await writeArchive(repo, { key, byHash: true, date: new Date() });
    t.fetcher.resetStats();
    const second = await resolveDeb(r, t.ctx({ refresh: true, previous }));
    const before = new Set(first.files.map((f) => f.path));
    expect(second.files.filter((f) => !before.has(f.path)).map((f) => f.path)).toEqual(['pool/main/n/newpkg/newpkg_1.0_amd64.deb']);
    // InRelease, then the main/binary-amd64 index by hash; contrib's index is unchanged.
    expect(t.fetcher.log).toHaveLength(2);
    expect(t.fetcher.log[1]).toMatch(/main\/binary-amd64\/by-hash\/SHA256\/[0-9a-f]{64}$/);
    // generate is not given ctx.previous by the pipeline: what it needs comes from resolve.
    const gen2 = await generateDeb(r, second, t.ctx());
    const oldByHash = gen.filter((g) => g.path.includes('/by-hash/')).map((g) => g.path);
    const newPaths = new Set(gen2.map((g) => g.path));
    expect(oldByHash.every((p) => newPaths.has(p))).toBe(true);
    expect(gen2.filter((g) => g.path.includes('/by-hash/')).length).toBeGreaterThan(oldByHash.length);
  });
});

describe('deb driver: bad upstreams fail the resource with the URL and field', () => {
  async function badUpstream(name: string, mutate: (dir: string, repo: UpstreamRepo) => Promise<void>, pkgs: FixturePackage[] = [{ name: 'a', version: '1' }]): Promise<FerryError> {
    const dir = join(root, name);
    const repo = await makeUpstream(dir, pkgs, { key, real: false });
    await mutate(dir, repo);
    const r = mirror(name, { url: `${server.url}/${name}` });
    try {
      await resolveDeb(r, t.ctx());
    } catch (e) {
      return e as FerryError;
    }
    throw new Error('resolve succeeded');
  }

  it('bad signature', async () => {
    const other = await makeGpgKey('Someone Else');
    try {
      const e = await badUpstream('bad-sig', async (dir, repo) => writeArchive(repo, { key: other }));
      expect(e.code).toBe('FERRY_BAD_SIGNATURE');
      expect(e.message).toContain(`${server.url}/bad-sig/dists/bookworm/InRelease`);
    } finally {
      await other.destroy();
    }
  });

  it('index checksum mismatch', async () => {
    const e = await badUpstream('bad-index', async (dir) => {
      const p = join(dir, 'dists/bookworm/main/binary-amd64/Packages.gz');
      const b = await readFile(p);
      b[b.length - 5] ^= 0xff;
      await writeFile(p, b);
    });
    expect(e.code).toBe('FERRY_DIGEST_MISMATCH');
    expect(e.data).toMatchObject({ url: `${server.url}/bad-index/dists/bookworm/main/binary-amd64/Packages.gz`, field: 'SHA256' });
  });

  it('malformed stanza', async () => {
    const e = await badUpstream('bad-stanza', async () => undefined, [{ name: 'a', version: '1', extra: 'this line has no colon' }]);
    expect(e.code).toBe('FERRY_BAD_INDEX');
    expect(e.message).toContain('/bad-stanza/dists/bookworm/main/binary-amd64/Packages.gz');
    expect(e.data.line).toBe(12);
  });

  it('missing SHA256 field', async () => {
    const e = await badUpstream('bad-field', async (dir, repo) => {
      repo.packages[0].sha256 = 'xyz';
      await writeArchive(repo, { key });
    });
    expect(e.code).toBe('FERRY_BAD_INDEX');
    expect(e.data.field).toBe('SHA256');
  });

  it('Filename escaping the mirror root', async () => {
    const e = await badUpstream('bad-path', async () => undefined, [{ name: 'a', version: '1', filename: '../../x' }]);
    expect(e.code).toBe('FERRY_UNSAFE_PATH');
    expect(e.message).toContain('Filename');
    expect(e.message).toContain(`${server.url}/bad-path/dists/bookworm/main/binary-amd64/Packages`);
    expect(e.message).toContain('../../x');
  });
});
