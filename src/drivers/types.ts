/**
 * The driver boundary: one driver per resource kind (docs/ARCHITECTURE.md "Resources").
 *
 * A reconcile asks each driver to `resolve` its resource (read upstream indexes, work out
 * the files the mirror must hold), lets the sync step download what the blob store lacks,
 * then asks the driver to `generate` the indexes it serves. The snapshot tree of a resource is
 * its wanted files plus its generated files under `<kind>/<name>/`.
 */
import type { DesiredState, Resource } from '../core/resource.js';
import type { Logger } from '../core/logger.js';
import type { FerryError } from '../core/ferry-error.js';
import type { Fetcher } from '../transport/types.js';
import type { BlobStore, ManifestResource } from '../store/types.js';

/**
 * How a file is served besides `/<kind>/<name>/<path>` with the type its name gives (the serving
 * hook, src/store/served.ts): recorded in the manifest, read by `ferry serve` and nginx alike.
 */
export interface ServedAs {
  /** Content-Type at the file's URLs under the resource's routes (a registry manifest's media type). */
  contentType?: string;
  /** Extra headers at every URL of the file; names among those the kind declares (Kind.serving.headers). */
  headers?: Record<string, string>;
  /** More URL paths, from the tree root and under one of the resource's routes (a tag and a digest). */
  aliases?: string[];
}

export interface WantedFile {
  /** Path under the resource root, already checked by safeRelativePath. */
  path: string;
  url: string;
  sha256: string;
  size?: number;
  serve?: ServedAs;
  /** The auth scope a token for `url` names (transport RequestOptions.authScope). */
  authScope?: string;
  /** What the file is, for errors about it (`image library/alpine:3.19`): a URL alone says little. */
  about?: string;
}

export interface GeneratedFile {
  path: string;
  content: Uint8Array;
  serve?: ServedAs;
  /**
   * The file is a blob the store already holds (kept from an earlier generation, say): taken by
   * digest, not read back. `content` is then empty.
   */
  stored?: { sha256: string; size: number };
}

/** Where a resource answers besides `/<kind>/<name>/` (folders from the tree root, no slashes at the ends). */
export interface Serving {
  /** Folders of its own (`v2/<name>`), each under a top-level folder its kind declares (Kind.serving.prefixes). */
  routes?: string[];
  /** Folders where the whole resource is served again, path for path (an aptly publish prefix). */
  mirrors?: string[];
}

export interface Resolution<Scratch = unknown, Upstream = unknown> {
  files: WantedFile[];
  serving?: Serving;
  /** State the driver wants back at the next refresh (ctx.previous.upstream). Plain JSON: it is persisted in the manifest. */
  upstream?: Upstream;
  /** Problems that do not stop the resource (an optional relation unresolved, say). */
  warnings?: FerryError[];
  /** What `ferry plan` says about the resource beside its files (pypi: the dependencies it did not follow, by name). */
  notes?: string[];
  /** Anything resolve learnt that generate needs (parsed stanzas, say); not persisted. */
  scratch?: Scratch;
  /**
   * The resource stands exactly as ctx.previous holds it (same spec, upstream unchanged, same
   * files and generated indexes): the reconcile takes the published entry as it is, with no
   * download, store check or generate. Only ever set when ctx.previous is given.
   */
  unchanged?: boolean;
  /**
   * What the driver transferred itself while resolving, outside the fetcher (git fetches into
   * its cache): shown by the plan and counted in the run's figures.
   */
  fetched?: { files: number; bytes: number };
}

/** What generate hands back to be persisted: the served indexes, and the upstream state to keep if it differs from resolve's. */
export interface Generated<Upstream = unknown> {
  files: GeneratedFile[];
  /** Replaces the resolution's upstream in the manifest (deb's by-hash history, say). */
  upstream?: Upstream;
}

/** The published snapshot's entry for a resource, with the driver's own upstream state typed. */
export type PreviousResource<Upstream = unknown> = Omit<ManifestResource, 'upstream'> & { upstream?: Upstream };

export interface DriverContext<Upstream = unknown> {
  fetcher: Fetcher;
  blobs: BlobStore;
  logger: Logger;
  signal: AbortSignal;
  /** Re-read upstream even if the published snapshot already holds this resource's spec. */
  refresh: boolean;
  /** What the published snapshot holds for this resource, if anything. */
  previous?: PreviousResource<Upstream>;
  /** The whole desired state, for resources that build on others (deb bases). */
  desired: DesiredState;
  /**
   * What the published snapshot holds for another resource (a deb-publication's members), if
   * anything: so that a resource built on others reuses their published state instead of
   * resolving them afresh.
   */
  publishedOf?(kind: string, name: string): PreviousResource | undefined;
  /**
   * This run's resolution of another resource (a deb-publication's members), once its resolve
   * ends: undefined when the run does not resolve it (it stands as published) or its resolve
   * failed (it keeps its published entry). Absent outside a reconcile's resolve step. Never
   * awaited by a resource that the other is built on (no cycle).
   */
  resolutionOf?(kind: string, name: string): Promise<Resolution | undefined> | undefined;
  /** The state directory (for site keys and driver caches). */
  stateDir: string;
}

/** What a driver's afterPublish step is given (a push to a site registry, say). */
export interface PublishContext {
  fetcher: Fetcher;
  blobs: BlobStore;
  logger: Logger;
  signal: AbortSignal;
  stateDir: string;
}

/**
 * One kind's driver. `spec` is what the kind's parseSpec made of `resource.spec` (a spec that
 * fails parseSpec never reaches the driver). Both calls are deterministic in their inputs and
 * upstream's answers; neither changes its arguments. The contract every driver must pass is
 * test/contract/driver-contract.ts.
 */
export interface Driver<Spec = unknown, Scratch = unknown, Upstream = unknown> {
  readonly kind: string;
  /**
   * generate reads only what resolve learnt (indexes, not the files the sync step downloads):
   * the reconcile may then run it while those files download.
   */
  readonly generatesFromIndexes?: boolean;
  resolve(resource: Resource, spec: Spec, ctx: DriverContext<Upstream>): Promise<Resolution<Scratch, Upstream>>;
  /**
   * When the published entry `ctx.previous` (same spec) must be resolved again although no
   * refresh is asked: a time in ms since the epoch (at or before now: at once), or undefined
   * for never. A deb mirror's Release is re-signed before its Valid-Until, and when the site
   * signing key or the trusted keys changed. Reads local state only (no network).
   */
  revisitAt?(resource: Resource, spec: Spec, ctx: DriverContext<Upstream>): Promise<number | undefined>;
  /** The served indexes. Works without `resolution.scratch` (it resolves again then). */
  generate(resource: Resource, spec: Spec, resolution: Resolution<Scratch, Upstream>, ctx: DriverContext<Upstream>): Promise<Generated<Upstream>>;
  /**
   * Runs after every publish of a snapshot holding this resource (a new one, a re-published
   * retained one, or the one already served), for kinds whose Kind.afterPublish says the
   * resource needs it: the oci push to a site registry. Must be idempotent; a failure fails the
   * reconcile (the snapshot stays published) and the next reconcile tries again.
   */
  afterPublish?(resource: Resource, spec: Spec, published: ManifestResource, ctx: PublishContext): Promise<void>;
}
