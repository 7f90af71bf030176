/**
 * The sync steps of a reconcile: resolve each resource through its driver, download the files
 * the blob store lacks (verified, resumable), and store the indexes each driver generates.
 * A resource whose spec is unchanged and for which no refresh is asked is taken as it stands
 * in the published snapshot, without asking upstream anything.
 *
 * Failure isolation: a resource whose upstream fails (down, broken, changed under a spec that
 * has not) is marked failed and keeps its published entry, and the other resources go on. The
 * run as a whole fails only for what the model did: a resource whose spec is new or changed and
 * fails with a stalled error (bad signature for its keys, unresolvable packages, bad paths), or
 * a cancelled run.
 */
import { FerryError, FerryErrors, toFerryErrors } from '../core/ferry-error.js';
import type { Logger } from '../core/logger.js';
import { canonicalJson } from '../core/hash.js';
import { redactUrl } from '../core/redact.js';
import { resourceId, type DesiredState, type Resource } from '../core/resource.js';
import { kindOf } from '../drivers/registry.js';
import { servedAsFields, servingFields } from './serving.js';
import type { Driver, DriverContext, Generated, Resolution } from '../drivers/types.js';
import { stat } from 'node:fs/promises';
import { AdoptBatch, storeGenerated } from '../store/blob-batch.js';
import type { DraftResource } from '../store/snapshot-draft.js';
import type { BlobStore, ManifestFile, ManifestResource, SnapshotManifest } from '../store/types.js';
import type { Fetcher } from '../transport/types.js';
import { planFiles, type Plan } from '../plan/plan.js';
import type { SyncProgress } from '../core/sync-progress.js';

export interface SyncContext {
  fetcher: Fetcher;
  blobs: BlobStore;
  logger: Logger;
  signal: AbortSignal;
  refresh: boolean;
  /** Whether this resource's upstream is re-read though its spec is unchanged (default: `refresh`). */
  refreshes?: (resource: Resource) => boolean;
  /** Isolate upstream failures per resource (default true); false: any failure fails the run. */
  isolate?: boolean;
  stateDir: string;
  desired: DesiredState;
  published: SnapshotManifest | null;
  /** Called with byte counts, per resource (`kind/name`), as downloads progress. */
  progress?: SyncProgress;
}

export interface ResolvedResource {
  resource: Resource;
  /** Taken unchanged from the published snapshot. */
  reused?: ManifestResource;
  /** Its kind's parsed spec and its driver (absent when reused without asking the driver). */
  spec?: unknown;
  driver?: Driver;
  resolution?: Resolution;
  /**
   * Resolved, and its files, upstream state and serving are those the published entry holds:
   * that entry's generated indexes are still right (set by `standing`, the one place this is decided).
   */
  keepsIndexes?: boolean;
  /** What the published snapshot holds for this resource, if anything. */
  previous?: ManifestResource;
  /** Digests of its files found in the store by planResolved (fetchMissing need not look again). */
  present?: ReadonlySet<string>;
  /** What its driver generated while the files downloaded (fetchMissing), for generateAll. */
  early?: { generated: Generated } | { error: unknown };
  /** Its upstream was asked (resolve ran), whatever it answered. */
  checked?: boolean;
  /** It failed and is isolated: `reused` (if any) is its last good entry, kept as published. */
  failed?: FerryError[];
}

const refreshes = (ctx: SyncContext, resource: Resource) => (ctx.refreshes ? ctx.refreshes(resource) : ctx.refresh);

/**
 * Whether a resource's errors are its upstream's doing (isolated: the resource fails, the run
 * goes on) rather than its model's (the run fails): the spec is unchanged, or every error is
 * retryable (network, 5xx, digest mismatch). Never once the run is cancelled.
 */
function isolatable(ctx: SyncContext, errors: readonly FerryError[], resource: Resource, previous: ManifestResource | undefined): boolean {
  if (ctx.isolate === false || ctx.signal.aborted || errors.some((e) => e.code === 'FERRY_ABORTED')) return false;
  if (previous && previous.hash === resource.hash) return true;
  return errors.every((e) => e.errorClass === 'retryable');
}

