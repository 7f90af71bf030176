/**
 * Issue 12: a deb-publication reuses its members' state. Before, every resolve of the publication
 * resolved each member afresh (its Release fetched a second time, its indexes generated and
 * compressed, then composed and compressed again) and signed anew. Now a member's resolution is
 * the one the run made of it, or its published entry when the run leaves it as published (no
 * request); an unmoved member's indexes come from the store, and a publication whose members did
 * not move is `unchanged`.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../../src/core/logger.js';
import type { Resource } from '../../../src/core/resource.js';
import { debPublicationDriver, type PublicationUpstream } from '../../../src/drivers/deb/publication/driver.js';
import { parseDebPublicationSpec } from '../../../src/drivers/deb/publication/spec.js';
import { loadDesired } from '../../../src/reconcile/apply-desired.js';
import { reconcile } from '../../../src/reconcile/reconcile.js';
import { FsBlobStore } from '../../../src/store/blob-store.js';
import { StateStore } from '../../../src/store/state-store.js';
import { createHttpFetcher } from '../../../src/transport/http-fetcher.js';
import type { DriverContext } from '../../../src/drivers/types.js';
import { makeGpgKey, type GpgKey } from '../../helpers/deb-gpg.js';
import { startStaticServer, type StaticServer } from '../../helpers/deb-http.js';
import { makeUpstream } from '../../helpers/deb-repo.js';

let dir: string;
let key: GpgKey;
let upstream: StaticServer;

const model = () =>
  new Map([
    [
      'nodes/apt01.yml',
      `parameters:
  ferry:
    site: {name: lab}
    mirrors:
      bookworm-main:
        kind: deb
        url: ${upstream.url}/debian
        suites: [bookworm]
        components: [main]
        architectures: [amd64]
        keys:
          - |
${key.publicArmored.trimEnd().split('\n').map((l) => `            ${l}`).join('\n')}
      aptly-debian:
        kind: deb-publication
        prefix: debian
        distributions:
          bookworm: [{mirror: bookworm-main, component: main}]
`,
    ],
  ]);

const fetcher = () => createHttpFetcher({ env: {}, credentials: {}, retries: 1, backoffMs: 50 });
const apply = async (refresh: boolean | string[]) => {
  const f = fetcher();
  try {
    return await reconcile({ stateDir: join(dir, 'state'), model: model(), refresh, fetcher: f, logger: silentLogger });
  } finally {
    await f.close();
  }
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-publication-reuse-'));
  key = await makeGpgKey();
  await makeUpstream(join(dir, 'upstream', 'debian'), [{ name: 'app', version: '1.0' }, { name: 'tool', version: '2.0' }], { key, real: false });
  upstream = await startStaticServer(join(dir, 'upstream'));
}, 120_000);

afterAll(async () => {
  await upstream?.close();
  await key?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('deb-publication reuses its members (issue 12)', () => {
  it('publishes once; a refresh that finds nothing new publishes nothing, and no revisit is due', async () => {
    const first = await apply(false);
    expect(first.outcome).toBe('published');
    expect(first.revisitAt === undefined || first.revisitAt > Date.now() + 60_000).toBe(true);
    upstream.requests.length = 0;
    const again = await apply(true);
    expect(again.outcome).not.toBe('published');
    expect(again.snapshot).toBe(first.snapshot);
    // The member's refresh reads its Release; the publication takes the member's resolution of this run.
    expect(upstream.requests).toEqual(['/debian/dists/bookworm/InRelease']);
    // The publication refreshed alone reads its member as published: no request.
    upstream.requests.length = 0;
    const alone = await apply(['deb-publication/aptly-debian']);
    expect(alone.outcome).not.toBe('published');
    expect(upstream.requests).toEqual([]);
  }, 120_000);

  it('resolves its members from the store without a refresh (no request), and is unchanged', async () => {
    const state = await StateStore.open(join(dir, 'state'));
    const published = await state.current();
    const entry = published!.resources.find((r) => r.kind === 'deb-publication')!;
    const blobs = new FsBlobStore(join(dir, 'state'));
    const desired = loadDesired(model()).desired;
    const resource: Resource = desired.resources.find((r) => r.kind === 'deb-publication')!;
    const spec = parseDebPublicationSpec(resource.spec, { resource: 'deb-publication/aptly-debian' });
    const f = fetcher();
    const ctx = (over: Partial<DriverContext<PublicationUpstream>>): DriverContext<PublicationUpstream> => ({ fetcher: f, blobs, logger: silentLogger, signal: new AbortController().signal, refresh: false, desired, stateDir: join(dir, 'state'), previous: entry as DriverContext<PublicationUpstream>['previous'], ...over });
    try {
      upstream.requests.length = 0;
      const before = await debPublicationDriver.resolve(resource, spec, ctx({}));
      const asBefore = upstream.requests.length;
      upstream.requests.length = 0;
      const now = await debPublicationDriver.resolve(resource, spec, ctx({ publishedOf: (kind, name) => published!.resources.find((r) => r.kind === kind && r.name === name) }));
      // Without the members' published entries (as every run did before): their Release is read again.
      expect(asBefore).toBeGreaterThan(0);
      expect(before.unchanged).toBe(true);
      expect(upstream.requests).toEqual([]);
      expect(now.unchanged).toBe(true);
    } finally {
      await f.close();
    }
  }, 120_000);

  it('composes again when a member moves upstream, and then stands', async () => {
    await makeUpstream(join(dir, 'upstream', 'debian'), [{ name: 'app', version: '1.1' }, { name: 'tool', version: '2.0' }], { key, real: false });
    const moved = await apply(true);
    expect(moved.outcome).toBe('published');
    const state = await StateStore.open(join(dir, 'state'));
    const pub = (await state.current())!.resources.find((r) => r.kind === 'deb-publication')!;
    expect(pub.files.some((f) => f.path.includes('app_1.1'))).toBe(true);
    expect(moved.revisitAt === undefined || moved.revisitAt > Date.now() + 60_000).toBe(true);
    const still = await apply(true);
    expect(still.outcome).not.toBe('published');
  }, 120_000);
});
