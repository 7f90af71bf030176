/**
 * Keys are part of what is verified (issue 14), key_ids from keyservers and keyrings (issue 12),
 * and Release renewal (issue 10): a loopback HKP keyserver, a GnuPG-signed upstream on
 * 127.0.0.1, and the deb driver's resolve / revisitAt / generate as the pipeline calls them.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseRelease } from '../../../src/drivers/deb/format/release.js';
import type { Resource } from '../../../src/core/resource.js';
import type { ManifestResource } from '../../../src/store/types.js';
import { makeGpgKey, type GpgKey } from '../../helpers/deb-gpg.js';
import { makeUpstream, type FixturePackage } from '../../helpers/deb-repo.js';
import { startStaticServer, type StaticServer } from '../../helpers/deb-http.js';
import { debResource, desiredOf, makeTestContext, manifestOf, type TestContext } from '../../helpers/deb-context.js';
import { generateDeb, resolveDeb, revisitDeb } from '../../helpers/deb-context.js';

const run = promisify(execFile);
const PKGS: FixturePackage[] = [{ name: 'app', version: '1.0', depends: 'lib' }, { name: 'lib', version: '1.0' }];

let signer: GpgKey;
let other: GpgKey;
let root: string;
let upstream: StaticServer;
let t: TestContext;
let resources: Resource[] = [];
let site: Record<string, unknown> = {};

/** A loopback HKP keyserver: /pks/lookup?op=get&options=mr&search=0x<FPR>; `swap` answers with another key. */
interface Keyserver {
  url: string;
  requests: string[];
  keys: Map<string, string>;
  swap: boolean;
  down: boolean;
  close(): Promise<void>;
}

async function startKeyserver(): Promise<Keyserver> {
  const ks = { requests: [] as string[], keys: new Map<string, string>(), swap: false, down: false } as Keyserver;
  const server: Server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    ks.requests.push(`${u.pathname}${u.search}`);
    if (ks.down) return void res.writeHead(503).end();
    const fpr = (u.searchParams.get('search') ?? '').replace(/^0x/i, '').toUpperCase();
    if (u.pathname !== '/pks/lookup' || u.searchParams.get('op') !== 'get' || u.searchParams.get('options') !== 'mr') return void res.writeHead(400).end();
    const key = ks.swap ? other.publicArmored : ks.keys.get(fpr);
    if (!key) return void res.writeHead(404).end('No results found');
    res.writeHead(200, { 'content-type': 'application/pgp-keys' }).end(key);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address() as { port: number };
  ks.url = `hkp://127.0.0.1:${addr.port}`;
  ks.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return ks;
}

let hkp: Keyserver;

beforeAll(async () => {
  signer = await makeGpgKey('Upstream Signer');
  other = await makeGpgKey('Someone Else');
  root = await mkdtemp(join(tmpdir(), 'ferry-deb-keys-'));
  await makeUpstream(join(root, 'debian'), PKGS, { key: signer, real: false, date: new Date(Date.now() - 30 * 86_400_000) });
  upstream = await startStaticServer(root);
  hkp = await startKeyserver();
  hkp.keys.set(signer.fingerprint, signer.publicArmored);
  t = await makeTestContext(() => desiredOf(resources, site));
}, 60_000);

afterAll(async () => {
  await hkp?.close();
  await upstream?.close();
  await t?.cleanup();
  await signer?.destroy();
  await other?.destroy();
  await rm(root, { recursive: true, force: true });
});

function mirror(name: string, spec: Record<string, unknown>): Resource {
  const r = debResource(name, { url: `${upstream.url}/debian`, suites: ['bookworm'], components: ['main'], architectures: ['amd64'], packages: ['app'], ...spec });
  resources = [...resources.filter((x) => x.name !== name), r];
  return r;
}

/** resolve + generate + what the snapshot records, as the pipeline does it. */
async function publish(r: Resource, previous?: ManifestResource, refresh = false): Promise<ManifestResource> {
  const res = await resolveDeb(r, t.ctx({ previous, refresh }));
  if (res.unchanged && previous) return previous;
  const gen = await generateDeb(r, res, t.ctx());
  const files = gen.map((g) => ({ path: g.path, content: g.stored ? Buffer.from('') : g.content, stored: g.stored }));
  const entry = await manifestOf(r, res.files, files.filter((f) => !f.stored), t.blobs, gen.upstream ?? res.upstream);
  for (const f of files) if (f.stored) entry.files.push({ path: f.path, sha256: f.stored.sha256, size: f.stored.size, generated: true });
  return entry;
}

