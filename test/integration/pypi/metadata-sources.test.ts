/**
 * Issue 16: where a pypi mirror reads dependencies from when it keeps no wheel of a version, and
 * indexes that give md5 instead of sha256.
 *
 * - A wheel the mirror does not keep (another platform's), with no PEP 658 file: its METADATA is
 *   read with HTTP ranges (the zip's tail, then the entry), not the whole wheel; a server that
 *   ignores Range (200) still works, through the whole file.
 * - A version with only an sdist: its PKG-INFO's Requires-Dist is followed when PEP 643 allows
 *   (Metadata-Version >= 2.2, not Dynamic); otherwise the resolution's notes (the plan) name it.
 * - An index with md5 (or sha1) only, as old devpi and pypiserver give: pip accepts them, so does
 *   Ferry, checking the digest as given and recording the sha256; a lying md5 fails naming the
 *   project, file and URL; a file with no digest at all is refused.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toFerryErrors } from '../../../src/core/ferry-error.js';
import { hashValue } from '../../../src/core/hash.js';
import { silentLogger } from '../../../src/core/logger.js';
import type { Resource } from '../../../src/core/resource.js';
import { pypiDriver } from '../../../src/drivers/pypi/driver.js';
import type { PypiUpstream } from '../../../src/drivers/pypi/resolve.js';
import { parseProjectPage } from '../../../src/drivers/pypi/simple-index.js';
import { parsePypiSpec, withPypiDefaults } from '../../../src/drivers/pypi/spec.js';
import type { DriverContext } from '../../../src/drivers/types.js';
import { formatPlan } from '../../../src/plan/format-plan.js';
import { planResources } from '../../../src/plan/plan.js';
import { planResolved } from '../../../src/reconcile/apply-sync.js';
import { FsBlobStore } from '../../../src/store/blob-store.js';
import { createHttpFetcher } from '../../../src/transport/http-fetcher.js';
import type { Fetcher } from '../../../src/transport/types.js';
import { makeSdist, makeWheel, startPypiUpstream, writeUpstream, type PypiUpstreamServer, type UpstreamProject } from '../../helpers/pypi-wheels.js';

let tmp: string;
let fetcher: Fetcher;
const servers: PypiUpstreamServer[] = [];
const WIN = 'cp311-cp311-win_amd64';
const BIG = 1536 * 1024;

/** app 1.0: an sdist and a large Windows wheel (no PEP 658 file) that requires dep; dep: a pure wheel. */
function rangedProjects(): UpstreamProject[] {
  return [
    { name: 'app', files: [makeSdist('app', '1.0'), makeWheel({ name: 'app', version: '1.0', tag: WIN, requires: ['dep>=1'], payload: BIG })] },
    { name: 'dep', files: [makeWheel({ name: 'dep', version: '1.0' }), makeSdist('dep', '1.0')] },
  ];
}

function sdistProjects(): UpstreamProject[] {
  return [
    { name: 'solo', files: [makeSdist('solo', '1.0', { metadataVersion: '2.2', requires: ['dep2', 'never ; sys_platform == "win32"'], before: [{ name: `solo-1.0/${'deep/'.repeat(30)}x.py`, data: Buffer.from('x') }] })] },
    { name: 'old', files: [makeSdist('old', '1.0', { requires: ['dep3'] })] },
    { name: 'dyn', files: [makeSdist('dyn', '2.0', { metadataVersion: '2.4', dynamic: ['Requires-Dist'], requires: ['dep3'] })] },
    { name: 'dep2', files: [makeWheel({ name: 'dep2', version: '1.0' })] },
    { name: 'dep3', files: [makeWheel({ name: 'dep3', version: '1.0' })] },
    { name: 'never', files: [makeWheel({ name: 'never', version: '1.0' })] },
  ];
}

async function upstream(name: string, projects: UpstreamProject[], layout: Parameters<typeof writeUpstream>[2], options: Parameters<typeof startPypiUpstream>[1] = {}): Promise<PypiUpstreamServer> {
  await writeUpstream(join(tmp, name), projects, layout);
  const s = await startPypiUpstream(join(tmp, name), options);
  servers.push(s);
  return s;
}

