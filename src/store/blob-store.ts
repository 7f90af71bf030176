import { createHash } from 'node:crypto';
import { chmodSync, createReadStream, renameSync, statSync, unlinkSync } from 'node:fs';
import { chmod, copyFile, mkdir, open, readFile, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { FerryError } from '../core/ferry-error.js';
import { sha256Hex } from '../core/hash.js';
import type { BlobStore } from './types.js';
import { forEachLimit } from './for-each-limit.js';
import { FSYNC_IN_FLIGHT, SYNCFS_MIN, fsyncDir, isCode, syncFileSystem, tempSuffix, yieldToLoop } from './fs-util.js';

const SHA256_RE = /^[0-9a-f]{64}$/;
/** Blobs are read-only: the served trees are hard links to them, a write there would corrupt every snapshot. */
const BLOB_MODE = 0o444;
const SMALL_FILE = 1 << 20;

/**
 * Content-addressed blobs on the local file system (docs/ARCHITECTURE.md "Store"):
 * `objects/sha256/ab/cdef…` (the first two hex digits fan out, the other 62 name the file).
 * Bytes reach a digest path only after an fsync and a rename, so a blob that exists is whole.
 */
export class FsBlobStore implements BlobStore {
  readonly objects: string;
  readonly tmpDir: string;
  readonly partialDir: string;

  constructor(stateRoot: string) {
    this.objects = join(stateRoot, 'objects', 'sha256');
    this.tmpDir = join(stateRoot, 'objects', 'tmp');
    this.partialDir = join(stateRoot, 'objects', 'partial');
  }

  /** Creates objects/sha256/00..ff, tmp/ and partial/ (idempotent; a no-op once complete). */
  async init(): Promise<void> {
    const done = await stat(join(this.objects, 'ff')).then((s) => s.isDirectory(), () => false);
    if (done) return;
    await mkdir(this.tmpDir, { recursive: true });
    await mkdir(this.partialDir, { recursive: true });
    await mkdir(this.objects, { recursive: true });
    // `ff` last: its presence tells the next open that the layout is complete.
    const fans = Array.from({ length: 255 }, (_, i) => i.toString(16).padStart(2, '0'));
    await Promise.all(fans.map((f) => mkdir(join(this.objects, f), { recursive: true })));
    await fsyncDir(this.objects);
    await mkdir(join(this.objects, 'ff'), { recursive: true });
    await fsyncDir(this.objects);
  }

  pathOf(sha256: string): string {
    const d = checkDigest(sha256);
    return `${this.objects}/${d.slice(0, 2)}/${d.slice(2)}`;
  }

  /** pathOf without the digest check, for callers that checked it already (the tree builder's hot loop). */
  readonly blobPathUnchecked = (sha256: string): string => `${this.objects}/${sha256.slice(0, 2)}/${sha256.slice(2)}`;

  partialPath(sha256: string): string {
    return `${this.partialDir}/${checkDigest(sha256)}`;
  }

  tempPath(): string {
    return join(this.tmpDir, tempSuffix());
  }

  /**
   * A synchronous stat: on the local file system it holds, a stat takes microseconds, less than
   * the thread-pool round trip of an async one (this runs once per wanted file, 100k times).
   */
  async has(sha256: string): Promise<boolean> {
    return this.hasSync(sha256);
  }

  hasSync(sha256: string): boolean {
    return statSync(this.pathOf(sha256), { throwIfNoEntry: false })?.isFile() ?? false;
  }

  /**
   * Moves a verified file into the store. With `verify` the file is re-hashed first and a
   * mismatch is FERRY_DIGEST_MISMATCH (the file is left where it was). When the blob already
   * exists the file is simply removed. A file on another file system is copied in.
   */
  async adopt(file: string, sha256: string, options: { verify?: boolean } = {}): Promise<void> {
    const digest = checkDigest(sha256);
    if (options.verify) {
      const actual = await hashFile(file);
      if (actual !== digest) {
        throw new FerryError('FERRY_DIGEST_MISMATCH', `sha256 of ${file} is ${actual}, expected ${digest}`, { file, expected: digest, actual });
      }
    }
    const dest = this.pathOf(digest);
    if (await this.has(digest)) {
      await unlink(file).catch((e: unknown) => {
        if (!isCode(e, 'ENOENT')) throw e;
      });
      return;
    }
    await syncFile(file);
    await chmod(file, BLOB_MODE);
    try {
      await rename(file, dest);
    } catch (e) {
      if (!isCode(e, 'EXDEV')) throw e;
      const tmp = this.tempPath();
      await copyFile(file, tmp);
      await syncFile(tmp);
      await chmod(tmp, BLOB_MODE);
      await rename(tmp, dest);
      await unlink(file);
    }
    await fsyncDir(join(this.objects, digest.slice(0, 2)));
  }

  /**
   * Adopts many files whose digests the caller has verified, making them durable together: the
   * files' bytes first, then they are renamed to their digest paths, then the renames are made
   * durable. A blob that exists is still whole after a crash at any point (a file not yet
   * renamed stays where it was, e.g. a partial download that the next run re-hashes). Under
   * SYNCFS_MIN files, each file and each fan-out folder is fsynced, several at once; above, two
   * syncs of the whole file system replace the fsyncs.
   */
  async adoptMany(entries: ReadonlyArray<{ file: string; sha256: string }>, options: { signal?: AbortSignal } = {}): Promise<void> {
    if (entries.length === 0) return;
    const few = entries.length < SYNCFS_MIN;
    if (few) await forEachLimit(entries, FSYNC_IN_FLIGHT, (e) => (this.hasSync(e.sha256) ? Promise.resolve() : syncFile(e.file)), options.signal);
    else if (!(await syncFileSystem(this.partialDir))) {
      for (const e of entries) await this.adopt(e.file, e.sha256);
      return;
    }
    // Synchronous renames in slices: a thread-pool round trip per file costs more than the rename.
    const slow: Array<{ file: string; sha256: string }> = [];
    const fans = new Set<string>();
    options.signal?.throwIfAborted();
    for (let i = 0; i < entries.length; i++) {
      if (i > 0 && i % ADOPT_SLICE === 0) await yieldToLoop(options.signal);
      const { file, sha256 } = entries[i];
      if (this.hasSync(sha256)) {
        removeIfThere(file);
        continue;
      }
      chmodSync(file, BLOB_MODE);
      try {
        renameSync(file, this.pathOf(sha256));
        fans.add(sha256.slice(0, 2));
      } catch (e) {
        if (!isCode(e, 'EXDEV')) throw e;
        slow.push({ file, sha256 });
      }
    }
    for (const e of slow) await this.adopt(e.file, e.sha256);
    if (few || !(await syncFileSystem(this.objects))) await forEachLimit(fans, FSYNC_IN_FLIGHT, (fan) => fsyncDir(join(this.objects, fan)));
  }

  async putBytes(bytes: Uint8Array): Promise<{ sha256: string; size: number }> {
    const sha256 = sha256Hex(bytes);
    const size = bytes.byteLength;
    if (await this.has(sha256)) return { sha256, size };
    const tmp = this.tempPath();
    let fh: FileHandle | undefined = await open(tmp, 'wx', BLOB_MODE);
    try {
      await fh.writeFile(bytes);
      await fh.sync();
      await fh.close();
      fh = undefined;
      await rename(tmp, this.pathOf(sha256));
    } catch (e) {
      if (fh) await fh.close().catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
    await fsyncDir(join(this.objects, sha256.slice(0, 2)));
    return { sha256, size };
  }
}

/** Renames between two yields to the event loop in adoptMany (each takes a few microseconds). */
const ADOPT_SLICE = 512;

function removeIfThere(file: string): void {
  try {
    unlinkSync(file);
  } catch (e) {
    if (!isCode(e, 'ENOENT')) throw e;
  }
}

function checkDigest(sha256: string): string {
  if (typeof sha256 !== 'string' || !SHA256_RE.test(sha256)) {
    throw new FerryError('FERRY_INTERNAL', `not a lowercase sha256 digest: ${JSON.stringify(sha256)}`, { actual: sha256 });
  }
  return sha256;
}

async function syncFile(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** sha256 of a file's content: files under 1 MiB (pass `size` when known) in one read, others streamed. */
export async function hashFile(path: string, options: { signal?: AbortSignal; size?: number } = {}): Promise<string> {
  if (options.size !== undefined && options.size < SMALL_FILE) {
    return sha256Hex(await readFile(path, { signal: options.signal }));
  }
  const hash = createHash('sha256');
  const stream = createReadStream(path, { signal: options.signal, highWaterMark: 1 << 20 });
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
