/**
 * What a deb mirror holds: everything (full mirror), or the packages named by `packages`,
 * `filter` and `with_required`, with their dependency closure across the mirror's components
 * and its bases when `with_deps` is on, plus the source packages of what was selected when
 * `with_sources` is on, plus what mirrors built on this one need from it (neededByDependents).
 * Unresolvable relations become warnings naming the package; a `packages` entry that matches
 * nothing is an error. Pure; no I/O.
 */
import { FerryError } from '../../core/ferry-error.js';
import type { DebPackage } from './format/package.js';
import { matchQuery, queryNames, type Query } from './format/query.js';
import { resolveClosure, Universe } from './resolve.js';
import type { DebSource } from './format/sources.js';
import type { DebSpec } from './spec.js';
import { compareVersions } from './format/version.js';

export interface Selection {
  packages: DebPackage[];
  /** Packages of the base mirrors the closure takes (published by those mirrors: dependents.ts). */
  fromBases: DebPackage[];
  udebs: DebPackage[];
  sources: DebSource[];
  warnings: FerryError[];
}

export interface SelectInput {
  resource: string;
  spec: DebSpec;
  packages: DebPackage[];
  udebs: DebPackage[];
  sources: DebSource[];
  /** Filter matches computed while parsing. */
  matched: Set<DebPackage>;
  /** Binary packages of the base mirrors. */
  basePackages: DebPackage[];
  /** Packages the mirrors built on this one need from it (dependents.ts): selected as they are. */
  neededByDependents?: DebPackage[];
}

const target = (p: DebPackage) => ({ name: p.name, version: p.version, arch: p.arch, source: p.source, sourceVersion: p.sourceVersion, type: p.type, field: () => undefined });

/** Newest package per (name, arch) among those matching a `packages` entry. */
function pickNamed(all: DebPackage[], byName: Map<string, DebPackage[]>, q: Query): DebPackage[] {
  const best = new Map<string, DebPackage>();
  const names = queryNames(q);
  const pool = names ? names.flatMap((n) => byName.get(n) ?? []) : all;
  for (const p of pool) {
    if (!matchQuery(q, target(p))) continue;
    const k = `${p.name}|${p.arch}`;
    const cur = best.get(k);
    if (!cur || compareVersions(p.version, cur.version) > 0) best.set(k, p);
  }
  return [...best.values()];
}

function rootsOf(input: SelectInput, all: DebPackage[], errors: string[]): DebPackage[] {
  const { spec } = input;
  const roots = new Set<DebPackage>();
  for (const p of all) if (input.matched.has(p)) roots.add(p);
  const byName = new Map<string, DebPackage[]>();
  for (const p of all) {
    const l = byName.get(p.name);
    if (l) l.push(p);
    else byName.set(p.name, [p]);
  }
  spec.packageQueries.forEach((q, i) => {
    const found = pickNamed(all, byName, q);
    if (found.length === 0 && all === input.packages) errors.push(spec.packages![i]);
    for (const p of found) roots.add(p);
  });
  if (spec.withRequired && all === input.packages) {
    for (const p of all) if (p.priority === 'required' || p.priority === 'important') roots.add(p);
  }
  return [...roots];
}

export function selectPackages(input: SelectInput): Selection {
  const { spec, resource } = input;
  if (spec.full) return { packages: input.packages, udebs: input.udebs, sources: input.sources, fromBases: [], warnings: [] };
  const missing: string[] = [];
  const warnings: FerryError[] = [];
  const fromBases: DebPackage[] = [];
  const close = (all: DebPackage[], universeExtra: DebPackage[]) => {
    const roots = rootsOf(input, all, missing);
    if (!spec.withDeps) return roots;
    const res = resolveClosure(new Universe([...all, ...universeExtra]), roots, { self: resource, architectures: spec.architectures, withRecommends: spec.withRecommends });
    for (const u of res.unresolved) {
      warnings.push(
        new FerryError('FERRY_UNRESOLVED_DEPENDENCY', `${resource}: ${u.package} ${u.field}: ${u.relation}: no package in ${[resource, ...spec.bases].join(', ')} satisfies it`, {
          resource,
          package: u.package,
          field: u.field,
          relation: u.relation,
        }),
      );
    }
    fromBases.push(...res.fromBases);
    return res.selected;
  };
  const own = close(input.packages, input.basePackages);
  const ownSet = new Set(own);
  const needed = (input.neededByDependents ?? []).filter((p) => !ownSet.has(p));
  const packages = needed.length ? [...own, ...needed] : own;
  const udebs = spec.withUdebs ? close(input.udebs, []) : [];
  if (missing.length) {
    throw new FerryError('FERRY_UNRESOLVED_DEPENDENCY', `${resource}: no package matches ${missing.map((m) => JSON.stringify(m)).join(', ')}`, { resource, field: 'packages', expected: missing });
  }
  let sources: DebSource[] = [];
  if (spec.withSources) {
    const want = new Set([...packages, ...udebs].map((p) => `${p.source}|${p.sourceVersion}`));
    sources = input.sources.filter((s) => want.has(`${s.name}|${s.version}`));
    const have = new Set(sources.map((s) => `${s.name}|${s.version}`));
    for (const w of [...want].filter((k) => !have.has(k)).sort()) {
      const [name, version] = w.split('|');
      warnings.push(new FerryError('FERRY_UNRESOLVED_DEPENDENCY', `${resource}: source package ${name} ${version} is not in the upstream Sources`, { resource, package: `${name}_${version}`, field: 'Source' }));
    }
  }
  return { packages, udebs, sources, fromBases, warnings };
}
