/**
 * `ferry serve`'s registry API, the oci kind's request handler (Kind.serving.handler): the pull
 * side of the distribution API (routes and answers in registry-routes.ts) over the oci mirrors
 * of the published snapshot, and of every retained one under /v2/snapshots/<id>/. Manifests are
 * answered with the exact stored bytes and their stored media type; blobs with Range and HEAD
 * (ctx.sendFile). `current` is read once per request, as for the static tree, so a publish or a
 * rollback switches every tag at once. Errors are OCI error bodies (NAME_UNKNOWN,
 * MANIFEST_UNKNOWN, BLOB_UNKNOWN, UNSUPPORTED for any method but GET and HEAD).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../core/logger.js';
import type { SnapshotManifest } from '../../store/types.js';
import type { KindRequestHandler, KindServeContext, KindServedSnapshot } from '../kind.js';
import { CATALOG_FILE, blobPath, parseCatalog, type RepositoryEntry } from './catalog.js';
import { errorBody, findBlob, findManifest, paginate, routeRegistry, sortNames, type RegistryRoute } from './registry-routes.js';

interface RepositoryView {
  root: string;
  entry: RepositoryEntry;
}

type View = Map<string, RepositoryView>;

const API_VERSION = { 'Docker-Distribution-API-Version': 'registry/2.0' };

export function createRegistryHandler(ctx: KindServeContext): KindRequestHandler {
  const { logger } = ctx;
  const views = new WeakMap<KindServedSnapshot, Promise<View>>();

  /** The repositories a snapshot serves: every oci resource's catalog, read once per snapshot. */
  function viewOf(snapshot: KindServedSnapshot): Promise<View> {
    let v = views.get(snapshot);
    if (!v) {
      v = loadView(snapshot, ctx);
      views.set(snapshot, v);
    }
    return v;
  }

  async function pick(route: Exclude<RegistryRoute, { kind: 'error' }>): Promise<{ snapshot: KindServedSnapshot; retained: boolean } | null> {
    if (route.snapshot === undefined) {
      const current = await ctx.current();
      return current && { snapshot: current, retained: false };
    }
    const wanted = route.snapshot.toLowerCase();
    const id = (await ctx.list()).find((s) => s.toLowerCase() === wanted);
    const snapshot = id === undefined ? null : await ctx.byId(id);
    return snapshot && { snapshot, retained: true };
  }

  /** Answers a request under /v2; false for any other path (and for a repository the tree serves). */
  return async function handle(req: IncomingMessage, res: ServerResponse, { segments, query }): Promise<boolean> {
    const route = routeRegistry(segments);
    if (!route) return false;
    const send = (status: number, body: string, headers: Record<string, string> = {}) => {
      res.statusCode = status;
      for (const [k, v] of Object.entries({ ...API_VERSION, 'Content-Type': 'application/json', ...headers })) res.setHeader(k, v);
      res.setHeader('Content-Length', String(Buffer.byteLength(body)));
      res.end(req.method === 'HEAD' ? undefined : body);
      return true;
    };
    const fail = (status: number, code: string, message: string, detail?: unknown) => send(status, errorBody(code, message, detail));
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return send(405, errorBody('UNSUPPORTED', 'this registry is a read-only mirror: pull only'), { Allow: 'GET, HEAD' });
    }
    if (route.kind === 'error') return fail(route.status, route.code, route.message);
    const picked = await pick(route);
    if (!picked) return fail(404, 'NAME_UNKNOWN', route.snapshot === undefined ? 'nothing published yet' : `no retained snapshot ${route.snapshot}`);
    const { snapshot } = picked;
    const headers = { 'X-Ferry-Snapshot': snapshot.id, 'Cache-Control': picked.retained ? 'public, max-age=31536000, immutable' : 'no-cache' };
    const view = await viewOf(snapshot);
    const params = new URLSearchParams(query.replace(/^\?/, ''));
    const base = route.snapshot === undefined ? '/v2' : `/v2/snapshots/${route.snapshot}`;
    if (route.kind === 'base') return send(200, '{}', headers);
    if (route.kind === 'catalog') {
      const page = paginate(sortNames(view.keys()), params);
      if ('invalid' in page) return fail(400, 'PAGINATION_NUMBER_INVALID', page.invalid);
      const link: Record<string, string> = page.next === undefined ? {} : { Link: `<${base}/_catalog?n=${params.get('n')}&last=${encodeURIComponent(page.next)}>; rel="next"` };
      return send(200, JSON.stringify({ repositories: page.items }), { ...headers, ...link });
    }
    const repo = view.get(route.name);
    // A repository no oci catalog names may still be served by the hook's files (the tree): let it answer.
    if (!repo && route.snapshot === undefined && (await snapshot.realDir(['v2', ...route.name.split('/')])) !== null) return false;
    if (!repo) return fail(404, 'NAME_UNKNOWN', `repository ${route.name} is not served`, { name: route.name });
    if (route.kind === 'tags') {
      const page = paginate(sortNames(Object.keys(repo.entry.tags)), params);
      if ('invalid' in page) return fail(400, 'PAGINATION_NUMBER_INVALID', page.invalid);
      const link: Record<string, string> = page.next === undefined ? {} : { Link: `<${base}/${route.name}/tags/list?n=${params.get('n')}&last=${encodeURIComponent(page.next)}>; rel="next"` };
      return send(200, JSON.stringify({ name: route.name, tags: page.items }), { ...headers, ...link });
    }
    const found =
      route.kind === 'manifest'
        ? findManifest(repo.entry, route.reference)
        : ((size) => (size === undefined ? undefined : { digest: route.digest, mediaType: 'application/octet-stream', size }))(findBlob(repo.entry, route.digest));
    if (!found) {
      return route.kind === 'manifest'
        ? fail(404, 'MANIFEST_UNKNOWN', `manifest ${route.reference} of ${route.name} is not served`, { name: route.name, reference: route.reference })
        : fail(404, 'BLOB_UNKNOWN', `blob ${route.digest} of ${route.name} is not served`, { name: route.name, digest: route.digest });
    }
    const file = await ctx.openFile(snapshot, [...repo.root.split('/'), ...blobPath(found.digest).split('/')]);
    if (file === null || file === 'directory') {
      if (file === 'directory') logger.error('serve: registry blob is a folder', { digest: found.digest });
      return fail(404, 'BLOB_UNKNOWN', `blob ${found.digest} is missing from snapshot ${snapshot.id}`);
    }
    await ctx.sendFile(req, res, {
      ...file,
      // The digest is the validator: no dates, so no 304 can answer for another snapshot's bytes.
      lastModifiedMs: undefined,
      etag: `"${found.digest}"`,
      contentType: found.mediaType,
      headers: { ...headers, ...API_VERSION, 'Docker-Content-Digest': found.digest },
    });
    return true;
  };
}

