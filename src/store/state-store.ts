import { lstat, mkdir, readFile, readdir, readlink, rename, rm, symlink } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { FerryError } from '../core/ferry-error.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { FsBlobStore } from './blob-store.js';
import { fsyncDir, isCode, tempSuffix, writeFileAtomic } from './fs-util.js';
import { collectGarbage } from './gc.js';
import { appendHistory, readHistory } from './history.js';
import { manifestPath, parseManifest, planTree, servesBeyondRoot, snapshotServedPaths } from './manifest.js';
import { nginxMaps } from './served.js';
import { checkSnapshotId, hashTag, newSnapshotId, SNAPSHOT_ID_RE } from './snapshot-id.js';
import { acquireLock, lockHeldBy } from './store-lock.js';
import { buildTree } from './tree-builder.js';
import { linkByHash, missingByHash } from './by-hash-links.js';
import { SnapshotDraft, type DraftResource } from './snapshot-draft.js';
import { checkStore } from './fsck.js';
import type { FsckProblem, GcResult, HistoryEntry, LockHandle, SnapshotManifest, SnapshotStore } from './types.js';

const MANIFEST_CACHE = 8;
/** A partial id: a date and an hour at least, then any more of the id. */
const ID_PREFIX_RE = /^\d{8}T\d{2}[0-9TZa-f-]*$/;

/**
 * The state directory of docs/ARCHITECTURE.md "Store, snapshots, rollback": blobs, immutable snapshots
 * (manifest + tree of hard links), the `current` symlink switched atomically, history.jsonl and
 * the writer lock. Manifests are immutable once written, so a few recent ones are cached.
 */
export class StateStore implements SnapshotStore {
  readonly root: string;
  readonly blobs: FsBlobStore;
  private readonly snapshotsDir: string;
  private readonly logger: Logger;
  private readonly cache = new Map<string, SnapshotManifest>();
  private heldToken: string | undefined;

  private constructor(root: string, logger: Logger) {
    this.root = root;
    this.blobs = new FsBlobStore(root);
    this.snapshotsDir = join(root, 'snapshots');
    this.logger = logger;
  }

  /** Opens a state directory, creating its layout if needed. */
  static async open(stateDir: string, options: { logger?: Logger } = {}): Promise<StateStore> {
    const store = new StateStore(resolve(stateDir), options.logger ?? silentLogger);
    await mkdir(store.snapshotsDir, { recursive: true });
    await store.blobs.init();
    return store;
  }

  /**
   * Takes the writer lock. A live holder makes it fail at once with FERRY_LOCKED (data: pid,
   * purpose), or wait with `wait: true` (until `signal` aborts). A dead holder's lock is taken over.
   */
  async lock(options: { wait?: boolean; signal?: AbortSignal; purpose?: string } = {}): Promise<LockHandle> {
    const handle = await acquireLock(this.root, { ...options, logger: this.logger });
    this.heldToken = handle.info.token;
    return {
      release: async () => {
        if (this.heldToken === handle.info.token) this.heldToken = undefined;
        await handle.release();
      },
    };
  }

  /** The published snapshot, or null before the first publish. A dangling link is FERRY_STORE_CORRUPT. */
  async current(): Promise<SnapshotManifest | null> {
    const id = await this.currentId();
    if (id === null) return null;
    try {
      return await this.get(id);
    } catch (e) {
      throw new FerryError('FERRY_STORE_CORRUPT', `current points at snapshot ${id}, which is not complete`, { path: join(this.root, 'current'), actual: id }, e);
    }
  }

  /** The id `current` points at, or null. */
  async currentId(): Promise<string | null> {
    let target: string;
    try {
      target = await readlink(join(this.root, 'current'));
    } catch (e) {
      if (isCode(e, 'ENOENT')) return null;
      throw new FerryError('FERRY_STORE_CORRUPT', `${join(this.root, 'current')} is not a symlink`, { path: join(this.root, 'current') }, e);
    }
    return basename(target);
  }

  /** Ids of complete snapshots (manifest present), newest first. Half-built ones are left out. */
  async listIds(): Promise<string[]> {
    const names = (await readdir(this.snapshotsDir)).filter((n) => SNAPSHOT_ID_RE.test(n)).sort().reverse();
    const complete: string[] = [];
    for (const id of names) {
      const st = await lstat(manifestPath(this.snapshotsDir, id)).catch(() => undefined);
      if (st?.isFile()) complete.push(id);
    }
    return complete;
  }

  /** Retained snapshots, newest first. An unreadable manifest is skipped with a warning (fsck reports it). */
  async list(): Promise<SnapshotManifest[]> {
    const out: SnapshotManifest[] = [];
    for (const id of await this.listIds()) {
      try {
        out.push(await this.get(id));
      } catch (e) {
        this.logger.warn('skipping an unreadable snapshot', { snapshot: id, error: e instanceof Error ? e.message : String(e) });
      }
    }
    return out;
  }

