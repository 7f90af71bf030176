/**
 * One reconcile: the model at a commit becomes the published snapshot.
 *
 *   lock → desired (render, validate) → guards (already published? retained?) → plan
 *        → resolve → fetch missing → generate indexes → build snapshot → publish → prune
 *
 * Stops at the first failing step; a failure publishes nothing and leaves the current
 * snapshot serving. Blobs already downloaded stay for the next attempt. Throws FerryErrors
 * carrying every error found (the whole model's, or every failing resource's).
 */
import { setMaxListeners } from 'node:events';
import { FerryErrors, toFerryErrors } from '../core/ferry-error.js';
import type { MirrorOutcome } from '../core/mirror-outcome.js';
import { resourceId } from '../core/resource.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { planResources, type Plan } from '../plan/plan.js';
import { siteKeyPath } from '../pgp/site-key.js';
import { inlinedModelPaths } from '../desired/model-files.js';
import { trustOnFirstUse } from '../drivers/registry.js';
import { sameContent } from '../plan/same-content.js';
import type { ModelFiles } from '../model/types.js';
import { StateStore } from '../store/state-store.js';
import { diskFullCause, foldDiskFull } from '../store/disk-full.js';
import type { SnapshotDraft } from '../store/snapshot-draft.js';
import type { Fetcher } from '../transport/types.js';
import { newerImport } from '../transfer/newer-import.js';
import { afterPublish } from './after-publish.js';
import type { HistoryEntry, SnapshotManifest } from '../store/types.js';
import { createLazyFetcher } from '../transport/lazy-fetcher.js';
import { loadDesiredIsolated, type RenderIsolation } from './isolated-desired.js';
import { memoHit, pathsDigest, readMemo, writeMemo, type ModelReads } from './desired-memo.js';
import { faultPoint } from './fault-point.js';
import { withModelFiles } from './model-files.js';
import { draftResources, driverFetched, fetchMissing, generateAll, planResolved, resolveAll, nextRevisit, revisitsDue, type SyncContext } from './apply-sync.js';
import { mirrorOutcomes, refreshInterval, refreshPredicate } from './mirror-outcomes.js';

export interface ReconcileOptions {
  stateDir: string;
  model: ModelFiles;
  /** Node of the inventory whose parameters.ferry describes this site (default: the only node). */
  node?: string;
  /** Commit the model was read at, recorded in the manifest and history. */
  commit?: string;
  /** Re-read upstream even for resources the published snapshot already holds: all (true, `*`) or these mirrors (`kind/name` or name). */
  refresh?: boolean | readonly string[];
  /** Wait for the store lock instead of failing at once. */
  wait?: boolean;
  signal?: AbortSignal;
  fetcher?: Fetcher;
  logger?: Logger;
  progress?: SyncContext['progress'];
  /**
   * Render, validate and build the desired state in a worker thread with these limits
   * (isolated-desired.ts): `ferry run` and `ferry apply` do, so a hostile model fails the
   * revision instead of the process. Without it the model is rendered in this thread.
   */
  isolate?: RenderIsolation & { keepWarm?: boolean };
  /**
   * With `isolate`: keep the desired state in the state directory and use it instead of the
   * worker while code (this build id), node and model files are unchanged (desired-memo.ts).
   * `ferry apply` of the bundled CLI does.
   */
  memo?: { build: string };
  /** Called with the plan once resolved, before anything is downloaded (the CLI prints it). */
  onPlan?: (plan: Plan) => void;
  /** Isolate upstream failures per mirror (default true): see apply-sync.ts. */
  isolateFailures?: boolean;
}

export type ReconcileOutcome = 'published' | 'reused' | 'unchanged';