async function blobText(entry: ManifestResource, path: string): Promise<string> {
  const f = entry.files.find((x) => x.path === path)!;
  return (await import('node:fs/promises')).readFile(t.blobs.pathOf(f.sha256), 'utf8');
}

describe('key_ids: keyservers and keyrings (issue 12)', () => {
  it('fetches a key by fingerprint over HKP, records it, and verifies offline with the recorded copy', async () => {
    site = { keyservers: [hkp.url] };
    const r = mirror('by-id', { key_ids: [signer.fingerprint.replace(/(.{4})/g, '$1 ')] });
    hkp.requests.length = 0;
    const first = await publish(r);
    expect(hkp.requests).toEqual([`/pks/lookup?op=get&options=mr&search=0x${signer.fingerprint}`]);
    const recorded = (first.upstream as { self: { keys: Record<string, string> } }).self.keys;
    expect(Object.keys(recorded)).toEqual([signer.fingerprint]);
    expect(recorded[signer.fingerprint]).toContain('BEGIN PGP PUBLIC KEY BLOCK');
    // The keyserver is gone (an offline site): a new Release upstream is verified with the recorded key.
    hkp.down = true;
    try {
      await makeUpstream(join(root, 'debian'), [...PKGS, { name: 'extra', version: '1' }], { key: signer, real: false });
      hkp.requests.length = 0;
      const second = await publish(r, first, true);
      expect(hkp.requests).toEqual([]);
      expect(second.files.some((f) => f.path.endsWith('.deb'))).toBe(true);
    } finally {
      hkp.down = false;
    }
  });

  it('refuses a key whose fingerprint is not the one asked for', async () => {
    site = { keyservers: [hkp.url] };
    const r = mirror('swapped', { key_ids: [signer.fingerprint] });
    hkp.swap = true;
    try {
      await expect(resolveDeb(r, t.ctx())).rejects.toMatchObject({ code: 'FERRY_BAD_SIGNATURE', data: { field: 'key_ids', expected: signer.fingerprint, actual: [other.fingerprint] } });
    } finally {
      hkp.swap = false;
    }
  });

  it('a key found nowhere fails naming where it looked; an unreachable keyserver is retryable', async () => {
    site = { keyservers: [hkp.url] };
    const missing = mirror('missing', { key_ids: [other.fingerprint] });
    await expect(resolveDeb(missing, t.ctx())).rejects.toMatchObject({ code: 'FERRY_BAD_SIGNATURE', message: expect.stringMatching(/was found nowhere: .*not found/) });
    hkp.down = true;
    try {
      await expect(resolveDeb(mirror('down', { key_ids: [signer.fingerprint] }), t.ctx())).rejects.toMatchObject({ code: 'FERRY_NETWORK' });
    } finally {
      hkp.down = false;
    }
  });

  it('takes the key from a keyring file on the site (binary, as Debian ships them) without any keyserver', async () => {
    const ring = join(root, 'upstream-keyring.gpg');
    const { stdout } = await run('gpg', ['--homedir', signer.home, '--export', signer.fingerprint], { encoding: 'buffer', maxBuffer: 1 << 20 });
    await writeFile(ring, stdout);
    site = { keyring: [ring] };
    hkp.requests.length = 0;
    const res = await resolveDeb(mirror('ring', { key_ids: [signer.fingerprint] }), t.ctx());
    expect(res.files.map((f) => f.path.split('/').pop())).toEqual(['app_1.0_amd64.deb', 'lib_1.0_amd64.deb']);
    expect(hkp.requests).toEqual([]);
    site = { keyring: [join(root, 'nope.gpg')] };
    await expect(resolveDeb(mirror('ring', { key_ids: [signer.fingerprint] }), t.ctx())).rejects.toMatchObject({ code: 'FERRY_INVALID_MODEL', message: expect.stringMatching(/nope.gpg: no such file/) });
  });
});