  /**
   * One complete snapshot's manifest; FERRY_SNAPSHOT_NOT_FOUND when absent or half-built.
   * A unique prefix of an id (at least `YYYYMMDDTHH`, as typed at `ferry rollback`) also works.
   */
  async get(id: string): Promise<SnapshotManifest> {
    if (!SNAPSHOT_ID_RE.test(id) && ID_PREFIX_RE.test(id)) return this.get(await this.resolvePrefix(id));
    checkSnapshotId(id);
    const file = manifestPath(this.snapshotsDir, id);
    const hit = this.cache.get(id);
    // Another process may have pruned it since it was cached: one lstat keeps the cache honest.
    if (hit && (await lstat(file).then(() => true, () => false))) return hit;
    this.cache.delete(id);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      if (isCode(e, 'ENOENT', 'ENOTDIR')) throw new FerryError('FERRY_SNAPSHOT_NOT_FOUND', `no snapshot ${id}`, { actual: id });
      throw e;
    }
    const m = parseManifest(text, file, id);
    this.cache.set(id, m);
    if (this.cache.size > MANIFEST_CACHE) this.cache.delete(this.cache.keys().next().value as string);
    return m;
  }

  private async resolvePrefix(prefix: string): Promise<string> {
    const matches = (await this.listIds()).filter((id) => id.startsWith(prefix));
    if (matches.length === 1) return matches[0];
    const why = matches.length === 0 ? 'no snapshot starts with' : `${matches.length} snapshots start with`;
    throw new FerryError('FERRY_SNAPSHOT_NOT_FOUND', `${why} ${prefix}`, { actual: prefix, candidates: matches.slice(0, 10) });
  }

  /** The newest retained snapshot built for this desired hash, or null. */
  async findByDesiredHash(hash: string): Promise<SnapshotManifest | null> {
    const tag = `-${hashTag(hash)}`;
    for (const id of await this.listIds()) {
      if (!id.endsWith(tag)) continue;
      const m = await this.get(id).catch(() => undefined);
      if (m?.desiredHash === hash) return m;
    }
    return null;
  }

  /**
   * Builds a complete, unpublished snapshot: checks every path, lays out
   * `snapshots/<id>/tree/<root>/<path>` as hard links to blobs (a missing blob is
   * FERRY_STORE_CORRUPT naming the file), fsyncs the tree, then writes manifest.json last.
   * On failure or abort the half-built folder is removed; after a crash gc removes it.
   * `batch` is how many links are made between two turns of the event loop (default 256).
   * With a `draft` of the same desired hash (see draft()), its id and folders are taken over.
   */
  async build(input: Omit<SnapshotManifest, 'id' | 'createdAt'>, options: { signal?: AbortSignal; batch?: number; draft?: SnapshotDraft } = {}): Promise<SnapshotManifest> {
    options.signal?.throwIfAborted();
    const plan = planTree(input);
    const now = new Date();
    const drafted = await options.draft?.ready.catch(() => undefined);
    const usable = drafted && drafted.id.endsWith(`-${hashTag(input.desiredHash)}`) ? drafted : undefined;
    if (usable) options.draft?.take();
    const id = usable?.id ?? (await this.reserveId(input.desiredHash, now));
    const dir = join(this.snapshotsDir, id);
    const started = performance.now();
    try {
      const { dirs } = await buildTree(join(dir, 'tree'), plan, this.blobs.blobPathUnchecked, { signal: options.signal, batch: options.batch, made: usable?.made, linked: usable?.linked });
      const { resources, desiredHash, site, commit, ...rest } = input;
      const manifest: SnapshotManifest = { id, createdAt: now.toISOString(), ...(commit === undefined ? {} : { commit }), desiredHash, site, ...rest, resources };
      options.signal?.throwIfAborted();
      if (resources.some(servesBeyondRoot)) await writeNginxMaps(dir, nginxMaps(id, snapshotServedPaths(resources)));
      await writeFileAtomic(join(dir, 'manifest.json'), JSON.stringify(manifest));
      await fsyncDir(this.snapshotsDir);
      this.logger.info('snapshot built', { snapshot: id, files: plan.entries.length, dirs, ms: Math.round(performance.now() - started) });
      this.cache.set(id, manifest);
      return manifest;
    } catch (e) {
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
      throw e;
    }
  }

  /**
   * Starts the next snapshot ahead of build: reserves its id, makes the folders the given
   * resources' files need and links those whose blobs are present, in the background (see
   * SnapshotDraft). Pass it to build, and
   * discard() it whatever happens (a no-op once build took it over).
   */
  draft(desiredHash: string, resources: readonly DraftResource[], options: { signal?: AbortSignal } = {}): SnapshotDraft {
    return new SnapshotDraft({ snapshotsDir: this.snapshotsDir, reserve: () => this.reserveId(desiredHash, new Date()), blobPath: this.blobs.blobPathUnchecked, resources, signal: options.signal });
  }

  /** Creates `snapshots/<id>/` for a fresh id, stepping past ids another process already took. */
  private async reserveId(desiredHash: string, now: Date): Promise<string> {
    for (let bump = 0; ; bump++) {
      const id = newSnapshotId(desiredHash, { now, bump });
      try {
        await mkdir(join(this.snapshotsDir, id));
        return id;
      } catch (e) {
        if (!isCode(e, 'EEXIST') || bump > 1000) throw e;
      }
    }
  }

  /**
   * Publishes a complete snapshot: a symlink made under a temp name is renamed over `current`
   * (readers see the old or the new snapshot, never none), the directory is fsynced, then one
   * line is appended to history.jsonl.
   */
  async publish(id: string, entry: Omit<HistoryEntry, 'snapshot' | 'time'>): Promise<void> {
    const manifest = await this.get(id);
    await this.linkRetainedByHash(manifest);
    const tmp = join(this.root, `.current-${tempSuffix()}`);
    await symlink(join('snapshots', id), tmp);
    try {
      await rename(tmp, join(this.root, 'current'));
    } catch (e) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw e;
    }
    await fsyncDir(this.root);
    const { commit, desiredHash, action, stats, cause, changed, failed } = entry;
    await appendHistory(join(this.root, 'history.jsonl'), {
      snapshot: id,
      ...(commit === undefined ? {} : { commit }),
      desiredHash,
      action,
      time: new Date().toISOString(),
      ...(stats === undefined ? {} : { stats }),
      ...(cause === undefined ? {} : { cause }),
      ...(changed === undefined ? {} : { changed }),
      ...(failed === undefined ? {} : { failed }),
    });
    this.logger.info('snapshot published', { snapshot: id, action });
  }

  /**
   * Before a switch to `manifest`: the by-hash files of every other retained snapshot, linked
   * into its tree (by-hash-links.ts), so a client mid-update finds them whichever way the switch
   * goes. A manifest that cannot be read is skipped here (fsck reports it).
   */
  private async linkRetainedByHash(manifest: SnapshotManifest): Promise<void> {
    const others: SnapshotManifest[] = [];
    for (const other of await this.listIds()) {
      if (other === manifest.id) continue;
      const m = await this.get(other).catch(() => undefined);
      if (m) others.push(m);
    }
    const missing = missingByHash(manifest, others);
    if (!missing.length) return;
    const linked = await linkByHash(this.treePath(manifest.id), missing, this.blobs.blobPathUnchecked);
    if (linked) this.logger.info('by-hash files of retained snapshots linked', { snapshot: manifest.id, files: linked });
  }

  /** Every publish, oldest first. */
  async history(): Promise<HistoryEntry[]> {
    return readHistory(join(this.root, 'history.jsonl'), this.logger);
  }

  /**
   * Keeps the `retention` newest snapshots and the current one; removes the others (renamed
   * out of sight first, so none is ever seen half-deleted). Returns the removed ids, oldest first.
   */
  async prune(retention: number): Promise<string[]> {
    if (!Number.isInteger(retention) || retention < 0) {
      throw new FerryError('FERRY_USAGE', `retention must be a whole number >= 0, got ${retention}`, { actual: retention });
    }
    const current = await this.currentId();
    const ids = await this.listIds();
    const drop = ids.slice(retention).filter((id) => id !== current).reverse();
    for (const id of drop) {
      const trash = join(this.snapshotsDir, `.trash-${id}-${tempSuffix()}`);
      await rename(join(this.snapshotsDir, id), trash);
      this.cache.delete(id);
      await rm(trash, { recursive: true, force: true });
    }
    if (drop.length > 0) {
      await fsyncDir(this.snapshotsDir);
      this.logger.info('snapshots pruned', { removed: drop, retention });
    }
    return drop;
  }

  /**
   * Removes blobs that no retained snapshot references, half-built snapshots and stale temp
   * files. Only the lock holder may run it (FERRY_INTERNAL otherwise).
   */
  async gc(): Promise<GcResult> {
    if (this.heldToken === undefined || !(await lockHeldBy(this.root, this.heldToken))) {
      throw new FerryError('FERRY_INTERNAL', 'gc needs the store lock: call lock() first', { path: join(this.root, 'lock') });
    }
    const result = await collectGarbage({ snapshotsDir: this.snapshotsDir, blobs: this.blobs, get: (id) => this.get(id), listIds: () => this.listIds() });
    this.logger.info('gc done', { ...result });
    return result;
  }

  /** Re-hashes every blob and checks every retained snapshot's tree and `current`. */
  async fsck(options: { signal?: AbortSignal } = {}): Promise<FsckProblem[]> {
    return checkStore({ root: this.root, snapshotsDir: this.snapshotsDir, blobs: this.blobs, signal: options.signal });
  }

  treePath(id: string): string {
    return join(this.snapshotsDir, checkSnapshotId(id), 'tree');
  }

  /** The served tree through the `current` link (resolves to the new snapshot after a switch). */
  currentTreePath(): string {
    return join(this.root, 'current', 'tree');
  }
}

/** Writes a snapshot's nginx maps (served.ts) into `<snapshot>/nginx/`, durably, before its manifest. */
async function writeNginxMaps(dir: string, maps: ReadonlyMap<string, string>): Promise<void> {
  if (maps.size === 0) return;
  await mkdir(join(dir, 'nginx'));
  for (const [name, text] of maps) await writeFileAtomic(join(dir, 'nginx', name), text);
  await fsyncDir(join(dir, 'nginx'));
}
