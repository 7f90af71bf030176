/**
 * `ferry serve`'s static side: GET/HEAD of the published snapshot's tree at `/`
 * (`/file/<name>/...`, `/deb/<name>/dists/...`) and of every retained snapshot at
 * `/snapshots/<id>/...` (docs/ARCHITECTURE.md "Store, snapshots, rollback").
 *
 * Contract:
 * - `current` is read once per request (one readlink) and the request then works on that
 *   snapshot's own folder: a publish during a request never mixes two snapshots in one answer,
 *   and the next request sees the new one.
 * - Nothing outside the snapshot's `tree/` is ever opened: the request path is checked before
 *   any file system access (see request-path.ts: `..`, encoded traversal, NUL → 400), and the
 *   real path of the target must lie inside the tree's real path (a symlink leading out → 404).
 * - Strong ETag from the manifest's sha256 when it lists the file, else from inode/size/mtime:
 *   two different files never share one. Last-Modified of the current tree is never earlier
 *   than the publish that made it current, and If-Modified-Since matches only that exact date
 *   (http-conditions.ts): a rollback never gets a 304 for the newer snapshot's copy.
 *   Retained snapshots are immutable and cached as such; the current tree is revalidated.
 * - Folders: a request without the trailing slash is redirected (301); `index.html` is served
 *   (or a kind's variant the Accept header prefers: index-negotiation.ts, with `Vary: Accept`)
 *   when present (PEP 503 simple indexes), else a plain HTML listing.
 * - Resolves false (not ours) for a path whose first segment is neither a resource kind,
 *   `snapshots`, nor a top-level folder of the current tree, so other handlers can share the
 *   server. Other methods on our paths get 405.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { lstat, readdir, type FileHandle } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { silentLogger, type Logger } from '../core/logger.js';
import type { KindCgi } from '../drivers/kind.js';
import { registeredKinds, supportedKinds } from '../drivers/registry.js';
import { runCgi } from './cgi.js';
import { contentTypeFor, contentTypeTable } from './content-types.js';
import { chooseIndex } from './index-negotiation.js';
import { servedLastModified } from './http-conditions.js';
import { renderDirectoryListing, type ListingEntry } from './directory-listing.js';
import { sendFile } from './file-response.js';
import { encodePath, parseRequestPath } from './request-path.js';
import { createSnapshotResolver, type ServedInfo, type ServedSnapshot } from './snapshot-resolver.js';
import { openInTree } from './tree-entry.js';
import { createKindDispatch } from './kind-handlers.js';
import type { Handler } from './types.js';

const SNAPSHOTS = 'snapshots';
const CACHE_CURRENT = 'no-cache';
const CACHE_RETAINED = 'public, max-age=31536000, immutable';
const STAT_BATCH = 64;

const isClientGone = (e: unknown): boolean =>
  (typeof e === 'object' && e !== null && 'code' in e && ['ERR_STREAM_PREMATURE_CLOSE', 'ECONNRESET', 'EPIPE'].includes(String(e.code)));

function sendText(res: ServerResponse, req: IncomingMessage, status: number, text: string, headers: Record<string, string> = {}): void {
  res.statusCode = status;
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.setHeader('Content-Type', status === 200 ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8');
  res.setHeader('Content-Length', String(Buffer.byteLength(text)));
  res.end(req.method === 'HEAD' ? undefined : text);
}

function redirect(res: ServerResponse, req: IncomingMessage, location: string): void {
  sendText(res, req, 301, `moved to ${location}\n`, { Location: location });
}

/** What the manifest records for the file at `real` when it matches the file (its size), else undefined. */
function servedInfo(snapshot: ServedSnapshot, real: string, st: Stats): ServedInfo | undefined {
  const info = snapshot.digests.get(relative(snapshot.treeDir, real).split(sep).join('/'));
  return info && info.size === st.size && /^[0-9a-f]{64}$/.test(info.sha256) ? info : undefined;
}

