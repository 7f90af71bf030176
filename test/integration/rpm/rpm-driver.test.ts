/**
 * The rpm driver against a real repository (rpmbuild, rpmsign, createrepo_c, gpg) on 127.0.0.1:
 * a full mirror keeps upstream's repomd.xml byte for byte; a partial mirror's closure covers a
 * virtual provide, a file dependency only filelists knows, a rich dependency and an obsoleted
 * package, and its new metadata lists exactly those packages with checksums that match; an
 * unchanged upstream is `unchanged`; hostile upstreams fail with errors naming the file.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { hashValue } from '../../../src/core/hash.js';
import { resourceId, type Resource } from '../../../src/core/resource.js';
import { rpmDriver, type RpmScratch, type RpmUpstream } from '../../../src/drivers/rpm/driver.js';
import { rpmKind } from '../../../src/drivers/rpm/kind.js';
import type { DriverContext, Resolution } from '../../../src/drivers/types.js';
import { verifyDetached } from '../../../src/pgp/detached.js';
import { desiredOf, makeTestContext, manifestOf, type TestContext } from '../../helpers/deb-context.js';
import { makeGpgKey, type GpgKey } from '../../helpers/deb-gpg.js';
import { startStaticServer, type StaticServer } from '../../helpers/deb-http.js';
import { buildRpmRepo, rewriteData, type RpmDef } from '../../helpers/rpm-repo.js';

export const RPM_PACKAGES: RpmDef[] = [
  { name: 'app', requires: ['webserver', '/usr/share/gamma/data.txt', '(libx or liby)', 'oldtool'] },
  { name: 'nginxish', provides: ['webserver'] },
  { name: 'gamma', files: ['/usr/share/gamma/data.txt'] },
  { name: 'liby' },
  { name: 'unrelated' },
  { name: 'oldtool', version: '1.0' },
  { name: 'newtool', version: '2.0', obsoletes: ['oldtool < 2.0'] },
];
const CLOSURE = ['app-1.0-1.noarch.rpm', 'gamma-1.0-1.noarch.rpm', 'liby-1.0-1.noarch.rpm', 'newtool-2.0-1.noarch.rpm', 'nginxish-1.0-1.noarch.rpm', 'oldtool-1.0-1.noarch.rpm'];

let tmp: string;
let key: GpgKey;
let other: GpgKey;
let server: StaticServer;
let resources: Resource[] = [];
let t: TestContext;

const rpmResource = (name: string, spec: Record<string, unknown>): Resource => ({ kind: 'rpm', name, spec, hash: hashValue({ kind: 'rpm', name, spec }) });
type Ctx = DriverContext<RpmUpstream>;
const parse = (r: Resource, ctx: Ctx) => rpmKind.parseSpec(r.spec, { resource: resourceId(r), site: ctx.desired.site });
const resolve = (r: Resource, ctx: Ctx) => rpmDriver.resolve(r, parse(r, ctx), ctx);
const ctxOf = (c: TestContext, over: Partial<Ctx> = {}): Ctx => c.ctx(over as object) as unknown as Ctx;
const generate = (r: Resource, res: Resolution<RpmScratch, RpmUpstream>, ctx: Ctx) => rpmDriver.generate(r, parse(r, ctx), res, ctx);
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** A copy of the upstream at `name`, changed by `change`. */
async function variant(name: string, change: (root: string) => Promise<void>): Promise<string> {
  const root = join(tmp, 'upstream', name);
  await cp(join(tmp, 'upstream', 'base'), root, { recursive: true });
  await change(root);
  return `${server.url}/${name}`;
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'ferry-rpm-driver-'));
  key = await makeGpgKey();
  other = await makeGpgKey('Someone Else');
  await buildRpmRepo(join(tmp, 'upstream', 'base'), { packages: RPM_PACKAGES, key, compress: 'zstd' });
  await buildRpmRepo(join(tmp, 'upstream', 'extras'), { packages: [{ name: 'addon', requires: ['webserver', 'liby', 'addon-data'] }, { name: 'addon-data' }, { name: 'liby', version: '0.5' }], key, compress: 'xz' });
  server = await startStaticServer(join(tmp, 'upstream'));
  t = await makeTestContext(() => desiredOf(resources));
}, 120_000);

