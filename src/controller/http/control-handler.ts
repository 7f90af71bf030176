/**
 * The controller's own routes on the shared HTTP server:
 *
 *   GET  /status    JSON status (no secrets)          GET /healthz  the loop is alive
 *   GET  /metrics   Prometheus text                   GET /readyz   a snapshot is published
 *   POST /control/reconcile[?force=1][&refresh=MIRROR...]  ask for a run, re-reading these
 *                                      mirrors' upstreams (`refresh=*`: all)  (Authorization: Bearer <control token>)
 *   POST /control/cancel               cancel the run in progress
 *
 * The control token is generated at start and written to `<state>/controller.json` (mode
 * 0600), so `ferry reconcile` run by the same user on the same host finds it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { safeEqual } from '../triggers/constant-time.js';
import type { ControllerMetrics } from '../status/controller-metrics.js';
import type { ControllerStatus } from '../status/status-board.js';
import { readBody, sendJson } from './read-body.js';

export interface ControlHandlerOptions {
  status(): ControllerStatus;
  metrics: ControllerMetrics;
  controlToken: string;
  /** Returns the id of the run that will serve the request, or false when suspended (409). */
  requestRun(options: { force: boolean; refresh?: string[] }): number | false;
  /** The mirrors the applied model holds (`kind/name`), to resolve the names a refresh asks for. */
  mirrorIds(): string[];
  cancel(): void;
  /** The loop has been stuck in one run for longer than this (ms): unhealthy. */
  stuckAfterMs: number;
}

function authorized(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization ?? '';
  const m = /^Bearer (.+)$/.exec(header);
  return !!m && safeEqual(m[1], token);
}

export function createControlHandler(options: ControlHandlerOptions): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (req.method === 'GET' || req.method === 'HEAD') {
      if (path === '/status') {
        sendJson(res, 200, options.status());
        return true;
      }
      if (path === '/healthz') {
        const s = options.status();
        const started = s.phase !== 'idle' && s.lastRun ? Date.parse(s.lastRun.startedAt) : undefined;
        const stuck = started !== undefined && Date.now() - started > options.stuckAfterMs;
        sendJson(res, stuck ? 503 : 200, { ok: !stuck, phase: s.phase });
        return true;
      }
      if (path === '/readyz') {
        const s = options.status();
        sendJson(res, s.ready ? 200 : 503, { ready: s.ready, snapshot: s.published?.snapshot ?? null });
        return true;
      }
      if (path === '/metrics') {
        const { contentType, body } = await options.metrics.render();
        res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : body);
        return true;
      }
      return false;
    }
    if (!path.startsWith('/control/')) return false;
    if (req.method !== 'POST') {
      sendJson(res, 405, { error: 'use POST' }, { allow: 'POST' });
      return true;
    }
    await readBody(req, 64 * 1024).catch(() => Buffer.alloc(0));
    if (!authorized(req, options.controlToken)) {
      sendJson(res, 401, { error: 'unauthorized' });
      return true;
    }
    if (path === '/control/reconcile') {
      const requestedAt = new Date().toISOString();
      const force = url.searchParams.get('force') === '1' || url.searchParams.get('force') === 'true';
      const asked = url.searchParams.getAll('refresh').flatMap((v) => v.split(',')).map((v) => v.trim());
      let refresh = url.searchParams.has('refresh') ? (asked.filter(Boolean).length ? asked.filter(Boolean) : ['*']) : undefined;
      if (refresh && !refresh.includes('*')) {
        const resolved = resolveMirrors(refresh, options.mirrorIds());
        if ('unknown' in resolved) {
          sendJson(res, 400, { error: `no mirror named ${resolved.unknown.join(', ')}`, mirrors: options.mirrorIds() });
          return true;
        }
        refresh = resolved.ids;
      }
      const runId = options.requestRun({ force, refresh });
      if (runId === false) {
        const s = options.status();
        sendJson(res, 409, { error: 'automatic reconciliation is suspended', suspension: s.suspension });
        return true;
      }
      sendJson(res, 202, { accepted: true, requestedAt, force, runId, ...(refresh ? { refresh } : {}) });
      return true;
    }
    if (path === '/control/cancel') {
      options.cancel();
      sendJson(res, 202, { accepted: true });
      return true;
    }
    sendJson(res, 404, { error: 'unknown control route' });
    return true;
  };
}

/** Mirror names as people type them (`debian` or `deb/debian`) to `kind/name` ids. */
export function resolveMirrors(names: readonly string[], ids: readonly string[]): { ids: string[] } | { unknown: string[] } {
  const out = new Set<string>();
  const unknown: string[] = [];
  for (const n of names) {
    const hits = ids.filter((id) => id === n || id.slice(id.indexOf('/') + 1) === n);
    if (hits.length === 0) unknown.push(n);
    for (const h of hits) out.add(h);
  }
  return unknown.length ? { unknown } : { ids: [...out].sort() };
}
