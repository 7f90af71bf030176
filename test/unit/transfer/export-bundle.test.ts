import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256Hex } from '../../../src/core/hash.js';
import { siteSigningKey } from '../../../src/pgp/site-key.js';
import { StateStore } from '../../../src/store/state-store.js';
import type { ManifestFile, SnapshotManifest } from '../../../src/store/types.js';
import { exportBundle } from '../../../src/transfer/export-bundle.js';
import { importBundle } from '../../../src/transfer/import-bundle.js';

const MIB = 1024 * 1024;

describe('exportBundle writes volumes with positional batched writes', () => {
  let dir: string;
  let store: StateStore;
  let snapshot: SnapshotManifest;
  const blobs = new Map<string, Buffer>();

  const put = (data: Buffer, path: string): ManifestFile => {
    const sha256 = sha256Hex(data);
    blobs.set(sha256, data);
    writeFileSync(store.blobs.pathOf(sha256), data, { mode: 0o444 });
    return { path, sha256, size: data.length };
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-export-'));
    store = await StateStore.open(join(dir, 'connected'));
    // One blob larger than two 8 MiB batches, one empty blob, and many small ones (several per batch).
    const files = [put(randomBytes(17 * MIB + 3), 'big'), put(Buffer.alloc(0), 'empty')];
    for (let i = 0; i < 300; i++) files.push(put(randomBytes(1 + ((i * 7919) % 70_000)), `small/${i}`));
    snapshot = await store.build({ desiredHash: sha256Hex('export test'), site: { name: 'test', retention: 5 }, resources: [{ kind: 'file', name: 't', hash: 'h', root: 'file/t', files }] });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('cuts the blobs in TOC order into volumes of the chosen size, byte for byte, and the bundle imports', async () => {
    const out = join(dir, 'bundle');
    const volumeSize = 5 * MIB + 11; // not a multiple of the batch size: batches and blobs straddle volumes
    const { toc, written } = await exportBundle({ store, to: snapshot.id, out, volumeSize });
    expect(written).toHaveLength(toc.volumes.length);
    expect(toc.volumes.length).toBe(Math.ceil(toc.totalBytes / volumeSize));
    const stream = Buffer.concat(toc.volumes.map((v) => readFileSync(join(out, v.name))));
    expect(stream.length).toBe(toc.totalBytes);
    for (const b of toc.blobs) expect(stream.subarray(b.offset, b.offset + b.size).equals(blobs.get(b.sha256)!)).toBe(true);

    const key = await siteSigningKey({ stateDir: store.root, siteName: 'test' });
    const offline = await StateStore.open(join(dir, 'offline'));
    const r = await importBundle({ store: offline, paths: [out], trustedKeys: [key.publicArmored] });
    expect(r).toMatchObject({ outcome: 'imported', blobsAdded: toc.blobs.length });
  });

  it('names a blob missing from the store, or shorter than the snapshot says, instead of writing a bad volume', async () => {
    const [victim] = [...blobs.entries()].find(([, data]) => data.length > 1000)!;
    const path = store.blobs.pathOf(victim);
    chmodSync(path, 0o644);
    truncateSync(path, 10);
    await expect(exportBundle({ store, to: snapshot.id, out: join(dir, 'short'), volumeSize: 64 * MIB })).rejects.toMatchObject({ code: 'FERRY_STORE_CORRUPT', message: expect.stringContaining(`blob ${victim}`) as unknown });
    rmSync(path);
    await expect(exportBundle({ store, to: snapshot.id, out: join(dir, 'missing'), volumeSize: 64 * MIB })).rejects.toMatchObject({ code: 'FERRY_STORE_CORRUPT', message: expect.stringContaining('is missing') as unknown });
  });
});
