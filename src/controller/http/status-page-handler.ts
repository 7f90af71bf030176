/**
 * Serves the status page (status-page.ts) at GET `/` (the whole page) and `/?partial=1` (its
 * body, for the page's script). Snapshot summaries are cached by id (manifests never change);
 * the history and the last events are read per request (small files).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SnapshotStore } from '../../store/types.js';
import { readEvents } from '../events/event-log.js';
import type { ControllerStatus } from '../status/status-board.js';
import { renderStatusBody, renderStatusPage, type SnapshotSummary } from './status-page.js';

export function createStatusPageHandler(options: { status(): ControllerStatus; store: SnapshotStore; eventLimit?: number }): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const sizes = new Map<string, { createdAt: string; commit?: string; files: number; bytes: number }>();
  const summaries = async (): Promise<SnapshotSummary[]> => {
    const ids = await options.store.listIds();
    const history = await options.store.history();
    const made = new Map(history.filter((h) => h.action === 'apply').map((h) => [h.snapshot, h]));
    const out: SnapshotSummary[] = [];
    for (const id of ids) {
      let size = sizes.get(id);
      if (!size) {
        const m = await options.store.get(id).catch(() => undefined);
        if (!m) continue;
        const blobs = new Map<string, number>();
        for (const r of m.resources) for (const f of r.files) blobs.set(f.sha256, f.size);
        size = { createdAt: m.createdAt, commit: m.commit, files: m.resources.reduce((n, r) => n + r.files.length, 0), bytes: [...blobs.values()].reduce((a, b) => a + b, 0) };
        sizes.set(id, size);
      }
      const h = made.get(id);
      out.push({ id, ...size, cause: h?.cause, changed: h?.changed, failed: h?.failed });
    }
    return out;
  };
  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/') return false;
    const data = { status: options.status(), snapshots: await summaries(), events: await readEvents(options.store.root, { limit: options.eventLimit ?? 15 }), now: Date.now() };
    const html = url.searchParams.has('partial') ? renderStatusBody(data) : renderStatusPage(data);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': String(Buffer.byteLength(html)), 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : html);
    return true;
  };
}

