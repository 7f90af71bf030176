/**
 * Finds the snapshot a request reads: `current` or a retained one by id. `current` is read with
 * one readlink per request, so a publish takes effect at once and one request never sees two
 * snapshots. What a snapshot holds never changes once published, so its facts (real paths, the
 * manifest's digests, which folders of its tree lie inside it) are kept and re-checked at most
 * once a second against the manifest's inode and mtime (a snapshot deleted and rebuilt under
 * the same id is noticed). `current` is found with one lstat per request: its target is read
 * again only when the link itself was replaced (a publish makes a new symlink each time).
 */
import { lstat, readFile, readdir, readlink, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import type { Logger } from '../core/logger.js';
import { servesBeyondRoot, snapshotServedPaths } from '../store/manifest.js';
import type { SnapshotManifest } from '../store/types.js';

/** What the manifest says about one served path. */
export interface ServedInfo {
  sha256: string;
  size: number;
  /** Set under the resource's routes when the file has a content type of its own. */
  contentType?: string;
  /** Extra response headers of the file. */
  headers?: Readonly<Record<string, string>>;
}

export interface ServedSnapshot {
  id: string;
  /** Real path of `<state>/snapshots/<id>`. */
  dir: string;
  /** Real path of its `tree/`. */
  treeDir: string;
  /**
   * Tree-relative path (`file/images/a.qcow2`, an alias `v2/x/manifests/latest`) to the file's
   * digest and size, and the content type and headers the manifest records for it (served.ts).
   */
  digests: ReadonlyMap<string, ServedInfo>;
  /**
   * The real path of a folder of the tree (segments already checked by request-path.ts), or
   * null when it is missing or its real path leaves the tree. Cached.
   */
  realDir(segments: readonly string[]): Promise<string | null>;
}

/** The published snapshot and when it was switched to (the `current` symlink's mtime). */
export interface PublishedSnapshot {
  snapshot: ServedSnapshot;
  publishedAtMs: number;
}

export interface SnapshotResolver {
  /** The published snapshot, or null when nothing is published yet. */
  current(): Promise<PublishedSnapshot | null>;
  /** A retained snapshot (one with a manifest), or null. */
  byId(id: string): Promise<ServedSnapshot | null>;
  /** Ids of the retained snapshots, sorted. */
  list(): Promise<string[]>;
}

const SNAPSHOT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const MAX_CACHED_SNAPSHOTS = 8;
const MAX_CACHED_DIRS = 8192;
const RECHECK_MS = 1000;

export const isMissing = (e: unknown): boolean =>
  typeof e === 'object' && e !== null && 'code' in e && ['ENOENT', 'ENOTDIR', 'ELOOP', 'ENAMETOOLONG'].includes(String(e.code));

/** The real path of `segments` under `root`, or null when missing or outside `root`. */
export async function realPathInside(root: string, segments: readonly string[]): Promise<string | null> {
  let real: string;
  try {
    real = await realpath(join(root, ...segments));
  } catch (e) {
    if (isMissing(e)) return null;
    throw e;
  }
  return real === root || real.startsWith(root + sep) ? real : null;
}

interface Entry {
  snapshot: ServedSnapshot;
  /** Manifest inode:mtime, or `none` for a snapshot without one. */
  key: string;
  checkedAt: number;
}

export function createSnapshotResolver(options: { stateDir: string; logger: Logger }): SnapshotResolver {
  const { logger } = options;
  const stateDir = resolve(options.stateDir);
  const snapshotsDir = join(stateDir, 'snapshots');
  const entries = new Map<string, Promise<Entry | null>>();

  async function manifestKey(dir: string): Promise<string> {
    try {
      const s = await stat(join(dir, 'manifest.json'));
      return `${s.ino}:${s.mtimeMs}`;
    } catch (e) {
      if (isMissing(e)) return 'none';
      throw e;
    }
  }

  async function loadDigests(dir: string, id: string): Promise<Map<string, ServedInfo>> {
    const digests = new Map<string, ServedInfo>();
    try {
      const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as SnapshotManifest;
      for (const resource of manifest.resources ?? []) {
        if (servesBeyondRoot(resource)) {
          for (const p of snapshotServedPaths([resource])) {
            const { sha256, size, headers } = p.file;
            digests.set(p.rel, { sha256, size, ...(p.contentType === undefined ? {} : { contentType: p.contentType }), ...(headers === undefined ? {} : { headers }) });
          }
          continue;
        }
        for (const file of resource.files ?? []) digests.set(`${resource.root}/${file.path}`, { sha256: file.sha256, size: file.size });
      }
    } catch (e) {
      logger.warn('serve: manifest unreadable, falling back to inode ETags', { snapshot: id, error: String(e) });
    }
    return digests;
  }

  async function load(id: string, key: string): Promise<Entry | null> {
    const realSnapshots = await realpath(snapshotsDir);
    const treeDir = await realPathInside(realSnapshots, [id, 'tree']);
    // Exactly <snapshots>/<id>/tree: no link to another snapshot's tree.
    if (treeDir !== join(realSnapshots, id, 'tree')) return null;
    const dir = dirname(treeDir);
    const digests = key === 'none' ? new Map() : await loadDigests(dir, id);
    const dirs = new Map<string, Promise<string | null>>();
    const snapshot: ServedSnapshot = {
      id,
      dir,
      treeDir,
      digests,
      realDir(segments) {
        const rel = segments.join('/');
        let found = dirs.get(rel);
        if (!found) {
          if (dirs.size >= MAX_CACHED_DIRS) dirs.clear();
          found = realPathInside(treeDir, segments);
          dirs.set(rel, found);
          found.catch(() => dirs.delete(rel));
        }
        return found;
      },
    };
    return { snapshot, key, checkedAt: Date.now() };
  }

  /** `retained` asks for a snapshot with a manifest (what /snapshots/<id>/ serves). */
  async function get(id: string, options: { retained: boolean }): Promise<ServedSnapshot | null> {
    if (!SNAPSHOT_ID.test(id)) return null;
    const cached = entries.get(id);
    const entry = cached ? await cached.catch(() => null) : null;
    const usable = (e: Entry): ServedSnapshot | null => (options.retained && e.key === 'none' ? null : e.snapshot);
    if (entry && Date.now() - entry.checkedAt < RECHECK_MS) return usable(entry);
    const key = await manifestKey(join(snapshotsDir, id));
    if (entry && entry.key === key) {
      entry.checkedAt = Date.now();
      return usable(entry);
    }
    if (options.retained && key === 'none') return null;
    const loading = load(id, key).catch((e: unknown) => {
      if (isMissing(e)) return null;
      throw e;
    });
    entries.delete(id);
    entries.set(id, loading);
    while (entries.size > MAX_CACHED_SNAPSHOTS) entries.delete(entries.keys().next().value as string);
    const loaded = await loading;
    if (loaded === null) entries.delete(id);
    return loaded === null ? null : usable(loaded);
  }

  const currentLink = join(stateDir, 'current');
  let link: { key: string; target: string } | undefined;

  /** The link's identity (a new symlink per publish) and switch time; null when absent or not a link. */
  async function linkStat(): Promise<{ key: string; atMs: number } | null> {
    try {
      const st = await lstat(currentLink, { bigint: true });
      return st.isSymbolicLink() ? { key: `${st.ino}:${st.mtimeNs}`, atMs: Number(st.mtimeNs / 1_000_000n) } : null;
    } catch (e) {
      if (isMissing(e)) return null;
      throw e;
    }
  }

  /** `current`'s target with the time it was published: the target read between two lstats of the same link. */
  async function published(): Promise<{ target: string; atMs: number } | null> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const before = await linkStat();
      if (before === null) return null;
      if (link?.key === before.key) return { target: link.target, atMs: before.atMs };
      let target: string;
      try {
        target = await readlink(currentLink);
      } catch (e) {
        if (isMissing(e) || (typeof e === 'object' && e !== null && 'code' in e && e.code === 'EINVAL')) continue;
        throw e;
      }
      const after = await linkStat();
      if (after?.key !== before.key) continue; // switched meanwhile: read it again
      link = { key: before.key, target };
      return { target, atMs: before.atMs };
    }
    // Switched during every try (publishes milliseconds apart): readlink alone is atomic, so its
    // target is one the link had; date it now, which is no earlier than the publish that made it
    // current (the dating rule above), and keep nothing of it.
    try {
      return { target: await readlink(currentLink), atMs: Date.now() };
    } catch (e) {
      if (isMissing(e)) return null;
      throw e;
    }
  }

  return {
    async current() {
      const found = await published();
      if (found === null) return null;
      const linked = resolve(stateDir, found.target);
      if (dirname(linked) !== snapshotsDir && dirname(linked) !== (await realpath(snapshotsDir).catch(() => snapshotsDir))) {
        logger.warn('serve: current points outside the snapshots folder, refused', { target: found.target });
        return null;
      }
      const snapshot = await get(basename(linked), { retained: false });
      return snapshot === null ? null : { snapshot, publishedAtMs: found.atMs };
    },
    byId: (id) => get(id, { retained: true }),
    async list() {
      let names: string[];
      try {
        names = await readdir(snapshotsDir);
      } catch (e) {
        if (isMissing(e)) return [];
        throw e;
      }
      const ids = names.filter((n) => SNAPSHOT_ID.test(n)).sort();
      const keys = await Promise.all(ids.map((id) => manifestKey(join(snapshotsDir, id))));
      return ids.filter((_, i) => keys[i] !== 'none');
    },
  };
}
