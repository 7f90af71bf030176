/**
 * Generated container images, pushed into a registry over the distribution API (monolithic
 * blob upload, manifest PUT): layers are real gzipped tarballs of one generated file, configs
 * real image configs, so skopeo and registries handle them as any image. Deterministic for a
 * given seed. Returns digests so tests compare what clients see with what was pushed.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

export interface Blob {
  digest: string;
  bytes: Buffer;
}

export function blobOf(bytes: Buffer): Blob {
  return { digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, bytes };
}

/** A one-file ustar archive (POSIX.1-1988), enough for image layers. */
function tarOf(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512);
  const put = (text: string, offset: number, length: number) => header.write(text.slice(0, length), offset, length, 'ascii');
  put(name, 0, 100);
  put('0000644\0', 100, 8);
  put('0000000\0', 108, 8);
  put('0000000\0', 116, 8);
  put(`${content.length.toString(8).padStart(11, '0')}\0`, 124, 12);
  put('00000000000\0', 136, 12);
  put('        ', 148, 8);
  put('0', 156, 1);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  let sum = 0;
  for (const b of header) sum += b;
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  const pad = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([header, content, pad, Buffer.alloc(1024)]);
}

/** Deterministic pseudo-random bytes (incompressible, so sizes are what they say). */
function bytesOf(seed: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update(seed).digest();
  for (let i = 0; i < size; i += 32) {
    block.copy(out, i, 0, Math.min(32, size - i));
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

export function layer(seed: string, size: number): Blob {
  return blobOf(gzipSync(tarOf(`data/${seed}.bin`, bytesOf(seed, size)), { level: 1 }));
}

export interface BuiltImage {
  manifest: Blob;
  mediaType: string;
  blobs: Blob[];
  /** Child images of an index. */
  children?: BuiltImage[];
}

export function image(options: { layers: Blob[]; os?: string; architecture?: string; variant?: string; oci?: boolean; label?: string }): BuiltImage {
  const config = blobOf(
    Buffer.from(
      JSON.stringify({
        architecture: options.architecture ?? 'amd64',
        os: options.os ?? 'linux',
        ...(options.variant ? { variant: options.variant } : {}),
        config: { Labels: { 'org.example.label': options.label ?? 'x' } },
        rootfs: { type: 'layers', diff_ids: options.layers.map((l) => l.digest) },
        history: [],
      }),
    ),
  );
  const mediaType = options.oci ? OCI_MANIFEST : DOCKER_MANIFEST;
  const layerType = options.oci ? 'application/vnd.oci.image.layer.v1.tar+gzip' : 'application/vnd.docker.image.rootfs.diff.tar.gzip';
  const configType = options.oci ? 'application/vnd.oci.image.config.v1+json' : 'application/vnd.docker.container.image.v1+json';
  const manifest = blobOf(
    Buffer.from(
      JSON.stringify(
        {
          schemaVersion: 2,
          mediaType,
          config: { mediaType: configType, digest: config.digest, size: config.bytes.length },
          layers: options.layers.map((l) => ({ mediaType: layerType, digest: l.digest, size: l.bytes.length })),
        },
        null,
        3,
      ),
    ),
  );
  return { manifest, mediaType, blobs: [config, ...options.layers] };
}

export function index(children: Array<{ image: BuiltImage; os: string; architecture: string; variant?: string }>): BuiltImage {
  const manifest = blobOf(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: children.map((c) => ({
          mediaType: c.image.mediaType,
          digest: c.image.manifest.digest,
          size: c.image.manifest.bytes.length,
          platform: { os: c.os, architecture: c.architecture, ...(c.variant ? { variant: c.variant } : {}) },
        })),
      }),
    ),
  );
  return { manifest, mediaType: OCI_INDEX, blobs: [], children: children.map((c) => c.image) };
}

/** Pushes an image (children first) under `tags` of `repository`; `token` when the registry needs one. */
export async function pushImage(registry: string, repository: string, built: BuiltImage, tags: string[], token?: string): Promise<void> {
  const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  for (const child of built.children ?? []) await pushImage(registry, repository, child, [], token);
  for (const blob of built.blobs) {
    const head = await fetch(`${registry}/v2/${repository}/blobs/${blob.digest}`, { method: 'HEAD', headers: auth });
    if (head.status === 200) continue;
    const start = await fetch(`${registry}/v2/${repository}/blobs/uploads/`, { method: 'POST', headers: auth });
    if (start.status !== 202) throw new Error(`upload start: HTTP ${start.status} ${await start.text()}`);
    const location = new URL(start.headers.get('location') ?? '', registry);
    location.searchParams.set('digest', blob.digest);
    const put = await fetch(location, { method: 'PUT', headers: { ...auth, 'content-type': 'application/octet-stream' }, body: blob.bytes });
    if (put.status !== 201) throw new Error(`blob put: HTTP ${put.status} ${await put.text()}`);
  }
  for (const ref of [built.manifest.digest, ...tags]) {
    const r = await fetch(`${registry}/v2/${repository}/manifests/${ref}`, { method: 'PUT', headers: { ...auth, 'content-type': built.mediaType }, body: built.manifest.bytes });
    if (r.status !== 201) throw new Error(`manifest put ${repository}:${ref}: HTTP ${r.status} ${await r.text()}`);
  }
}