export interface ReconcileResult {
  outcome: ReconcileOutcome;
  snapshot: string;
  desiredHash: string;
  plan: Plan;
  stats: { requests: number; bytesFetched: number; filesFetched: number; durationMs: number };
  /** Milliseconds spent in each step, for logs and benchmarks. */
  steps?: Record<string, number>;
  /** `memo` when the desired state came from the memo of an unchanged model (ReconcileOptions.memo), not a render. */
  desiredFrom?: 'render' | 'memo';
  /** What happened to each mirror of the desired state. */
  mirrors?: MirrorOutcome[];
  /**
   * When a driver asks to resolve the served snapshot again although nothing changed (epoch ms,
   * Driver.revisitAt: a deb Release to re-sign before its Valid-Until); the controller runs then.
   */
  revisitAt?: number;
  /**
   * The site signing key file the desired state names (site.signing.key_file, else the state
   * folder's generated key): the controller watches it, so a key replaced in place re-signs
   * what is served at once instead of at the next run.
   */
  siteKeyFile?: string;
  /**
   * The model files besides its YAML that the desired state inlines (a pypi requirements file,
   * Resource spec `model_files`): a watched model folder counts them in its revision.
   */
  modelFiles?: string[];
}

export async function reconcile(options: ReconcileOptions): Promise<ReconcileResult> {
  const started = Date.now();
  const steps: Record<string, number> = {};
  let mark = started;
  const step = (name: string) => {
    const now = Date.now();
    steps[name] = now - mark;
    mark = now;
  };
  const logger = options.logger ?? silentLogger;
  const signal = options.signal ?? new AbortController().signal;
  // Every download in flight listens for the cancel: far more than the default 10.
  setMaxListeners(0, signal);
  const memoKey = options.isolate && options.memo ? { build: options.memo.build, node: options.node } : undefined;
  const remembered = memoKey ? memoHit(await readMemo(options.stateDir), options.model, memoKey) : undefined;
  let reads: ModelReads | undefined;
  // The memo holds the rendered state; the files mirrors name are read (and inlined) every time.
  const rendered =
    remembered ??
    (options.isolate
      ? await loadDesiredIsolated(options.model, {
          node: options.node,
          limits: options.isolate,
          keepWarm: options.isolate.keepWarm,
          signal,
          onReads: memoKey ? (r) => (reads = r) : undefined,
        })
      : (await import('./apply-desired.js')).loadDesired(options.model, { node: options.node }).desired);
  // Files of the model's folder the mirrors name (a requirements file), read from the same source.
  const desired = await withModelFiles(rendered, options.model);
  step('desired');
  const store = await StateStore.open(options.stateDir, { logger });
  if (memoKey && reads) await writeMemo(store.root, { format: 1, build: memoKey.build, node: memoKey.node ?? null, paths: pathsDigest(options.model), reads, desired: rendered });
  const lock = await store.lock({ wait: options.wait, signal, purpose: `reconcile ${options.commit ?? ''}`.trim() });
  const ownFetcher = options.fetcher ? undefined : createLazyFetcher({ logger, concurrency: 16, perHost: 8, ...transportSettings(desired.site) });
  const fetcher: Fetcher = options.fetcher ?? ownFetcher!;
  const before = fetcher.stats();
  // Bytes drivers fetched themselves (git into its cache), beside the fetcher's.
  let driverBytes = 0;
  const refreshes = refreshPredicate(options.refresh);
  const anyRefresh = desired.resources.some(refreshes);
  const result = (outcome: ReconcileOutcome, snapshot: string, plan: Plan, filesFetched = 0, mirrors?: MirrorOutcome[]): ReconcileResult => {
    const after = fetcher.stats();
    step('publish');
    return {
      outcome,
      snapshot,
      desiredHash: desired.hash,
      siteKeyFile: (desired.site.signing as { key_file?: string } | undefined)?.key_file ?? siteKeyPath(store.root),
      ...((paths) => (paths.length ? { modelFiles: paths } : {}))(inlinedModelPaths(desired)),
      plan,
      steps,
      ...(memoKey ? { desiredFrom: remembered ? ('memo' as const) : ('render' as const) } : {}),
      stats: { requests: after.requests - before.requests, bytesFetched: after.bytes - before.bytes + driverBytes, filesFetched, durationMs: Date.now() - started },
      mirrors: mirrors ?? desired.resources.map((r) => ({ id: resourceId(r), outcome: 'kept' as const, refreshed: false, ...(refreshInterval(r, desired) ? { refresh: refreshInterval(r, desired) } : {}) })),
    };
  };
  // The next snapshot's folders, made while files download (discarded unless built on).
  let draft: SnapshotDraft | undefined;
  let plan: Plan | undefined;
  try {
    const published = await store.current();
    step('lock');
    plan = planResources(desired, published, trustOnFirstUse);

    const ctx: SyncContext = { fetcher, blobs: store.blobs, logger, signal, refresh: anyRefresh, refreshes, isolate: options.isolateFailures, stateDir: store.root, desired, published, progress: options.progress };
    /**
     * The served snapshot's after-publish step, then the result, with when a driver asks to revisit it.
     * Always `return await finish(…)`: the `finally` below closes the fetcher, and a bare `return`
     * runs it before the push after publish has sent anything ("The client is destroyed").
     */
    const finish = async (outcome: ReconcileOutcome, served: SnapshotManifest, filesFetched?: number, mirrors?: MirrorOutcome[]): Promise<ReconcileResult> => {
      await afterPublish(served, desired, { fetcher, blobs: store.blobs, logger, signal, stateDir: store.root });
      const revisitAt = await nextRevisit(served, ctx).catch((e: unknown) => {
        logger.warn('cannot tell when the served snapshot needs revisiting (a Release to renew)', { snapshot: served.id, error: String(e) });
        return undefined;
      });
      return { ...result(outcome, served.id, plan!, filesFetched, mirrors), ...(revisitAt === undefined ? {} : { revisitAt }) };
    };
    // Guard: this desired state is what is being served (and no driver asks to revisit it:
    // a Release to re-sign before it expires, say).
    const revisit = published && plan.upToDate && !anyRefresh ? await revisitsDue(published, ctx) : [];
    // Guard: a bundle of this desired state, newer than what is served, was imported (an
    // offline site's refresh, issue 17): publish it.
    const fresher = published && plan.upToDate && !anyRefresh ? await newerImport(store, published) : null;
    if (fresher) {
      await store.publish(fresher.id, { commit: options.commit, desiredHash: desired.hash, action: 'reuse' });
      logger.info('published a newer snapshot imported from a bundle', { snapshot: fresher.id, commit: options.commit, bundle: fresher.imported?.snapshot, site: fresher.imported?.site });
      return finish('reused', fresher);
    }
    if (published && plan.upToDate && !anyRefresh && !revisit.length) {
      logger.info('already published', { snapshot: published.id, desiredHash: desired.hash });
      return await finish('unchanged', published);
    }
    if (revisit.length) logger.info('revisiting', { resources: revisit });
    // Guard: a retained snapshot holds exactly this desired state (a revert): switch back to it.
    // A changed desired state that a retained snapshot holds wins over a refresh asked with it:
    // a revert re-publishes what was served, and the refresh waits for its next turn.
    const changedModel = !!published && published.desiredHash !== desired.hash;
    const retained = (!anyRefresh && !revisit.length) || changedModel ? await store.findByDesiredHash(desired.hash) : null;
    if (retained) {
      await store.publish(retained.id, { commit: options.commit, desiredHash: desired.hash, action: 'reuse' });
      logger.info(retained.imported ? 're-published a snapshot imported from a bundle' : 're-published a retained snapshot', { snapshot: retained.id, commit: options.commit, ...(retained.imported ? { bundle: retained.imported.snapshot, site: retained.imported.site } : {}) });
      return await finish('reused', retained);
    }

    const resolved = await collect(() => resolveAll(ctx));
    driverBytes = driverFetched(resolved).bytes;
    plan = await planResolved(plan, resolved, store.blobs, published);
    step('resolve');
    logger.info('plan', { ...plan.summary });
    options.onPlan?.(plan);
    const drafted = draftResources(resolved);
    if (drafted) draft = store.draft(desired.hash, drafted, { signal });

    const fetched = await collect(() => fetchMissing(resolved, ctx));
    step('fetch');
    const resources = await collect(() => generateAll(resolved, ctx));
    step('generate');
    const mirrors = mirrorOutcomes(resolved, resources, published, desired, refreshes);
    const failed = mirrors.filter((m) => m.outcome === 'failed');
    // Guard: every mirror failed: nothing to isolate them from, the run fails as a whole.
    if (failed.length > 0 && failed.length === mirrors.length) throw new FerryErrors(resolved.flatMap((r) => r.failed ?? []));
    // Guard: a refresh that found nothing new upstream publishes nothing; nor does a run whose
    // only news is that mirrors failed (the served snapshot already holds their last good content).
    if (published && (published.desiredHash === desired.hash || failed.length > 0) && sameContent(resources, published.resources)) {
      logger.info(failed.length ? 'nothing new to publish: mirrors failed' : 'upstream unchanged', { snapshot: published.id, failed: failed.map((m) => m.id) });
      return await finish('unchanged', published, fetched.files, mirrors);
    }
    const manifest = await store.build({ commit: options.commit, desiredHash: desired.hash, site: desired.site, resources }, { signal, draft });
    step('build');
    await faultPoint('publish', store.root, signal);
    const changed = mirrors.filter((m) => m.outcome === 'changed').map((m) => ({ mirror: m.id, ...(m.upstream ? { upstream: m.upstream } : {}) }));
    await store.publish(manifest.id, {
      commit: options.commit,
      desiredHash: desired.hash,
      action: 'apply',
      stats: { files: fetched.files, bytes: fetched.bytes },
      cause: historyCause(published, desired.hash, mirrors),
      changed,
      ...(failed.length ? { failed: failed.map((m) => ({ mirror: m.id, code: m.error?.code ?? '', message: m.error?.message ?? '' })) } : {}),
    });
    const dropped = await store.prune(desired.site.retention);
    if (dropped.length) {
      const gc = await store.gc();
      logger.info('retention', { dropped: dropped.length, removedBlobs: gc.removedBlobs, removedBytes: gc.removedBytes });
    }
    logger.info('published', { snapshot: manifest.id, commit: options.commit, files: fetched.files, bytes: fetched.bytes, changed: changed.map((c) => c.mirror), failed: failed.map((m) => m.id) });
    return await finish('published', manifest, fetched.files, mirrors);
  } catch (e) {
    // A full disk is one error, however many writes it failed.
    const errors = toFerryErrors(e);
    if (errors.some((x) => diskFullCause(x))) throw new FerryErrors(await foldDiskFull(errors, { dir: store.root, neededBytes: plan?.summary.fetchBytes }));
    throw e;
  } finally {
    await draft?.discard();
    await lock.release();
    await ownFetcher?.close();
  }
}

/** site.transport (schemas/ferry.schema.json): the stall timeout (s) and attempts per download. */
function transportSettings(site: Record<string, unknown>): { timeoutMs?: number; retries?: number } {
  const t = (site.transport ?? {}) as { stall_timeout?: number; attempts?: number };
  return { timeoutMs: t.stall_timeout === undefined ? undefined : t.stall_timeout * 1000, retries: t.attempts === undefined ? undefined : t.attempts - 1 };
}

/** Runs a step and rethrows whatever it throws as one FerryErrors. */
async function collect<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (e) {
    throw new FerryErrors(toFerryErrors(e));
  }
}

/** What made a snapshot (HistoryEntry.cause): the model, an upstream change, or only a re-signing. */
function historyCause(published: SnapshotManifest | null, desiredHash: string, mirrors: readonly MirrorOutcome[]): HistoryEntry['cause'] {
  if (!published || published.desiredHash !== desiredHash) return 'model';
  const changed = mirrors.filter((m) => m.outcome === 'changed');
  return changed.length > 0 && changed.every((m) => m.cause === 'resign') ? 'resign' : 'refresh';
}

