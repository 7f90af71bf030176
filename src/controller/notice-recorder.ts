/**
 * Turns the loop's notices into the three outputs a person watches: the event log
 * (events.jsonl and the JSON logs), the Prometheus metrics and the status board.
 */
import type { FerryError } from '../core/ferry-error.js';
import type { Logger } from '../core/logger.js';
import { appendEvent, type ControllerEventInput } from './events/event-log.js';
import type { LoopNotice } from './loop/reconcile-loop.js';
import type { ControllerMetrics } from './status/controller-metrics.js';
import type { ApplyReport, StatusBoard } from './status/status-board.js';

const MODEL_CODES = new Set(['FERRY_YAML_SYNTAX', 'FERRY_CLASS_NOT_FOUND', 'FERRY_NODE_NOT_FOUND', 'FERRY_DUPLICATE_CLASS', 'FERRY_MISSING_REFERENCE', 'FERRY_CIRCULAR_REFERENCE', 'FERRY_TYPE_CONFLICT', 'FERRY_CONSTANT_CHANGED', 'FERRY_BAD_CLASS_NAME', 'FERRY_INVENTORY_QUERY', 'FERRY_SCHEMA', 'FERRY_INVALID_MODEL', 'FERRY_UNSAFE_PATH']);

const errorList = (errors: FerryError[]) => errors.slice(0, 100).map((e) => ({ code: e.code, message: e.message, data: e.data }));
const short = (rev: string) => rev.slice(0, 12);

export function failureEventType(errors: FerryError[]): ControllerEventInput['type'] {
  if (errors.some((e) => e.code === 'FERRY_UNTRUSTED_COMMIT')) return 'UntrustedCommit';
  if (errors.length > 0 && errors.every((e) => MODEL_CODES.has(e.code))) return 'ValidationFailed';
  return 'ApplyFailed';
}

export function createNoticeRecorder(options: { stateDir: string; metrics: ControllerMetrics; board: StatusBoard; logger: Logger }) {
  const { metrics, board, logger, stateDir } = options;
  let queue: Promise<unknown> = Promise.resolve();
  const emit = (event: ControllerEventInput) => {
    // Events are written in order; a failed write is logged, never fatal.
    queue = queue.then(() => appendEvent(stateDir, event, { logger })).catch((e: unknown) => logger.error('cannot write the event log', { error: String(e) }));
  };
  return {
    /** Resolves once every event so far is on disk. */
    flush: () => queue.then(() => undefined),
    observe(n: LoopNotice<ApplyReport>): void {
      board.observe(n);
      switch (n.type) {
        case 'fetched':
          metrics.gitFetchDuration.observe(n.durationMs / 1000);
          return;
        case 'fetchFailed':
          metrics.gitFetchDuration.observe(n.durationMs / 1000);
          metrics.gitFetchFailures.inc();
          metrics.consecutiveFailures.inc();
          emit({ type: 'FetchFailed', message: n.errors.map((e) => e.message).join('; '), errors: errorList(n.errors) });
          return;
        case 'newRevision':
          emit({ type: 'NewRevision', message: `new revision ${short(n.revision)}`, revision: n.revision, by: n.by.join(',') });
          return;
        case 'succeeded': {
          const r = n.result;
          metrics.reconcileDuration.observe({ result: r.outcome }, n.durationMs / 1000);
          metrics.consecutiveFailures.set(0);
          metrics.lastSuccess.set(Date.now() / 1000);
          const byKind = new Map<string, number>();
          for (const rc of r.plan.resources) if (rc.fetchBytes) byKind.set(rc.kind, (byKind.get(rc.kind) ?? 0) + rc.fetchBytes);
          let counted = 0;
          for (const [kind, bytes] of byKind) {
            const b = Math.min(bytes, r.stats.bytesFetched - counted);
            if (b > 0) metrics.bytesDownloaded.inc({ kind }, b);
            counted += Math.max(0, b);
          }
          if (r.stats.bytesFetched > counted) metrics.bytesDownloaded.inc({ kind: 'index' }, r.stats.bytesFetched - counted);
          const fields = { revision: n.revision, snapshot: r.snapshot, outcome: r.outcome, bytesFetched: r.stats.bytesFetched, durationMs: n.durationMs, signer: r.signer?.signer };
          if (r.outcome === 'reused') {
            emit({ type: 'RolledBack', message: `commit ${short(n.revision)} re-published retained snapshot ${r.snapshot} (${r.stats.bytesFetched} bytes downloaded)`, ...fields });
          } else {
            emit({ type: 'ApplySucceeded', message: `commit ${short(n.revision)} ${r.outcome === 'published' ? `published snapshot ${r.snapshot}` : `is already served by ${r.snapshot}`}`, ...fields });
          }
          return;
        }
        case 'failed':
          metrics.reconcileDuration.observe({ result: 'failed' }, n.durationMs / 1000);
          metrics.consecutiveFailures.inc();
          emit({
            type: failureEventType(n.errors),
            message: `commit ${short(n.revision)} failed (${n.errorClass}): ${n.errors.length === 1 ? n.errors[0].describe() : `${n.errors.length} errors, first: ${n.errors[0]?.describe() ?? '?'}`}`,
            revision: n.revision,
            errorClass: n.errorClass,
            errors: errorList(n.errors),
          });
          return;
        case 'cancelled':
          // `ferry reconcile --cancel`, a suspension or a newer commit stopped the run: nothing was published (issue 10).
          emit({ type: 'Cancelled', message: `run ${n.runId}${n.revision ? ` of commit ${short(n.revision)}` : ''} cancelled (${n.reason}); nothing published`, revision: n.revision, reason: n.reason });
          return;
        default:
          return;
      }
    },
  };
}
