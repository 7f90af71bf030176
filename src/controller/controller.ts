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
import { startServer, type RunningServer } from '../serve/server.js';
import { StateStore } from '../store/state-store.js';
import type { Fetcher } from '../transport/types.js';
import { readSecret, type ControllerConfig } from './config/ferry-config.js';
import { resolveGitAuth, describeGitAuth } from '../source/git/git-auth.js';
import { createControlHandler } from './http/control-handler.js';
import { initialLoopState } from './loop/loop-machine.js';
import { ReconcileLoop } from './loop/reconcile-loop.js';
import { dirRevisionSource, gitRevisionSource, type RevisionSource } from '../source/model-revisions.js';
import { createNoticeRecorder } from './notice-recorder.js';
import { readEndpoint, readRememberedRevisions, rememberRevisions, removeEndpoint, writeEndpoint } from './persisted-state.js';
import { reconcile as realReconcile, type ReconcileOptions, type ReconcileResult } from '../reconcile/reconcile.js';
import { loadTrustedKeys } from '../source/signatures/trusted-keys.js';
import { verifyCommitSignature } from '../source/signatures/verify-commit.js';
import { ControllerMetrics } from './status/controller-metrics.js';
import { StatusBoard, type ApplyReport, type ControllerStatus } from './status/status-board.js';
import { readSuspension, type Suspension } from './suspension.js';
import { watchModelDir, type ModelWatcher } from './triggers/model-watcher.js';
import { startPoller, type Poller } from './triggers/poller.js';
import { createWebhookHandler } from './triggers/webhook-handler.js';

export interface StartControllerOptions {
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
  /** Injected for tests: the pipeline run and the upstream fetcher. */
  reconcile?: (options: ReconcileOptions) => Promise<ReconcileResult>;
  fetcher?: Fetcher;
  /** How often the suspension file is re-read (ms, default 500). */
  suspensionPollMs?: number;
  /** Collect Node process metrics too (default true). */
  processMetrics?: boolean;
}

export interface RunningController {
  url: string;
  status(): ControllerStatus;
  /** Ask for a run (as `ferry reconcile` does): the id of the run that serves it, false when suspended. */
  requestRun(options?: { force?: boolean; by?: string }): number | false;
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
  let publishedId: string | null = null;
  const refreshPublished = async () => {
    const current = await store.current().catch(() => null);
    publishedId = current?.id ?? null;
    board.setPublished(current);
    metrics.setPublished(current);
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
        const result = await runReconcile({ stateDir, model, node: config.node, commit: config.source.kind === 'git' ? revision : undefined, wait: false, signal: ctx.signal, logger, fetcher: options.fetcher });
        await refreshPublished();
        return { ...result, signer };
      },
      onNotice: (n) => {
        recorder.observe(n);
        if (n.type === 'idle') {
          countMirrors();
          void rememberRevisions(stateDir, { lastAttemptedRevision: n.state.lastAttemptedRevision, lastAppliedRevision: n.state.lastAppliedRevision }).catch((e: unknown) =>
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

  function applySuspension(next: Suspension): void {
    const changed = next.suspended !== suspension.suspended || next.since !== suspension.since;
    suspension = next;
    board.setSuspension(next);
    metrics.suspended.set(next.suspended ? 1 : 0);
    if (!changed) return;
    logger.info(next.suspended ? 'controller: suspended' : 'controller: resumed', { reason: next.reason, by: next.by });
    if (next.suspended) loop.suspend();
    else loop.resume();
    board.setLoopState(loop.state);
    void refreshPublished();
  }
  // Every half second: the suspension file, and whether someone else (ferry rollback, a manual
  // apply) switched `current`. Both are a readFile/readlink, cheap.
  const suspensionTimer = setInterval(() => {
    void readSuspension(stateDir).then(applySuspension, () => undefined);
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
  }, options.suspensionPollMs ?? 500);
  suspensionTimer.unref();

  const requestRun = (o: { force?: boolean; by?: string; hint?: string } = {}): number | false => {
    if (suspension.suspended) return false;
    loop.trigger({ by: o.by ?? 'cli', force: o.force, hint: o.hint });
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
    requestRun: ({ force }) => requestRun({ force, by: 'cli' }),
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
    extraHandlers: [webhookHandler, controlHandler, ...(config.serve ? [] : [notServed])],
  });
  await writeEndpoint(stateDir, { pid: process.pid, url: server.url, token: controlToken, startedAt: new Date().toISOString() });
  await refreshPublished();

  if (config.poll) poller = startPoller({ intervalMs: config.poll.intervalMs, jitter: config.poll.jitter, onPoll: () => void requestRun({ by: 'poll' }) });
  let watcher: ModelWatcher | undefined;
  if (config.watch && config.source.kind === 'dir') {
    watcher = watchModelDir({ dir: config.source.dir, debounceMs: config.watch.debounceMs, logger, onChange: () => void requestRun({ by: 'watch' }) });
    await watcher.ready;
  }
  logger.info('controller: started', { url: server.url, stateDir, suspended: suspension.suspended });
  if (suspension.suspended) logger.warn('controller: automatic reconciliation is suspended', { reason: suspension.reason, by: suspension.by });
  else requestRun({ by: 'startup', force: true });

  return {
    url: server.url,
    status,
    requestRun,
    idle: () => loop.idle(),
    loop,
    metrics,
    async close() {
      clearInterval(suspensionTimer);
      poller?.stop();
      await watcher?.close();
      await loop.close();
      await recorder.flush();
      await server.close();
      await removeEndpoint(stateDir);
    },
  };
}