/** Marks a resource failed, keeping its published entry (if any) as it stands. */
function isolate(r: ResolvedResource, errors: FerryError[], ctx: SyncContext): void {
  r.failed = errors;
  r.reused = r.previous ?? r.reused;
  r.resolution = undefined;
  r.early = undefined;
  ctx.logger.error(`${resourceId(r.resource)}: failed, ${r.reused ? 'its last good content is kept' : 'left out (no good content yet)'}: ${errors[0]?.message ?? ''}`, { resource: resourceId(r.resource), code: errors[0]?.code, ...definedAt(r.resource) });
}

/** Resolves every resource (in parallel); collects every resource's errors before failing. */
export async function resolveAll(ctx: SyncContext): Promise<ResolvedResource[]> {
  const previous = new Map((ctx.published?.resources ?? []).map((r) => [resourceId(r), r]));
  const errors: FerryError[] = [];
  // Each resource's resolution in this run, for the resources built on it (DriverContext.resolutionOf):
  // settled once its resolve ends, with undefined when it is not resolved (or its resolve fails).
  const settled = new Map(ctx.desired.resources.map((r) => [resourceId(r), deferred<Resolution | undefined>()]));
  const resolutionOf = (kind: string, name: string) => settled.get(`${kind}/${name}`)?.promise;
  const results = await Promise.all(
    ctx.desired.resources.map(async (resource): Promise<ResolvedResource | undefined> => {
      let resolved: Resolution | undefined;
      try {
        return await resolveOne(resource, (r) => (resolved = r));
      } finally {
        settled.get(resourceId(resource))!.settle(resolved);
      }
    }),
  );
  if (errors.length) throw new FerryErrors(errors);
  return results as ResolvedResource[];

  /** `got` receives the driver's resolution (what resolutionOf gives the resources built on this one). */
  async function resolveOne(resource: Resource, got: (resolution: Resolution) => void): Promise<ResolvedResource | undefined> {
    const old = previous.get(resourceId(resource));
    if (old && old.hash === resource.hash && !refreshes(ctx, resource) && (ctx.published?.imported || !(await revisitDue(resource, old, ctx)))) return { resource, reused: old };
    const kind = kindOf(resource.kind);
    if (!kind) {
      errors.push(new FerryError('FERRY_INVALID_MODEL', `${resourceId(resource)}: no driver for kind ${resource.kind}`, { resource: resourceId(resource) }));
      return undefined;
    }
    try {
      // A spec its kind refuses never reaches the driver (validation reports it first).
      const spec = kind.parseSpec(resource.spec, { resource: resourceId(resource), site: ctx.desired.site });
      const driver = await kind.driver();
      const resolution = await driver.resolve(resource, spec, { ...driverContext(ctx, old, resource), resolutionOf });
      got(resolution);
      for (const w of resolution.warnings ?? []) ctx.logger.warn(w.describe(), { resource: resourceId(resource), code: w.code, ...definedAt(resource) });
      return standing({ resource, spec, driver, resolution, previous: old, checked: true });
    } catch (e) {
      const errs = toFerryErrors(e).map((err) => withResource(err, resource));
      if (isolatable(ctx, errs, resource, old)) {
        const r: ResolvedResource = { resource, previous: old, checked: true };
        isolate(r, errs, ctx);
        return r;
      }
      errors.push(...errs);
      return undefined;
    }
  }
}

function deferred<T>(): { promise: Promise<T>; settle: (value: T) => void } {
  let settle!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (settle = resolve));
  return { promise, settle };
}

/**
 * Whether a resource the snapshot holds with the same spec must be resolved again without a
 * refresh (Driver.revisitAt: a Release about to expire, a changed signing key).
 */
async function revisitDue(resource: Resource, published: ManifestResource, ctx: SyncContext, snapshot: SnapshotManifest | null = ctx.published): Promise<boolean> {
  const at = await revisitTime(resource, published, ctx, snapshot);
  return at !== undefined && at <= Date.now();
}

