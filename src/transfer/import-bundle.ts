/**
 * `ferry import`: makes a bundle's snapshot available in this state directory, without
 * publishing it. The TOC's signature is checked against the keys this site trusts, every volume's
 * size before any byte is read, every blob's digest as it is read; a bundle whose base snapshot's
 * blobs are not here is refused, naming the base. Blobs are adopted into the store (atomically,
 * as downloads are), then the snapshot is built like any other: `ferry apply` of a model whose
 * desired state equals it re-publishes it with nothing fetched, and rollbacks work as usual.
 * Idempotent (present blobs are skipped, an imported snapshot is not built twice); a kill -9
 * at any point leaves the served snapshot alone and the next import finishes the work.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { open, readFile, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256Hex } from '../core/hash.js';
import { FerryError } from '../core/ferry-error.js';
import { verifyDetached } from '../pgp/detached.js';
import { yieldToLoop } from '../store/fs-util.js';
import type { StateStore } from '../store/state-store.js';
import type { SnapshotManifest } from '../store/types.js';
import { MANIFEST_FILE, TOC_FILE, TOC_SIGNATURE, parseToc, type BundleToc } from './bundle.js';

export interface ImportOptions {
  store: StateStore;
  /** Folders holding the bundle's files (volumes may be spread over several media). */
  paths: string[];
  /** Armored public keys this site trusts to sign bundles. */
  trustedKeys: string[];
  wait?: boolean;
  signal?: AbortSignal;
  progress?: { start(total: number): void; tick(bytes: number): void; stop(): void };
}

export interface ImportResult {
  snapshot: string;
  /** The id the snapshot had on the exporting site. */
  source: string;
  outcome: 'imported' | 'already-imported';
  blobsAdded: number;
  bytesAdded: number;
  signer: string;
}

/** Where the imported snapshot came from, recorded in its manifest. */
export type ImportedFrom = NonNullable<SnapshotManifest['imported']>;

/**
 * Blobs adopted together (two syncs of the file system per batch, see BlobStore.adoptMany), or
 * fewer when their bytes reach ADOPT_BATCH_BYTES (what a kill -9 makes the next import write again).
 */
const ADOPT_BATCH = 4096;
const ADOPT_BATCH_BYTES = 1 << 30;
/** Blobs up to this size are copied with synchronous calls, YIELD_EVERY of them between two turns of the event loop. */
const SMALL_BLOB = 256 * 1024;
const YIELD_EVERY = 32;

export async function importBundle(o: ImportOptions): Promise<ImportResult> {
  if (o.trustedKeys.length === 0) throw new FerryError('FERRY_USAGE', 'say which keys may sign bundles: --key FILE (the exporting site\'s public key, `ferry export --public-key` prints it)', {});
  const dir = await bundleDir(o.paths);
  const tocBytes = await readFile(join(dir, TOC_FILE));
  const signature = await readFile(join(dir, TOC_SIGNATURE), 'utf8').catch(() => {
    throw new FerryError('FERRY_BAD_SIGNATURE', `${join(dir, TOC_SIGNATURE)}: missing: the bundle is unsigned`, { file: join(dir, TOC_SIGNATURE) });
  });
  const signer = await verifyDetached(tocBytes, signature, o.trustedKeys, join(dir, TOC_FILE));
  const toc = parseToc(tocBytes, join(dir, TOC_FILE));
  const manifestPath = join(dir, MANIFEST_FILE);
  const manifestBytes = await readFile(manifestPath);
  const actual = sha256Hex(manifestBytes);
  if (actual !== toc.snapshot.manifestSha256) {
    throw new FerryError('FERRY_DIGEST_MISMATCH', `${manifestPath}: sha256 is ${actual}, the signed table of contents says ${toc.snapshot.manifestSha256}`, { file: manifestPath, expected: toc.snapshot.manifestSha256, actual });
  }
  const manifest = JSON.parse(manifestBytes.toString('utf8')) as SnapshotManifest;
  const volumes = await locateVolumes(toc, o.paths);

  const lock = await o.store.lock({ wait: o.wait, signal: o.signal, purpose: `import ${toc.snapshot.id}` });
  try {
    const already = (await o.store.list()).find((m) => m.imported?.snapshot === toc.snapshot.id);
    if (already) return { snapshot: already.id, source: toc.snapshot.id, outcome: 'already-imported', blobsAdded: 0, bytesAdded: 0, signer };
    checkBase(o.store, toc, manifest);
    const { blobsAdded, bytesAdded } = await readBlobs(o, toc, volumes);
    const { id: _id, createdAt: _createdAt, ...rest } = manifest;
    const imported: ImportedFrom = { snapshot: toc.snapshot.id, site: toc.site, bundleCreatedAt: toc.createdAt, importedAt: new Date().toISOString(), signer };
    const built = await o.store.build({ ...rest, imported }, { signal: o.signal });
    return { snapshot: built.id, source: toc.snapshot.id, outcome: 'imported', blobsAdded, bytesAdded, signer };
  } finally {
    await lock.release();
  }
}

