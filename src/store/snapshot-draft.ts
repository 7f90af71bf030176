import { link, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { resourceId } from '../core/resource.js';
import { safeRelativePath } from '../core/safe-path.js';
import { checkedPath } from './manifest.js';
import { forEachLimit } from './for-each-limit.js';
import { directoriesOf } from './tree-builder.js';

const SHA256_RE = /^[0-9a-f]{64}$/;

/** What a draft holds once laid out. */
export interface DraftTree {
  id: string;
  /** Folders below the tree root that exist (the root too). */
  made: ReadonlySet<string>;
  /** Files already linked: path below the tree root → blob digest. */
  linked: ReadonlyMap<string, string>;
}

/**
 * The resources of the coming snapshot as far as known: roots and the paths of their files;
 * a file with `present` set has its blob in the store already and is linked ahead too.
 */
export interface DraftResource {
  kind: string;
  name: string;
  root: string;
  files: ReadonlyArray<{ path: string; sha256?: string; present?: boolean }>;
}

export interface DraftOptions {
  snapshotsDir: string;
  /** Reserves a fresh snapshot id (creates snapshots/<id>/). */
  reserve: () => Promise<string>;
  /** Where the blob of a (checked) digest lives. */
  blobPath: (sha256: string) => string;
  resources: readonly DraftResource[];
  signal?: AbortSignal;
}

/** File-system operations in flight at once (on libuv's thread pool, 4 threads by default). */
const IN_FLIGHT = 4;

/**
 * The next snapshot's folder, started ahead of StateStore.build: its id is reserved, the folders
 * its tree needs are made and the files whose blobs are already in the store are linked, on the
 * thread pool while other files download, so that build has only the rest to do. Every path and
 * digest is checked as build checks them. Until build writes the manifest it is a half-built
 * snapshot like any other: left out of listings, removed by gc after a crash, and by discard()
 * when not built on.
 */
export class SnapshotDraft {
  readonly ready: Promise<DraftTree>;
  private dir: string | undefined;
  private taken = false;

  constructor(options: DraftOptions) {
    this.ready = this.layout(options);
    // A draft nobody builds on (a failed reconcile) must not surface as an unhandled rejection.
    this.ready.catch(() => undefined);
  }

  /** Marks the draft as taken over by build (which removes the folder itself if it fails). */
  take(): void {
    this.taken = true;
  }

  /** Removes the draft's folder unless build took it over; waits for the layout to stop first. */
  async discard(): Promise<void> {
    await this.ready.catch(() => undefined);
    if (this.taken || !this.dir) return;
    this.taken = true;
    await rm(this.dir, { recursive: true, force: true });
  }

  private async layout(o: DraftOptions): Promise<DraftTree> {
    const entries: Array<{ rel: string; sha256?: string }> = [];
    const roots: string[] = [];
    for (const r of o.resources) {
      const resource = resourceId(r);
      const root = safeRelativePath(r.root, { resource, path: 'root' });
      roots.push(root);
      for (const f of r.files) {
        const rel = `${root}/${checkedPath(f.path, { resource })}`;
        entries.push({ rel, sha256: f.present && f.sha256 && SHA256_RE.test(f.sha256) ? f.sha256 : undefined });
      }
    }
    const folders = directoriesOf(entries, roots);
    o.signal?.throwIfAborted();
    const id = await o.reserve();
    this.dir = join(o.snapshotsDir, id);
    const tree = join(this.dir, 'tree');
    await mkdir(tree);
    // A level at a time, parents first.
    const levels = new Map<number, string[]>();
    for (const d of folders) {
      const depth = d.split('/').length;
      const level = levels.get(depth) ?? [];
      if (level.length === 0) levels.set(depth, level);
      level.push(d);
    }
    for (const depth of [...levels.keys()].sort((a, b) => a - b)) {
      await forEachLimit(levels.get(depth) ?? [], IN_FLIGHT, (d) => mkdir(`${tree}/${d}`).then(() => undefined), o.signal);
    }
    const linked = new Map<string, string>();
    const linkable = entries.filter((e): e is { rel: string; sha256: string } => e.sha256 !== undefined);
    await forEachLimit(linkable, IN_FLIGHT, async (e) => {
      if (linked.has(e.rel)) return; // the same path twice: build reports it
      try {
        await link(o.blobPath(e.sha256), `${tree}/${e.rel}`);
        linked.set(e.rel, e.sha256);
      } catch (err) {
        // A blob at the file system's link limit: build copies it.
        if ((err as NodeJS.ErrnoException).code !== 'EMLINK') throw err;
      }
    }, o.signal);
    return { id, made: new Set(folders), linked };
  }
}
