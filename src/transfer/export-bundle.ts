/**
 * `ferry export`: writes a bundle (bundle.ts) of one snapshot, or of what it adds to a base
 * snapshot. Constant memory: blobs are copied from the store into volume files through two reused
 * 8 MiB buffers (positional reads and writes, no streams), whatever their sizes. Resumable: each volume is written as `<name>.partial`, fsynced and renamed,
 * so a second run with the same arguments keeps every finished volume and writes the rest.
 */
import { mkdir, open, readFile, rename, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256Hex } from '../core/hash.js';
import { FerryError } from '../core/ferry-error.js';
import { signDetached } from '../pgp/detached.js';
import { siteSigningKey } from '../pgp/site-key.js';
import { forEachLimit } from '../store/for-each-limit.js';
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
  const bufferSize = Math.min(BATCH_BYTES, Math.max(...toc.volumes.map((v) => v.size)));
  const buffers: [Buffer, Buffer] = [Buffer.allocUnsafe(bufferSize), Buffer.allocUnsafe(bufferSize)];
  try {
    for (const [i, volume] of toc.volumes.entries()) {
      o.signal?.throwIfAborted();
      const path = join(o.out, volume.name);
      const done = await stat(path).then((s) => s.size === volume.size, () => false);
      if (done) {
        o.progress?.tick(volume.size);
        continue;
      }
      await writeVolume(o, toc, i, path, buffers);
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

/** Bytes gathered per positional write; two such buffers are reused for a whole export. */
const BATCH_BYTES = 8 << 20;
/** Blob reads in flight while a batch fills (the libuv pool has 4 threads). */
const READERS = 4;

/** One contiguous piece of a blob that lands at `at` in a batch buffer. */
interface Piece {
  sha256: string;
  /** Byte range of the blob. */
  from: number;
  to: number;
  /** Where the piece goes in the batch buffer. */
  at: number;
}

/**
 * Copies the stream bytes [i*volumeSize, +size) from the blobs into `<path>.partial`, fsyncs it,
 * then renames. No streams: pieces of blobs are read (several at once) into one of two reused
 * 8 MiB buffers and each full buffer is written at its offset in the volume, while the next fills.
 */
async function writeVolume(o: ExportOptions, toc: BundleToc, index: number, path: string, buffers: [Buffer, Buffer]): Promise<void> {
  const start = index * toc.volumeSize;
  const end = start + toc.volumes[index].size;
  const partial = `${path}.partial`;
  const file = await open(partial, 'w');
  let writing: Promise<void> = Promise.resolve();
  try {
    let turn = 0;
    for (const batch of batches(toc, start, end, buffers[0].length)) {
      o.signal?.throwIfAborted();
      const buffer = buffers[turn];
      turn ^= 1;
      await forEachLimit(batch.pieces, READERS, (p) => readPiece(o, toc, p, buffer), o.signal);
      await writing;
      writing = writeAll(file, buffer, batch.length, batch.position - start).then(() => o.progress?.tick(batch.length));
      // Awaited before the next write or after the loop; until then a failure must not count as unhandled.
      writing.catch(() => undefined);
    }
    await writing;
    await file.sync();
  } finally {
    await writing.catch(() => undefined);
    await file.close();
  }
  await rename(partial, path);
}

/** The pieces of blobs in [start, end), cut into batches of at most `size` bytes. */
function* batches(toc: BundleToc, start: number, end: number, size: number): Generator<{ position: number; length: number; pieces: Piece[] }> {
  let batch = { position: start, length: 0, pieces: [] as Piece[] };
  for (const b of overlapping(toc, start, end)) {
    let from = Math.max(start, b.offset) - b.offset;
    const to = Math.min(end, b.offset + b.size) - b.offset;
    while (from < to) {
      const n = Math.min(to - from, size - batch.length);
      batch.pieces.push({ sha256: b.sha256, from, to: from + n, at: batch.length });
      batch.length += n;
      from += n;
      if (batch.length === size) {
        yield batch;
        batch = { position: batch.position + size, length: 0, pieces: [] };
      }
    }
  }
  if (batch.length > 0) yield batch;
}

/** Reads a piece of a blob into its place in the batch buffer; a missing or short blob is a corrupt store. */
async function readPiece(o: ExportOptions, toc: BundleToc, p: Piece, buffer: Buffer): Promise<void> {
  const blobPath = o.store.blobs.pathOf(p.sha256);
  const corrupt = (what: string) => new FerryError('FERRY_STORE_CORRUPT', `blob ${p.sha256} of snapshot ${toc.snapshot.id} is ${what} in the store (${blobPath}): run ferry fsck --repair`, { path: blobPath });
  let blob: FileHandle;
  try {
    blob = await open(blobPath, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw corrupt('missing');
    throw e;
  }
  try {
    let done = 0;
    const want = p.to - p.from;
    while (done < want) {
      const { bytesRead } = await blob.read(buffer, p.at + done, want - done, p.from + done);
      if (bytesRead === 0) throw corrupt(`shorter than its ${toc.blobs.find((b) => b.sha256 === p.sha256)?.size ?? p.to} bytes`);
      done += bytesRead;
    }
  } finally {
    await blob.close();
  }
}

/** A positional write of buffer[0, length) at `position`, however many calls it takes. */
async function writeAll(file: FileHandle, buffer: Buffer, length: number, position: number): Promise<void> {
  let done = 0;
  while (done < length) {
    const { bytesWritten } = await file.write(buffer, done, length - done, position + done);
    done += bytesWritten;
  }
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