/** The first path holding toc.json (a path may also name the toc file itself). */
async function bundleDir(paths: string[]): Promise<string> {
  for (const p of paths) {
    const s = await stat(p).catch(() => undefined);
    if (s?.isDirectory() && (await stat(join(p, TOC_FILE)).catch(() => undefined))) return p;
    if (s?.isFile() && p.endsWith(TOC_FILE)) return join(p, '..');
  }
  throw new FerryError('FERRY_USAGE', `no ${TOC_FILE} in ${paths.join(', ')}: give the bundle folder (and the folders of its other volumes)`, { actual: paths });
}

/** Every volume, found in any of the paths, with the size the TOC gives (a short one is a truncated volume). */
async function locateVolumes(toc: BundleToc, paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const v of toc.volumes) {
    if (v.size === 0) {
      out.push('');
      continue;
    }
    let found: string | undefined;
    let wrong: { path: string; size: number } | undefined;
    for (const p of paths) {
      const candidate = (await stat(p).catch(() => undefined))?.isDirectory() ? join(p, v.name) : p.endsWith(`/${v.name}`) || p === v.name ? p : undefined;
      if (!candidate) continue;
      const s = await stat(candidate).catch(() => undefined);
      if (!s?.isFile()) continue;
      if (s.size === v.size) {
        found = candidate;
        break;
      }
      wrong = { path: candidate, size: s.size };
    }
    if (!found) {
      if (wrong) throw new FerryError('FERRY_SIZE_MISMATCH', `volume ${wrong.path} has ${wrong.size} bytes, the table of contents says ${v.size}: it is truncated or from another bundle`, { file: wrong.path, expected: v.size, actual: wrong.size });
      throw new FerryError('FERRY_USAGE', `volume ${v.name} of ${toc.volumes.length} is in none of ${paths.join(', ')}: give the folder of every volume`, { file: v.name });
    }
    out.push(found);
  }
  return out;
}

/** A delta bundle needs its base: every blob of the snapshot not in the bundle must be here. */
function checkBase(store: StateStore, toc: BundleToc, manifest: SnapshotManifest): void {
  const inBundle = new Set(toc.blobs.map((b) => b.sha256));
  const missing: string[] = [];
  for (const r of manifest.resources) for (const f of r.files) if (!inBundle.has(f.sha256) && !store.blobs.hasSync(f.sha256)) missing.push(`${r.kind}/${r.name}/${f.path}`);
  if (missing.length === 0) return;
  const base = toc.from ? `its base snapshot ${toc.from.id} (import that first, or export without --from)` : 'files the bundle does not carry';
  throw new FerryError('FERRY_SNAPSHOT_NOT_FOUND', `bundle of snapshot ${toc.snapshot.id} needs ${base}: ${missing.length} files are not in this store, e.g. ${missing.slice(0, 3).join(', ')}`, { expected: toc.from?.id, missing: missing.length });
}

