/**
 * Dependency closure of a partial mirror (Debian Policy §7.2 "Binary Dependencies", §7.5
 * "Virtual packages", Multi-Arch spec wiki.debian.org/Multiarch/Spec for `:any`/`:native`).
 *
 * Starting from the selected root packages, follows Pre-Depends and Depends (and Recommends when
 * asked) per target architecture (Architecture: all packages are followed in every one). A group
 * `a | b` is satisfied when any alternative is already available (selected here or offered by a
 * base mirror); otherwise the first alternative that has a candidate is taken. Only what is
 * actually taken is marked as seen (aptly#1312: evaluating an alternative must not hide the
 * package from later relations). Candidates come from every component and every base mirror
 * (aptly#357); versioned relations are met by real versions or by versioned Provides only
 * (aptly#678); `name:any` needs Multi-Arch: allowed, `name:native` is the plain name (aptly#145).
 * Single-alternative relations are resolved first, alternatives after, so that a group is not
 * decided before the packages that could satisfy it have been added. Pure; no I/O.
 */
import type { DebPackage } from './format/package.js';
import { packageKey } from './format/package.js';
import { formatGroup, parseRelations, type Relation, type RelationGroup } from './format/relations.js';
import { compareVersions, versionSatisfies } from './format/version.js';

export interface ResolveOptions {
  /** Name of the mirror being resolved; packages of other mirrors are its bases. */
  self: string;
  /** Target architectures (without `all`). */
  architectures: string[];
  withRecommends?: boolean;
}

export interface Unresolved {
  package: string;
  mirror: string;
  field: 'Pre-Depends' | 'Depends' | 'Recommends';
  relation: string;
}

export interface ResolveResult {
  /** Packages of `self` to mirror, sorted by key. */
  selected: DebPackage[];
  /** Packages of base mirrors the closure relies on. */
  fromBases: DebPackage[];
  unresolved: Unresolved[];
}

interface Provider {
  pkg: DebPackage;
  version?: string;
}

/** Indexes packages by name and by what they provide. */
export class Universe {
  readonly byName = new Map<string, DebPackage[]>();
  readonly providers = new Map<string, Provider[]>();
  private readonly relCache = new Map<DebPackage, Map<string, RelationGroup[]>>();

  constructor(packages: Iterable<DebPackage>) {
    for (const p of packages) {
      const list = this.byName.get(p.name);
      if (list) list.push(p);
      else this.byName.set(p.name, [p]);
      if (p.provides) {
        for (const g of this.relations(p, 'provides')) {
          for (const r of g) {
            const pl = this.providers.get(r.name);
            const entry: Provider = { pkg: p, version: r.op === '=' ? r.version : undefined };
            if (pl) pl.push(entry);
            else this.providers.set(r.name, [entry]);
          }
        }
      }
    }
    const newestFirst = (a: DebPackage, b: DebPackage) => compareVersions(b.version, a.version) || (a.mirror < b.mirror ? -1 : a.mirror > b.mirror ? 1 : 0);
    for (const l of this.byName.values()) l.sort(newestFirst);
    for (const l of this.providers.values()) l.sort((a, b) => newestFirst(a.pkg, b.pkg) || (a.pkg.name < b.pkg.name ? -1 : 1));
  }

  relations(p: DebPackage, field: 'depends' | 'preDepends' | 'recommends' | 'provides'): RelationGroup[] {
    let m = this.relCache.get(p);
    if (!m) {
      m = new Map();
      this.relCache.set(p, m);
    }
    let r = m.get(field);
    if (!r) {
      r = parseRelations(p[field]);
      m.set(field, r);
    }
    return r;
  }