/** When the resource's driver asks to resolve its published entry again (Driver.revisitAt), if ever. */
async function revisitTime(resource: Resource, published: ManifestResource, ctx: SyncContext, snapshot: SnapshotManifest | null = ctx.published): Promise<number | undefined> {
  const kind = kindOf(resource.kind);
  const driver = await kind?.driver();
  if (!kind || !driver?.revisitAt) return undefined;
  const spec = kind.parseSpec(resource.spec, { resource: resourceId(resource), site: ctx.desired.site });
  return driver.revisitAt(resource, spec, driverContext(ctx, published, resource, snapshot));
}

/**
 * The resources of `snapshot` (same spec as desired) whose driver asks to resolve them again
 * now: the reconcile does not take that snapshot as up to date. None for a snapshot imported
 * from a bundle (nor a time in nextRevisit): it is served as signed where it was made, an
 * offline site has no upstream to revisit, and its renewals arrive in the next bundle (issue 17).
 */
export async function revisitsDue(snapshot: SnapshotManifest, ctx: SyncContext): Promise<string[]> {
  if (snapshot.imported) return [];
  const held = new Map(snapshot.resources.map((r) => [resourceId(r), r]));
  const due: string[] = [];
  for (const resource of ctx.desired.resources) {
    const entry = held.get(resourceId(resource));
    if (entry && entry.hash === resource.hash && (await revisitDue(resource, entry, ctx, snapshot))) due.push(resourceId(resource));
  }
  return due;
}

/** The earliest time a resource of `snapshot` asks to be resolved again (for the controller's timer). */
export async function nextRevisit(snapshot: SnapshotManifest, ctx: SyncContext): Promise<number | undefined> {
  if (snapshot.imported) return undefined;
  let next: number | undefined;
  for (const entry of snapshot.resources) {
    const resource = ctx.desired.resources.find((r) => r.kind === entry.kind && r.name === entry.name && r.hash === entry.hash);
    const at = resource ? await revisitTime(resource, entry, ctx, snapshot) : undefined;
    if (at !== undefined && (next === undefined || at < next)) next = at;
  }
  return next;
}

/**
 * Whether a resolved resource stands as published, decided here only: the driver says nothing
 * changed (`unchanged`: the published entry is taken as it is, no download or store check), or
 * its files, upstream state and serving are the published ones (`keepsIndexes`: its blobs are
 * checked and fetched again if missing, its indexes are not generated again).
 */
function standing(r: ResolvedResource & { resolution: Resolution }): ResolvedResource {
  if (r.previous && r.resolution.unchanged) return { resource: r.resource, reused: r.previous, checked: r.checked };
  return r.previous && unchangedUpstream(r.resource, r.resolution, r.previous) ? { ...r, keepsIndexes: true } : r;
}

/** `snapshot`: the snapshot `previous` belongs to (the published one, or the one just built), where publishedOf looks. */
function driverContext(ctx: SyncContext, previous: ManifestResource | undefined, resource: Resource, snapshot: SnapshotManifest | null = ctx.published): DriverContext {
  const publishedOf = (kind: string, name: string) => snapshot?.resources.find((r) => r.kind === kind && r.name === name);
  return { fetcher: ctx.fetcher, blobs: ctx.blobs, logger: ctx.logger, signal: ctx.signal, refresh: refreshes(ctx, resource), previous, desired: ctx.desired, stateDir: ctx.stateDir, publishedOf };
}

/** `definedAt: file:line` of a resource, for log lines about it. */
function definedAt(resource: Resource): { definedAt?: string } {
  return resource.source ? { definedAt: `${resource.source.file}:${resource.source.line}` } : {};
}

/**
 * The error, naming its resource as `kind/name` in data.resource (what /status, the events and
 * the metrics key mirrors by): added when missing, and put in place of the bare name a driver
 * may have given (deb names its mirror `extra`; a base mirror's name is left as it is). Its
 * message starts with the mirror, and when it names no file of its own, its file:line is where
 * the model defines the mirror: a 404 suite, a missing package, a bad index, a failing
 * download (issue 10).
 */
function withResource(e: FerryError, resource: Resource): FerryError {
  const id = resourceId(resource);
  const src = resource.source;
  const at = src && e.data.file === undefined ? { file: src.file, line: src.line, column: src.column } : {};
  const named = e.data.resource === resource.name && resource.name !== id ? id : e.data.resource;
  if (named !== undefined && named === e.data.resource && !src) return e;
  const message = e.data.resource !== undefined ? e.message : `${id}: ${e.message}`;
  return new FerryError(e.code, message, { ...e.data, resource: named ?? id, ...at }, e.cause ?? e);
}

