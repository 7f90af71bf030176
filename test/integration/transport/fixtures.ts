import { afterAll, beforeAll } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startUpstream, type Upstream } from './upstream.js';

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

/**
 * A loopback upstream and a scratch folder for the tests of one describe block: started before
 * them, removed after. Read them through the returned object (they exist once beforeAll ran).
 */
export function upstreamAndDir(): { readonly up: Upstream; readonly dir: Awaited<ReturnType<typeof tempDir>> } {
  let up: Upstream | undefined;
  let dir: Awaited<ReturnType<typeof tempDir>> | undefined;
  beforeAll(async () => {
    up = await startUpstream();
    dir = await tempDir();
  });
  afterAll(async () => {
    await up?.close();
    await dir?.remove();
  });
  return {
    get up(): Upstream {
      if (!up) throw new Error('the upstream starts in beforeAll');
      return up;
    },
    get dir(): Awaited<ReturnType<typeof tempDir>> {
      if (!dir) throw new Error('the folder is made in beforeAll');
      return dir;
    },
  };
}