function etagOf(info: ServedInfo | undefined, st: Stats): string {
  if (info) return `"${info.sha256}"`;
  return `"${st.ino.toString(16)}-${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
}

async function readListing(dir: string): Promise<ListingEntry[]> {
  const dirents = await readdir(dir, { withFileTypes: true });
  const entries: ListingEntry[] = [];
  for (let i = 0; i < dirents.length; i += STAT_BATCH) {
    const batch = dirents.slice(i, i + STAT_BATCH);
    // lstat: a link is listed, never followed (its target may lie outside the tree).
    const stats = await Promise.all(batch.map((d) => lstat(join(dir, d.name)).catch(() => null)));
    batch.forEach((d, j) => {
      const st = stats[j];
      if (st?.isSymbolicLink()) entries.push({ name: d.name, isDirectory: false });
      else if (st) entries.push({ name: d.name, isDirectory: st.isDirectory(), size: st.size, mtimeMs: st.mtimeMs });
    });
  }
  return entries;
}

/** The CGI route of a registered kind that claims the request, if any. */
function cgiRoute(segments: readonly string[], query: string, method: string | undefined): { cgi: KindCgi; answer: NonNullable<ReturnType<KindCgi['match']>> } | undefined {
  for (const k of registeredKinds()) {
    if (segments[0] !== k.kind) continue;
    for (const cgi of k.serving?.cgi ?? []) {
      const answer = cgi.match(segments, query, method);
      if (answer) return { cgi, answer };
    }
  }
  return undefined;
}

export function createServeHandler(options: { stateDir: string; logger?: Logger }): Handler {
  const logger = options.logger ?? silentLogger;
  const snapshots = createSnapshotResolver({ stateDir: options.stateDir, logger });
  const kindHandlers = createKindDispatch({ kinds: registeredKinds(), snapshots, logger });
  const types = contentTypeTable(registeredKinds());
  const indexes = registeredKinds().flatMap((k) => k.serving?.indexes ?? []);

  /** Serves `segments` of `snapshot`'s tree; `base` is the URL prefix of that tree. */
  async function serveTree(
    req: IncomingMessage,
    res: ServerResponse,
    ctx: { snapshot: ServedSnapshot; base: string[]; segments: string[]; trailingSlash: boolean; query: string; retained: boolean; publishedAtMs?: number },
  ): Promise<void> {
    const { snapshot, base, segments } = ctx;
    const headers = {
      'Cache-Control': ctx.retained ? CACHE_RETAINED : CACHE_CURRENT,
      'X-Ferry-Snapshot': snapshot.id,
      'X-Content-Type-Options': 'nosniff',
    };
    const entry = await openInTree(snapshot, segments);
    if (entry === null) return sendText(res, req, 404, 'not found\n', headers);
    if (entry.kind === 'file') {
      if (ctx.trailingSlash) {
        await entry.handle.close();
        return sendText(res, req, 404, 'not found\n', headers);
      }
      return serveFile(req, res, { snapshot, file: entry, headers, publishedAtMs: ctx.publishedAtMs });
    }
    if (!ctx.trailingSlash) return redirect(res, req, encodePath([...base, ...segments], { trailingSlash: true }) + ctx.query);
    // The folder's index: index.html, or a variant a kind declares when Accept prefers it (PEP 691).
    const folderHeaders = indexes.length > 0 ? { ...headers, Vary: 'Accept' } : headers;
    for (const name of chooseIndex(req.headers.accept, indexes)) {
      const index = await openInTree(snapshot, [...segments, name]);
      if (index?.kind === 'file') return serveFile(req, res, { snapshot, file: index, headers: folderHeaders, publishedAtMs: ctx.publishedAtMs });
    }
    const urlPath = `/${[...base, ...segments].map((s) => `${s}/`).join('')}`;
    const entries = await readListing(entry.real);
    if (segments.length === 0 && !ctx.retained) entries.push({ name: SNAPSHOTS, isDirectory: true });
    const note = `snapshot ${snapshot.id}${ctx.retained ? '' : ' (current)'}`;
    const parent = base.length > 0 || segments.length > 0;
    return sendText(res, req, 200, renderDirectoryListing({ urlPath, entries, parent, note }), headers);
  }

  async function serveFile(
    req: IncomingMessage,
    res: ServerResponse,
    ctx: { snapshot: ServedSnapshot; file: { handle: FileHandle; stat: Stats; real: string }; headers: Record<string, string>; publishedAtMs?: number },
  ): Promise<void> {
    const { handle, stat: st, real } = ctx.file;
    const name = real.slice(real.lastIndexOf(sep) + 1);
    const lastModifiedMs = servedLastModified({ mtimeMs: st.mtimeMs, publishedAtMs: ctx.publishedAtMs, nowMs: Date.now() });
    const info = servedInfo(ctx.snapshot, real, st);
    const headers = info?.headers ? { ...info.headers, ...ctx.headers } : ctx.headers;
    await sendFile({
      req,
      res,
      file: { handle, size: st.size, lastModifiedMs, etag: etagOf(info, st), contentType: info?.contentType ?? contentTypeFor(name, types), headers },
    });
  }

  /** A kind's CGI program (git's smart HTTP) over the snapshot's tree (Kind.serving.cgi). */
  async function serveCgi(
    req: IncomingMessage,
    res: ServerResponse,
    ctx: { snapshot: ServedSnapshot | null; cgi: KindCgi; answer: NonNullable<ReturnType<KindCgi['match']>>; query: string },
  ): Promise<void> {
    const { snapshot, answer } = ctx;
    if (snapshot === null) return sendText(res, req, 404, 'no such snapshot\n');
    if ('refuse' in answer) return sendText(res, req, answer.refuse, answer.text, { 'X-Ferry-Snapshot': snapshot.id });
    // The folder it serves must be in this tree (segments are checked; no link leads out).
    const folder = answer.pathInfo.split('/').filter(Boolean).slice(0, -1);
    while (folder.length > 0 && (await snapshot.realDir(folder)) === null) folder.pop();
    if (folder.length < 3) return sendText(res, req, 404, 'not found\n', { 'X-Ferry-Snapshot': snapshot.id });
    const [command, ...args] = ctx.cgi.command;
    await runCgi(req, res, ctx.query, {
      command,
      args,
      env: ctx.cgi.env(snapshot.treeDir),
      vars: { PATH_INFO: answer.pathInfo },
      headers: { 'X-Ferry-Snapshot': snapshot.id, 'Cache-Control': 'no-cache' },
      logger,
    });
  }

  async function serveSnapshotList(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const [ids, current] = await Promise.all([snapshots.list(), snapshots.current()]);
    const entries = ids.map((id) => ({ name: id, isDirectory: true }));
    const note = current ? `retained snapshots; current is ${current.snapshot.id}` : 'retained snapshots; nothing published';
    sendText(res, req, 200, renderDirectoryListing({ urlPath: `/${SNAPSHOTS}/`, entries, parent: true, note }), {
      'Cache-Control': CACHE_CURRENT,
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const path = parseRequestPath(req.url);
    if (!path.ok) {
      logger.warn('serve: unsafe request path refused', { reason: path.reason, method: req.method });
      sendText(res, req, 400, `bad request: ${path.reason}\n`);
      return true;
    }
    const { segments, trailingSlash, query } = path;
    const first = segments[0];
    if (await kindHandlers(req, res, segments, query)) return true;
    const current = first === SNAPSHOTS ? null : await snapshots.current();
    const ours =
      first === undefined ||
      first === SNAPSHOTS ||
      supportedKinds().includes(first) ||
      (current !== null && (await current.snapshot.realDir([first])) !== null);
    if (!ours) return false;
    const routed = cgiRoute(first === SNAPSHOTS ? segments.slice(2) : segments, query, req.method);
    if (routed) {
      const snapshot = first === SNAPSHOTS ? await snapshots.byId(segments[1] ?? '') : (current?.snapshot ?? null);
      await serveCgi(req, res, { snapshot, ...routed, query: query.replace(/^\?/, '') });
      return true;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendText(res, req, 405, 'method not allowed\n', { Allow: 'GET, HEAD' });
      return true;
    }
    if (first !== SNAPSHOTS) {
      if (current === null) sendText(res, req, 404, 'nothing published yet\n');
      else await serveTree(req, res, { snapshot: current.snapshot, base: [], segments, trailingSlash, query, retained: false, publishedAtMs: current.publishedAtMs });
      return true;
    }
    if (segments.length === 1) {
      if (!trailingSlash) redirect(res, req, `/${SNAPSHOTS}/${query}`);
      else await serveSnapshotList(req, res);
      return true;
    }
    const snapshot = await snapshots.byId(segments[1]);
    if (snapshot === null) sendText(res, req, 404, 'no such snapshot\n');
    else {
      const rest = segments.slice(2);
      const base = segments.slice(0, 2);
      await serveTree(req, res, { snapshot, base, segments: rest, trailingSlash, query, retained: true });
    }
    return true;
  }

  return async (req, res) => {
    const started = Date.now();
    try {
      const answered = await handle(req, res);
      if (answered) {
        const path = (req.url ?? '').replace(/\?.*$/, '');
        logger.debug('serve: request', { method: req.method, path, status: res.statusCode, ms: Date.now() - started });
      }
      return answered;
    } catch (e) {
      const path = (req.url ?? '').replace(/\?.*$/, '');
      if (isClientGone(e) || res.destroyed) {
        logger.debug('serve: client went away', { path });
      } else {
        logger.error('serve: request failed', { path, error: String(e) });
        if (!res.headersSent) sendText(res, req, 500, 'internal error\n');
      }
      if (!res.writableEnded) res.destroy();
      return true;
    }
  };
}
