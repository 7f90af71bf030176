/**
 * The store boundary (docs/ARCHITECTURE.md "Store, snapshots, rollback"):
 *
 *   <state>/objects/sha256/ab/cdef…       immutable blobs
 *   <state>/objects/partial/<sha256>      downloads in progress, kept for resume
 *   <state>/snapshots/<id>/manifest.json  what the snapshot holds
 *   <state>/snapshots/<id>/tree/…         served tree: hard links into objects/
 *   <state>/current -> snapshots/<id>     switched with rename(2)
 *   <state>/history.jsonl                 one line per publish
 *   <state>/lock                          one writer at a time
 */
import type { SiteSettings } from '../core/resource.js';

export interface BlobStore {
  has(sha256: string): Promise<boolean>;
  /** Where the blob lives (whether or not it exists yet). */
  pathOf(sha256: string): string;
  /** Where a download of this digest is written while in progress; survives a crash for resume. */
  partialPath(sha256: string): string;
  /** A fresh temporary path in the store's file system (for downloads of unknown digest). */
  tempPath(): string;
  /**
   * Moves a file whose digest the caller has verified into the store: fsync, rename to the
   * digest path. Re-hashes when `verify` is set. Idempotent if the blob already exists.
   */
  adopt(file: string, sha256: string, options?: { verify?: boolean }): Promise<void>;
  /**
   * Adopts many verified files at once, with one file-system sync before and one after the
   * renames instead of fsyncs per file (optional: stores without it get `adopt` per file).
   */
  adoptMany?(entries: ReadonlyArray<{ file: string; sha256: string }>, options?: { signal?: AbortSignal }): Promise<void>;
  /** Stores bytes, returns their digest and size. */
  putBytes(bytes: Uint8Array): Promise<{ sha256: string; size: number }>;
}

/** One file of a served tree, relative to its resource root. */
export interface ManifestFile {
  path: string;
  sha256: string;
  size: number;
  /** Upstream URL, redacted; absent for generated files (indexes, signatures). */
  url?: string;
  generated?: boolean;
  /**
   * The Content-Type to answer at this file's URLs under the resource's `routes` (a registry
   * manifest's media type); elsewhere its name gives the type (serve/content-types.ts).
   */
  contentType?: string;
  /** Extra response headers at every URL of this file, names among those its kind declares (Docker-Content-Digest). */
  headers?: Record<string, string>;
  /** More paths of the served tree (from the tree root, under one of the resource's routes) with the same bytes: a tag and a digest. */
  aliases?: string[];
}

export interface ManifestResource {
  kind: string;
  name: string;
  /** The resource's spec hash in the desired state that built it. */
  hash: string;
  /** Folder of the resource in the served tree, e.g. `file/images`, `deb/debian`. */
  root: string;
  files: ManifestFile[];
  /**
   * Folders of the served tree, besides `root`, at which the resource answers (`v2/<name>`): its
   * files' aliases lie under them. Each starts with a top-level folder its kind declares.
   */
  routes?: string[];
  /** Folders at which the whole resource is served again, path for path (an aptly publish prefix). */
  mirrors?: string[];
  /** Driver state kept for the next refresh (etags, Release digests). Never secrets. */
  upstream?: Record<string, unknown>;
}

export interface SnapshotManifest {
  /** Sortable by creation time: `20261121T212000Z-<8 hex of desired hash>`. */
  id: string;
  createdAt: string;
  commit?: string;
  desiredHash: string;
  site: SiteSettings;
  resources: ManifestResource[];
  /** Set on a snapshot made by `ferry import` (src/transfer): where its bundle came from. */
  imported?: { snapshot: string; site: string; bundleCreatedAt: string; importedAt: string; signer: string };
}

export interface HistoryEntry {
  snapshot: string;
  commit?: string;
  desiredHash: string;
  /** `apply` built it, `reuse` re-published a retained one, `rollback` was asked by name. */
  action: 'apply' | 'reuse' | 'rollback';
  time: string;
  stats?: Record<string, number>;
  /**
   * What made this snapshot: `model` (a commit), `refresh` (upstream changed, same model),
   * `resign` (same model, same upstream: Release files signed again, before their Valid-Until
   * or with a new site key).
   */
  cause?: 'model' | 'refresh' | 'resign';
  /** The mirrors whose content differs from the snapshot it replaced, with the upstream state (Release digest) it came from. */
  changed?: Array<{ mirror: string; upstream?: string }>;
  /** Mirrors that failed in this run: their last good content (if any) is what this snapshot holds. */
  failed?: Array<{ mirror: string; code: string; message: string }>;
}

export interface FsckProblem {
  kind: 'missing-blob' | 'digest-mismatch' | 'missing-link' | 'bad-link' | 'bad-manifest' | 'dangling-current';
  path: string;
  detail: string;
  /** The blob concerned (blob and link problems). */
  sha256?: string;
}

export interface LockHandle {
  release(): Promise<void>;
}

/** What `gc` removed. `removedPartials` counts half-built snapshots and abandoned temp/partial files. */
export interface GcResult {
  removedBlobs: number;
  removedBytes: number;
  removedPartials: number;
  /** Bytes of the partial downloads and temp files removed. */
  removedPartialBytes?: number;
}

/**
 * The snapshot store as its callers see it (implemented by StateStore in state-store.ts), so
 * that controller and CLI code can be handed another implementation in tests.
 */
export interface SnapshotStore {
  readonly root: string;
  readonly blobs: BlobStore;
  lock(options?: { wait?: boolean; signal?: AbortSignal; purpose?: string }): Promise<LockHandle>;
  current(): Promise<SnapshotManifest | null>;
  /** Ids of complete snapshots, newest first. */
  listIds(): Promise<string[]>;
  list(): Promise<SnapshotManifest[]>;
  get(id: string): Promise<SnapshotManifest>;
  findByDesiredHash(hash: string): Promise<SnapshotManifest | null>;
  build(input: Omit<SnapshotManifest, 'id' | 'createdAt'>, options?: { signal?: AbortSignal }): Promise<SnapshotManifest>;
  publish(id: string, entry: Omit<HistoryEntry, 'snapshot' | 'time'>): Promise<void>;
  history(): Promise<HistoryEntry[]>;
  prune(retention: number): Promise<string[]>;
  gc(): Promise<GcResult>;
  fsck(options?: { signal?: AbortSignal }): Promise<FsckProblem[]>;
  treePath(id: string): string;
  currentTreePath(): string;
}