afterAll(async () => {
  await server?.close();
  await key?.destroy();
  await other?.destroy();
  await t?.cleanup();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('rpm driver', () => {
  it('a full mirror keeps every file and repomd.xml byte for byte, signed by the site key', async () => {
    const r = rpmResource('full', { url: `${server.url}/base`, keys: [key.publicArmored] });
    resources = [r];
    const res = await resolve(r, ctxOf(t));
    const paths = res.files.map((f) => f.path);
    expect(paths.filter((p) => p.endsWith('.rpm')).map((p) => p.slice('Packages/'.length))).toEqual([...CLOSURE, 'unrelated-1.0-1.noarch.rpm'].sort());
    expect(paths.filter((p) => p.startsWith('repodata/')).map((p) => p.replace(/^repodata\/[0-9a-f]{64}-/, '')).sort()).toEqual(['filelists.xml.zst', 'other.xml.zst', 'primary.xml.zst'].sort());
    const gen = await generate(r, res, ctxOf(t));
    const byPath = new Map(gen.files.map((f) => [f.path, f.content]));
    const upstreamRepomd = await readFile(join(tmp, 'upstream', 'base', 'repodata', 'repomd.xml'));
    expect(Buffer.from(byPath.get('repodata/repomd.xml')!).equals(upstreamRepomd)).toBe(true);
    const siteKey = Buffer.from(byPath.get('repodata/repomd.xml.key')!).toString('utf8');
    await expect(verifyDetached(upstreamRepomd, Buffer.from(byPath.get('repodata/repomd.xml.asc')!).toString('utf8'), [siteKey], 'repomd.xml.asc')).resolves.toMatch(/^[0-9a-f]{40}$/);
  });

  it('a partial mirror holds the closure (virtual and file provides, rich deps, Obsoletes) with new metadata for exactly those', async () => {
    const r = rpmResource('app', { url: `${server.url}/base`, keys: [key.publicArmored], packages: ['app'] });
    resources = [r];
    const res = await resolve(r, ctxOf(t));
    expect(res.files.map((f) => f.path)).toEqual(CLOSURE.map((f) => `Packages/${f}`));
    expect(res.warnings ?? []).toEqual([]);
    const gen = await generate(r, res, ctxOf(t));
    const files = new Map(gen.files.map((f) => [f.path, Buffer.from(f.content)]));
    const repomd = files.get('repodata/repomd.xml')!.toString('utf8');
    expect(gen.files[gen.files.length - 3].path).toBe('repodata/repomd.xml');
    for (const type of ['primary', 'filelists', 'other']) {
      const block = new RegExp(`<data type="${type}">[\\s\\S]*?</data>`).exec(repomd)![0];
      const href = /<location href="([^"]+)"/.exec(block)![1];
      const gz = files.get(href)!;
      expect(href).toBe(`repodata/${sha256(gz)}-${type}.xml.gz`);
      expect(block).toContain(`<checksum type="sha256">${sha256(gz)}</checksum>`);
      expect(block).toContain(`<open-checksum type="sha256">${sha256(gunzipSync(gz))}</open-checksum>`);
      const text = gunzipSync(gz).toString('utf8');
      expect(text).toContain(`packages="${CLOSURE.length}"`);
      expect(text.match(/<package /g)).toHaveLength(CLOSURE.length);
      expect(text).not.toContain('unrelated');
    }
  });

  it('takes from its bases what they offer: only the rest is mirrored, unresolved relations are warnings', async () => {
    const base = rpmResource('base', { url: `${server.url}/base`, keys: [key.publicArmored] });
    const r = rpmResource('extras', { url: `${server.url}/extras`, keys: [key.publicArmored], packages: ['addon'], bases: ['base'] });
    resources = [base, r];
    const res = await resolve(r, ctxOf(t));
    expect(res.files.map((f) => f.path)).toEqual(['Packages/addon-1.0-1.noarch.rpm', 'Packages/addon-data-1.0-1.noarch.rpm']);
    expect(res.warnings ?? []).toEqual([]);
    const gen = await generate(r, res, ctxOf(t));
    expect(gen.files.map((f) => f.path)).toContain('repodata/repomd.xml');

    const lonely = rpmResource('lonely', { url: `${server.url}/extras`, keys: [key.publicArmored], packages: ['addon'] });
    resources = [lonely];
    const alone = await resolve(lonely, ctxOf(t));
    expect(alone.files.map((f) => f.path)).toEqual(['Packages/addon-1.0-1.noarch.rpm', 'Packages/addon-data-1.0-1.noarch.rpm', 'Packages/liby-0.5-1.noarch.rpm']);
    expect((alone.warnings ?? []).map((w) => w.message)).toEqual(['rpm/lonely: addon-1.0-1.noarch Requires: webserver: no package in rpm/lonely provides it']);
    const none = await resolve(rpmResource('none', { url: `${server.url}/extras`, packages: ['nothing-*', 'addon'] }), ctxOf(t)).catch((e: unknown) => e as Error);
    expect((none as Error).message).toBe('rpm/none: no package of x86_64 or noarch matches "nothing-*"');
  });

  it('an unchanged upstream and spec are unchanged, with no data file read again', async () => {
    const r = rpmResource('app', { url: `${server.url}/base`, keys: [key.publicArmored], packages: ['app'] });
    resources = [r];
    const res = await resolve(r, ctxOf(t));
    const gen = await generate(r, res, ctxOf(t));
    const previous = await manifestOf(r, res.files, gen.files, t.blobs, JSON.parse(JSON.stringify(res.upstream)) as object);
    t.fetcher.log.length = 0;
    const again = await resolve(r, ctxOf(t, { previous, refresh: true }));
    expect(again.unchanged).toBe(true);
    expect(t.fetcher.log.map((u) => u.replace(server.url, ''))).toEqual(['/base/repodata/repomd.xml']);
  });

  describe('bad input: clear errors naming the file', () => {
    const mirrorOf = async (name: string, change: (root: string) => Promise<void>) => {
      const url = await variant(name, change);
      const r = rpmResource(name, { url, keys: [key.publicArmored], packages: ['app'] });
      resources = [r];
      // A store of its own: the good upstream's blobs must not stand in for the bad ones.
      const fresh = await makeTestContext(() => desiredOf(resources));
      try {
        return await resolve(r, ctxOf(fresh)).then(
          () => undefined,
          (e: unknown) => e as Error & { code: string },
        );
      } finally {
        await fresh.cleanup();
      }
    };

    it('a data file that does not match repomd.xml', async () => {
      const e = await mirrorOf('tampered', async (root) => {
        const repomd = await readFile(join(root, 'repodata', 'repomd.xml'), 'utf8');
        const href = /<data type="primary">[\s\S]*?<location href="([^"]+)"/.exec(repomd)![1];
        const bytes = await readFile(join(root, href));
        bytes[bytes.length - 5] ^= 0xff;
        await writeFile(join(root, href), bytes);
      });
      expect(e?.code).toBe('FERRY_DIGEST_MISMATCH');
      expect(e?.message).toMatch(/rpm\/tampered: http:\/\/127\.0\.0\.1:\d+\/tampered\/repodata\/[0-9a-f]{64}-primary\.xml\.zst: does not match the sha256 that repomd\.xml lists/);
    });

    it('malformed XML', async () => {
      const e = await mirrorOf('malformed', (root) => rewriteData(root, 'primary', (x) => x.replace('</name>', '</nam>'), key));
      expect(e?.code).toBe('FERRY_BAD_INDEX');
      expect(e?.message).toMatch(/rpm\/malformed: http:\/\/127\.0\.0\.1:\d+\/malformed\/repodata\/[0-9a-f]{64}-primary\.xml\.gz: line \d+: /);
    });

    it('an XML entity bomb', async () => {
      const lol = '<!DOCTYPE metadata [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;"><!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">]>';
      const e = await mirrorOf('bomb', (root) => rewriteData(root, 'primary', (x) => x.replace('<metadata', `${lol}\n<metadata`).replace('<summary>', '<summary>&h;'), key));
      expect(e?.code).toBe('FERRY_BAD_INDEX');
      expect(e?.message).toMatch(/rpm\/bomb: .*-primary\.xml\.gz: line \d+: a DOCTYPE is refused/);
    });

    it.each([
      ['dotdot', '../../../etc/passwd', /contains \.\./],
      ['absolute', '/etc/passwd', /absolute/],
      ['otherhost', 'http://evil.example/app.rpm', /a URL/],
    ])('a hostile package href (%s)', async (name, href, why) => {
      const e = await mirrorOf(`href-${name}`, (root) => rewriteData(root, 'primary', (x) => x.replace(/<location href="Packages\/app-1\.0-1\.noarch\.rpm"\/>/, `<location href="${href}"/>`), key));
      expect(e?.code).toBe('FERRY_BAD_INDEX');
      expect(e?.message).toMatch(/primary\.xml\.gz: app-1\.0-1\.noarch: location href/);
      expect(e?.message).toMatch(why);
    });

    it('a hostile data href in repomd.xml', async () => {
      const e = await mirrorOf('repomd-href', async (root) => {
        const p = join(root, 'repodata', 'repomd.xml');
        await writeFile(p, (await readFile(p, 'utf8')).replace(/<location href="repodata\/([0-9a-f]+-other)/, '<location href="../../$1'));
        await key.detachSign(p, `${p}.asc`);
      });
      expect(e?.code).toBe('FERRY_BAD_INDEX');
      expect(e?.message).toMatch(/rpm\/repomd-href: .*\/repomd-href\/repodata\/repomd\.xml: line \d+: data other: location href .* refused: .*contains \.\./);
    });

    it('a bad signature, and a missing one', async () => {
      const bad = await mirrorOf('badsig', async (root) => other.detachSign(join(root, 'repodata', 'repomd.xml'), join(root, 'repodata', 'repomd.xml.asc')));
      expect(bad?.code).toBe('FERRY_BAD_SIGNATURE');
      expect(bad?.message).toMatch(/rpm\/badsig: .*\/badsig\/repodata\/repomd\.xml\.asc: not signed by a trusted key/);
      const missing = await mirrorOf('nosig', (root) => rm(join(root, 'repodata', 'repomd.xml.asc')));
      expect(missing?.code).toBe('FERRY_BAD_SIGNATURE');
      expect(missing?.message).toMatch(/repomd\.xml\.asc: not found \(HTTP 404\)/);
    });
  });
});
