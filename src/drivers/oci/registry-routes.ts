/**
 * The pull side of the distribution API as Ferry serves it (OCI distribution-spec v1.1 "Pull",
 * "Content discovery", "Error codes"), as pure functions: a request path to a route, a catalog
 * view to an answer. The I/O (which snapshot, opening blobs) is in serve-registry.ts.
 *
 *   /v2/                                   200 {}
 *   /v2/_catalog?n=&last=                  repositories, paginated with a Link header
 *   /v2/<name>/tags/list?n=&last=          tags, paginated likewise
 *   /v2/<name>/manifests/<tag|digest>      the stored bytes, stored media type, Docker-Content-Digest
 *   /v2/<name>/blobs/<digest>              the blob (Range, HEAD)
 *   /v2/snapshots/<id>/<name>/...          the same from a retained snapshot (id lowercased: image
 *                                          references allow no capitals); so no served repository
 *                                          may start with `snapshots/` (spec.ts refuses it)
 */
import type { RepositoryEntry } from './catalog.js';

export type RegistryRoute =
  | { kind: 'base'; snapshot?: string }
  | { kind: 'catalog'; snapshot?: string }
  | { kind: 'tags'; snapshot?: string; name: string }
  | { kind: 'manifest'; snapshot?: string; name: string; reference: string }
  | { kind: 'blob'; snapshot?: string; name: string; digest: string }
  | { kind: 'error'; status: number; code: string; message: string };

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/** Routes checked path segments (after `v2`); undefined when the path is not under /v2. */
export function routeRegistry(segments: readonly string[]): RegistryRoute | undefined {
  if (segments[0] !== 'v2') return undefined;
  let rest = segments.slice(1);
  let snapshot: string | undefined;
  if (rest[0] === 'snapshots' && rest.length >= 2) {
    snapshot = rest[1];
    rest = rest.slice(2);
  }
  if (rest.length === 0) return { kind: 'base', snapshot };
  if (rest.length === 1 && rest[0] === '_catalog') return { kind: 'catalog', snapshot };
  if (rest.length >= 3 && rest[rest.length - 2] === 'tags' && rest[rest.length - 1] === 'list') return named(rest.slice(0, -2), (name) => ({ kind: 'tags', snapshot, name }));
  if (rest.length >= 3 && rest[rest.length - 2] === 'manifests') {
    const reference = rest[rest.length - 1];
    if (!TAG.test(reference) && !DIGEST.test(reference)) return error(400, 'MANIFEST_INVALID', `invalid reference ${reference}`);
    return named(rest.slice(0, -2), (name) => ({ kind: 'manifest', snapshot, name, reference }));
  }
  if (rest.length >= 3 && rest[rest.length - 2] === 'blobs') {
    const digest = rest[rest.length - 1];
    if (!DIGEST.test(digest)) return error(400, 'DIGEST_INVALID', `invalid digest ${digest}`);
    return named(rest.slice(0, -2), (name) => ({ kind: 'blob', snapshot, name, digest }));
  }
  return error(404, 'NOT_FOUND', 'no such registry endpoint');
}

function named(parts: readonly string[], make: (name: string) => RegistryRoute): RegistryRoute {
  if (!parts.every((p) => COMPONENT.test(p))) return error(400, 'NAME_INVALID', `invalid repository name ${parts.join('/')}`);
  return make(parts.join('/'));
}

function error(status: number, code: string, message: string): RegistryRoute {
  return { kind: 'error', status, code, message };
}

/** An OCI error body: `{"errors":[{"code","message","detail"}]}`. */
export function errorBody(code: string, message: string, detail?: unknown): string {
  return JSON.stringify({ errors: [{ code, message, detail: detail ?? null }] });
}

export interface Page {
  items: string[];
  /** The `last` of the next page, when there is one. */
  next?: string;
}

/**
 * One page of a sorted list (distribution-spec "Listing Tags"): entries after `last` in lexical
 * order, at most `n` of them; the next page is announced when entries remain. `n` absent: all.
 */
export function paginate(sorted: readonly string[], query: URLSearchParams): Page | { invalid: string } {
  const nText = query.get('n');
  const last = query.get('last');
  let n = Number.POSITIVE_INFINITY;
  if (nText !== null && nText !== '') {
    if (!/^\d+$/.test(nText)) return { invalid: `n must be a non-negative integer, got ${nText}` };
    n = Number(nText);
  }
  const from = last === null || last === '' ? 0 : firstAfter(sorted, last);
  const items = sorted.slice(from, Math.min(sorted.length, from + n));
  const more = from + items.length < sorted.length && n !== Number.POSITIVE_INFINITY && items.length > 0;
  return { items, next: more ? items[items.length - 1] : undefined };
}

function firstAfter(sorted: readonly string[], last: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] <= last) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Byte-wise (code point) order, as the distribution registry sorts. */
export function sortNames(names: Iterable<string>): string[] {
  return [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The manifest a reference names in a repository: digest and stored media type, or undefined. */
export function findManifest(entry: RepositoryEntry, reference: string): { digest: string; mediaType: string; size: number } | undefined {
  const digest = reference.includes(':') ? reference : entry.tags[reference];
  if (!digest) return undefined;
  const m = entry.manifests[digest];
  return m ? { digest, ...m } : undefined;
}

/** Size of a blob the repository holds (manifests count: clients may fetch them as blobs). */
export function findBlob(entry: RepositoryEntry, digest: string): number | undefined {
  return entry.blobs[digest] ?? entry.manifests[digest]?.size;
}
