import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { resourceId } from '../core/resource.js';
import { safeRelativePath } from '../core/safe-path.js';
import { checkedPath } from './manifest.js';
import { forEachLimit } from './for-each-limit.js';
import { directoriesOf } from './tree-builder.js';

/** What a draft holds once its folders are made. */
export interface DraftTree {
  id: string;
  /** Folders below the tree root that exist (the root too). */
  made: ReadonlySet<string>;
}

/** The resources of the coming snapshot as far as known: roots and the paths of their files. */
export interface DraftResource {
  kind: string;
  name: string;
  root: string;
  files: ReadonlyArray<{ path: string }>;
}

/**
 * The next snapshot's folder, started ahead of StateStore.build: its id is reserved and the
 * folders its tree needs are made (on the thread pool) while files download, so that build has little more than the links left. Every path is checked as
 * build checks it. Until build writes the manifest it is a half-built snapshot like any other:
 * left out of listings, removed by gc after a crash, and by discard() when not built.
 */
export interface DraftOptions {
  snapshotsDir: string;
  /** Reserves a fresh snapshot id (creates snapshots/<id>/). */
  reserve: () => Promise<string>;
  resources: readonly DraftResource[];
  signal?: AbortSignal;
}

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
    const entries: Array<{ rel: string }> = [];
    const roots: string[] = [];
    for (const r of o.resources) {
      const resource = resourceId(r);
      const root = safeRelativePath(r.root, { resource, path: 'root' });
      roots.push(root);
      for (const f of r.files) entries.push({ rel: `${root}/${checkedPath(f.path, { resource })}` });
    }
    const folders = directoriesOf(entries, roots);
    o.signal?.throwIfAborted();
    const id = await o.reserve();
    this.dir = join(o.snapshotsDir, id);
    // On the thread pool, a level at a time: a mkdir can take a millisecond on a busy disk, and
    // the event loop is busy downloading meanwhile.
    const tree = join(this.dir, 'tree');
    await mkdir(tree);
    const levels = new Map<number, string[]>();
    for (const d of folders) {
      const depth = d.split('/').length;
      const level = levels.get(depth) ?? [];
      if (level.length === 0) levels.set(depth, level);
      level.push(d);
    }
    for (const depth of [...levels.keys()].sort((a, b) => a - b)) {
      await forEachLimit(levels.get(depth) ?? [], 4, (d) => mkdir(`${tree}/${d}`).then(() => undefined), o.signal);
    }
    return { id, made: new Set(folders) };
  }
}