describe('keys are part of what is verified (issue 14)', () => {
  it('new trusted keys verify upstream again although it answers 304; a key that does not verify fails the mirror', async () => {
    site = {};
    const r = mirror('rekey', { keys: [signer.publicArmored] });
    const first = await publish(r, undefined, true);
    upstream.requests.length = 0;
    const rekeyed = mirror('rekey', { keys: [other.publicArmored] });
    await expect(resolveDeb(rekeyed, t.ctx({ previous: first }))).rejects.toMatchObject({ code: 'FERRY_BAD_SIGNATURE' });
    // Read in full (not conditionally) to check the signature again.
    expect(upstream.requests).toEqual(['/debian/dists/bookworm/InRelease']);
    // Adding a key that also verifies: accepted, same packages.
    const both = mirror('rekey', { keys: [other.publicArmored, signer.publicArmored] });
    const again = await resolveDeb(both, t.ctx({ previous: first }));
    expect(again.files).toEqual(first.files.filter((f) => !f.generated).map((f) => ({ path: f.path, sha256: f.sha256, size: f.size, url: expect.any(String) })));
  });

  it('a changed site keyring asks for a revisit of a key_ids mirror', async () => {
    site = { keyservers: [hkp.url] };
    const r = mirror('trust-site', { key_ids: [signer.fingerprint] });
    const first = await publish(r);
    expect(await revisitDeb(r, t.ctx({ previous: first }))).toBeUndefined();
    site = { keyservers: [hkp.url], keyring: [signer.publicArmored] };
    expect(await revisitDeb(r, t.ctx({ previous: first }))).toBe(0);
  });
});

describe('Release Date and Valid-Until (issue 10)', () => {
  it('an old upstream publishes a Release valid from now (its Date kept, so rollbacks never go back in time); renewal re-signs without reading upstream', async () => {
    site = { valid_until_days: 2 };
    const r = mirror('renew', { keys: [signer.publicArmored] });
    const first = await publish(r, undefined, true);
    const rel = parseRelease(await blobText(first, 'dists/bookworm/Release'));
    expect(rel.date!.getTime()).toBeLessThanOrEqual(Date.now());
    expect(Math.abs(rel.validUntil!.getTime() - (Date.now() + 2 * 86_400_000))).toBeLessThan(60_000);
    const due = await revisitDeb(r, t.ctx({ previous: first }));
    expect(due).toBe(Date.parse((first.upstream as { signedAt: string }).signedAt) + 86_400_000);
    // A day and a half later (the recorded signing time moved back), nothing new upstream.
    const aged: ManifestResource = { ...first, upstream: { ...first.upstream, signedAt: new Date(Date.now() - 1.5 * 86_400_000).toISOString() } };
    expect(await revisitDeb(r, t.ctx({ previous: aged }))).toBeLessThanOrEqual(Date.now());
    upstream.requests.length = 0;
    const renewed = await publish(r, aged);
    expect(upstream.requests).toEqual([]);
    const again = parseRelease(await blobText(renewed, 'dists/bookworm/Release'));
    expect(again.date!.getTime()).toBeGreaterThan(Date.parse((aged.upstream as { signedAt: string }).signedAt));
    // Same indexes, by the same digests; only Release, InRelease and Release.gpg were made again.
    const digests = (e: ManifestResource) => new Map(e.files.filter((f) => !/Release(\.gpg)?$/.test(f.path)).map((f) => [f.path, f.sha256]));
    expect(digests(renewed)).toEqual(digests(first));
    const dir = await mkdtemp(join(tmpdir(), 'ferry-gpgv-'));
    await writeFile(join(dir, 'key.gpg'), await (await import('node:fs/promises')).readFile(t.blobs.pathOf(renewed.files.find((f) => f.path === 'archive-key.gpg')!.sha256)));
    await writeFile(join(dir, 'InRelease'), await blobText(renewed, 'dists/bookworm/InRelease'));
    await run('gpgv', ['--keyring', join(dir, 'key.gpg'), join(dir, 'InRelease')]);
    await rm(dir, { recursive: true, force: true });
  });

  it('a new site signing key re-signs at once, with no download', async () => {
    site = {};
    const r = mirror('new-key', { keys: [signer.publicArmored] });
    const first = await publish(r, undefined, true);
    expect(await revisitDeb(r, t.ctx({ previous: first }))).toBeUndefined();
    const keyFile = join(root, 'site-key.asc');
    const { stdout } = await run('gpg', ['--homedir', other.home, '--batch', '--pinentry-mode', 'loopback', '--passphrase', '', '--armor', '--export-secret-keys', other.fingerprint]);
    await writeFile(keyFile, stdout);
    site = { signing: { key_file: keyFile } };
    expect(await revisitDeb(r, t.ctx({ previous: first }))).toBe(0);
    upstream.requests.length = 0;
    const resigned = await publish(r, first);
    expect(upstream.requests).toEqual([]);
    const published = join(root, 'published-key.asc');
    await writeFile(published, await blobText(resigned, 'archive-key.asc'));
    const { stdout: listed } = await run('gpg', ['--homedir', other.home, '--show-keys', '--with-colons', published]);
    expect(listed).toContain(other.fingerprint);
    const rel = await blobText(resigned, 'dists/bookworm/InRelease');
    expect(rel).not.toBe(await blobText(first, 'dists/bookworm/InRelease'));
  });
});
