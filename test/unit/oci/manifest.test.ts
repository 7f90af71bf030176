import { describe, expect, it } from '@jest/globals';
import { parseManifest } from '../../../src/drivers/oci/manifest.js';
import { layerHandling } from '../../../src/drivers/oci/media-types.js';

const d = (c: string) => `sha256:${c.repeat(64)}`;
const ctx = { image: 'library/alpine', tag: '3.19', url: 'http://r/v2/library/alpine/manifests/3.19' };
const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

describe('parseManifest', () => {
  it('reads a Docker schema 2 manifest', () => {
    const m = parseManifest(
      enc({
        schemaVersion: 2,
        mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: d('a'), size: 10 },
        layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: d('b'), size: 20 }],
      }),
      undefined,
      ctx,
    );
    expect(m).toMatchObject({ kind: 'manifest', config: { sha256: 'a'.repeat(64), size: 10 }, layers: [{ size: 20 }] });
  });
  it('reads an OCI index with platforms; the Content-Type names the type when the document does not', () => {
    const m = parseManifest(
      enc({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: d('c'), size: 5, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } }] }),
      'application/vnd.oci.image.index.v1+json',
      ctx,
    );
    expect(m).toMatchObject({ kind: 'index', mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [{ platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } }] });
  });
  it.each([
    ['not JSON', new TextEncoder().encode('{'), /manifest is not JSON/],
    ['an unknown media type', enc({ schemaVersion: 2, mediaType: 'application/x-helm' }), /unknown manifest media type "application\/x-helm"/],
    ['schema 1', enc({ schemaVersion: 1, name: 'x' }), /Docker schema 1 manifests are not supported/],
    ['a sha512 digest', enc({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'x', digest: `sha512:${'a'.repeat(128)}`, size: 1 }, layers: [] }), /unsupported digest algorithm sha512/],
    ['a negative size', enc({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'x', digest: d('a'), size: -1 }, layers: [] }), /config.size is not a byte count/],
  ])('refuses %s, naming image, tag and URL', (_name, bytes, why) => {
    expect(() => parseManifest(bytes, undefined, ctx)).toThrow(why);
    expect(() => parseManifest(bytes, undefined, ctx)).toThrow(/library\/alpine:3\.19 \(http:\/\/r\/v2\/library\/alpine\/manifests\/3\.19\)/);
  });
});

describe('layerHandling', () => {
  it.each([
    ['application/vnd.oci.image.layer.v1.tar+zstd', 'fetch'],
    ['application/vnd.docker.image.rootfs.diff.tar.gzip', 'fetch'],
    ['application/vnd.docker.image.rootfs.foreign.diff.tar.gzip', 'foreign'],
    ['application/vnd.oci.image.layer.nondistributable.v1.tar+gzip', 'foreign'],
    ['application/x-unknown', 'unknown'],
  ])('%s: %s', (type, handling) => {
    expect(layerHandling(type)).toBe(handling);
  });
});
