import { lstat, readdir, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { FerryError } from '../core/ferry-error.js';
import type { FsBlobStore } from './blob-store.js';
import { forEachLimit } from './for-each-limit.js';
import { isCode } from './fs-util.js';
import { SNAPSHOT_ID_RE } from './snapshot-id.js';
import type { GcResult, SnapshotManifest } from './types.js';

export type { GcResult };

export interface GcContext {
  snapshotsDir: string;
  blobs: FsBlobStore;
  get(id: string): Promise<SnapshotManifest>;
  listIds(): Promise<string[]>;
  /** Temp files older than this are abandoned (default 1 h). */
  tempMaxAgeMs?: number;
  /** Partial downloads older than this are abandoned (default 7 days). */
  partialMaxAgeMs?: number;
}

const HEX62_RE = /^[0-9a-f]{62}$/;

/**
 * Garbage collection under the writer lock. The set of live digests is read from every
 * complete snapshot; a manifest that cannot be read stops gc (FERRY_STORE_CORRUPT) rather
 * than let it delete what that snapshot may need.
 */
export async function collectGarbage(ctx: GcContext): Promise<GcResult> {
  const result: GcResult = { removedBlobs: 0, removedBytes: 0, removedPartials: 0 };
  result.removedPartials += await removePartialSnapshots(ctx.snapshotsDir);
  const live = new Set<string>();
  for (const id of await ctx.listIds()) {
    const m = await ctx.get(id);
    for (const r of m.resources) for (const f of r.files) live.add(f.sha256);
  }
  const fans = (await readdir(ctx.blobs.objects)).filter((n) => /^[0-9a-f]{2}$/.test(n));
  await forEachLimit(fans, 8, async (fan) => {
    for (const name of await readdir(join(ctx.blobs.objects, fan))) {
      if (!HEX62_RE.test(name) || live.has(fan + name)) continue;
      const path = join(ctx.blobs.objects, fan, name);
      const size = (await stat(path)).size;
      await unlink(path);
      result.removedBlobs++;
      result.removedBytes += size;
    }
  });
  const now = Date.now();
  result.removedPartials += await removeOlderThan(ctx.blobs.tmpDir, now - (ctx.tempMaxAgeMs ?? 3_600_000));
  const partials = await removeUnresumable(ctx.blobs.partialDir, now - (ctx.partialMaxAgeMs ?? 7 * 86_400_000));
  result.removedPartials += partials.files;
  result.removedPartialBytes = partials.bytes;
  result.removedPartials += await removeCurrentTemps(dirname(ctx.snapshotsDir));
  return result;
}

/** Snapshot folders without a manifest (a build that crashed) and `.trash-*` left by prune. */
async function removePartialSnapshots(snapshotsDir: string): Promise<number> {
  let n = 0;
  for (const name of await readdir(snapshotsDir)) {
    const isTrash = name.startsWith('.trash-');
    if (!isTrash && !SNAPSHOT_ID_RE.test(name)) continue;
    if (!isTrash) {
      const manifest = await lstat(join(snapshotsDir, name, 'manifest.json')).catch((e: unknown) => {
        if (isCode(e, 'ENOENT')) return undefined;
        throw new FerryError('FERRY_STORE_CORRUPT', `cannot read snapshot ${name}`, { path: join(snapshotsDir, name) }, e);
      });
      if (manifest) continue;
    }
    await rm(join(snapshotsDir, name), { recursive: true, force: true });
    n++;
  }
  return n;
}

async function removeOlderThan(dir: string, cutoffMs: number): Promise<number> {
  let n = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const st = await lstat(join(dir, name)).catch(() => undefined);
    if (st && st.mtimeMs < cutoffMs) {
      await rm(join(dir, name), { recursive: true, force: true });
      n++;
    }
  }
  return n;
}

/**
 * Downloads under objects/partial/ that no later run will resume: every file but those of at
 * least RESUMABLE_MIN_BYTES with their `.meta` sidecar (the transport resumes only those, with
 * Range + If-Range) that are younger than `cutoffMs`; and sidecars whose download is gone. A
 * disk-full run leaves hundreds of small ones (issue 11, defect 5): they all go.
 */
async function removeUnresumable(dir: string, cutoffMs: number): Promise<{ files: number; bytes: number }> {
  const out = { files: 0, bytes: 0 };
  const names = new Set(await readdir(dir).catch(() => [] as string[]));
  const drop = async (name: string, size: number) => {
    await rm(join(dir, name), { recursive: true, force: true });
    out.files++;
    out.bytes += size;
  };
  for (const name of names) {
    if (name.endsWith('.meta')) continue;
    const st = await lstat(join(dir, name)).catch(() => undefined);
    if (!st) continue;
    const resumable = st.isFile() && st.size >= RESUMABLE_MIN_BYTES && st.mtimeMs >= cutoffMs && names.has(`${name}.meta`);
    if (resumable) continue;
    await drop(name, st.size);
    if (names.has(`${name}.meta`)) {
      await rm(join(dir, `${name}.meta`), { force: true });
      names.delete(`${name}.meta`);
    }
  }
  for (const name of names) {
    if (!name.endsWith('.meta') || names.has(name.slice(0, -'.meta'.length))) continue;
    await rm(join(dir, name), { force: true });
  }
  return out;
}

/** The transport resumes cut-off downloads of this size or more (http-fetcher resumeMinBytes). */
const RESUMABLE_MIN_BYTES = 1 << 20;

/** `.current-*` symlinks left by a publish that crashed before its rename. */
async function removeCurrentTemps(root: string): Promise<number> {
  let n = 0;
  for (const name of await readdir(root)) {
    if (!name.startsWith('.current-')) continue;
    await rm(join(root, name), { force: true });
    n++;
  }
  return n;
}
