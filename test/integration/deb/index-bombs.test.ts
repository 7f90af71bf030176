/**
 * Issue 11, defect 3: decompression bombs from a signed upstream are refused quickly, with an
 * error naming the mirror and the URL: a 355 KB Packages.xz of 6.8 million stanzas, an .xz of
 * 1 GiB of NULs, a Packages.gz of 256 MiB, and an index whose lines pass the site's limit.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Resource } from '../../../src/core/resource.js';
import { FerryErrors, toFerryErrors } from '../../../src/core/ferry-error.js';
import { makeGpgKey, type GpgKey } from '../../helpers/deb-gpg.js';
import { startStaticServer, type StaticServer } from '../../helpers/deb-http.js';
import { debResource, desiredOf, makeTestContext, type TestContext } from '../../helpers/deb-context.js';
import { resolveDeb } from '../../helpers/deb-context.js';
import { nulBombXz, repeatedXz, stanzaBombGz, stanzaBombXz, writeBombArchive } from '../../helpers/index-bombs.js';

let key: GpgKey;
let root: string;
let server: StaticServer;
let t: TestContext;
let resources: Resource[] = [];
let site: Record<string, unknown> = {};

beforeAll(async () => {
  key = await makeGpgKey();
  root = await mkdtemp(join(tmpdir(), 'ferry-deb-bombs-'));
  await writeBombArchive(join(root, 'stanzas'), key, 'Packages.xz', await stanzaBombXz());
  await writeBombArchive(join(root, 'nuls'), key, 'Packages.xz', await nulBombXz());
  await writeBombArchive(join(root, 'gz'), key, 'Packages.gz', stanzaBombGz(256));
  await writeBombArchive(join(root, 'long-line'), key, 'Packages.xz', await repeatedXz(Buffer.from(`Package: a\nDescription: ${'x'.repeat(4096)}\n\n`), 1));
  server = await startStaticServer(root);
  t = await makeTestContext(() => desiredOf(resources, site));
}, 60_000);

afterAll(async () => {
  await server?.close();
  await t?.cleanup();
  await key?.destroy();
  await rm(root, { recursive: true, force: true });
});

async function refused(upstream: string): Promise<{ message: string; data: Record<string, unknown>; ms: number }> {
  const r = debResource(`bomb-${upstream}`, { url: `${server.url}/${upstream}`, suites: ['bookworm'], components: ['main'], architectures: ['amd64'], keys: [key.publicArmored] });
  resources = [r];
  const started = Date.now();
  const e = await resolveDeb(r, t.ctx()).then(
    () => undefined,
    (x: unknown) => x,
  );
  const ms = Date.now() - started;
  expect(e).toBeDefined();
  const errors = e instanceof FerryErrors ? e.errors : toFerryErrors(e);
  expect(errors[0].code).toBe('FERRY_INDEX_TOO_LARGE');
  return { message: errors[0].message, data: errors[0].data, ms };
}

describe('index decompression bombs (issue 11)', () => {
  it('a 355 KB Packages.xz of 6.8 million stanzas is refused within seconds, naming mirror and URL', async () => {
    const { message, data, ms } = await refused('stanzas');
    expect(message).toMatch(/^bomb-stanzas: /);
    expect(message).toContain(`${server.url}/stanzas/dists/bookworm/main/binary-amd64/Packages.xz`);
    expect(message).toMatch(/30x its compressed \d+ bytes \(site.limits.index_expansion\)/);
    expect(data).toMatchObject({ url: `${server.url}/stanzas/dists/bookworm/main/binary-amd64/Packages.xz` });
    expect(ms).toBeLessThan(15_000);
  });

  it('an .xz of 1 GiB of NULs is refused within seconds (no newline: the line bound, or the size bound)', async () => {
    const { message, ms } = await refused('nuls');
    expect(message).toMatch(/line longer than 1048576 bytes|decompresses to more than/);
    expect(ms).toBeLessThan(15_000);
  });

  it('a Packages.gz of 256 MiB of stanzas is refused', async () => {
    const { message, ms } = await refused('gz');
    expect(message).toMatch(/decompresses to more than \d+ bytes/);
    expect(ms).toBeLessThan(15_000);
  });

  it('the limits are site settings: a smaller line bound refuses a 4 KB line', async () => {
    site = { limits: { index_line_bytes: 1024 } };
    try {
      const { message } = await refused('long-line');
      expect(message).toMatch(/line longer than 1024 bytes \(site.limits.index_line_bytes\)/);
    } finally {
      site = {};
    }
  });
});
