/**
 * What a partial rpm mirror holds: the packages its `packages` entries name (the newest of each
 * name and architecture; an entry that names no package may name something provided, a virtual
 * name or a path), and with `with_deps` their closure (closure.ts) across the mirror's bases.
 * Unresolvable relations become warnings naming the package; an entry that matches nothing is
 * an error. Pure; no I/O.
 */
import { FerryError } from '../../core/ferry-error.js';
import { comparePackageEvr, rangesOverlap } from './format/vercmp.js';
import type { RpmPackage } from './format/primary.js';
import { resolveClosure, type ClosureResult, type RpmUniverse } from './closure.js';
import type { PackageQuery, RpmSpec } from './spec.js';

function accepted(spec: RpmSpec, p: RpmPackage): boolean {
  return p.arch === 'noarch' || spec.architectures.includes(p.arch);
}

/** The newest package per (name, arch) of `mirror` among `pool` that meets the query's version. */
function newest(pool: Iterable<RpmPackage>, q: PackageQuery, mirror: string, spec: RpmSpec, byVersion: boolean): RpmPackage[] {
  const best = new Map<string, RpmPackage>();
  for (const p of pool) {
    if (p.mirror !== mirror || !accepted(spec, p)) continue;
    if (byVersion && !rangesOverlap({ flags: 'EQ', evr: { epoch: p.epoch, version: p.version, release: p.release } }, q.relation)) continue;
    const k = `${p.name}|${p.arch}`;
    const cur = best.get(k);
    if (!cur || comparePackageEvr(p, cur) > 0) best.set(k, p);
  }
  return [...best.values()];
}

/** The packages `q` names in `mirror`: by name (globs), else by what they provide. */
function rootsOf(universe: RpmUniverse, q: PackageQuery, mirror: string, spec: RpmSpec): RpmPackage[] {
  if (q.glob) {
    const pool: RpmPackage[] = [];
    for (const [name, list] of universe.byName) if (q.glob.test(name)) pool.push(...list);
    return newest(pool, q, mirror, spec, true);
  }
  const named = newest(universe.byName.get(q.relation.name) ?? [], q, mirror, spec, true);
  if (named.length) return named;
  return newest(universe.matching(q.relation), q, mirror, spec, false);
}

export interface Selection {
  packages: RpmPackage[];
  closure?: ClosureResult;
  warnings: FerryError[];
}

/** The roots and, with with_deps, one closure pass (the caller adds file owners and runs it again while `missingFiles` grows). */
export function selectPackages(o: { resource: string; spec: RpmSpec; universe: RpmUniverse }): Selection {
  const { resource, spec, universe } = o;
  const roots = new Set<RpmPackage>();
  const missing: string[] = [];
  for (const q of spec.packages ?? []) {
    const found = rootsOf(universe, q, resource, spec);
    if (!found.length) missing.push(q.text);
    for (const p of found) roots.add(p);
  }
  if (missing.length) {
    throw new FerryError('FERRY_UNRESOLVED_DEPENDENCY', `${resource}: no package of ${spec.architectures.join(', ')} or noarch matches ${missing.map((m) => JSON.stringify(m)).join(', ')}`, { resource, field: 'packages', expected: missing });
  }
  if (!spec.withDeps) return { packages: [...roots].sort((a, b) => a.ordinal - b.ordinal), warnings: [] };
  const closure = resolveClosure(universe, [...roots], { self: resource, architectures: spec.architectures, weakDeps: spec.weakDeps });
  const warnings = closure.unresolved.map(
    (u) =>
      new FerryError('FERRY_UNRESOLVED_DEPENDENCY', `${resource}: ${u.package}${u.mirror !== resource ? ` (from ${u.mirror})` : ''} ${u.field}: ${u.relation}: no package in ${[resource, ...spec.bases.map((b) => `rpm/${b}`)].join(', ')} provides it`, {
        resource,
        package: u.package,
        mirror: u.mirror,
        field: u.field,
        relation: u.relation,
      }),
  );
  return { packages: closure.selected, closure, warnings };
}
