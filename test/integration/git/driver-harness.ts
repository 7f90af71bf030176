/**
 * Runs the git driver the way the reconcile does (resolve, then generate, generated files
 * stored as blobs), with a small directory blob store and a recording logger, and writes the
 * result as a served tree `git/<mirror>/...`.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { hashValue } from '../../../src/core/hash.js';
import type { Logger } from '../../../src/core/logger.js';
import type { Resource } from '../../../src/core/resource.js';
import { gitDriver } from '../../../src/drivers/git/driver.js';
import type { DriverContext, GeneratedFile, Resolution } from '../../../src/drivers/types.js';
import type { BlobStore, ManifestResource } from '../../../src/store/types.js';
import type { Fetcher } from '../../../src/transport/types.js';

export function dirBlobStore(root: string): BlobStore {
  const pathOf = (sha256: string) => join(root, 'sha256', sha256.slice(0, 2), sha256.slice(2));
  return {
    has: (sha256) => stat(pathOf(sha256)).then(
      () => true,
      () => false,
    ),
    pathOf,
    partialPath: (sha256) => join(root, 'partial', sha256),
    tempPath: () => join(root, 'tmp', randomUUID()),
    async adopt(file, sha256) {
      await mkdir(dirname(pathOf(sha256)), { recursive: true });
      await rename(file, pathOf(sha256));
    },
    async putBytes(bytes) {
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      await mkdir(dirname(pathOf(sha256)), { recursive: true });
      await writeFile(pathOf(sha256), bytes);
      return { sha256, size: bytes.byteLength };
    },
  };
}

export interface RecordingLogger extends Logger {
  lines: string[];
}

export function recordingLogger(): RecordingLogger {
  const lines: string[] = [];
  const push = (m: string) => void lines.push(m);
  return { lines, debug: push, info: push, warn: push, error: push };
}

/** The git driver never downloads by URL: any call is a test failure. */
const noFetcher: Fetcher = {
  get: () => Promise.reject(new Error('the git driver must not use the fetcher')),
  download: () => Promise.reject(new Error('the git driver must not use the fetcher')),
  stats: () => ({ requests: 0, bytes: 0, retries: 0, resumed: 0, byHost: {} }),
  resetStats: () => undefined,
  close: async () => undefined,
};

export function gitResource(name: string, spec: Record<string, unknown>): Resource {
  return { kind: 'git', name, spec, hash: hashValue({ kind: 'git', name, spec }) };
}

export interface DriverRun {
  resolution: Resolution;
  generated: GeneratedFile[];
  manifest: ManifestResource;
}

export async function runGitDriver(
  resource: Resource,
  options: { stateDir: string; blobs: BlobStore; previous?: ManifestResource; logger?: Logger; signal?: AbortSignal; refresh?: boolean },
): Promise<DriverRun> {
  const ctx: DriverContext = {
    fetcher: noFetcher,
    blobs: options.blobs,
    logger: options.logger ?? recordingLogger(),
    signal: options.signal ?? new AbortController().signal,
    refresh: options.refresh ?? true,
    previous: options.previous,
    desired: { site: { name: 'test', retention: 3 }, resources: [resource], hash: 'x' },
    stateDir: options.stateDir,
  };
  const resolution = await gitDriver.resolve(resource, ctx);
  const generated = await gitDriver.generate(resource, resolution, { ...ctx, previous: undefined });
  const files = [];
  for (const g of generated) files.push({ path: g.path, ...(await options.blobs.putBytes(g.content)), generated: true });
  const manifest: ManifestResource = { kind: 'git', name: resource.name, hash: resource.hash, root: `git/${resource.name}`, files, upstream: resolution.upstream };
  return { resolution, generated, manifest };
}

/** Writes generated files under `<treeRoot>/git/<mirror>/`. */
export async function writeTree(treeRoot: string, mirror: string, generated: GeneratedFile[]): Promise<void> {
  for (const g of generated) {
    const path = join(treeRoot, 'git', mirror, g.path);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, g.content);
  }
}