  /**
   * Packages that satisfy `rel` for a package being installed on `arch`, best first: same
   * architecture or `all` first, then `Multi-Arch: foreign` packages of the other target
   * `architectures` (Multiarch spec: a foreign package satisfies a dependency of any architecture).
   */
  candidates(rel: Relation, arch: string, architectures: readonly string[] = [arch]): DebPackage[] {
    const native: DebPackage[] = [];
    const foreign: DebPackage[] = [];
    const q = rel.archQualifier;
    const place = (p: DebPackage): DebPackage[] | undefined => {
      if (q && q !== 'any' && q !== 'native') return p.arch === q ? native : undefined;
      if (p.arch === arch || p.arch === 'all') return native;
      if (!q && p.multiArch === 'foreign' && architectures.includes(p.arch)) return foreign;
      return undefined;
    };
    for (const p of this.byName.get(rel.name) ?? []) {
      const list = place(p);
      if (!list) continue;
      if (q === 'any' && p.multiArch !== 'allowed') continue;
      if (rel.op && !versionSatisfies(p.version, rel.op, rel.version!)) continue;
      list.push(p);
    }
    for (const pr of this.providers.get(rel.name) ?? []) {
      const list = place(pr.pkg);
      if (!list) continue;
      if (rel.op && (pr.version === undefined || !versionSatisfies(pr.version, rel.op, rel.version!))) continue;
      list.push(pr.pkg);
    }
    return [...native, ...foreign];
  }
}

const FIELDS = [
  ['preDepends', 'Pre-Depends'],
  ['depends', 'Depends'],
  ['recommends', 'Recommends'],
] as const;

/**
 * Computes the closure of `roots` in `universe`. Each package is followed in the architecture it
 * is installed for: its own, or for `Architecture: all` every target architecture.
 */
export function resolveClosure(universe: Universe, roots: DebPackage[], options: ResolveOptions): ResolveResult {
  const taken = new Set<DebPackage>(roots);
  const unresolved = new Map<string, Unresolved>();
  const fields = FIELDS.filter(([f]) => f !== 'recommends' || options.withRecommends);
  const archs = options.architectures;
  const visited = new Set<string>();
  const queue: Array<[DebPackage, string]> = [];
  const deferred: Array<{ from: DebPackage; arch: string; group: RelationGroup; field: Unresolved['field'] }> = [];
  const ids = new Map<DebPackage, number>();
  const idOf = (p: DebPackage) => {
    let n = ids.get(p);
    if (n === undefined) ids.set(p, (n = ids.size));
    return n;
  };
  const visit = (p: DebPackage, arch: string) => {
    const key = `${idOf(p)}|${arch}`;
    if (visited.has(key)) return;
    visited.add(key);
    taken.add(p);
    queue.push([p, arch]);
  };
  // A package of another architecture (Multi-Arch: foreign) is installed for its own.
  const visitFor = (p: DebPackage, arch: string) => visit(p, p.arch === 'all' ? arch : p.arch);
  const available = (p: DebPackage) => taken.has(p) || p.mirror !== options.self;
  const ensure = (from: DebPackage, arch: string, group: RelationGroup, field: Unresolved['field']) => {
    let first: DebPackage | undefined;
    for (const rel of group) {
      const cands = universe.candidates(rel, arch, archs);
      const have = cands.find(available);
      if (have) {
        visitFor(have, arch);
        return;
      }
      first ??= cands[0];
    }
    if (first) {
      visitFor(first, arch);
      return;
    }
    const key = `${packageKey(from)}|${field}|${formatGroup(group)}`;
    if (!unresolved.has(key)) unresolved.set(key, { package: packageKey(from), mirror: from.mirror, field, relation: formatGroup(group) });
  };
  for (const arch of archs) for (const r of roots) if (r.arch === arch || r.arch === 'all') visit(r, arch);
  let head = 0;
  let dhead = 0;
  for (;;) {
    while (head < queue.length) {
      const [p, arch] = queue[head++];
      for (const [f, label] of fields) {
        for (const group of universe.relations(p, f)) {
          if (group.length === 1) ensure(p, arch, group, label);
          else deferred.push({ from: p, arch, group, field: label });
        }
      }
    }
    if (dhead >= deferred.length) break;
    const d = deferred[dhead++];
    ensure(d.from, d.arch, d.group, d.field);
  }
  const byKey = (a: DebPackage, b: DebPackage) => {
    const ka = packageKey(a);
    const kb = packageKey(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  };
  const all = [...taken];
  return {
    selected: all.filter((p) => p.mirror === options.self).sort(byKey),
    fromBases: all.filter((p) => p.mirror !== options.self).sort(byKey),
    unresolved: [...unresolved.values()].sort((a, b) => (a.package + a.relation < b.package + b.relation ? -1 : 1)),
  };
}
