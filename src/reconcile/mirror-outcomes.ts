/**
 * What a reconcile did to each mirror (MirrorOutcome), and which mirrors a refresh set names.
 * Pure: from the resolved resources, the manifest entries about to be published and the
 * published snapshot.
 */
import type { FerryError } from '../core/ferry-error.js';
import { canonicalJson, sha256Hex } from '../core/hash.js';
import type { MirrorOutcome } from '../core/mirror-outcome.js';
import { resourceId, type DesiredState, type Resource } from '../core/resource.js';
import { sameContent } from '../plan/same-content.js';
import type { ManifestResource, SnapshotManifest } from '../store/types.js';
import type { ResolvedResource } from './apply-sync.js';

/** A refresh set (true, `*`, ids `kind/name` or bare names) as a predicate on resources. */
export function refreshPredicate(refresh: boolean | readonly string[] | undefined): (r: Resource) => boolean {
  if (refresh === true) return () => true;
  if (!refresh || refresh.length === 0) return () => false;
  const names = new Set(refresh);
  if (names.has('*')) return () => true;
  return (r) => names.has(resourceId(r)) || names.has(r.name);
}

/** The refresh interval the model gives a mirror: its own `refresh`, else `site.refresh`. */
export function refreshInterval(resource: Resource, desired: DesiredState): string | undefined {
  const own = resource.spec.refresh;
  if (typeof own === 'string') return own;
  return typeof desired.site.refresh === 'string' ? desired.site.refresh : undefined;
}

/**
 * A short digest of the upstream state a mirror's content came from, for history and events:
 * deb: `Release <suite> <sha256 of Release, 12 hex>` per suite; git: each repository's head;
 * others: a digest of the driver's recorded upstream state.
 */
function upstreamDigest(entry: ManifestResource | undefined): string | undefined {
  const up = entry?.upstream;
  if (!up) return undefined;
  const self = up.self as { suites?: Record<string, { release?: string }> } | undefined;
  if (self?.suites) {
    return Object.entries(self.suites)
      .map(([suite, s]) => `Release ${suite || '.'} ${String(s.release ?? '').slice(0, 12)}`)
      .join(', ');
  }
  const repos = up.repositories as Record<string, { head?: string }> | undefined;
  if (repos) {
    return Object.entries(repos)
      .map(([name, r]) => `${name} ${String(r.head ?? '').slice(0, 12)}`)
      .join(', ');
  }
  const { byHash: _byHash, ...rest } = up;
  return `state ${sha256Hex(canonicalJson(rest)).slice(0, 12)}`;
}

function errorSummary(errors: readonly FerryError[]): MirrorOutcome['error'] {
  const e = errors[0];
  const message = errors.length > 1 ? `${e.message} (and ${errors.length - 1} more error${errors.length > 2 ? 's' : ''})` : e.message;
  return { code: e.code, message, errorClass: e.errorClass, data: e.data };
}

/**
 * One outcome per resolved resource, in the desired order. `refreshes` names the mirrors whose
 * upstream the run was asked to re-read: one resolved only to be revisited (a Release re-signed)
 * with its spec unchanged does not count as refreshed.
 */
export function mirrorOutcomes(
  resolved: readonly ResolvedResource[],
  resources: readonly ManifestResource[],
  published: SnapshotManifest | null,
  desired: DesiredState,
  refreshes: (r: Resource) => boolean = () => true,
): MirrorOutcome[] {
  const next = new Map(resources.map((r) => [`${r.kind}/${r.name}`, r]));
  const before = new Map((published?.resources ?? []).map((r) => [`${r.kind}/${r.name}`, r]));
  return resolved.map((r) => {
    const id = resourceId(r.resource);
    const refresh = refreshInterval(r.resource, desired);
    const base = { id, ...(refresh ? { refresh } : {}) };
    if (r.failed) return { ...base, outcome: 'failed', refreshed: true, upstream: upstreamDigest(r.reused), error: errorSummary(r.failed) };
    const entry = next.get(id);
    const old = before.get(id);
    if (!r.checked) return { ...base, outcome: 'kept', refreshed: false, upstream: upstreamDigest(entry) };
    const refreshed = refreshes(r.resource) || !old || old.hash !== r.resource.hash;
    const same = !!entry && !!old && sameContent([entry], [old]);
    if (same) return { ...base, outcome: 'unchanged', refreshed, upstream: upstreamDigest(entry) };
    const upstream = upstreamDigest(entry);
    const cause = !old || old.hash !== r.resource.hash ? 'model' : upstream !== undefined && upstream === upstreamDigest(old) ? 'resign' : 'upstream';
    return { ...base, outcome: 'changed', refreshed, cause, upstream };
  });
}
