/**
 * The plan: what a reconcile will do, computed from data only.
 *
 * `planResources` compares the desired state with the published snapshot resource by resource
 * (by spec hash). `planFiles` then takes the files the drivers resolved and the digests the
 * blob store already holds, and says which files and how many bytes must be fetched (plus what a
 * driver fetched itself while resolving: a git mirror fetches into its cache and reports the
 * packs it received).
 */
import type { DesiredState, NotMirroredEntry } from '../core/resource.js';
import { resourceId } from '../core/resource.js';

/** The part of a published snapshot the plan needs (structurally a SnapshotManifest). */
export interface PublishedState {
  id: string;
  desiredHash: string;
  commit?: string;
  resources: ReadonlyArray<{ kind: string; name: string; hash: string; files: ReadonlyArray<{ size: number; path?: string; generated?: boolean }> }>;
}

export type Change = 'add' | 'change' | 'keep' | 'remove';

export interface ResourceChange {
  id: string;
  kind: string;
  name: string;
  change: Change;
  /** Filled once files are resolved (planFiles). */
  files?: number;
  fetchFiles?: number;
  fetchBytes?: number;
  /** Files the published snapshot held for this resource. */
  publishedFiles?: number;
  /** What the model gives no digest for (a kind's trustOnFirstUse): its first download is trusted. */
  trustOnFirstUse?: string[];
  /** Mirrored files (not generated indexes) that appear or disappear: packages, images, … */
  addedPaths?: string[];
  removedPaths?: string[];
  /** What its driver says about it beside its files (Resolution.notes: dependencies not followed, say). */
  notes?: string[];
}

export interface Plan {
  desiredHash: string;
  publishedSnapshot?: string;
  publishedHash?: string;
  /** The desired state equals the published one: nothing to do unless a refresh is asked. */
  upToDate: boolean;
  resources: ResourceChange[];
  /** What the model says to mirror that Ferry does not: path below parameters, and why. */
  notMirrored?: NotMirroredEntry[];
  summary: { add: number; change: number; keep: number; remove: number; fetchFiles: number; fetchBytes: number; unknownSizes: number };
}

/** A kind's trustOnFirstUse hook (src/drivers/kind.ts), looked up by the caller: the plan stays pure. */
export type TrustOnFirstUse = (kind: string, spec: Record<string, unknown>) => string[];

export function planResources(desired: DesiredState, published: PublishedState | null, trustOnFirstUse: TrustOnFirstUse = () => []): Plan {
  const before = new Map((published?.resources ?? []).map((r) => [resourceId(r), r]));
  const resources: ResourceChange[] = [];
  for (const r of desired.resources) {
    const id = resourceId(r);
    const old = before.get(id);
    before.delete(id);
    const change: Change = !old ? 'add' : old.hash === r.hash ? 'keep' : 'change';
    const tofu = trustOnFirstUse(r.kind, r.spec);
    resources.push({ id, kind: r.kind, name: r.name, change, publishedFiles: old?.files.length, ...(tofu.length ? { trustOnFirstUse: tofu } : {}) });
  }
  for (const [id, old] of before) resources.push({ id, kind: old.kind, name: old.name, change: 'remove', publishedFiles: old.files.length });
  resources.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const plan: Plan = {
    desiredHash: desired.hash,
    publishedSnapshot: published?.id,
    publishedHash: published?.desiredHash,
    upToDate: published?.desiredHash === desired.hash,
    resources,
    ...(desired.notMirrored?.length ? { notMirrored: desired.notMirrored } : {}),
    summary: { add: 0, change: 0, keep: 0, remove: 0, fetchFiles: 0, fetchBytes: 0, unknownSizes: 0 },
  };
  return summarize(plan);
}

export interface ResolvedFiles {
  /** resourceId -> the files its driver resolved. */
  [id: string]: ReadonlyArray<{ sha256: string; size?: number; path?: string }>;
}

/**
 * Adds file counts to a resource plan. A file must be fetched when its digest is not in
 * `present` (and not already counted for another path or resource: a blob is fetched once).
 */
export function planFiles(
  plan: Plan,
  resolved: ResolvedFiles,
  present: ReadonlySet<string>,
  published?: PublishedState | null,
  /** resourceId -> what its driver fetched itself while resolving (git): counted as fetched. */
  fetchedByDriver: Readonly<Record<string, { files: number; bytes: number }>> = {},
): Plan {
  const counted = new Set<string>();
  const before = new Map((published?.resources ?? []).map((r) => [resourceId(r), r.files.filter((f) => !f.generated && f.path).map((f) => f.path as string)]));
  const resources = plan.resources.map((rc) => {
    const files = resolved[rc.id];
    if (!files) {
      return rc.change === 'remove' ? { ...rc, removedPaths: before.get(rc.id) ?? [] } : rc;
    }
    const oldPaths = new Set(before.get(rc.id) ?? []);
    const newPaths = new Set(files.map((f) => f.path).filter((p): p is string => !!p));
    const addedPaths = [...newPaths].filter((p) => !oldPaths.has(p)).sort();
    const removedPaths = [...oldPaths].filter((p) => !newPaths.has(p)).sort();
    let fetchFiles = fetchedByDriver[rc.id]?.files ?? 0;
    let fetchBytes = fetchedByDriver[rc.id]?.bytes ?? 0;
    for (const f of files) {
      if (present.has(f.sha256) || counted.has(f.sha256)) continue;
      counted.add(f.sha256);
      fetchFiles++;
      fetchBytes += f.size ?? 0;
    }
    return { ...rc, files: files.length, fetchFiles, fetchBytes, addedPaths, removedPaths };
  });
  const unknownSizes = Object.values(resolved).reduce((n, files) => n + files.filter((f) => f.size === undefined && !present.has(f.sha256)).length, 0);
  const out = summarize({ ...plan, resources });
  out.summary.unknownSizes = unknownSizes;
  return out;
}

function summarize(plan: Plan): Plan {
  const summary = { add: 0, change: 0, keep: 0, remove: 0, fetchFiles: 0, fetchBytes: 0, unknownSizes: plan.summary.unknownSizes };
  for (const r of plan.resources) {
    summary[r.change]++;
    summary.fetchFiles += r.fetchFiles ?? 0;
    summary.fetchBytes += r.fetchBytes ?? 0;
  }
  return { ...plan, summary };
}
