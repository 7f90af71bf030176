/**
 * The pypi driver against generated upstreams on 127.0.0.1 (PEP 691 JSON with PEP 658 metadata
 * files and redirects to a file host; PEP 503 HTML without them, METADATA read from the wheels):
 * what it chooses (versions, pre-releases, yanked, Requires-Python, platforms, markers,
 * extras), what it serves, and a refresh that finds the upstream unchanged.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashValue } from '../../../src/core/hash.js';
import { silentLogger } from '../../../src/core/logger.js';
import type { Resource } from '../../../src/core/resource.js';
import { pypiDriver } from '../../../src/drivers/pypi/driver.js';
import type { PypiUpstream } from '../../../src/drivers/pypi/resolve.js';
import { parseProjectPage } from '../../../src/drivers/pypi/simple-index.js';
import { parsePypiSpec, withPypiDefaults } from '../../../src/drivers/pypi/spec.js';
import type { DriverContext } from '../../../src/drivers/types.js';
import { FsBlobStore } from '../../../src/store/blob-store.js';
import { createHttpFetcher } from '../../../src/transport/http-fetcher.js';
import type { Fetcher } from '../../../src/transport/types.js';
import { writeFixtureUpstream } from '../../helpers/pypi-upstream-fixture.js';
import { startPypiUpstream, type PypiUpstreamServer } from '../../helpers/pypi-wheels.js';

let tmp: string;
let jsonUp: PypiUpstreamServer;
let htmlUp: PypiUpstreamServer;
let blobs: FsBlobStore;
let fetcher: Fetcher;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'ferry-pypi-driver-'));
  await writeFixtureUpstream(join(tmp, 'json'), { json: true, metadataFiles: true });
  await writeFixtureUpstream(join(tmp, 'html'), { json: false, metadataFiles: false });
  jsonUp = await startPypiUpstream(join(tmp, 'json'), { redirectFiles: true });
  htmlUp = await startPypiUpstream(join(tmp, 'html'));
  blobs = new FsBlobStore(join(tmp, 'state'));
  await blobs.init();
  fetcher = createHttpFetcher({ retries: 0 });
}, 60_000);

afterAll(async () => {
  await fetcher?.close();
  await jsonUp?.close();
  await htmlUp?.close();
  await rm(tmp, { recursive: true, force: true });
});

function resourceOf(spec: Record<string, unknown>): Resource {
  const full = withPypiDefaults(spec);
  return { kind: 'pypi', name: 'wheels', spec: full, hash: hashValue({ kind: 'pypi', name: 'wheels', spec: full }) };
}

function ctx(resource: Resource, previous?: DriverContext<Partial<PypiUpstream>>['previous']): DriverContext<Partial<PypiUpstream>> {
  return { fetcher, blobs, logger: silentLogger, signal: new AbortController().signal, refresh: true, desired: { site: { name: 't', retention: 2 }, resources: [resource], hash: 'x' }, stateDir: join(tmp, 'state'), previous };
}

async function mirror(spec: Record<string, unknown>) {
  const resource = resourceOf(spec);
  const parsed = parsePypiSpec(resource.spec, { resource: 'pypi/wheels' });
  const resolution = await pypiDriver.resolve(resource, parsed, ctx(resource));
  for (const f of resolution.files) {
    if (await blobs.has(f.sha256)) continue;
    await fetcher.download(f.url, blobs.partialPath(f.sha256), { sha256: f.sha256 });
    await blobs.adopt(blobs.partialPath(f.sha256), f.sha256);
  }
  const generated = await pypiDriver.generate(resource, parsed, resolution, ctx(resource));
  return { resource, parsed, resolution, generated, paths: resolution.files.map((f) => f.path).sort() };
}

const SPEC = { projects: ['app'], with_deps: true, python_versions: ['3.11'], platforms: ['manylinux_2_28_x86_64'] };
const EXPECTED = [
  'files/app/App-0.9-py3-none-any.whl',
  'files/app/App-1.0-py3-none-any.whl',
  'files/app/App-1.0.tar.gz',
  'files/lib/lib-1.0-py3-none-any.whl',
  'files/native/native-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
];

describe('pypi driver', () => {
  test.each([
    ['PEP 691 JSON, .metadata files, files redirected to another host', () => jsonUp],
    ['PEP 503 HTML, METADATA read from the wheels', () => htmlUp],
  ])('%s: versions, yanked kept, no pre-release, Requires-Python, platform, markers', async (_name, up) => {
    const { paths, generated, resolution } = await mirror({ ...SPEC, index_url: up().index });
    expect(paths).toStrictEqual(EXPECTED);
    const gen = new Map(generated.files.map((g) => [g.path, g]));
    expect([...gen.keys()].sort()).toStrictEqual([
      'files/app/App-0.9-py3-none-any.whl.metadata',
      'files/app/App-1.0-py3-none-any.whl.metadata',
      'files/lib/lib-1.0-py3-none-any.whl.metadata',
      'files/native/native-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl.metadata',
      'simple/app/index.html',
      'simple/app/index.pypi-json',
      'simple/index.html',
      'simple/index.pypi-json',
      'simple/lib/index.html',
      'simple/lib/index.pypi-json',
      'simple/native/index.html',
      'simple/native/index.pypi-json',
    ]);
    const page = parseProjectPage(gen.get('simple/app/index.html')!.content, 'http://m/pypi/wheels/simple/app/', 'html');
    expect(page.files.map((f) => [f.filename, f.yanked, f.coreMetadata !== false])).toStrictEqual([
      ['App-0.9-py3-none-any.whl', 'broken build', true],
      ['App-1.0-py3-none-any.whl', false, true],
      ['App-1.0.tar.gz', false, false],
    ]);
    const json = JSON.parse(Buffer.from(gen.get('simple/app/index.pypi-json')!.content).toString()) as { versions: string[]; files: Array<{ size: number }> };
    expect(json.versions).toStrictEqual(['0.9', '1.0']);
    expect(json.files.every((f) => f.size > 0)).toBe(true);
    // Served metadata is the wheel's own METADATA.
    const meta = gen.get('files/app/App-1.0-py3-none-any.whl.metadata')!.stored!;
    await expect((await import('node:fs/promises')).readFile(blobs.pathOf(meta.sha256), 'utf8')).resolves.toContain('Requires-Dist: lib>=1.0');
    expect(resolution.warnings).toStrictEqual([]);
  }, 60_000);

  test('extras, other platforms, pre-releases when asked, sdists off', async () => {
    const { paths } = await mirror({ index_url: jsonUp.index, projects: ['app[docs]'], with_deps: true, python_versions: ['3.11'], platforms: ['win_amd64'], prereleases: true, sdists: false });
    expect(paths).toStrictEqual([
      'files/app/App-0.9-py3-none-any.whl',
      'files/app/App-1.0-py3-none-any.whl',
      'files/app/App-2.0b1-py3-none-any.whl',
      'files/docs-dep/docs_dep-1.0-py3-none-any.whl',
      'files/lib/lib-1.0-py3-none-any.whl',
      'files/native/native-1.0-cp311-cp311-win_amd64.whl',
      'files/winonly/winonly-1.0-py3-none-any.whl',
    ]);
  }, 60_000);

  test('the whole project list with allow and deny, no dependencies', async () => {
    const { paths } = await mirror({ index_url: htmlUp.index, all_projects: true, allow: ['*o*'], deny: ['docs-*'], sdists: false });
    expect(paths.map((p) => p.split('/')[1])).toStrictEqual(['other', 'winonly']);
  }, 60_000);

  test('a refresh of an unchanged upstream is `unchanged`, and a changed page is not', async () => {
    const first = await mirror({ ...SPEC, index_url: htmlUp.index });
    const previous = {
      kind: 'pypi',
      name: 'wheels',
      hash: first.resource.hash,
      root: 'pypi/wheels',
      files: [
        ...first.resolution.files.map((f) => ({ path: f.path, sha256: f.sha256, size: f.size ?? 0, url: f.url })),
        ...first.generated.files.map((g) => ({ path: g.path, sha256: g.stored?.sha256 ?? '0', size: 0, generated: true })),
      ],
      upstream: JSON.parse(JSON.stringify(first.resolution.upstream)) as PypiUpstream,
    };
    const again = await pypiDriver.resolve(first.resource, first.parsed, ctx(first.resource, previous));
    expect(again.unchanged).toBe(true);
    expect(again.files.map((f) => f.path).sort()).toStrictEqual(EXPECTED);
    const changed = { ...previous, upstream: { ...previous.upstream, pages: { ...previous.upstream.pages, lib: '0'.repeat(64) } } };
    const third = await pypiDriver.resolve(first.resource, first.parsed, ctx(first.resource, changed));
    expect(third.unchanged).toBeUndefined();
    expect(third.files.map((f) => f.path).sort()).toStrictEqual(EXPECTED);
  }, 60_000);
});
