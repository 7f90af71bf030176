/**
 * Runs the git driver the way the reconcile does (resolve, then generate, generated files
 * stored as blobs), with a small directory blob store and a recording logger, and writes the
 * result as a served tree `git/<mirror>/...`.
 */
import { copyFile, link, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { hashValue } from '../../../src/core/hash.js';
import type { Logger } from '../../../src/core/logger.js';
import type { Resource } from '../../../src/core/resource.js';
import { gitDriver } from '../../../src/drivers/git/driver.js';
import { gitKind } from '../../../src/drivers/git/kind.js';
import type { GitUpstreamState } from '../../../src/drivers/git/previous-state.js';
import type { DriverContext, GeneratedFile, PreviousResource, Resolution } from '../../../src/drivers/types.js';
import { FsBlobStore } from '../../../src/store/blob-store.js';
import type { BlobStore, ManifestFile, ManifestResource } from '../../../src/store/types.js';
import { FakeFetcher } from '../../../src/transport/fake-fetcher.js';

/** The store's own blob store, under `root` (on the same file system as the caches, as in a state folder). */
export async function dirBlobStore(root: string): Promise<FsBlobStore> {
  const blobs = new FsBlobStore(root);
  await blobs.init();
  return blobs;
}

export interface RecordingLogger extends Logger {
  lines: string[];
}

export function recordingLogger(): RecordingLogger {
  const lines: string[] = [];
  const push = (m: string) => void lines.push(m);
  return { lines, debug: push, info: push, warn: push, error: push };
}

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
  // The git driver never downloads by URL (git fetches itself): a fetcher that knows no URL, and any call is a failure.
  const fetcher = new FakeFetcher();
  const ctx: DriverContext<GitUpstreamState> = {
    fetcher,
    blobs: options.blobs,
    logger: options.logger ?? recordingLogger(),
    signal: options.signal ?? new AbortController().signal,
    refresh: options.refresh ?? true,
    // The manifest's upstream state is what this driver wrote (the reconcile's boundary too).
    previous: options.previous as PreviousResource<GitUpstreamState> | undefined,
    desired: { site: { name: 'test', retention: 3 }, resources: [resource], hash: 'x' },
    stateDir: options.stateDir,
  };
  const spec = gitKind.parseSpec(resource.spec, { resource: `git/${resource.name}`, site: ctx.desired.site });
  const resolution = await gitDriver.resolve(resource, spec, ctx);
  const { files: generated } = await gitDriver.generate(resource, spec, resolution, { ...ctx, previous: undefined });
  if (fetcher.calls.length) throw new Error(`the git driver must not use the fetcher: ${fetcher.calls.map((c) => c.url).join(', ')}`);
  const files: ManifestFile[] = resolution.files.map((f) => ({ path: f.path, sha256: f.sha256, size: f.size ?? 0, url: f.url }));
  for (const g of generated) files.push({ path: g.path, ...(g.stored ?? (await options.blobs.putBytes(g.content))), generated: true });
  const manifest: ManifestResource = { kind: 'git', name: resource.name, hash: resource.hash, root: `git/${resource.name}`, files, upstream: { ...resolution.upstream } };
  return { resolution, generated, manifest };
}

/** Lays out a run's files under `<treeRoot>/git/<mirror>/` as a snapshot does: hard links to the blobs. */
export async function writeTree(treeRoot: string, mirror: string, run: DriverRun, blobs: BlobStore): Promise<void> {
  for (const f of run.manifest.files) {
    const path = join(treeRoot, 'git', mirror, f.path);
    await mkdir(dirname(path), { recursive: true });
    await link(blobs.pathOf(f.sha256), path).catch(async (e: NodeJS.ErrnoException) => {
      if (e.code === 'EXDEV') await copyFile(blobs.pathOf(f.sha256), path);
      else throw e;
    });
  }
}

