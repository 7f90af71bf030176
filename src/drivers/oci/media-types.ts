/**
 * Media types of the Docker Image Manifest V2 Schema 2 and the OCI image specification
 * (image-spec v1.1 `media-types.md`, `manifest.md`, `image-index.md`), and what Ferry does with
 * each: manifests and indexes are read and kept byte-exact, configs and layers are fetched,
 * foreign / non-distributable layers are reported and not fetched (their owners forbid
 * redistribution; clients fetch them from the URLs in the manifest). Anything else is refused.
 */
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const DOCKER_SCHEMA1 = ['application/vnd.docker.distribution.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v1+prettyjws'];

/** Every manifest type a client may be given, for the Accept header. */
export const MANIFEST_ACCEPT = [OCI_INDEX, DOCKER_MANIFEST_LIST, OCI_MANIFEST, DOCKER_MANIFEST].join(', ');

export type ManifestKind = 'index' | 'manifest';

export function manifestKind(mediaType: string): ManifestKind | undefined {
  if (mediaType === OCI_INDEX || mediaType === DOCKER_MANIFEST_LIST) return 'index';
  if (mediaType === OCI_MANIFEST || mediaType === DOCKER_MANIFEST) return 'manifest';
  return undefined;
}

const FOREIGN_LAYERS = new Set([
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
]);

const LAYERS = new Set([
  'application/vnd.docker.image.rootfs.diff.tar.gzip',
  'application/vnd.docker.image.rootfs.diff.tar',
  'application/vnd.oci.image.layer.v1.tar',
  'application/vnd.oci.image.layer.v1.tar+gzip',
  'application/vnd.oci.image.layer.v1.tar+zstd',
  // An empty descriptor (image-spec v1.1 artifacts) and in-toto attestations of buildx indexes.
  'application/vnd.oci.empty.v1+json',
  'application/vnd.in-toto+json',
]);

/** What to do with a layer descriptor: fetch it, report it as foreign, or refuse an unknown type. */
export function layerHandling(mediaType: string): 'fetch' | 'foreign' | 'unknown' {
  if (FOREIGN_LAYERS.has(mediaType)) return 'foreign';
  if (LAYERS.has(mediaType)) return 'fetch';
  return 'unknown';
}
