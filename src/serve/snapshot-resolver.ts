/**
 * Finds the snapshot a request reads: `current` or a retained one by id, as real paths, so that
 * the rest of the request works on one snapshot even if `current` is switched meanwhile.
 * Manifests are read once per snapshot and kept (snapshots are immutable): they give each served
 * file its sha256 for a strong ETag.
 */
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Logger } from '../core/logger.js';
import type { SnapshotManifest } from '../store/types.js';

export interface ServedSnapshot {
  id: string;
  /** Real path of `<state>/snapshots/<id>`. */
  dir: string;
  /** Real path of its `tree/`. */
  treeDir: string;
  /** Tree-relative path (`file/images/a.qcow2`) to the file's digest and size, from the manifest. */
  digests: ReadonlyMap<string, { sha256: string; size: number }>;
}

export interface SnapshotResolver {
  /** The published snapshot, or null when nothing is published yet. */
  current(): Promise<ServedSnapshot | null>;
  /** A retained snapshot (one with a manifest), or null. `id` must already be a safe segment. */
  byId(id: string): Promise<ServedSnapshot | null>;
  /** Ids of the retained snapshots, sorted. */
  list(): Promise<string[]>;
}

const SNAPSHOT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const MAX_CACHED_MANIFESTS = 8;

const isMissing = (e: unknown): boolean =>
  typeof e === 'object' && e !== null && 'code' in e && ['ENOENT', 'ENOTDIR', 'ELOOP'].includes(String(e.code));

export function createSnapshotResolver(options: { stateDir: string; logger: Logger }): SnapshotResolver {
  const { stateDir, logger } = options;
  const snapshotsDir = join(stateDir, 'snapshots');
  const manifests = new Map<string, { key: string; digests: Promise<Map<string, { sha256: string; size: number }>> }>();

  async function loadDigests(dir: string): Promise<Map<string, { sha256: string; size: number }>> {
    const digests = new Map<string, { sha256: string; size: number }>();
    try {
      const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as SnapshotManifest;
      for (const resource of manifest.resources ?? []) {
        for (const file of resource.files ?? []) {
          digests.set(`${resource.root}/${file.path}`, { sha256: file.sha256, size: file.size });
        }
      }
    } catch (e) {
      logger.warn('serve: manifest unreadable, falling back to inode ETags', { snapshot: basename(dir), error: String(e) });
    }
    return digests;
  }

  async function digestsOf(dir: string): Promise<Map<string, { sha256: string; size: number }>> {
    let key = 'none';
    try {
      const s = await stat(join(dir, 'manifest.json'));
      key = `${s.ino}:${s.size}:${s.mtimeMs}`;
    } catch (e) {
      if (!isMissing(e)) throw e;
    }
    const cached = manifests.get(dir);
    if (cached && cached.key === key) return cached.digests;
    const digests = key === 'none' ? Promise.resolve(new Map()) : loadDigests(dir);
    manifests.delete(dir);
    manifests.set(dir, { key, digests });
    while (manifests.size > MAX_CACHED_MANIFESTS) manifests.delete(manifests.keys().next().value as string);
    return digests;
  }

  /** Shared by concurrent requests, so not tied to one request's signal. */
  async function open(link: string): Promise<ServedSnapshot | null> {
    let dir: string;
    let treeDir: string;
    let root: string;
    try {
      dir = await realpath(link);
      treeDir = await realpath(join(dir, 'tree'));
      root = await realpath(snapshotsDir);
    } catch (e) {
      if (isMissing(e)) return null;
      throw e;
    }
    if (dirname(dir) !== root || dirname(treeDir) !== dir) {
      logger.warn('serve: snapshot outside the snapshots folder refused', { path: dir });
      return null;
    }
    return { id: basename(dir), dir, treeDir, digests: await digestsOf(dir) };
  }

  return {
    current: () => open(join(stateDir, 'current')),
    async byId(id) {
      if (!SNAPSHOT_ID.test(id)) return null;
      try {
        await stat(join(snapshotsDir, id, 'manifest.json'));
      } catch (e) {
        if (isMissing(e)) return null;
        throw e;
      }
      return open(join(snapshotsDir, id));
    },
    async list() {
      let entries: string[];
      try {
        entries = await readdir(snapshotsDir);
      } catch (e) {
        if (isMissing(e)) return [];
        throw e;
      }
      const retained: string[] = [];
      for (const id of entries.filter((e) => SNAPSHOT_ID.test(e)).sort()) {
        try {
          await stat(join(snapshotsDir, id, 'manifest.json'));
          retained.push(id);
        } catch (e) {
          if (!isMissing(e)) throw e;
        }
      }
      return retained;
    },
  };
}