/**
 * Downloads every resolved file whose blob is missing. A blob wanted by several paths or
 * resources is fetched once. Partial downloads stay in the store for the next attempt. Every
 * blob is looked up (one stat each, ~15 ms for 2,000): a blob removed from the store by hand is
 * downloaded again rather than failing the build.
 * Meanwhile, drivers whose generate needs only their indexes generate (kept for generateAll);
 * that work has settled when this returns or throws.
 */
export async function fetchMissing(resolved: ResolvedResource[], ctx: SyncContext, options: { concurrency?: number } = {}): Promise<{ files: number; bytes: number }> {
  const wanted = new Map<string, { url: string; size?: number; authScope?: string; about?: string; resource: Resource; id: string }>();
  const known = new Set<string>();
  for (const r of resolved) {
    for (const f of r.resolution?.files ?? []) if (!wanted.has(f.sha256)) wanted.set(f.sha256, { url: f.url, size: f.size, authScope: f.authScope, about: f.about, resource: r.resource, id: resourceId(r.resource) });
    for (const d of r.present ?? []) known.add(d);
  }
  const missing: Array<[string, { url: string; size?: number; authScope?: string; about?: string; resource: Resource; id: string }]> = [];
  for (const [sha256, w] of wanted) if (!known.has(sha256) && !(await ctx.blobs.has(sha256))) missing.push([sha256, w]);
  const todo = new Map<string, { bytes: number; files: number }>();
  for (const [, w] of missing) {
    const t = todo.get(w.id) ?? { bytes: 0, files: 0 };
    t.bytes += w.size ?? 0;
    t.files++;
    todo.set(w.id, t);
  }
  for (const [id, t] of todo) ctx.progress?.add(t.bytes, t.files, id);
  const early = generateEarly(resolved, ctx);
  const errors: FerryError[] = [];
  const batch = new AdoptBatch(ctx.blobs, ctx.signal);
  let bytes = 0;
  let next = 0;
  // A few workers taking the next file in turn (the fetcher limits per host on its own).
  const worker = async () => {
    while (next < missing.length && !ctx.signal.aborted) {
      const [sha256, w] = missing[next++];
      const dest = ctx.blobs.partialPath(sha256);
      let last = 0;
      try {
        const result = await ctx.fetcher.download(w.url, dest, {
          sha256,
          size: w.size,
          authScope: w.authScope,
          signal: ctx.signal,
          durable: !ctx.blobs.adoptMany,
          onProgress: ctx.progress
            ? (received) => {
                ctx.progress?.tick(received - last, w.id);
                last = received;
              }
            : undefined,
        });
        await batch.add(dest, sha256);
        bytes += result.bytesFetched;
        ctx.progress?.fileDone(w.id);
      } catch (e) {
        // A cancelled run stops its downloads: that is not a download failure (issue 10).
        if (ctx.signal.aborted) continue;
        errors.push(...toFerryErrors(e).map((err) => withResource(w.about ? new FerryError(err.code, `${w.about}: ${err.message}`, { ...err.data, about: w.about }, err.cause ?? err) : err, w.resource)));
        ctx.logger.error(`download failed: ${redactUrl(w.url)}`, { resource: w.id, ...definedAt(w.resource) });
      }
    }
  };
  await Promise.all([...Array.from({ length: Math.min(options.concurrency ?? 16, missing.length) }, worker), early]);
  // Whatever was downloaded is kept for the next attempt, even when another file failed.
  await batch.flush();
  if (ctx.signal.aborted) throw new FerryError('FERRY_ABORTED', 'reconcile cancelled during download', {});
  const fatal = isolateFailures(resolved, errors, ctx);
  if (fatal.length) throw new FerryErrors(fatal);
  const byDrivers = driverFetched(resolved);
  return { files: missing.length + byDrivers.files, bytes: bytes + byDrivers.bytes };
}

