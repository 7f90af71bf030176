/**
 * Issue 12: aptly publish URLs. Several deb mirrors composed into one repository under the
 * prefix aptly published them at: dists/<dist>/<component>/ from each member, one Release over
 * them, pool/ the union (two different files at one path: an error naming both mirrors).
 */
import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { composePublication, poolUnion, type ComposedMember } from '../../../src/drivers/deb/publication/compose.js';
import { parseRelease } from '../../../src/drivers/deb/format/release.js';
import { FerryError } from '../../../src/core/ferry-error.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const text = (b: Uint8Array | undefined) => Buffer.from(b ?? new Uint8Array()).toString('utf8');

function member(o: { mirror: string; dist: string; component: string; suite: string; components: string[]; packages: Record<string, string>; pool: Record<string, string>; date?: string }): ComposedMember {
  const generated: Array<{ path: string; content: Uint8Array }> = [];
  for (const [c, stanzas] of Object.entries(o.packages)) {
    generated.push({ path: `dists/${o.suite}/${c}/binary-amd64/Packages`, content: Buffer.from(stanzas) });
    generated.push({ path: `dists/${o.suite}/${c}/binary-amd64/Packages.gz`, content: Buffer.from(`gz of ${stanzas}`) });
    generated.push({ path: `dists/${o.suite}/${c}/binary-amd64/by-hash/SHA256/${sha(stanzas)}`, content: Buffer.from(stanzas) });
  }
  generated.push({ path: `dists/${o.suite}/Release`, content: Buffer.from(`Origin: x\nDate: ${o.date ?? 'Mon, 01 Jan 2024 00:00:00 UTC'}\nArchitectures: amd64\nComponents: ${o.components.join(' ')}\n`) });
  generated.push({ path: `dists/${o.suite}/InRelease`, content: Buffer.from('signed') }, { path: 'archive-key.asc', content: Buffer.from('key') });
  return {
    mirror: o.mirror,
    distribution: o.dist,
    component: o.component,
    suite: o.suite,
    components: o.components,
    generated,
    files: Object.entries(o.pool).map(([path, body]) => ({ path, url: `http://${o.mirror}/${path}`, sha256: sha(body), size: body.length })),
  };
}

const main = member({ mirror: 'xenial-main', dist: 'xenial', component: 'main', suite: 'xenial', components: ['main'], packages: { main: 'Package: a\nFilename: pool/main/a/a.deb\n' }, pool: { 'pool/main/a/a.deb': 'A' } });
const ceph = member({
  mirror: 'ceph-xenial',
  dist: '2019.2.0',
  component: 'ceph',
  suite: 'xenial',
  components: ['main', 'extra'],
  packages: { main: 'Package: ceph\nFilename: pool/main/c/ceph.deb\n', extra: 'Package: rbd\nFilename: pool/extra/r/rbd.deb\n' },
  pool: { 'pool/main/c/ceph.deb': 'C', 'pool/main/a/a.deb': 'A' },
  date: 'Tue, 02 Jan 2024 00:00:00 UTC',
});
const universe = member({ mirror: 'xenial-universe', dist: 'xenial', component: 'universe', suite: 'xenial', components: ['universe'], packages: { universe: 'Package: u\nFilename: pool/universe/u/u.deb\n' }, pool: { 'pool/universe/u/u.deb': 'U' } });

describe('composePublication', () => {
  const date = new Date('2025-06-01T00:00:00Z');

  it('puts each member under its published component, with one Release per distribution', async () => {
    const c = await composePublication({ resource: 'deb-publication/ubuntu', prefix: 'ubuntu', members: [main, universe], date, validUntilDays: 0 });
    const at = (p: string) => c.generated.find((g) => g.path === p)?.content;
    expect(text(at('dists/xenial/main/binary-amd64/Packages'))).toBe('Package: a\nFilename: pool/main/a/a.deb\n');
    expect(text(at('dists/xenial/universe/binary-amd64/Packages.gz'))).toBe('gz of Package: u\nFilename: pool/universe/u/u.deb\n');
    // Members' own Release, signatures, keys and old by-hash copies are not taken.
    expect(c.generated.map((g) => g.path).filter((p) => /InRelease|archive-key/.test(p))).toEqual([]);
    expect(c.releases.map((r) => r.path)).toEqual(['dists/xenial/Release']);
    const rel = parseRelease(c.releases[0].text);
    expect(rel.components).toEqual(['main', 'universe']);
    expect(rel.acquireByHash).toBe(true);
    expect([...rel.entries.keys()]).toEqual(['main/binary-amd64/Packages', 'main/binary-amd64/Packages.gz', 'universe/binary-amd64/Packages', 'universe/binary-amd64/Packages.gz']);
    const e = rel.entries.get('main/binary-amd64/Packages')!;
    expect(text(at(`dists/xenial/main/binary-amd64/by-hash/SHA256/${e.sha256}`))).toBe(text(at('dists/xenial/main/binary-amd64/Packages')));
    expect(c.files.map((f) => f.path)).toEqual(['pool/main/a/a.deb', 'pool/universe/u/u.deb']);
  });

  it('renames a member component and concatenates several into one (compressed again)', async () => {
    const c = await composePublication({ resource: 'deb-publication/ubuntu-xenial', prefix: 'ubuntu-xenial', members: [ceph], date, validUntilDays: 7 });
    const at = (p: string) => c.generated.find((g) => g.path === p)?.content;
    const plain = 'Package: ceph\nFilename: pool/main/c/ceph.deb\n\nPackage: rbd\nFilename: pool/extra/r/rbd.deb\n';
    expect(text(at('dists/2019.2.0/ceph/binary-amd64/Packages'))).toBe(plain);
    expect(gunzipSync(at('dists/2019.2.0/ceph/binary-amd64/Packages.gz')!).toString()).toBe(plain);
    expect(at('dists/2019.2.0/ceph/binary-amd64/Packages.xz')).toBeDefined();
    const rel = parseRelease(c.releases[0].text);
    expect(rel.fields.get('suite')).toBe('2019.2.0');
    expect(rel.date?.toISOString()).toBe('2024-01-02T00:00:00.000Z');
    expect(rel.validUntil?.toISOString()).toBe('2025-06-08T00:00:00.000Z');
  });

  it('shares one pool across distributions: the same file once, two different files at one path an error naming both', () => {
    expect(poolUnion('deb-publication/p', [main, ceph]).map((f) => f.path)).toEqual(['pool/main/a/a.deb', 'pool/main/c/ceph.deb']);
    const other = member({ mirror: 'other', dist: 'x', component: 'main', suite: 's', components: ['main'], packages: {}, pool: { 'pool/main/a/a.deb': 'not A' } });
    let err: unknown;
    try {
      poolUnion('deb-publication/p', [main, other]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FerryError);
    expect((err as FerryError).message).toBe(`deb-publication/p: pool/main/a/a.deb is a different file in mirror xenial-main (sha256 ${sha('A')}) and in mirror other (sha256 ${sha('not A')}): one pool cannot hold both; publish them under different prefixes`);
    expect((err as FerryError).data.mirrors).toEqual(['xenial-main', 'other']);
  });

  it('refuses two members published as one component of one distribution', async () => {
    const twin = { ...universe, mirror: 'xenial-main-2', component: 'main', components: ['universe'] };
    await expect(composePublication({ resource: 'deb-publication/u', prefix: 'u', members: [main, twin], date, validUntilDays: 0 })).rejects.toThrow(/dists\/xenial\/main\/binary-amd64\/Packages would come from two mirrors \(xenial-main, xenial-main-2\)/);
  });
});
