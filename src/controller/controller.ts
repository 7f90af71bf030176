/**
 * `ferry run`: the GitOps controller. Wires the revision source (persistent clone or a watched
 * folder), the reconcile loop, the triggers (webhooks, poll, watch, `ferry reconcile`), the
 * suspension file, the status board, metrics and events, and one HTTP server that carries the
 * webhook and control routes and, unless `serve: false`, the published snapshots.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FerryError } from '../core/ferry-error.js';
import { silentLogger, type Logger } from '../core/logger.js';
import type { MirrorOutcome } from '../core/mirror-outcome.js';
import { ProgressTracker, progressLine, type SyncProgress } from '../core/sync-progress.js';
import { startServer, type RunningServer } from '../serve/server.js';
import { StateStore } from '../store/state-store.js';
import type { Fetcher } from '../transport/types.js';
import { readSecret, type ControllerConfig } from './config/ferry-config.js';
import { parseDuration } from './config/duration.js';
import { appendEvent } from './events/event-log.js';
import { readRefreshHold, setRefreshHold, type RefreshHold } from './refresh/refresh-hold.js';
import { RefreshTimer } from './refresh/refresh-timer.js';
import { RevisitTimer } from './refresh/revisit-timer.js';
import { lastChanges } from './status/mirror-history.js';
import { resolveGitAuth, describeGitAuth } from '../source/git/git-auth.js';
import { createControlHandler } from './http/control-handler.js';
import { createStatusPageHandler } from './http/status-page-handler.js';
import { initialLoopState } from './loop/loop-machine.js';
import { ReconcileLoop } from './loop/reconcile-loop.js';
import { dirRevisionSource, gitRevisionSource, type RevisionSource } from '../source/model-revisions.js';
import { createNoticeRecorder } from './notice-recorder.js';
import { closeRenderWorker } from '../reconcile/isolated-desired.js';
import { readEndpoint, readRememberedRevisions, rememberRevisions, removeEndpoint, writeEndpoint } from './persisted-state.js';
import { reconcile as realReconcile, type ReconcileOptions, type ReconcileResult } from '../reconcile/reconcile.js';
import { loadTrustedKeys } from '../source/signatures/trusted-keys.js';
import { verifyCommitSignature } from '../source/signatures/verify-commit.js';
import { ControllerMetrics } from './status/controller-metrics.js';
import { StatusBoard, type ApplyReport, type ControllerStatus } from './status/status-board.js';
import { readSuspension, type Suspension } from './suspension.js';
import { watchModelDir, type ModelWatcher } from './triggers/model-watcher.js';
import { watchStateDir } from './triggers/state-watcher.js';
import { keyFileHash, watchKeyFile } from './triggers/key-file-watcher.js';
import { siteKeyPath } from '../pgp/site-key.js';
import { startPoller, type Poller } from './triggers/poller.js';
import { createWebhookHandler } from './triggers/webhook-handler.js';

export interface StartControllerOptions {
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
  /** Injected for tests: the pipeline run and the upstream fetcher. */
  reconcile?: (options: ReconcileOptions) => Promise<ReconcileResult>;
  fetcher?: Fetcher;
  /**
   * The state files (suspension, refresh hold, `current`) are watched (triggers/state-watcher.ts);
   * this is how often they are re-read anyway, as a safety net (ms, default 30 s).
   */
  stateRecheckMs?: number;
  /** Collect Node process metrics too (default true). */
  processMetrics?: boolean;
}

export interface RunningController {
  url: string;
  status(): ControllerStatus;
  /** Ask for a run (as `ferry reconcile` does): the id of the run that serves it, false when suspended. */
  requestRun(options?: { force?: boolean; by?: string; refresh?: string[] }): number | false;
  refreshTimer: RefreshTimer;
  revisitTimer: RevisitTimer;
  /** Resolves when no run is in progress. */
  idle(): Promise<void>;
  loop: ReconcileLoop<ApplyReport>;
  metrics: ControllerMetrics;
  close(): Promise<void>;
}