/** What the drivers fetched themselves while resolving (Resolution.fetched), summed. */
export function driverFetched(resolved: readonly ResolvedResource[]): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const r of resolved) {
    files += r.resolution?.fetched?.files ?? 0;
    bytes += r.resolution?.fetched?.bytes ?? 0;
  }
  return { files, bytes };
}

/** Isolates the resources these errors name where it may (see isolatable); returns the errors that fail the run. */
function isolateFailures(resolved: ResolvedResource[], errors: FerryError[], ctx: SyncContext): FerryError[] {
  if (!errors.length) return [];
  const byId = new Map(resolved.map((r) => [resourceId(r.resource), r]));
  const grouped = new Map<string, FerryError[]>();
  const fatal: FerryError[] = [];
  for (const e of errors) {
    const id = typeof e.data.resource === 'string' ? e.data.resource : '';
    if (!byId.has(id)) fatal.push(e);
    else grouped.set(id, [...(grouped.get(id) ?? []), e]);
  }
  for (const [id, errs] of grouped) {
    const r = byId.get(id)!;
    if (isolatable(ctx, errs, r.resource, r.previous)) isolate(r, errs, ctx);
    else fatal.push(...errs);
  }
  return fatal;
}

/** Turns each resolution into a manifest entry: its files plus its generated indexes, stored as blobs. */
export async function generateAll(resolved: ResolvedResource[], ctx: SyncContext): Promise<ManifestResource[]> {
  const out: ManifestResource[] = [];
  const errors: FerryError[] = [];
  for (const r of resolved) {
    if (r.reused) {
      out.push(r.reused);
      continue;
    }
    if (r.failed) continue;
    const { resolution, driver } = r;
    if (!resolution || !driver) continue;
    // Nothing changed upstream for this resource (same spec, same files, same upstream state):
    // its published indexes are still right, so they are not generated and signed again.
    if (r.keepsIndexes && r.previous) {
      out.push(r.previous);
      continue;
    }
    try {
      const { files: generated, upstream } = r.early ? earlyResult(r.early) : await driver.generate(r.resource, r.spec, resolution, driverContext(ctx, undefined, r.resource));
      const kind = kindOf(r.resource.kind);
      const files: ManifestFile[] = [];
      for (const f of resolution.files) {
        const size = f.size ?? (await stat(ctx.blobs.pathOf(f.sha256))).size;
        files.push({ path: f.path, sha256: f.sha256, size, url: redactUrl(f.url), ...servedAsFields(kind, r.resource, f.path, f.serve) });
      }
      const fresh = generated.filter((g) => !g.stored);
      const digests = await storeGenerated(ctx.blobs, fresh.map((g) => g.content), ctx.signal);
      const stored = new Map(fresh.map((g, i) => [g, { sha256: digests[i], size: g.content.byteLength }]));
      for (const g of generated) files.push({ path: g.path, ...(g.stored ?? stored.get(g)!), generated: true, ...servedAsFields(kind, r.resource, g.path, g.serve) });
      const serving = servingFields(kind, r.resource, resolution.serving);
      out.push({ kind: r.resource.kind, name: r.resource.name, hash: r.resource.hash, root: `${r.resource.kind}/${r.resource.name}`, files, ...serving, upstream: persisted(r.resource, upstream ?? resolution.upstream) });
    } catch (e) {
      const errs = toFerryErrors(e).map((err) => withResource(err, r.resource));
      if (isolatable(ctx, errs, r.resource, r.previous)) {
        isolate(r, errs, ctx);
        if (r.reused) out.push(r.reused);
      } else errors.push(...errs);
    }
  }
  if (errors.length) throw new FerryErrors(errors);
  return out;
}

/**
 * The next snapshot's resources as far as resolve knows them (roots, file paths, which blobs
 * are in the store already), for StateStore.draft; undefined when every resource stands as
 * published (nothing to build, most likely), so that a refresh that finds nothing new makes
 * no folders.
 */
