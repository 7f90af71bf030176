import { join } from 'node:path';
import { FerryError } from '../core/ferry-error.js';
import { resourceId } from '../core/resource.js';
import { safeRelativePath } from '../core/safe-path.js';
import { directoriesOf, type TreeEntry } from './tree-builder.js';
import { checkClaims, servedPaths, type ServedPath } from './served.js';
import type { ManifestFile, ManifestResource, SnapshotManifest } from './types.js';

const SHA256_RE = /^[0-9a-f]{64}$/;
/** A relative path already in the form safeRelativePath returns: non-empty segments, no NUL or backslash. */
const PLAIN_PATH_RE = /^[^/\\\0]+(?:\/[^/\\\0]+)*$/;
/** A `.` or `..` segment anywhere. */
const DOT_SEGMENT_RE = /(?:^|\/)\.\.?(?:\/|$)/;

/**
 * safeRelativePath with a fast path for the common case (a plain, already normal path), which
 * it would return unchanged; anything else goes through it (normalised or refused).
 */
export function checkedPath(path: string, context: Record<string, unknown>): string {
  if (typeof path === 'string' && PLAIN_PATH_RE.test(path) && !DOT_SEGMENT_RE.test(path)) return path;
  return safeRelativePath(path, context);
}

/** The links a snapshot needs and the folders that hold them. */
export interface TreePlan {
  entries: TreeEntry[];
  /** Every folder below the tree root, each once. */
  dirs: string[];
}

/**
 * Checks a snapshot's content before anything is written and turns it into the links to make:
 * every resource root and file path is safe (src/core/safe-path.ts), digests are sha256 hex,
 * no two files land on the same path and no file sits where another needs a folder. Every
 * resource root becomes a folder, even when the resource has no files.
 * Runs once per file of a 100k-file snapshot: no closures or path.join per entry.
 */
export function planTree(input: Omit<SnapshotManifest, 'id' | 'createdAt'>): TreePlan {
  if (!input || !Array.isArray(input.resources)) {
    throw new FerryError('FERRY_INTERNAL', 'snapshot input has no resources list');
  }
  const entries: TreeEntry[] = [];
  const files = new Set<string>();
  const roots: string[] = [];
  let serving = false;
  for (const r of input.resources) {
    const resource = resourceId(r);
    const root = safeRelativePath(r.root, { resource, path: 'root' });
    roots.push(root);
    if (!Array.isArray(r.files)) throw new FerryError('FERRY_INTERNAL', `resource ${resource} has no files list`, { resource });
    const add = (rel: string, f: ManifestFile) => {
      if (typeof f.sha256 !== 'string' || !SHA256_RE.test(f.sha256)) {
        throw new FerryError('FERRY_INTERNAL', `file ${rel} of ${resource} has no valid sha256`, { resource, path: f.path, actual: f.sha256 });
      }
      if (files.has(rel)) {
        throw new FerryError('FERRY_UNSAFE_PATH', `two files want the same path ${rel}`, { resource, path: f.path, actual: rel });
      }
      files.add(rel);
      entries.push({ rel, sha256: f.sha256, resource, path: f.path });
    };
    if (servesBeyondRoot(r)) {
      serving = true;
      for (const p of servedPaths(r, root, (f) => checkedPath(f.path, { resource }))) add(p.rel, p.file);
    } else {
      for (const f of r.files) add(`${root}/${checkedPath(f.path, { resource })}`, f);
    }
  }
  if (serving) checkClaims(input.resources);
  const dirs = directoriesOf(entries, roots);
  for (const dir of dirs) {
    if (files.has(dir)) throw new FerryError('FERRY_UNSAFE_PATH', `${dir} is both a file and a folder of other files`, { actual: dir });
  }
  return { entries, dirs };
}

/** The resource is served somewhere besides `<root>/<path>`, or with headers of its own (the served.ts path). */
export function servesBeyondRoot(r: ManifestResource): boolean {
  return (r.routes?.length ?? 0) > 0 || (r.mirrors?.length ?? 0) > 0 || r.files.some((f) => f.aliases !== undefined || f.headers !== undefined || f.contentType !== undefined);
}

/** Every URL path of a snapshot's resources with what answers it (served.ts), resource by resource. */
export function snapshotServedPaths(resources: readonly ManifestResource[]): ServedPath[] {
  return resources.flatMap((r) => {
    const resource = resourceId(r);
    return servedPaths(r, checkedPath(r.root, { resource, path: 'root' }), (f) => checkedPath(f.path, { resource }));
  });
}

/** Every path of a snapshot's tree (from the tree root) with the manifest file it holds: a file at each URL it is served at. */
export function treeFiles(manifest: SnapshotManifest): Array<{ rel: string; f: ManifestFile }> {
  return manifest.resources.flatMap((r) =>
    servesBeyondRoot(r) ? snapshotServedPaths([r]).map((p) => ({ rel: p.rel, f: p.file })) : r.files.map((f) => ({ rel: `${r.root}/${f.path}`, f })),
  );
}

/** Parses manifest.json text, or throws FERRY_STORE_CORRUPT naming the file. */
export function parseManifest(text: string, file: string, id: string): SnapshotManifest {
  let m: SnapshotManifest;
  try {
    m = JSON.parse(text) as SnapshotManifest;
  } catch (e) {
    throw new FerryError('FERRY_STORE_CORRUPT', `snapshot manifest ${file} is not valid JSON`, { file }, e);
  }
  if (!m || m.id !== id || !Array.isArray(m.resources) || typeof m.desiredHash !== 'string') {
    throw new FerryError('FERRY_STORE_CORRUPT', `snapshot manifest ${file} is malformed`, { file, expected: id, actual: m?.id });
  }
  return m;
}

export function manifestPath(snapshotsDir: string, id: string): string {
  return join(snapshotsDir, id, 'manifest.json');
}