export async function startController(config: ControllerConfig, options: StartControllerOptions = {}): Promise<RunningController> {
  const logger = options.logger ?? silentLogger;
  const env = options.env ?? process.env;
  const runReconcile = options.reconcile ?? realReconcile;
  const { stateDir } = config;
  const other = await readEndpoint(stateDir);
  if (other && other.pid !== process.pid) {
    throw new FerryError('FERRY_LOCKED', `another controller (pid ${other.pid}, ${other.url}) runs on ${stateDir}`, { actual: other.pid });
  }
  const metrics = new ControllerMetrics({ processMetrics: options.processMetrics ?? true });
  const store = await StateStore.open(stateDir, { logger });

  const source: RevisionSource =
    config.source.kind === 'git'
      ? gitRevisionSource(config.source, { auth: await resolveGitAuth(config.source.auth, { env }), onBytes: (n) => metrics.bytesDownloaded.inc({ kind: 'git' }, n) })
      : dirRevisionSource(config.source.dir);
  if (config.source.kind === 'git') logger.info('controller: git source', { ...source.describe, auth: describeGitAuth(await resolveGitAuth(config.source.auth, { env })) });
  const trusted = config.signatures ? await loadTrustedKeys(config.signatures) : undefined;
  if (trusted && !source.gitdir) throw new FerryError('FERRY_USAGE', 'ferry.yaml signatures: needs a git source', {});

  let poller: Poller | undefined;
  const board = new StatusBoard(source.describe, () => poller?.nextAt);
  metrics.mirrorSource = () => board.mirrors();
  let publishedId: string | null = null;
  const refreshPublished = async () => {
    const current = await store.current().catch(() => null);
    publishedId = current?.id ?? null;
    board.setPublished(current);
    metrics.setPublished(current);
    board.setChanges(lastChanges(await store.history().catch(() => [])));
    countMirrors();
  };
  const countMirrors = () => {
    const counts: Record<string, number> = {};
    for (const m of board.mirrors()) counts[m.state] = (counts[m.state] ?? 0) + 1;
    metrics.setMirrors(counts);
  };
  const recorder = createNoticeRecorder({ stateDir, metrics, board, logger });

  let suspension: Suspension = await readSuspension(stateDir);
  board.setSuspension(suspension);
  metrics.suspended.set(suspension.suspended ? 1 : 0);
  const remembered = await readRememberedRevisions(stateDir);

  // Scheduled refreshes: due mirrors become one refresh run; held after a model revert.
  const refreshTimer = new RefreshTimer({
    ...config.refresh,
    remembered: Object.fromEntries(Object.entries(remembered.refreshedAt ?? {}).map(([id, at]) => [id, Date.parse(at)])),
    onDue: (mirrors) => {
      logger.info('controller: refresh due', { mirrors });
      if (requestRun({ by: 'refresh', refresh: mirrors }) === false) metrics.refreshes.inc({ result: 'skipped' });
    },
  });
  // Revisits: the served snapshot asks to be resolved again (a deb Release to re-sign before its
  // Valid-Until): a forced run of the applied head, which re-signs without downloading.
  const revisitTimer = new RevisitTimer({
    baseMs: config.refresh.backoffBaseMs,
    maxMs: config.reconcile.backoffMaxMs,
    onDue: () => {
      logger.info('controller: revisit due (Release files to re-sign)');
      requestRun({ by: 'revisit', force: true });
    },
  });
  board.setRevisit(() => revisitTimer.nextAt);
  // Model files besides the YAML that the served desired state read (a requirements file): a
  // watched folder's revision and its watch count them (RevisionSource.followFiles).
  let followedFiles: ReadonlySet<string> = new Set();
  // A site signing key replaced in place re-signs what is served at once (triggers/key-file-watcher.ts).
  const keyWatcher = watchKeyFile({ logger, recheckMs: options.stateRecheckMs, onChange: () => void requestRun({ by: 'site-key', force: true }) });
  board.setSchedule(
    (id) => {
      const c = refreshTimer.clock(id);
      return c && { intervalMs: c.intervalMs, nextAt: c.dueAt, lastRefreshAt: c.lastRefreshAt };
    },
    () => refreshTimer.nextAt,
  );
  let hold: RefreshHold = await readRefreshHold(stateDir);
  const applyHold = (next: RefreshHold) => {
    if (next.held !== hold.held || next.snapshot !== hold.snapshot) logger.info(next.held ? 'controller: scheduled refreshes held' : 'controller: scheduled refreshes released', { reason: next.reason });
    hold = next;
    board.setRefreshHold(next);
    refreshTimer.setHeld(next.held || suspension.suspended);
  };
  applyHold(hold);

  const loop: ReconcileLoop<ApplyReport> = new ReconcileLoop<ApplyReport>(
    {
      fetchHead: (ctx) => source.head({ signal: ctx.signal }),
      apply: async (revision, ctx) => {
        // Guard: a rollback or `ferry suspend` may have happened since the run started. The store
        // lock is not waited for (wait: false): a run that finds it held (a rollback, a manual
        // apply) fails as retryable and comes back after the backoff, when a suspension that
        // came with the rollback is already known.
        const now = await readSuspension(stateDir);
        if (now.suspended) {
          applySuspension(now);
          throw new FerryError('FERRY_ABORTED', 'automatic reconciliation is suspended', {});
        }
        const signer = trusted && source.gitdir ? await verifyCommitSignature({ gitdir: source.gitdir, revision, trusted, signal: ctx.signal }) : undefined;
        const model = await source.model(revision, { signal: ctx.signal });
        const tracker = new ProgressTracker();
        board.setSync(tracker, ctx.refresh ?? []);
        const progressLog = setInterval(() => {
          const v = tracker.view();
          if (v && v.filesTotal > v.filesDone) logger.info(`sync progress: ${progressLine(v)}`, { runId: ctx.runId, ...v });
        }, config.refresh.progressLogMs);
        progressLog.unref();
        try {
          // The key file as the run begins (the one watched, else the generated key's place): replaced during the run, it is a change.
          const keyPath = keyWatcher.path ?? siteKeyPath(stateDir);
          const keyBefore = { path: keyPath, hash: await keyFileHash(keyPath) };
          const result = await runReconcile({
            stateDir,
            model,
            node: config.node,
            commit: config.source.kind === 'git' ? revision : undefined,
            refresh: ctx.refresh,
            wait: false,
            signal: ctx.signal,
            logger,
            fetcher: options.fetcher,
            progress: countingProgress(tracker),
            isolate: { ...config.render, keepWarm: true },
          });
          await afterRun(result, revision, ctx.refresh);
          revisitTimer.update(result.revisitAt);
          await keyWatcher.watch(result.siteKeyFile, keyBefore);
          followedFiles = new Set(result.modelFiles ?? []);
          source.followFiles?.(result.modelFiles ?? []);
          await refreshPublished();
          return { ...result, signer };
        } catch (e) {
          // A refresh run that failed as a whole: its mirrors are retried with backoff.
          if (ctx.refresh) refreshTimer.record(refreshIds(ctx.refresh).map((id) => ({ id, ok: false })));
          throw e;
        } finally {
          clearInterval(progressLog);
          board.setSync(undefined);
        }
      },
      onNotice: (n) => {
        recorder.observe(n);
        if (n.type === 'idle') {
          countMirrors();
          // What changed in the state folder while the run held it (a watch event is ignored then).
          checkStateFiles();
          const refreshedAt = Object.fromEntries(Object.entries(refreshTimer.lastRefreshTimes()).map(([id, at]) => [id, new Date(at).toISOString()]));
          void rememberRevisions(stateDir, { lastAttemptedRevision: n.state.lastAttemptedRevision, lastAppliedRevision: n.state.lastAppliedRevision, refreshedAt }).catch((e: unknown) =>
            logger.warn('cannot record the controller state', { error: String(e) }),
          );
        }
        if (n.type === 'skipped') logger.info('controller: nothing to do', { revision: n.revision, reason: n.reason });
      },
      timeoutMs: config.reconcile.timeoutMs,
      config: { backoffBaseMs: config.reconcile.backoffBaseMs, backoffMaxMs: config.reconcile.backoffMaxMs },
    },
    initialLoopState({ ...remembered, suspended: suspension.suspended }),
  );
  board.setLoopState(loop.state);

  /** Every mirror id a refresh set names (`*`: every scheduled one). */
  function refreshIds(refresh: readonly string[]): string[] {
    return refresh.includes('*') ? board.mirrors().map((m) => m.id) : [...refresh];
  }

  /** The byte counter metric moves with the downloads, not only when a run ends. */
  function countingProgress(tracker: ProgressTracker): SyncProgress {
    return {
      add: (bytes, files, resource) => tracker.add(bytes, files, resource),
      tick: (bytes, resource) => {
        tracker.tick(bytes, resource);
        if (bytes > 0) metrics.bytesDownloaded.inc({ kind: resource?.split('/')[0] ?? 'index' }, bytes);
      },
      fileDone: (resource) => tracker.fileDone(resource),
    };
  }

  /**
   * After a run: per-mirror outcomes into status, schedule and events; the refresh hold set by
   * a revert (a retained snapshot re-published) and released by a commit that publishes.
   */
  async function afterRun(result: ReconcileResult, revision: string, refresh: readonly string[] | undefined): Promise<void> {
    const outcomes: MirrorOutcome[] = result.mirrors ?? [];
    const before = new Map(board.mirrors().map((m) => [m.id, m]));
    board.observeMirrors(outcomes);
    // A failed mirror without a schedule of its own is still retried, at most every backoff.max.
    const retryOnly = (o: MirrorOutcome) => o.outcome === 'failed' || (refreshTimer.clock(o.id)?.failures ?? 0) > 0;
    refreshTimer.update(outcomes.map((o) => ({ id: o.id, intervalMs: o.refresh ? parseDuration(o.refresh, `${o.id}.refresh`) : retryOnly(o) ? config.reconcile.backoffMaxMs : undefined })));
    refreshTimer.record(outcomes.filter((o) => o.refreshed || o.outcome === 'failed').map((o) => ({ id: o.id, ok: o.outcome !== 'failed' })));
    for (const o of outcomes) {
      const was = before.get(o.id);
      if (o.outcome === 'failed' && o.error) {
        await appendEvent(stateDir, { type: 'MirrorFailed', message: `${o.id}: ${o.error.message}${result.outcome === 'published' ? `; its last good content is kept in ${result.snapshot}` : ''}`, mirror: o.id, revision, snapshot: result.snapshot, errors: [o.error] }, { logger });
      } else if (was && was.failures > 0 && o.outcome !== 'failed' && o.outcome !== 'kept') {
        await appendEvent(stateDir, { type: 'MirrorRecovered', message: `${o.id}: synced again after ${was.failures} failure(s)`, mirror: o.id, revision, snapshot: result.snapshot }, { logger });
      }
    }
    const resigned = outcomes.filter((o) => o.outcome === 'changed' && o.cause === 'resign');
    if (result.outcome === 'published' && resigned.length) {
      await appendEvent(stateDir, { type: 'Resigned', message: `Release files of ${resigned.map((o) => o.id).join(', ')} signed again (same packages, no download): published snapshot ${result.snapshot}`, revision, snapshot: result.snapshot, mirrors: resigned.map((o) => o.id) }, { logger });
    }
    if (refresh) {
      const changed = outcomes.filter((o) => o.outcome === 'changed' && o.cause === 'upstream');
      metrics.refreshes.inc({ result: result.outcome === 'published' ? 'published' : 'unchanged' });
      if (result.outcome === 'published' && changed.length) {
        await appendEvent(stateDir, { type: 'Refreshed', message: `upstream changed for ${changed.map((o) => o.id).join(', ')}: published snapshot ${result.snapshot}`, revision, snapshot: result.snapshot, mirrors: changed.map((o) => ({ mirror: o.id, upstream: o.upstream })) }, { logger });
      }
    }
    if (result.outcome === 'reused') {
      await setRefreshHold(stateDir, { held: true, reason: `commit ${revision.slice(0, 12)} re-published retained snapshot ${result.snapshot}`, by: 'revert', snapshot: result.snapshot, desiredHash: result.desiredHash }, { logger });
      applyHold(await readRefreshHold(stateDir));
    } else if (result.outcome === 'published' && !refresh && hold.held && (hold.desiredHash ? hold.desiredHash !== result.desiredHash : resigned.length === 0)) {
      await setRefreshHold(stateDir, { held: false, reason: `commit ${revision.slice(0, 12)} published snapshot ${result.snapshot}`, by: 'commit' }, { logger });
      applyHold(await readRefreshHold(stateDir));
    }
  }

  function applySuspension(next: Suspension): void {
    const changed = next.suspended !== suspension.suspended || next.since !== suspension.since;
    suspension = next;
    board.setSuspension(next);
    metrics.suspended.set(next.suspended ? 1 : 0);
    if (!changed) return;
    logger.info(next.suspended ? 'controller: suspended' : 'controller: resumed', { reason: next.reason, by: next.by });
    if (next.suspended) loop.suspend();
    else loop.resume();
    refreshTimer.setHeld(hold.held || next.suspended);
    board.setLoopState(loop.state);
    void refreshPublished();
  }
  // When the state folder changes (and every stateRecheckMs anyway): the suspension file, the
  // refresh hold, and whether someone else (ferry rollback, a manual apply) switched `current`.
  const checkStateFiles = () => {
    void readSuspension(stateDir).then(applySuspension, () => undefined);
    void readRefreshHold(stateDir).then((h) => {
      if (h.held !== hold.held || h.snapshot !== hold.snapshot) applyHold(h);
    }, () => undefined);
    void store.currentId().then(async (id) => {
      if (id === publishedId || loop.state.running) return;
      // Drift: someone else switched `current` (a manual apply, `rollback --no-suspend`). GitOps
      // puts the branch head back, unless suspended (a rollback suspends).
      const before = publishedId;
      await refreshPublished();
      if (before !== null && !suspension.suspended) {
        logger.warn('controller: the published snapshot changed outside the controller; reconciling the branch head', { snapshot: id });
        requestRun({ by: 'drift', force: true });
      }
    }, () => undefined);
  };
  const stateWatcher = watchStateDir({ stateDir, onChange: checkStateFiles, recheckMs: options.stateRecheckMs, logger });

  const requestRun = (o: { force?: boolean; by?: string; hint?: string; refresh?: string[] } = {}): number | false => {
    if (suspension.suspended) return false;
    loop.trigger({ by: o.by ?? 'cli', force: o.force, hint: o.hint, refresh: o.refresh });
    board.setLoopState(loop.state);
    const s = loop.state;
    // The run that serves this request: the collapsed one after the current run, or the one just started.
    return s.pending ? s.nextRunId : (s.running?.id ?? s.nextRunId - 1);
  };

  // Webhook secrets are read once; the handler compares in constant time.
  const hooks = config.webhooks;
  const secrets = {
    gerritTokens: hooks.gerrit ? await Promise.all(hooks.gerrit.map((s) => readSecret(s, env))) : undefined,
    github: hooks.github ? await readSecret(hooks.github, env) : undefined,
    gitea: hooks.gitea ? await readSecret(hooks.gitea, env) : undefined,
    gitlab: hooks.gitlab ? await readSecret(hooks.gitlab, env) : undefined,
  };
  const webhookHandler = createWebhookHandler({
    target: { branch: config.source.kind === 'git' ? config.source.branch : '', project: config.source.kind === 'git' ? config.source.project : undefined },
    secrets,
    logger,
    maxBodyBytes: hooks.maxBodyBytes,
    onTrigger: (t) => void requestRun({ by: t.by, hint: t.hint }),
    onVerdict: (provider, v) =>
      metrics.webhooks.inc({ provider, result: v.status === 401 ? 'unauthorized' : v.status === 400 ? 'bad_request' : v.accepted ? 'accepted' : 'ignored' }),
  });
  const controlToken = randomBytes(24).toString('base64url');
  const status = (): ControllerStatus => {
    board.setLoopState(loop.state);
    return board.snapshot();
  };
  const controlHandler = createControlHandler({
    status,
    metrics,
    controlToken,
    requestRun: ({ force, refresh }) => requestRun({ force, refresh, by: refresh ? 'cli:refresh' : 'cli' }),
    mirrorIds: () => board.mirrors().map((m) => m.id),
    cancel: () => loop.cancel(),
    stuckAfterMs: config.reconcile.timeoutMs * 1.5,
  });
  const notServed = async (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found\n');
    return true;
  };
  const server: RunningServer = await startServer({
    stateDir,
    host: config.listen.host,
    port: config.listen.port,
    logger,
    extraHandlers: [webhookHandler, controlHandler, createStatusPageHandler({ status, store }), ...(config.serve ? [] : [notServed])],
  });
  await writeEndpoint(stateDir, { pid: process.pid, url: server.url, token: controlToken, startedAt: new Date().toISOString() });
  await refreshPublished();

  if (config.poll) poller = startPoller({ intervalMs: config.poll.intervalMs, jitter: config.poll.jitter, onPoll: () => void requestRun({ by: 'poll' }) });
  let watcher: ModelWatcher | undefined;
  if (config.watch && config.source.kind === 'dir') {
    watcher = watchModelDir({ dir: config.source.dir, debounceMs: config.watch.debounceMs, logger, followed: () => followedFiles, onChange: () => void requestRun({ by: 'watch' }) });
    await watcher.ready;
  }
  logger.info('controller: started', { url: server.url, stateDir, suspended: suspension.suspended });
  if (suspension.suspended) logger.warn('controller: automatic reconciliation is suspended', { reason: suspension.reason, by: suspension.by });
  else requestRun({ by: 'startup', force: true });

  return {
    url: server.url,
    status,
    requestRun,
    refreshTimer,
    revisitTimer,
    idle: () => loop.idle(),
    loop,
    metrics,
    async close() {
      stateWatcher.close();
      refreshTimer.close();
      revisitTimer.close();
      keyWatcher.close();
      poller?.stop();
      await watcher?.close();
      await loop.close();
      await recorder.flush();
      await server.close();
      await closeRenderWorker();
      await removeEndpoint(stateDir);
    },
  };
}