export function draftResources(resolved: ResolvedResource[]): DraftResource[] | undefined {
  const changing = resolved.some((r) => !r.reused && !r.keepsIndexes);
  if (!changing) return undefined;
  return resolved.filter((r) => r.reused || !r.failed).map((r) => {
    if (r.reused) return { ...r.reused, files: r.reused.files.map((f) => ({ path: f.path, sha256: f.sha256, present: true })) };
    const present = r.present;
    const files = (r.resolution?.files ?? []).map((f) => ({ path: f.path, sha256: f.sha256, present: present?.has(f.sha256) ?? false }));
    return { kind: r.resource.kind, name: r.resource.name, root: `${r.resource.kind}/${r.resource.name}`, files };
  });
}

/** Adds file counts, bytes to fetch and added/removed paths to a resource-level plan. */
export async function planResolved(plan: Plan, resolved: ResolvedResource[], blobs: BlobStore, published: SnapshotManifest | null): Promise<Plan> {
  const present = new Set<string>();
  const byId: Record<string, ReadonlyArray<{ sha256: string; size?: number; path: string }>> = {};
  const fetched: Record<string, { files: number; bytes: number }> = {};
  for (const r of resolved) {
    if (r.resolution?.fetched) fetched[resourceId(r.resource)] = r.resolution.fetched;
    const files = r.resolution?.files ?? r.reused?.files.filter((f) => !f.generated) ?? [];
    byId[resourceId(r.resource)] = files;
    const mine = new Set<string>();
    for (const f of files) if (r.reused || (await blobs.has(f.sha256))) mine.add(f.sha256);
    for (const d of mine) present.add(d);
    r.present = mine;
  }
  const planned = planFiles(plan, byId, present, published, fetched);
  const notes = new Map(resolved.filter((r) => r.resolution?.notes?.length).map((r) => [resourceId(r.resource), r.resolution!.notes!]));
  return notes.size === 0 ? planned : { ...planned, resources: planned.resources.map((rc) => (notes.has(rc.id) ? { ...rc, notes: notes.get(rc.id) } : rc)) };
}

/** Runs generate, for the drivers that allow it, of the resources generateAll will generate; never throws. */
async function generateEarly(resolved: ResolvedResource[], ctx: SyncContext): Promise<void> {
  await Promise.all(
    resolved.map(async (r) => {
      const { resolution, driver } = r;
      if (!resolution || r.reused || r.keepsIndexes || !driver?.generatesFromIndexes) return;
      try {
        r.early = { generated: await driver.generate(r.resource, r.spec, resolution, driverContext(ctx, undefined, r.resource)) };
      } catch (error) {
        r.early = { error };
      }
    }),
  );
}

function earlyResult(early: NonNullable<ResolvedResource['early']>): Generated {
  if ('error' in early) throw early.error;
  return early.generated;
}

/** The driver's upstream state as the manifest keeps it: a plain JSON object (or nothing). */
function persisted(resource: Resource, upstream: unknown): Record<string, unknown> | undefined {
  if (upstream === undefined) return undefined;
  if (!isRecord(upstream)) throw new FerryError('FERRY_INTERNAL', `${resourceId(resource)}: its driver's upstream state is not an object`, { resource: resourceId(resource), actual: typeof upstream });
  return upstream;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function unchangedUpstream(resource: Resource, resolution: Resolution, previous: ManifestResource): boolean {
  if (previous.hash !== resource.hash || canonicalJson(resolution.upstream ?? null) !== canonicalJson(previous.upstream ?? null)) return false;
  const served = (r: { routes?: string[]; mirrors?: string[] } | undefined) => canonicalJson({ routes: r?.routes ?? [], mirrors: r?.mirrors ?? [] });
  if (served(resolution.serving) !== served(previous)) return false;
  const before = previous.files.filter((f) => !f.generated);
  if (before.length !== resolution.files.length) return false;
  const digests = new Map(before.map((f) => [f.path, f]));
  const servedAs = (f: { contentType?: string; headers?: Record<string, string>; aliases?: string[] } | undefined) =>
    f === undefined || (f.contentType === undefined && f.headers === undefined && !f.aliases?.length) ? '' : canonicalJson({ t: f.contentType, h: f.headers, a: f.aliases ?? [] });
  return resolution.files.every((f) => {
    const old = digests.get(f.path);
    return old !== undefined && old.sha256 === f.sha256 && servedAs(old) === servedAs(f.serve);
  });
}