/** Reads each missing blob from the volumes into a temp file, checking size and digest, and adopts them in batches. */
async function readBlobs(o: ImportOptions, toc: BundleToc, volumes: string[]): Promise<{ blobsAdded: number; bytesAdded: number }> {
  const handles = new Map<number, FileHandle>();
  const handle = async (i: number) => {
    let h = handles.get(i);
    if (!h) handles.set(i, (h = await open(volumes[i], 'r')));
    return h;
  };
  let pending: Array<{ file: string; sha256: string }> = [];
  let pendingBytes = 0;
  let blobsAdded = 0;
  let bytesAdded = 0;
  const wanted = toc.blobs.filter((b) => !o.store.blobs.hasSync(b.sha256));
  o.progress?.start(wanted.reduce((n, b) => n + b.size, 0));
  const buffer = Buffer.allocUnsafe(1 << 20);
  let smallSinceYield = 0;
  try {
    for (const b of wanted) {
      o.signal?.throwIfAborted();
      const tmp = o.store.blobs.tempPath();
      // A small blob is copied with synchronous calls: four thread-pool round trips (open, read,
      // write, close) cost more than the calls themselves; the event loop runs between slices.
      const small = b.size <= SMALL_BLOB;
      if (small && ++smallSinceYield % YIELD_EVERY === 0) await yieldToLoop(o.signal);
      const out = small ? openSync(tmp, 'w') : await open(tmp, 'w');
      const hash = createHash('sha256');
      try {
        let pos = b.offset;
        const end = b.offset + b.size;
        while (pos < end) {
          const vi = Math.floor(pos / toc.volumeSize);
          const within = pos - vi * toc.volumeSize;
          const n = Math.min(buffer.length, end - pos, toc.volumes[vi].size - within);
          const volume = await handle(vi);
          const bytesRead = typeof out === 'number' ? readSync(volume.fd, buffer, 0, n, within) : (await volume.read(buffer, 0, n, within)).bytesRead;
          if (bytesRead !== n) throw new FerryError('FERRY_SIZE_MISMATCH', `volume ${volumes[vi]} ended early at byte ${within + bytesRead}`, { file: volumes[vi] });
          hash.update(buffer.subarray(0, n));
          if (typeof out === 'number') {
            for (let done = 0; done < n; ) done += writeSync(out, buffer, done, n - done);
          } else await out.write(buffer, 0, n);
          pos += n;
          o.progress?.tick(n);
        }
      } finally {
        if (typeof out === 'number') closeSync(out);
        else await out.close();
      }
      const digest = hash.digest('hex');
      if (digest !== b.sha256) {
        const vi = Math.floor(b.offset / toc.volumeSize);
        await rm(tmp, { force: true });
        throw new FerryError('FERRY_DIGEST_MISMATCH', `blob at byte ${b.offset} of the bundle (volume ${volumes[vi]}): sha256 is ${digest}, the signed table of contents says ${b.sha256}; the volume is damaged or was altered`, { file: volumes[vi], expected: b.sha256, actual: digest });
      }
      pending.push({ file: tmp, sha256: b.sha256 });
      blobsAdded++;
      bytesAdded += b.size;
      pendingBytes += b.size;
      if (pending.length >= ADOPT_BATCH || pendingBytes >= ADOPT_BATCH_BYTES) {
        await adopt(o, pending);
        pending = [];
        pendingBytes = 0;
      }
    }
    await adopt(o, pending);
  } finally {
    for (const h of handles.values()) await h.close();
    o.progress?.stop();
  }
  return { blobsAdded, bytesAdded };
}

async function adopt(o: ImportOptions, entries: Array<{ file: string; sha256: string }>): Promise<void> {
  if (entries.length === 0) return;
  if (o.store.blobs.adoptMany) await o.store.blobs.adoptMany(entries, { signal: o.signal });
  else for (const e of entries) await o.store.blobs.adopt(e.file, e.sha256);
}
