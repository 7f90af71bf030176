/**
 * Dependency closure of a partial rpm mirror: what `dnf install` of the named packages needs
 * from this mirror and its bases (rpm.org/user_doc/dependencies.html,
 * rpm.org/user_doc/boolean_dependencies.html, rpm.org/user_doc/more_dependencies.html).
 *
 * - Requires are met by a package of that name or one that Provides it (versions overlap as
 *   rpmdsCompare says, vercmp.ts), or for a path by a package that owns the file (primary's
 *   files; paths primary does not list are returned in `missingFiles`, for the caller to look
 *   up in filelists and run again). `rpmlib(...)` relations are rpm's own and always met.
 * - A relation already met by a package taken or offered by a base takes nothing new; else the
 *   best candidate is taken: the package named like the relation, else the shortest name (as
 *   libsolv prefers), newest version first, the dependent's architecture or noarch first.
 * - Boolean dependencies: `and` takes all, `or` the first that can be met (none if one is met),
 *   `with`/`without` a single package matching both/one; `if`/`unless` are decided once the
 *   unconditional closure is complete, against what it took (an `else` branch when the
 *   condition still fails then).
 * - Obsoletes: a package that obsoletes a taken one is taken too (dnf installs it instead).
 * - Weak dependencies when asked: Recommends forward, Supplements backward (dnf's defaults).
 * Pure; no I/O.
 */
import { comparePackageEvr, rangesOverlap } from './format/vercmp.js';
import { depOf, formatRelation, RichDepError, type Dep, type Relation } from './format/relations.js';
import { nevra, type RpmPackage } from './format/primary.js';

export interface ClosureOptions {
  /** The mirror being resolved; packages of other mirrors are its bases. */
  self: string;
  /** Accepted architectures, preferred first (noarch is always accepted). */
  architectures: string[];
  weakDeps?: boolean;
}

export interface Unresolved {
  package: string;
  mirror: string;
  field: 'Requires' | 'Recommends';
  relation: string;
}

export interface ClosureResult {
  /** Packages of `self`, sorted by NEVRA. */
  selected: RpmPackage[];
  /** Packages of bases the closure relies on. */
  fromBases: RpmPackage[];
  unresolved: Unresolved[];
  /** Required paths no package's known file list has (look them up in filelists). */
  missingFiles: string[];
}

interface Provider {
  pkg: RpmPackage;
  rel: Relation;
}

const byNevra = (a: RpmPackage, b: RpmPackage) => {
  const ka = nevra(a);
  const kb = nevra(b);
  return ka < kb ? -1 : ka > kb ? 1 : a.mirror < b.mirror ? -1 : a.mirror > b.mirror ? 1 : 0;
};

/** Every package of a mirror and its bases, indexed by name, by what they provide and by file. */
export class RpmUniverse {
  readonly byName = new Map<string, RpmPackage[]>();
  readonly providers = new Map<string, Provider[]>();
  readonly fileOwners = new Map<string, RpmPackage[]>();
  readonly obsoleters = new Map<string, Provider[]>();
  readonly supplementers: RpmPackage[] = [];

  constructor(packages: Iterable<RpmPackage>) {
    const push = <T>(m: Map<string, T[]>, k: string, v: T) => {
      const l = m.get(k);
      if (l) l.push(v);
      else m.set(k, [v]);
    };
    for (const p of packages) {
      push(this.byName, p.name, p);
      push(this.providers, p.name, { pkg: p, rel: { name: p.name, flags: 'EQ', evr: { epoch: p.epoch, version: p.version, release: p.release } } });
      for (const r of p.provides) if (r.name !== p.name || r.flags !== 'EQ') push(this.providers, r.name, { pkg: p, rel: r });
      for (const f of p.files) push(this.fileOwners, f, p);
      for (const r of p.obsoletes) push(this.obsoleters, r.name, { pkg: p, rel: r });
      if (p.supplements.length) this.supplementers.push(p);
    }
    const newest = (a: RpmPackage, b: RpmPackage) => comparePackageEvr(b, a) || byNevra(a, b);
    for (const l of this.byName.values()) l.sort(newest);
  }

  /** Adds owners of paths from filelists (only the paths asked for are ever added). */
  addFileOwners(path: string, owners: RpmPackage[]): void {
    const l = this.fileOwners.get(path) ?? [];
    for (const p of owners) if (!l.includes(p)) l.push(p);
    this.fileOwners.set(path, l);
  }

  /** Packages meeting `rel`, unordered (arch not checked). */
  matching(rel: Relation): RpmPackage[] {
    const out = new Set<RpmPackage>();
    if (rel.name.startsWith('/')) for (const p of this.fileOwners.get(rel.name) ?? []) out.add(p);
    for (const pr of this.providers.get(rel.name) ?? []) if (rangesOverlap(pr.rel, rel)) out.add(pr.pkg);
    return [...out];
  }
}

const isRpmlib = (name: string) => name.startsWith('rpmlib(');

