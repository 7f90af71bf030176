import { describe, it, expect } from '@jest/globals';
import { isFerryError } from '../../../src/core/ferry-error.js';
import { planTree } from '../../../src/store/manifest.js';
import { nginxMaps, servedPaths } from '../../../src/store/served.js';
import type { ManifestFile, ManifestResource } from '../../../src/store/types.js';

const D1 = '1'.repeat(64);
const D2 = '2'.repeat(64);
const site = { name: 's', retention: 1 };

function image(extra: Partial<ManifestResource> = {}, file: Partial<ManifestFile> = {}): ManifestResource {
  return {
    kind: 'oci',
    name: 'img',
    hash: 'h',
    root: 'oci/img',
    routes: ['v2/img'],
    files: [{ path: 'manifests/m', sha256: D1, size: 1, contentType: 'application/vnd.oci.image.manifest.v1+json', headers: { 'Docker-Content-Digest': `sha256:${D1}` }, aliases: ['v2/img/manifests/latest'], ...file }],
    ...extra,
  };
}

const code = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return isFerryError(e) ? e.code : String(e);
  }
  return undefined;
};

describe('served paths (the serving hook)', () => {
  it('serves a file at its root path, its aliases and under each mirror folder, typed only under routes', () => {
    const paths = servedPaths(image({ mirrors: ['pub/img'] }), 'oci/img', (f) => f.path);
    expect(paths.map((p) => [p.rel, p.contentType])).toEqual([
      ['oci/img/manifests/m', undefined],
      ['pub/img/manifests/m', undefined],
      ['v2/img/manifests/latest', 'application/vnd.oci.image.manifest.v1+json'],
    ]);
  });

  it('links every served path in the tree', () => {
    const plan = planTree({ desiredHash: 'x', site, resources: [image({ mirrors: ['pub/img'] })] });
    expect(plan.entries.map((e) => e.rel).sort()).toEqual(['oci/img/manifests/m', 'pub/img/manifests/m', 'v2/img/manifests/latest']);
  });

  it.each([
    ['an alias under no route', image({}, { aliases: ['v3/img/latest'] })],
    ['an alias leaving the tree', image({}, { aliases: ['v2/img/../../etc/passwd'] })],
    ['a route under /snapshots/', image({ routes: ['snapshots/x'] }, { aliases: [] })],
    ['a mirror over its own root', image({ mirrors: ['oci'] })],
  ])('refuses %s', (_what, resource) => {
    expect(code(() => planTree({ desiredHash: 'x', site, resources: [resource] }))).toBe('FERRY_UNSAFE_PATH');
  });

  it('refuses two resources claiming overlapping folders', () => {
    const other: ManifestResource = { kind: 'deb', name: 'd', hash: 'h', root: 'deb/d', mirrors: ['v2'], files: [{ path: 'Release', sha256: D2, size: 1 }] };
    expect(code(() => planTree({ desiredHash: 'x', site, resources: [image(), other] }))).toBe('FERRY_UNSAFE_PATH');
  });

  it("lets mirror folders nest, as aptly's publish prefixes do (issue 12), but never collide", () => {
    const pub = (name: string, mirror: string, path: string, sha256 = D1): ManifestResource => ({ kind: 'deb-publication', name, hash: 'h', root: `deb-publication/${name}`, mirrors: [mirror], files: [{ path, sha256, size: 1 }] });
    const outer = pub('aptly-ubuntu-xenial', 'ubuntu-xenial', 'dists/2019.2.0/Release');
    const inner = pub('aptly-ubuntu-xenial-openstack-pike', 'ubuntu-xenial/openstack/pike', 'dists/2019.2.0/Release', D2);
    const plan = planTree({ desiredHash: 'x', site, resources: [outer, inner] });
    expect(plan.entries.map((e) => e.rel).filter((r) => r.startsWith('ubuntu-xenial/')).sort()).toEqual(['ubuntu-xenial/dists/2019.2.0/Release', 'ubuntu-xenial/openstack/pike/dists/2019.2.0/Release']);
    expect(code(() => planTree({ desiredHash: 'x', site, resources: [outer, pub('same', 'ubuntu-xenial', 'pool/a')] }))).toBe('FERRY_UNSAFE_PATH');
    expect(code(() => planTree({ desiredHash: 'x', site, resources: [outer, pub('into-dists', 'ubuntu-xenial/dists', '2019.2.0/Release', D2)] }))).toBe('FERRY_UNSAFE_PATH');
  });

  it.each([
    ['a content type with a quote', { contentType: 'text/plain"' }],
    ['a header value with $', { headers: { 'Docker-Content-Digest': '$host' } }],
    ['a header name with a space', { headers: { 'Bad Name': 'x' } }],
  ])('refuses %s (it would break out of an nginx string)', (_what, file) => {
    expect(code(() => planTree({ desiredHash: 'x', site, resources: [image({}, file)] }))).toBe('FERRY_INTERNAL');
  });

  it('writes nginx map entries keyed by snapshot and URL path', () => {
    const maps = nginxMaps('S1', servedPaths(image(), 'oci/img', (f) => f.path));
    expect(maps.get('type.map')).toBe('"S1:/v2/img/manifests/latest" "application/vnd.oci.image.manifest.v1+json";\n');
    expect(maps.get('header-docker-content-digest.map')).toBe(`"S1:/oci/img/manifests/m" "sha256:${D1}";\n"S1:/v2/img/manifests/latest" "sha256:${D1}";\n`);
  });
});
