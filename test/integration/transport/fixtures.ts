import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Blob {
  data: Buffer;
  sha256: string;
  size: number;
}

export function makeBlob(size: number): Blob {
  const data = randomBytes(size);
  return { data, sha256: createHash('sha256').update(data).digest('hex'), size };
}

export async function tempDir(): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'ferry-transport-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/**
 * Fast retries for tests (no real backoff waits unless a test asks), no proxy from the env, and
 * resume for any size so that small fixtures exercise it.
 */
export const quick = { backoffMs: 1, maxBackoffMs: 5, env: {}, resumeMinBytes: 0 };