/** A relation as a dependency; one that does not parse holds for nothing. */
function safeDep(r: Relation): Dep {
  try {
    return depOf(r);
  } catch {
    return { op: 'and', items: [{ op: 'rel', rel: { name: '\0unparsable' } }] };
  }
}

/** The closure of `roots` in `universe`. */
export function resolveClosure(universe: RpmUniverse, roots: RpmPackage[], options: ClosureOptions): ClosureResult {
  const archs = options.architectures;
  const taken = new Set<RpmPackage>();
  const queue: RpmPackage[] = [];
  const unresolved = new Map<string, Unresolved>();
  const missingFiles = new Set<string>();
  const conditionals: Array<{ from: RpmPackage; cond: Dep; whenTrue?: Dep; whenFalse?: Dep; field: Unresolved['field']; text: string; done?: boolean }> = [];

  const accepts = (dependent: RpmPackage | undefined, p: RpmPackage) => p.arch === 'noarch' || archs.includes(p.arch) || (dependent !== undefined && p.arch === dependent.arch);
  const archRank = (dependent: RpmPackage | undefined, p: RpmPackage) => {
    if (dependent && dependent.arch !== 'noarch' && p.arch === dependent.arch) return 0;
    if (p.arch === 'noarch') return 1;
    const i = archs.indexOf(p.arch);
    return 2 + (i < 0 ? archs.length : i);
  };
  const take = (p: RpmPackage) => {
    if (taken.has(p)) return;
    taken.add(p);
    queue.push(p);
  };
  const available = (p: RpmPackage) => taken.has(p) || p.mirror !== options.self;

  /** Candidates for `rel` from `from`'s point of view, best first. */
  const candidates = (from: RpmPackage | undefined, rel: Relation): RpmPackage[] => {
    const list = universe.matching(rel).filter((p) => accepts(from, p));
    return list.sort((a, b) => {
      const an = a.name === rel.name ? 0 : 1;
      const bn = b.name === rel.name ? 0 : 1;
      if (an !== bn) return an - bn;
      if (a.name !== b.name) return a.name.length - b.name.length || (a.name < b.name ? -1 : 1);
      return comparePackageEvr(b, a) || archRank(from, a) - archRank(from, b) || (a.mirror === options.self ? 1 : 0) - (b.mirror === options.self ? 1 : 0);
    });
  };
  const noteMissingFile = (rel: Relation) => {
    if (rel.name.startsWith('/') && !universe.fileOwners.has(rel.name)) missingFiles.add(rel.name);
  };
  /** Whether `dep` holds among the packages taken (for conditions) or available (for requirements). */
  const holds = (from: RpmPackage | undefined, dep: Dep, have: (p: RpmPackage) => boolean): boolean => {
    switch (dep.op) {
      case 'rel':
        if (isRpmlib(dep.rel.name)) return true;
        return universe.matching(dep.rel).some((p) => have(p) && accepts(from, p));
      case 'and':
        return dep.items.every((d) => holds(from, d, have));
      case 'or':
        return dep.items.some((d) => holds(from, d, have));
      case 'with':
        return single(from, dep.items, []).some(have);
      case 'without':
        return single(from, [dep.items[0]], [dep.items[1]]).some(have);
      case 'if':
        return holds(from, dep.cond, (p) => taken.has(p)) ? holds(from, dep.then, have) : dep.else ? holds(from, dep.else, have) : true;
      case 'unless':
        return holds(from, dep.cond, (p) => taken.has(p)) ? (dep.else ? holds(from, dep.else, have) : true) : holds(from, dep.then, have);
    }
  };
  /** Packages that alone meet every dep of `all` and none of `none` (`with`/`without`: simple relations only). */
  const single = (from: RpmPackage | undefined, all: Dep[], none: Dep[]): RpmPackage[] => {
    const rels = (ds: Dep[]) => ds.map((d) => (d.op === 'rel' ? d.rel : undefined));
    const want = rels(all);
    const not = rels(none);
    if (want.some((r) => !r) || not.some((r) => !r) || !want[0]) return [];
    const meets = (p: RpmPackage, r: Relation) => universe.matching(r).includes(p);
    return candidates(from, want[0]).filter((p) => want.every((r) => meets(p, r!)) && !not.some((r) => meets(p, r!)));
  };
  /** Whether `dep` could be met from the universe at all. */
  const possible = (from: RpmPackage, dep: Dep): boolean => {
    switch (dep.op) {
      case 'rel':
        return isRpmlib(dep.rel.name) || candidates(from, dep.rel).length > 0;
      case 'and':
        return dep.items.every((d) => possible(from, d));
      case 'or':
        return dep.items.some((d) => possible(from, d));
      case 'with':
        return single(from, dep.items, []).length > 0;
      case 'without':
        return single(from, [dep.items[0]], [dep.items[1]]).length > 0;
      default:
        return true;
    }
  };
  const fail = (from: RpmPackage, field: Unresolved['field'], relation: string) => {
    const key = `${nevra(from)}|${from.mirror}|${field}|${relation}`;
    if (!unresolved.has(key)) unresolved.set(key, { package: nevra(from), mirror: from.mirror, field, relation });
  };
  const ensure = (from: RpmPackage, dep: Dep, field: Unresolved['field'], text: string): void => {
    switch (dep.op) {
      case 'rel': {
        if (isRpmlib(dep.rel.name)) return;
        const cands = candidates(from, dep.rel);
        const have = cands.find(available);
        if (have) return take(have);
        if (cands.length) return take(cands[0]);
        noteMissingFile(dep.rel);
        return fail(from, field, text);
      }
      case 'and':
        for (const d of dep.items) ensure(from, d, field, text);
        return;
      case 'or': {
        if (dep.items.some((d) => holds(from, d, available))) {
          // Met already: make sure what meets it is taken (a base package's own needs).
          const met = dep.items.find((d) => holds(from, d, available))!;
          return ensure(from, met, field, text);
        }
        const first = dep.items.find((d) => possible(from, d));
        if (first) return ensure(from, first, field, text);
        for (const d of dep.items) if (d.op === 'rel') noteMissingFile(d.rel);
        return fail(from, field, text);
      }
      case 'with':
      case 'without': {
        const cands = dep.op === 'with' ? single(from, dep.items, []) : single(from, [dep.items[0]], [dep.items[1]]);
        const have = cands.find(available) ?? cands[0];
        if (have) return take(have);
        return fail(from, field, text);
      }
      case 'if':
        conditionals.push({ from, cond: dep.cond, whenTrue: dep.then, whenFalse: dep.else, field, text });
        return;
      case 'unless':
        conditionals.push({ from, cond: dep.cond, whenTrue: dep.else, whenFalse: dep.then, field, text });
        return;
    }
  };
  const follow = (p: RpmPackage, rels: Relation[], field: Unresolved['field']) => {
    for (const r of rels) {
      let dep: Dep;
      try {
        dep = depOf(r);
      } catch (e) {
        if (!(e instanceof RichDepError)) throw e;
        fail(p, field, `${r.name} (${e.message})`);
        continue;
      }
      // Alternatives wait until the plain relations are met: one of those may meet them.
      if (dep.op === 'or') deferred.push({ from: p, dep, field, text: formatRelation(r) });
      else ensure(p, dep, field, formatRelation(r));
    }
  };
  const deferred: Array<{ from: RpmPackage; dep: Dep; field: Unresolved['field']; text: string }> = [];
  let dhead = 0;
  const obsoletersOf = (p: RpmPackage): RpmPackage[] => {
    const out: RpmPackage[] = [];
    const self = { flags: 'EQ' as const, evr: { epoch: p.epoch, version: p.version, release: p.release } };
    for (const o of universe.obsoleters.get(p.name) ?? []) {
      if (o.pkg === p || o.pkg.name === p.name || !accepts(p, o.pkg) || !rangesOverlap(o.rel, self)) continue;
      // The newest of each obsoleting name.
      const newest = universe.byName.get(o.pkg.name)?.find((q) => accepts(p, q) && q.obsoletes.some((r) => r.name === p.name && rangesOverlap(r, self)));
      if (newest && !out.includes(newest)) out.push(newest);
    }
    return out;
  };
  let head = 0;
  const drain = () => {
    while (head < queue.length) {
      const p = queue[head++];
      follow(p, p.requires, 'Requires');
      if (options.weakDeps) follow(p, p.recommends, 'Recommends');
      for (const o of obsoletersOf(p)) take(o);
    }
  };

  for (const r of roots) take(r);
  for (;;) {
    drain();
    if (dhead < deferred.length) {
      const d = deferred[dhead++];
      ensure(d.from, d.dep, d.field, d.text);
      continue;
    }
    let progressed = false;
    for (const c of conditionals) {
      if (c.done || !holds(c.from, c.cond, (p) => taken.has(p))) continue;
      c.done = true;
      if (c.whenTrue) ensure(c.from, c.whenTrue, c.field, c.text);
      progressed = true;
    }
    if (progressed) continue;
    if (options.weakDeps) {
      for (const s of universe.supplementers) {
        if (taken.has(s) || s.mirror !== options.self || !accepts(undefined, s)) continue;
        if (s.supplements.some((r) => holds(undefined, safeDep(r), (p) => taken.has(p)))) {
          take(s);
          progressed = true;
        }
      }
      if (progressed) continue;
    }
    for (const c of conditionals) {
      if (c.done) continue;
      c.done = true;
      if (c.whenFalse) {
        ensure(c.from, c.whenFalse, c.field, c.text);
        progressed = true;
      }
    }
    if (!progressed) break;
  }
  const all = [...taken];
  return {
    selected: all.filter((p) => p.mirror === options.self).sort(byNevra),
    fromBases: all.filter((p) => p.mirror !== options.self).sort(byNevra),
    unresolved: [...unresolved.values()].sort((a, b) => (a.package + a.relation < b.package + b.relation ? -1 : 1)),
    missingFiles: [...missingFiles].sort(),
  };
}
