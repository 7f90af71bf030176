/**
 * `ferry export`: writes a bundle (bundle.ts) of one snapshot, or of what it adds to a base
 * snapshot. Streamed: blobs are copied from the store into volume files with a bounded buffer,
 * whatever their size. Resumable: each volume is written as `<name>.partial`, fsynced and renamed,
 * so a second run with the same arguments keeps every finished volume and writes the rest.
 */
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { sha256Hex } from '../core/hash.js';
import { FerryError } from '../core/ferry-error.js';
import { signDetached } from '../pgp/detached.js';
import { siteSigningKey } from '../pgp/site-key.js';
import type { StateStore } from '../store/state-store.js';
import type { SnapshotManifest } from '../store/types.js';
import { BUNDLE_FORMAT, MANIFEST_FILE, TOC_FILE, TOC_SIGNATURE, planBundle, type BundleToc } from './bundle.js';

export interface ExportOptions {
  store: StateStore;
  /** Snapshot id (or unique prefix) to export; default the current one. */
  to?: string;
  /** Base snapshot the receiving site already holds. */
  from?: string;
  out: string;
  volumeSize: number;
  signal?: AbortSignal;
  /** Called with bytes written as volumes fill; `total` first. */
  progress?: { start(total: number): void; tick(bytes: number): void; stop(): void };
}

export interface ExportResult {
  toc: BundleToc;
  /** Volumes written by this run (the others were complete already). */
  written: string[];
  bytesWritten: number;
}

export async function exportBundle(o: ExportOptions): Promise<ExportResult> {
  const to = o.to ? await o.store.get(o.to) : await o.store.current();
  if (!to) throw new FerryError('FERRY_SNAPSHOT_NOT_FOUND', 'nothing is published yet: say which snapshot to export with --to', {});
  const from = o.from ? await o.store.get(o.from) : undefined;
  const manifestBytes = Buffer.from(JSON.stringify(to));
  await mkdir(o.out, { recursive: true });
  const toc = await tocFor(o, to, from, manifestBytes);
  let written: string[] = [];
  let bytesWritten = 0;
  o.progress?.start(toc.totalBytes);
  try {
    for (const [i, volume] of toc.volumes.entries()) {
      o.signal?.throwIfAborted();
      const path = join(o.out, volume.name);
      const done = await stat(path).then((s) => s.size === volume.size, () => false);
      if (done) {
        o.progress?.tick(volume.size);
        continue;
      }
      await writeVolume(o, toc, i, path);
      written = [...written, volume.name];
      bytesWritten += volume.size;
    }
  } finally {
    o.progress?.stop();
  }
  return { toc, written, bytesWritten };
}

/**
 * The TOC, manifest and signature, written first. A folder that already holds the same bundle
 * (same snapshot, base and volume size) is resumed; one that holds another bundle is refused.
 */
async function tocFor(o: ExportOptions, to: SnapshotManifest, from: SnapshotManifest | undefined, manifestBytes: Buffer): Promise<BundleToc> {
  const tocPath = join(o.out, TOC_FILE);
  const existing = await readFile(tocPath).then((b) => JSON.parse(b.toString('utf8')) as BundleToc, () => undefined);
  if (existing) {
    const same = existing.snapshot?.id === to.id && existing.from?.id === from?.id && existing.volumeSize === o.volumeSize;
    if (!same) {
      throw new FerryError('FERRY_USAGE', `${o.out} holds another bundle (snapshot ${existing.snapshot?.id}${existing.from ? ` from ${existing.from.id}` : ''}, volumes of ${existing.volumeSize} bytes): choose an empty folder`, { path: o.out });
    }
    return existing;
  }
  const toc: BundleToc = {
    format: BUNDLE_FORMAT,
    createdAt: new Date().toISOString(),
    site: to.site.name,
    snapshot: { id: to.id, desiredHash: to.desiredHash, ...(to.commit ? { commit: to.commit } : {}), manifestSha256: sha256Hex(manifestBytes) },
    ...(from ? { from: { id: from.id, desiredHash: from.desiredHash } } : {}),
    volumeSize: o.volumeSize,
    ...planBundle(to, from, o.volumeSize),
  };
  const tocBytes = Buffer.from(JSON.stringify(toc, null, 1));
  const signing = to.site.signing as { key_file?: string } | undefined;
  const key = await siteSigningKey({ stateDir: o.store.root, keyFile: signing?.key_file, siteName: to.site.name });
  await writeFile(join(o.out, MANIFEST_FILE), manifestBytes);
  await writeFile(join(o.out, TOC_SIGNATURE), await signDetached(tocBytes, key));
  // The TOC last: its presence says the other two are there.
  await writeFile(`${tocPath}.partial`, tocBytes);
  await rename(`${tocPath}.partial`, tocPath);
  return toc;
}

/** Copies the stream bytes [i*volumeSize, +size) from the blobs into `<path>.partial`, then renames. */
async function writeVolume(o: ExportOptions, toc: BundleToc, index: number, path: string): Promise<void> {
  const start = index * toc.volumeSize;
  const end = start + toc.volumes[index].size;
  const partial = `${path}.partial`;
  const file = await open(partial, 'w');
  try {
    const sink = new Writable({
      highWaterMark: 1 << 20,
      write(chunk: Buffer, _enc, cb) {
        file.write(chunk).then(() => {
          o.progress?.tick(chunk.length);
          cb();
        }, cb);
      },
    });
    for (const b of overlapping(toc, start, end)) {
      const from = Math.max(start, b.offset) - b.offset;
      const to = Math.min(end, b.offset + b.size) - b.offset;
      if (to <= from) continue;
      const blobPath = o.store.blobs.pathOf(b.sha256);
      const source = createReadStream(blobPath, { start: from, end: to - 1, highWaterMark: 1 << 20 });
      source.on('error', () => undefined);
      try {
        await pipeline(source, sink, { end: false, signal: o.signal });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
          throw new FerryError('FERRY_STORE_CORRUPT', `blob ${b.sha256} of snapshot ${toc.snapshot.id} is missing from the store (${blobPath}): run ferry fsck --repair`, { path: blobPath });
        }
        throw e;
      }
    }
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(partial, path);
}

function* overlapping(toc: BundleToc, start: number, end: number): Generator<BundleToc['blobs'][number]> {
  // Blobs are in offset order: binary search for the first that ends after `start`.
  let lo = 0;
  let hi = toc.blobs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const b = toc.blobs[mid];
    if (b.offset + b.size <= start) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < toc.blobs.length && toc.blobs[i].offset < end; i++) yield toc.blobs[i];
}
