/**
 * Issue 16, bad input: a pypi upstream that lies or attacks. Each case is a FerryError naming
 * the mirror, the project, the file and the URL, and resolve fails as a whole (the reconcile
 * publishes nothing of the mirror: test/e2e/pypi-mirror.test.ts).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toFerryErrors, type FerryError } from '../../../src/core/ferry-error.js';
import { hashValue } from '../../../src/core/hash.js';
import { silentLogger } from '../../../src/core/logger.js';
import type { Resource } from '../../../src/core/resource.js';
import { pypiDriver } from '../../../src/drivers/pypi/driver.js';
import { parsePypiSpec, withPypiDefaults } from '../../../src/drivers/pypi/spec.js';
import { FsBlobStore } from '../../../src/store/blob-store.js';
import { createHttpFetcher } from '../../../src/transport/http-fetcher.js';
import type { Fetcher } from '../../../src/transport/types.js';
import { makeWheel, startPypiUpstream, writeUpstream, type PypiUpstreamServer } from '../../helpers/pypi-wheels.js';

let tmp: string;
let up: PypiUpstreamServer;
let fetcher: Fetcher;
let blobs: FsBlobStore;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'ferry-pypi-bad-'));
  const root = join(tmp, 'up');
  const good = makeWheel({ name: 'lib', version: '1.0' });
  const bomb = makeWheel({ name: 'bomb', version: '1.0', metadataEntry: { name: 'bomb-1.0.dist-info/METADATA', data: Buffer.alloc(64 << 20, 0x20), claimedSize: 300 } });
  await writeUpstream(
    root,
    [
      { name: 'liar', files: [{ ...makeWheel({ name: 'liar', version: '1.0' }), sha256: 'f'.repeat(64) }] },
      { name: 'bomb', files: [bomb] },
      { name: 'lib', files: [good] },
      { name: 'nothtml', files: [] },
      { name: 'dotdot', files: [] },
      { name: 'dotjson', files: [] },
    ],
    { metadataFiles: false },
  );
  await writeFile(join(root, 'simple', 'nothtml', 'index.html'), JSON.stringify({ meta: { 'api-version': '1.0' }, files: [] }));
  await writeFile(join(root, 'simple', 'dotdot', 'index.html'), '<html><body><a href="../../files/dotdot/..%2F..%2Fdotdot-1.0-py3-none-any.whl#sha256=' + 'a'.repeat(64) + '">x</a></body></html>');
  await mkdir(join(root, 'simple', 'dotjson'), { recursive: true });
  await writeFile(join(root, 'simple', 'dotjson', 'index.json'), JSON.stringify({ meta: { 'api-version': '1.0' }, name: 'dotjson', files: [{ filename: '../dotjson-1.0-py3-none-any.whl', url: '/files/x.whl', hashes: { sha256: 'a'.repeat(64) } }] }));
  up = await startPypiUpstream(root);
  fetcher = createHttpFetcher({ retries: 0 });
  blobs = new FsBlobStore(join(tmp, 'state'));
  await blobs.init();
}, 60_000);

afterAll(async () => {
  await fetcher?.close();
  await up?.close();
  await rm(tmp, { recursive: true, force: true });
});

async function failure(projects: string[], withDeps = true): Promise<FerryError[]> {
  const spec = withPypiDefaults({ index_url: up.index, projects, with_deps: withDeps });
  const resource: Resource = { kind: 'pypi', name: 'bad', spec, hash: hashValue(spec) };
  const ctx = { fetcher, blobs, logger: silentLogger, signal: new AbortController().signal, refresh: true, desired: { site: { name: 't', retention: 2 }, resources: [resource], hash: 'x' }, stateDir: join(tmp, 'state') };
  try {
    await pypiDriver.resolve(resource, parsePypiSpec(spec, { resource: 'pypi/bad' }), ctx);
  } catch (e) {
    return toFerryErrors(e);
  }
  throw new Error(`resolve of ${projects.join(', ')} succeeded; expected a failure`);
}

describe('pypi: bad input', () => {
  test('a wheel whose bytes do not match the index sha256', async () => {
    const [e, ...rest] = await failure(['liar', 'lib']);
    expect(rest).toStrictEqual([]);
    expect(e.code).toBe('FERRY_DIGEST_MISMATCH');
    expect(e.message).toMatch(/pypi\/bad: project liar: liar-1\.0-py3-none-any\.whl: http:\/\/127\.0\.0\.1:\d+\/files\/liar\/liar-1\.0-py3-none-any\.whl does not match the index/);
    expect(e.data).toMatchObject({ project: 'liar', file: 'liar-1.0-py3-none-any.whl', expected: 'f'.repeat(64) });
  });

  test('a zip bomb as a wheel METADATA', async () => {
    const [e] = await failure(['bomb']);
    expect(e.code).toBe('FERRY_INDEX_TOO_LARGE');
    expect(e.message).toMatch(/project bomb: wheel bomb-1\.0-py3-none-any\.whl from http:\/\/127\.0\.0\.1:\d+\/files\/bomb\/bomb-1\.0-py3-none-any\.whl .*inflates to more than 8388608 bytes/);
  });

  test('an HTML page that is not HTML', async () => {
    const [e] = await failure(['nothtml'], false);
    expect(e.code).toBe('FERRY_BAD_INDEX');
    expect(e.message).toMatch(/project nothtml: the page at http:\/\/127\.0\.0\.1:\d+\/simple\/nothtml\/ is not HTML/);
  });

  test.each([
    ['dotdot', /project dotdot: file name "\.\.\/\.\.\/dotdot-1\.0-py3-none-any\.whl" holds a slash/],
    ['dotjson', /project dotjson: file name "\.\.\/dotjson-1\.0-py3-none-any\.whl" holds a slash/],
  ])('`../` in a file name (%s)', async (project, message) => {
    const [e] = await failure([project], false);
    expect(e.code).toBe('FERRY_UNSAFE_PATH');
    expect(e.message).toMatch(message);
    expect(e.data).toMatchObject({ project, url: expect.stringMatching(/^http:\/\/127\.0\.0\.1/) });
  });

  test('a project that does not exist', async () => {
    const [e] = await failure(['nosuch'], false);
    expect(e.code).toBe('FERRY_UNRESOLVED_DEPENDENCY');
    expect(e.message).toMatch(/project nosuch does not exist at http:\/\/127\.0\.0\.1:\d+\/simple\/nosuch\/ \(HTTP 404\)/);
  });

  test('a version no file fits', async () => {
    const [e] = await failure(['lib>=2'], false);
    expect(e.code).toBe('FERRY_UNRESOLVED_DEPENDENCY');
    expect(e.message).toMatch(/project lib >=2 \(projects\): no file at .*\/simple\/lib\/ fits/);
  });
});