async function resolve(up: PypiUpstreamServer, spec: Record<string, unknown>, state: string, previous?: DriverContext<Partial<PypiUpstream>>['previous']) {
  const full = withPypiDefaults({ index_url: up.index, ...spec });
  const resource: Resource = { kind: 'pypi', name: 'm', spec: full, hash: hashValue(full) };
  const blobs = new FsBlobStore(join(tmp, state));
  await blobs.init();
  const ctx: DriverContext<Partial<PypiUpstream>> = { fetcher, blobs, logger: silentLogger, signal: new AbortController().signal, refresh: true, desired: { site: { name: 't', retention: 2 }, resources: [resource], hash: 'x' }, stateDir: join(tmp, state), previous };
  const parsed = parsePypiSpec(full, { resource: 'pypi/m' });
  const resolution = await pypiDriver.resolve(resource, parsed, ctx);
  return { resource, parsed, resolution, blobs, ctx, paths: resolution.files.map((f) => f.path).sort() };
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'ferry-pypi-meta-'));
  fetcher = createHttpFetcher({ retries: 0 });
}, 60_000);

afterAll(async () => {
  await fetcher?.close();
  for (const s of servers) await s.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('metadata of wheels the mirror does not keep', () => {
  const spec = { projects: ['app'], with_deps: true, python_versions: ['3.11'], platforms: ['manylinux_2_28_x86_64'] };
  const wheel = `/files/app/app-1.0-${WIN}.whl`;

  test('read with ranges: the tail, not the whole wheel', async () => {
    const up = await upstream('ranged', rangedProjects(), { metadataFiles: false });
    const { paths } = await resolve(up, spec, 'state-ranged');
    expect(paths).toStrictEqual(['files/app/app-1.0.tar.gz', 'files/dep/dep-1.0-py3-none-any.whl', 'files/dep/dep-1.0.tar.gz']);
    // One request: the tail holds the directory and METADATA.
    const asked = up.ranges.filter((r) => r.startsWith(wheel));
    expect(asked[0]).toBe(`${wheel} bytes=-73728`);
    expect(asked).toHaveLength(1);
    // The sdist and dep's files are downloaded whole by the caller (kept), not here: only ranges were read.
    expect(up.fileBytes()).toBeLessThan(73728 + 4096);
  });

  test('also with wheels: false', async () => {
    const up = await upstream('ranged-sdists', rangedProjects(), { metadataFiles: false });
    const { paths } = await resolve(up, { ...spec, platforms: undefined, wheels: false }, 'state-ranged-sdists');
    expect(paths).toStrictEqual(['files/app/app-1.0.tar.gz', 'files/dep/dep-1.0.tar.gz']);
    expect(up.ranges.filter((r) => r.startsWith(wheel)).length).toBeGreaterThan(0);
    expect(up.fileBytes()).toBeLessThan(73728 + 8192);
  });

  test('a server that ignores Range: the whole wheel, checked against the index', async () => {
    const up = await upstream('no-ranges', rangedProjects(), { metadataFiles: false }, { ranges: false });
    const { paths } = await resolve(up, spec, 'state-no-ranges');
    expect(paths).toStrictEqual(['files/app/app-1.0.tar.gz', 'files/dep/dep-1.0-py3-none-any.whl', 'files/dep/dep-1.0.tar.gz']);
    expect(up.fileBytes()).toBeGreaterThan(BIG);
  });

  test('a zip bomb read by ranges is refused as from a whole wheel', async () => {
    const bomb = makeWheel({ name: 'bombapp', version: '1.0', tag: WIN, metadataEntry: { name: 'bombapp-1.0.dist-info/METADATA', data: Buffer.alloc(64 << 20, 0x20), claimedSize: 300 } });
    const up = await upstream('ranged-bomb', [{ name: 'bombapp', files: [makeSdist('bombapp', '1.0'), bomb] }], { metadataFiles: false });
    const errs = await resolve(up, { ...spec, projects: ['bombapp'] }, 'state-bomb').then(() => [], (e: unknown) => toFerryErrors(e));
    expect(errs.map((e) => e.code)).toStrictEqual(['FERRY_INDEX_TOO_LARGE']);
    expect(errs[0].message).toMatch(/project bombapp: wheel bombapp-1\.0-cp311-cp311-win_amd64\.whl from http:\/\/127\.0\.0\.1:\d+\/files\/bombapp\/bombapp-1\.0-cp311-cp311-win_amd64\.whl .*inflates to more than 8388608 bytes/);
    expect(up.ranges.length).toBeGreaterThan(0);
  });

  test('a PEP 658 file is still preferred to ranges', async () => {
    const up = await upstream('with-658', rangedProjects(), { metadataFiles: true });
    const { paths } = await resolve(up, spec, 'state-658');
    expect(paths).toContain('files/dep/dep-1.0-py3-none-any.whl');
    expect(up.ranges).toStrictEqual([]);
    expect(up.requests).toContain(`${wheel}.metadata`);
  });
});

describe('sdist-only versions (PEP 643)', () => {
  test('Requires-Dist followed from PKG-INFO 2.2+, else named in the notes', async () => {
    const up = await upstream('sdists', sdistProjects(), { metadataFiles: false });
    const { paths, resolution, resource, blobs } = await resolve(up, { projects: ['solo', 'old', 'dyn'], with_deps: true, python_versions: ['3.11'], platforms: ['manylinux_2_28_x86_64'] }, 'state-sdists');
    expect(paths).toStrictEqual(['files/dep2/dep2-1.0-py3-none-any.whl', 'files/dyn/dyn-2.0.tar.gz', 'files/old/old-1.0.tar.gz', 'files/solo/solo-1.0.tar.gz']);
    expect(resolution.notes).toStrictEqual([
      'dependencies of dyn 2.0 not followed: it has only an sdist (dyn-2.0.tar.gz), and its PKG-INFO marks Requires-Dist as Dynamic (PEP 643): known only once it is built',
      'dependencies of old 1.0 not followed: it has only an sdist (old-1.0.tar.gz), and its PKG-INFO is Metadata-Version 2.1, before 2.2 (PEP 643): its Requires-Dist may change when it is built',
    ]);
    expect((resolution.upstream as PypiUpstream).notes).toStrictEqual(resolution.notes);
    // The plan names them under the mirror.
    const desired = { site: { name: 't', retention: 2 }, resources: [resource], hash: 'x' };
    const plan = await planResolved(planResources(desired, null), [{ resource, resolution, checked: true }], blobs, null);
    expect(plan.resources[0].notes).toStrictEqual(resolution.notes);
    expect(formatPlan(plan)).toContain('      ? dependencies of old 1.0 not followed: it has only an sdist (old-1.0.tar.gz)');
  });
});

describe('indexes with md5 or sha1 only', () => {
  test.each(['md5', 'sha1'] as const)('%s: checked as given, sha256 recorded and served; the next resolve reuses it', async (digest) => {
    const projects = [{ name: 'lib', files: [makeWheel({ name: 'lib', version: '1.0', requires: ['dep'] })] }, { name: 'dep', files: [makeWheel({ name: 'dep', version: '2.0' })] }];
    const up = await upstream(`weak-${digest}`, projects, { metadataFiles: false, digest });
    const first = await resolve(up, { projects: ['lib'], with_deps: true }, `state-${digest}`);
    expect(first.resolution.files.map((f) => [f.path, f.sha256])).toStrictEqual([
      ['files/dep/dep-2.0-py3-none-any.whl', projects[1].files[0].sha256],
      ['files/lib/lib-1.0-py3-none-any.whl', projects[0].files[0].sha256],
    ]);
    const md5 = createHash(digest).update(projects[0].files[0].bytes).digest('hex');
    expect((first.resolution.upstream as PypiUpstream).digests?.[`${digest}:${md5}`]).toBe(projects[0].files[0].sha256);
    const generated = await pypiDriver.generate(first.resource, first.parsed, first.resolution, first.ctx);
    const page = generated.files.find((f) => f.path === 'simple/lib/index.html')!;
    expect(parseProjectPage(page.content, 'http://m/simple/lib/', 'html').files[0].hashes).toStrictEqual({ sha256: projects[0].files[0].sha256 });
    // A refresh with the last run's state: no file downloaded again to learn its sha256.
    const before = up.requests.filter((r) => r.startsWith('/files/')).length;
    const manifest = { kind: 'pypi', name: 'm', hash: first.resource.hash, spec: first.resource.spec, files: [], upstream: { ...first.resolution.upstream, ...generated.upstream } };
    await resolve(up, { projects: ['lib'], with_deps: true }, `state-${digest}`, manifest as unknown as DriverContext<Partial<PypiUpstream>>['previous']);
    expect(up.requests.filter((r) => r.startsWith('/files/')).length).toBe(before);
  });

  test('a lying md5 names the project, file, URL and both digests; no digest at all is refused', async () => {
    const liar = { ...makeWheel({ name: 'liar', version: '1.0' }), claims: { md5: '0'.repeat(32) } };
    const up = await upstream('weak-liar', [{ name: 'liar', files: [liar] }], { metadataFiles: false, digest: 'md5' });
    const errs = await resolve(up, { projects: ['liar'] }, 'state-liar').then(() => [], (e: unknown) => toFerryErrors(e));
    expect(errs.map((e) => e.code)).toStrictEqual(['FERRY_DIGEST_MISMATCH']);
    expect(errs[0].message).toMatch(/^pypi\/m: project liar: liar-1\.0-py3-none-any\.whl: http:\/\/127\.0\.0\.1:\d+\/files\/liar\/liar-1\.0-py3-none-any\.whl has md5 [0-9a-f]{32}, the index says 0{32}$/);
    const none = await upstream('no-digest', [{ name: 'bare', files: [makeWheel({ name: 'bare', version: '1.0' })] }], { metadataFiles: false, digest: 'none' });
    const refused = await resolve(none, { projects: ['bare'] }, 'state-none').then(() => [], (e: unknown) => toFerryErrors(e));
    expect(refused.map((e) => [e.code, e.message.replace(/\d+\.\d+\.\d+\.\d+:\d+/, 'HOST')])).toStrictEqual([
      ['FERRY_BAD_INDEX', 'pypi/m: project bare: bare-1.0-py3-none-any.whl (http://HOST/files/bare/bare-1.0-py3-none-any.whl) has no digest in the index that pip accepts: every file is verified against the index (sha256, or sha512, sha384, sha224, sha1, md5)'],
    ]);
  });
});

describe('requirements named as the model writes them', () => {
  test('a path with ./ and an include with .. are found in model_files; a requirement whose marker holds nowhere is named', async () => {
    const up = await upstream('paths', sdistProjects(), { metadataFiles: false });
    const file = (text: string) => ({ text, sha256: createHash('sha256').update(text).digest('hex') });
    const spec = {
      projects: ['winonly ; sys_platform == "win32"'],
      requirements: [{ path: './reqs/app.txt' }],
      model_files: { 'reqs/app.txt': file('-r ./sub/../base.txt\n'), 'reqs/base.txt': file('dep2\npywin32 ; sys_platform == "win32"\n') },
      python_versions: ['3.11'],
      platforms: ['manylinux_2_28_x86_64'],
    };
    const { paths, resolution } = await resolve(up, spec, 'state-paths');
    expect(paths).toStrictEqual(['files/dep2/dep2-1.0-py3-none-any.whl']);
    expect(resolution.notes).toStrictEqual([
      "pywin32 (reqs/base.txt line 2) not mirrored: its marker holds for none of the mirror's python_versions and platforms",
      "winonly (projects) not mirrored: its marker holds for none of the mirror's python_versions and platforms",
    ]);
  });
});
