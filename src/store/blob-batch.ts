/**
 * Writing many blobs at once (issue 9: the sync step's batching belongs to the store): generated
 * indexes stored together, and downloaded files adopted in batches, each with two file-system
 * syncs instead of fsyncs per file (BlobStore.adoptMany), or one by one on a store without it.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { sha256Hex } from '../core/hash.js';
import type { BlobStore } from './types.js';

/**
 * Stores generated files as blobs, the same content once (an index and its by-hash copies). With
 * a batch-capable store: written to temp files, then adopted together (two file-system syncs
 * instead of an fsync per file and folder). Returns each content's digest.
 */
export async function storeGenerated(blobs: BlobStore, contents: Uint8Array[], signal: AbortSignal): Promise<string[]> {
  const digests = contents.map((c) => sha256Hex(c));
  if (!blobs.adoptMany) {
    for (const c of contents) await blobs.putBytes(c);
    return digests;
  }
  const pending = new Map<string, string>();
  try {
    for (const [i, c] of contents.entries()) {
      const d = digests[i];
      if (pending.has(d) || (await blobs.has(d))) continue;
      const file = blobs.tempPath();
      writeFileSync(file, c);
      pending.set(d, file);
    }
    await blobs.adoptMany([...pending].map(([sha256, file]) => ({ file, sha256 })), { signal });
  } catch (e) {
    for (const file of pending.values()) rmSync(file, { force: true });
    throw e;
  }
  return digests;
}


/**
 * Moves downloaded files into the blob store in batches (BlobStore.adoptMany: two file-system
 * syncs per batch instead of fsyncs per file), or one by one when the store has no batch mode.
 */
export class AdoptBatch {
  private pending: Array<{ file: string; sha256: string }> = [];
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly blobs: BlobStore,
    private readonly signal: AbortSignal,
    private readonly size = 2000,
  ) {}

  async add(file: string, sha256: string): Promise<void> {
    if (!this.blobs.adoptMany) return this.blobs.adopt(file, sha256);
    this.pending.push({ file, sha256 });
    if (this.pending.length >= this.size) await this.flush();
  }

  async flush(): Promise<void> {
    const entries = this.pending;
    this.pending = [];
    const previous = this.flushing;
    this.flushing = previous.then(() => this.blobs.adoptMany?.(entries, { signal: this.signal }));
    await this.flushing;
  }
}

