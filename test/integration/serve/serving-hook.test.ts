/**
 * The serving hook (issue 9): a resource that answers at routes of its own (`/v2/<name>/`), with
 * per-file content types and headers and alias paths recorded in the manifest, and a resource
 * served again under a prefix (an aptly publish prefix). `ferry serve` and the generated nginx
 * configuration (real nginx) get the same requests and must give the same answers, across a
 * publish and a rollback.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readdir, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderNginxServerBlock } from '../../../src/serve/nginx-config.js';
import { startServer, type RunningServer } from '../../../src/serve/server.js';
import { StateStore } from '../../../src/store/state-store.js';
import type { ManifestFile, ManifestResource, SnapshotManifest } from '../../../src/store/types.js';
import { httpGet, type RawResponse } from './http-get.js';
import { startNginx, type RunningNginx } from './nginx-runner.js';

const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const INDEX = 'application/vnd.oci.image.index.v1+json';
const serving = { prefixes: ['v2'], headers: ['Docker-Content-Digest'] };
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('the serving hook: routes, content types, headers and aliases, alike in ferry serve and nginx', () => {
  let base: string;
  let store: StateStore;
  let ferry: RunningServer;
  let nginx: RunningNginx;
  const layer = Buffer.from('layer bytes\n');
  const manifestA = Buffer.from('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}');
  const manifestB = Buffer.from('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json"}');
  const release = Buffer.from('Origin: test\nSuite: stable\n');
  let a: SnapshotManifest;
  let b: SnapshotManifest;

  /** An image repository `images` answering at /v2/images/, tag `latest` naming `manifest`. */
  async function imageResource(manifest: Buffer, mediaType: string): Promise<ManifestResource> {
    for (const bytes of [layer, manifest]) await store.blobs.putBytes(bytes);
    const digest = (bytes: Buffer) => `sha256:${sha(bytes)}`;
    const files: ManifestFile[] = [
      { path: `blobs/sha256/${sha(layer)}`, sha256: sha(layer), size: layer.length, headers: { 'Docker-Content-Digest': digest(layer) }, aliases: [`v2/images/blobs/${digest(layer)}`] },
      {
        path: `manifests/sha256/${sha(manifest)}`,
        sha256: sha(manifest),
        size: manifest.length,
        contentType: mediaType,
        headers: { 'Docker-Content-Digest': digest(manifest) },
        aliases: [`v2/images/manifests/${digest(manifest)}`, 'v2/images/manifests/latest'],
      },
    ];
    return { kind: 'oci', name: 'images', hash: sha(manifest), root: 'oci/images', routes: ['v2/images'], files };
  }

  async function debResource(): Promise<ManifestResource> {
    await store.blobs.putBytes(release);
    const files = [{ path: 'dists/stable/Release', sha256: sha(release), size: release.length, generated: true }];
    return { kind: 'deb', name: 'ubuntu', hash: 'h', root: 'deb/ubuntu', mirrors: ['aptly/ubuntu'], files };
  }

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'ferry-serving-'));
    // nginx workers run as an unprivileged user: the state must be readable by them.
    await chmod(base, 0o755);
    const stateDir = join(base, 'state');
    store = await StateStore.open(stateDir);
    const site = { name: 'lab', retention: 10 };
    a = await store.build({ desiredHash: 'a'.repeat(64), site, resources: [await debResource(), await imageResource(manifestA, MANIFEST)] });
    b = await store.build({ desiredHash: 'b'.repeat(64), site, resources: [await debResource(), await imageResource(manifestB, INDEX)] });
    await store.publish(a.id, { desiredHash: a.desiredHash, action: 'apply' });
    ferry = await startServer({ stateDir, port: 0 });
    const real = await realpath(stateDir);
    nginx = await startNginx({ dir: base, serverBlock: (port) => renderNginxServerBlock({ stateDir: real, listen: `127.0.0.1:${port}`, serving }) });
  });

  afterAll(async () => {
    await nginx?.stop();
    await ferry?.close();
    if (base) await rm(base, { recursive: true, force: true });
  });

  const both = async (target: string, method = 'GET'): Promise<[RawResponse, RawResponse]> => [
    await httpGet(ferry.port, target, { method }),
    await httpGet(nginx.port, target, { method }),
  ];

  /** Status, type, digest header and body agree; returns ferry serve's answer. */
  async function alike(target: string, method = 'GET'): Promise<RawResponse> {
    const [f, n] = await both(target, method);
    const view = (r: RawResponse) => ({
      status: r.status,
      type: r.status === 200 ? r.headers['content-type'] : undefined,
      digest: r.headers['docker-content-digest'],
      length: r.status === 200 ? r.headers['content-length'] : undefined,
      body: r.status === 200 ? r.body.toString('base64') : undefined,
    });
    expect({ target, method, ...view(n) }).toEqual({ target, method, ...view(f) });
    return f;
  }

  it('answers a tag, a digest and a blob at the resource route, with the recorded type and digest header', async () => {
    const tag = await alike('/v2/images/manifests/latest');
    expect(tag.status).toBe(200);
    expect(tag.headers['content-type']).toBe(MANIFEST);
    expect(tag.headers['docker-content-digest']).toBe(`sha256:${sha(manifestA)}`);
    expect(tag.body.equals(manifestA)).toBe(true);
    const byDigest = await alike(`/v2/images/manifests/sha256:${sha(manifestA)}`);
    expect(byDigest.body.equals(manifestA)).toBe(true);
    await alike(`/v2/images/manifests/sha256:${sha(manifestA)}`, 'HEAD');
    const blob = await alike(`/v2/images/blobs/sha256:${sha(layer)}`);
    expect(blob.headers['content-type']).toBe('application/octet-stream');
    expect(blob.headers['docker-content-digest']).toBe(`sha256:${sha(layer)}`);
    expect((await alike('/v2/images/manifests/missing')).status).toBe(404);
  });

  it('serves the file at its own path with the type its name gives, and its headers', async () => {
    const own = await alike(`/oci/images/manifests/sha256/${sha(manifestA)}`);
    expect(own.headers['content-type']).toBe('application/octet-stream');
    expect(own.headers['docker-content-digest']).toBe(`sha256:${sha(manifestA)}`);
    const plain = await alike('/deb/ubuntu/dists/stable/Release');
    expect(plain.headers['docker-content-digest']).toBeUndefined();
  });

  it('serves a whole resource again under its mirror folder (an aptly publish prefix)', async () => {
    const mirrored = await alike('/aptly/ubuntu/dists/stable/Release');
    expect(mirrored.status).toBe(200);
    expect(mirrored.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(mirrored.body.equals(release)).toBe(true);
  });

  it('follows a publish and a rollback at once, with no new nginx configuration', async () => {
    await store.publish(b.id, { desiredHash: b.desiredHash, action: 'apply' });
    try {
      const tag = await alike('/v2/images/manifests/latest');
      expect(tag.headers['content-type']).toBe(INDEX);
      expect(tag.headers['docker-content-digest']).toBe(`sha256:${sha(manifestB)}`);
      expect((await alike(`/v2/images/manifests/sha256:${sha(manifestA)}`)).status).toBe(404);
    } finally {
      await store.publish(a.id, { desiredHash: a.desiredHash, action: 'rollback' });
    }
    expect((await alike('/v2/images/manifests/latest')).headers['content-type']).toBe(MANIFEST);
  });

  it('serves retained snapshots with their own types and headers under /snapshots/<id>/', async () => {
    const old = await alike(`/snapshots/${b.id}/v2/images/manifests/latest`);
    expect(old.headers['content-type']).toBe(INDEX);
    expect(old.headers['docker-content-digest']).toBe(`sha256:${sha(manifestB)}`);
    expect((await alike(`/snapshots/${a.id}/aptly/ubuntu/dists/stable/Release`)).body.equals(release)).toBe(true);
  });

  it('reads a snapshot built after nginx started at its next reload', async () => {
    const c = await store.build({ desiredHash: 'c'.repeat(64), site: { name: 'lab', retention: 10 }, resources: [await imageResource(manifestB, INDEX)] });
    expect(await readdir(join(store.root, 'snapshots', c.id, 'nginx'))).toEqual(['header-docker-content-digest.map', 'type.map']);
    await nginx.reload();
    await alike(`/snapshots/${c.id}/v2/images/manifests/latest`);
    expect((await httpGet(nginx.port, `/snapshots/${c.id}/v2/images/manifests/latest`)).headers['content-type']).toBe(INDEX);
  });
});