async function loadView(snapshot: KindServedSnapshot, ctx: { logger: Logger; openFile: KindServeContext['openFile'] }): Promise<View> {
  const { logger } = ctx;
  const view: View = new Map();
  let manifest: SnapshotManifest;
  try {
    manifest = JSON.parse(await readFile(join(snapshot.dir, 'manifest.json'), 'utf8')) as SnapshotManifest;
  } catch (e) {
    logger.warn('serve: registry: snapshot manifest unreadable', { snapshot: snapshot.id, error: String(e) });
    return view;
  }
  for (const r of manifest.resources ?? []) {
    if (r.kind !== 'oci') continue;
    const file = await ctx.openFile(snapshot, [...r.root.split('/'), CATALOG_FILE]);
    if (file === null || file === 'directory') continue;
    let text: string;
    try {
      text = await file.handle.readFile('utf8');
    } finally {
      await file.handle.close();
    }
    const catalog = parseCatalog(text);
    if (!catalog) {
      logger.warn('serve: registry: unreadable catalog', { snapshot: snapshot.id, resource: `${r.kind}/${r.name}` });
      continue;
    }
    for (const [name, entry] of Object.entries(catalog.repositories)) if (!view.has(name)) view.set(name, { root: r.root, entry });
  }
  return view;
}
