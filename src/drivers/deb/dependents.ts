/**
 * A base mirror holds what the mirrors built on it need (issue 10). A product mirror with
 * `bases: [debian]` resolves its dependency closure across debian's upstream; the packages of
 * that upstream the closure takes are published in the base mirror `debian`, the mirror an apt
 * client configured with both reads them from (the product mirror itself stays what its spec
 * says). So a partial base mirror computes, besides its own selection, the closure of every
 * mirror that names it in `bases`, with the same function and inputs that mirror uses, and adds
 * the packages of its own upstream that closure takes. Both sides are deterministic functions of
 * the same Release files and specs, so they agree without talking to each other.
 */
import { resourceId } from '../../core/resource.js';
import type { DriverContext } from '../types.js';
import type { DebPackage } from './format/package.js';
import { checkReleases, loadCatalog, type ReleaseSet } from './catalog.js';
import { selectPackages } from './select.js';
import { normalizeSpec, type DebSpec } from './spec.js';
import type { UpstreamState } from './upstream.js';

/** A mirror whose upstream the base's selection depends on: a dependent, or another base of one. */
export interface Related {
  name: string;
  spec: DebSpec;
  /** Spec hash: a change means the base selects again. */
  hash: string;
  /** Names `base` in its bases (else it is another base of a dependent). */
  dependent: boolean;
}

/** Deb mirrors of the site that list `base` in their bases and select with dependencies, and their other bases. */
export function relatedMirrors(ctx: DriverContext, base: string): Related[] {
  const debs = ctx.desired.resources.filter((r) => r.kind === 'deb');
  const out = new Map<string, Related>();
  for (const r of debs) {
    if (r.name === base) continue;
    let spec: DebSpec;
    try {
      spec = { ...normalizeSpec(r.spec, resourceId(r)), withSources: false, withUdebs: false };
    } catch {
      continue; // that mirror fails on its own, naming the problem
    }
    if (!spec.bases.includes(base) || spec.full || !spec.withDeps) continue;
    out.set(r.name, { name: r.name, spec, hash: r.hash, dependent: true });
    for (const other of spec.bases) {
      if (other === base || out.has(other)) continue;
      const o = debs.find((x) => x.name === other);
      if (!o) continue;
      try {
        out.set(other, { name: other, spec: { ...normalizeSpec(o.spec, resourceId(o)), withSources: false, withUdebs: false }, hash: o.hash, dependent: false });
      } catch {
        continue;
      }
    }
  }
  return [...out.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
}

export interface RelatedReleases {
  related: Related[];
  releases: Map<string, ReleaseSet>;
  upstream: Record<string, UpstreamState>;
  specs: Record<string, string>;
  unchanged: boolean;
  requests: number;
}

/** Each related mirror's Releases (asked as that mirror itself asks them). */
export async function checkRelated(ctx: DriverContext, base: string, previous: Record<string, UpstreamState> | undefined, offline: boolean): Promise<RelatedReleases> {
  const related = relatedMirrors(ctx, base);
  const out: RelatedReleases = { related, releases: new Map(), upstream: {}, specs: {}, unchanged: true, requests: 0 };
  for (const r of related) {
    const set = await checkReleases(ctx, { mirror: r.name, spec: r.spec, previous: previous?.[r.name], offline });
    out.releases.set(r.name, set);
    out.upstream[r.name] = set.upstream;
    out.specs[r.name] = r.hash;
    out.unchanged &&= set.unchanged;
    out.requests += set.requests;
  }
  return out;
}

/**
 * The packages of `base`'s upstream (objects of `basePackages`) that the closures of its
 * dependents take. A dependent whose own selection fails is skipped: it reports that itself.
 */
export async function neededByDependents(ctx: DriverContext, base: string, basePackages: DebPackage[], rel: RelatedReleases, offline: boolean): Promise<{ needed: DebPackage[]; requests: number }> {
  const packages = new Map<string, { packages: DebPackage[]; matched: Set<DebPackage> }>();
  let requests = 0;
  for (const r of rel.related) {
    const releases = rel.releases.get(r.name)!;
    const c = await loadCatalog(ctx, { mirror: r.name, spec: r.spec, offline, filter: r.dependent ? r.spec.filterQuery : undefined, releases });
    requests += c.requests - releases.requests;
    packages.set(r.name, { packages: c.packages, matched: c.matched });
  }
  const needed = new Set<DebPackage>();
  for (const d of rel.related.filter((r) => r.dependent)) {
    const own = packages.get(d.name)!;
    const others = d.spec.bases.filter((b) => b !== base).flatMap((b) => packages.get(b)?.packages ?? []);
    try {
      const sel = selectPackages({ resource: d.name, spec: d.spec, packages: own.packages, udebs: [], sources: [], matched: own.matched, basePackages: [...basePackages, ...others] });
      for (const p of sel.fromBases) if (p.mirror === base) needed.add(p);
    } catch (e) {
      ctx.logger.debug(`${resourceId({ kind: 'deb', name: base })}: dependent ${d.name} does not resolve: ${(e as Error).message}`);
    }
  }
  return { needed: [...needed], requests };
}
