/**
 * PEP 440 version specifiers ("Version specifiers": `~=`, `==`, `!=`, `<=`, `>=`, `<`, `>`,
 * `===`, prefix matching `==1.2.*`, comma-separated sets), with the pre-release rules of
 * `packaging.specifiers` (the reference of test/differential/pypi-pep440.test.ts). Pure.
 *
 * Pre-releases: a set admits them when asked (`prereleases: true`) or when one of its clauses
 * names one (`>=2.0b1`); `filterVersions` otherwise keeps them only when no final release
 * matches, as PEP 440 "Handling of pre-releases" says installers do.
 */
import { baseOf, canonicalVersion, compareVersions, formatVersion, isPostrelease, isPrerelease, parseVersion, publicOf, type Version } from './version.js';

export type Operator = '~=' | '==' | '!=' | '<=' | '>=' | '<' | '>' | '===';

export interface Specifier {
  operator: Operator;
  /** The version text as written (trimmed); `1.2.*` keeps its wildcard. */
  version: string;
}

export interface SpecifierSet {
  specifiers: Specifier[];
  /** Explicit choice; undefined: decided by the clauses. */
  prereleases?: boolean;
}

const PRE = '(?:[-_.]?(?:alpha|beta|preview|pre|a|b|c|rc)[-_.]?[0-9]*)?';
const POST = '(?:(?:-[0-9]+)|(?:[-_.]?(?:post|rev|r)[-_.]?[0-9]*))?';
const DEV = '(?:[-_.]?dev[-_.]?[0-9]*)?';
const LOCAL = '(?:\\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?';
const HEAD = 'v?(?:[0-9]+!)?';
/** The version each operator accepts (packaging.specifiers.Specifier._regex_str). */
const VERSION_FOR: Record<Operator, RegExp> = {
  '===': /^[^\s;)]*$/,
  '==': new RegExp(`^${HEAD}[0-9]+(?:\\.[0-9]+)*(?:\\.\\*|${PRE}${POST}${DEV}${LOCAL})?$`, 'i'),
  '!=': new RegExp(`^${HEAD}[0-9]+(?:\\.[0-9]+)*(?:\\.\\*|${PRE}${POST}${DEV}${LOCAL})?$`, 'i'),
  '~=': new RegExp(`^${HEAD}[0-9]+(?:\\.[0-9]+)+${PRE}${POST}${DEV}$`, 'i'),
  '<=': new RegExp(`^${HEAD}[0-9]+(?:\\.[0-9]+)*${PRE}${POST}${DEV}$`, 'i'),
  '>=': new RegExp(`^${HEAD}[0-9]+(?:\\.[0-9]+)*${PRE}${POST}${DEV}$`, 'i'),
  '<': new RegExp(`^${HEAD}[0-9]+(?:\\.[0-9]+)*${PRE}${POST}${DEV}$`, 'i'),
  '>': new RegExp(`^${HEAD}[0-9]+(?:\\.[0-9]+)*${PRE}${POST}${DEV}$`, 'i'),
};
const OPERATOR = /^\s*(~=|===|==|!=|<=|>=|<|>)\s*/;

/** One clause (`>= 1.0`), or undefined when it is not a valid specifier. */
export function parseSpecifier(text: string): Specifier | undefined {
  const m = OPERATOR.exec(text);
  if (!m) return undefined;
  const operator = m[1] as Operator;
  const version = text.slice(m[0].length).replace(/\s+$/, '');
  if (!VERSION_FOR[operator].test(version)) return undefined;
  return { operator, version };
}

/** A comma-separated set (empty text: the set that admits every version); throws a plain Error naming the bad clause. */
export function parseSpecifierSet(text: string, prereleases?: boolean): SpecifierSet {
  const specifiers: Specifier[] = [];
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const s = parseSpecifier(part);
    if (!s) throw new Error(`not a PEP 440 version specifier: ${JSON.stringify(part)}`);
    specifiers.push(s);
  }
  return prereleases === undefined ? { specifiers } : { specifiers, prereleases };
}

export function formatSpecifierSet(set: SpecifierSet): string {
  return set.specifiers.map((s) => `${s.operator}${s.version}`).sort().join(',');
}

/** Does the clause itself ask for pre-releases (names one with ==, >=, <=, ~=, ===)? */
function specifierWantsPrereleases(s: Specifier): boolean {
  if (!['==', '>=', '<=', '~=', '==='].includes(s.operator)) return false;
  const text = s.operator === '==' && s.version.endsWith('.*') ? s.version.slice(0, -2) : s.version;
  const v = parseVersion(text);
  return v !== undefined && isPrerelease(v);
}

/** The set's pre-release choice: explicit, else any clause asking, else undefined for an empty set. */
export function setPrereleases(set: SpecifierSet): boolean | undefined {
  if (set.prereleases !== undefined) return set.prereleases;
  if (set.specifiers.length === 0) return undefined;
  return set.specifiers.some(specifierWantsPrereleases);
}

/** Release digits, then each suffix as its own part (`1.2rc1` -> 1, 2, rc1): _version_split. */
function splitVersion(text: string): string[] {
  const out: string[] = [];
  for (const item of text.split('.')) {
    const m = /^([0-9]+)((?:a|b|c|rc)[0-9]+)$/.exec(item);
    if (m) out.push(m[1], m[2]);
    else out.push(item);
  }
  return out;
}

function prefixMatches(prospective: Version, spec: string): boolean {
  const want = splitVersion(canonicalVersion(spec, false));
  const have = splitVersion(formatVersion(publicOf(prospective), { stripTrailingZero: true }));
  const digits = (parts: string[]) => {
    let i = 0;
    while (i < parts.length && /^[0-9]+$/.test(parts[i])) i++;
    return i;
  };
  const hd = digits(have);
  const wd = digits(want);
  const padded = [...have.slice(0, hd), ...Array<string>(Math.max(0, wd - hd)).fill('0'), ...have.slice(hd)];
  const short = padded.slice(0, want.length);
  return short.length === want.length && short.every((p, i) => p === want[i]);
}

function equal(prospective: Version, spec: string): boolean {
  if (spec.endsWith('.*')) return prefixMatches(prospective, spec.slice(0, -2));
  const sv = parseVersion(spec);
  if (!sv) return false;
  return compareVersions(sv.local ? prospective : publicOf(prospective), sv) === 0;
}

function operatorHolds(prospective: Version, s: Specifier): boolean {
  const spec = s.version;
  switch (s.operator) {
    case '===':
      return formatVersion(prospective).toLowerCase() === spec.toLowerCase();
    case '==':
      return equal(prospective, spec);
    case '!=':
      return !equal(prospective, spec);
    case '~=': {
      const parts = splitVersion(spec);
      const release: string[] = [];
      for (const p of parts) {
        if (['dev', 'a', 'b', 'rc', 'post'].some((x) => p.startsWith(x))) break;
        release.push(p);
      }
      const prefix = `${release.slice(0, -1).join('.')}.*`;
      return operatorHolds(prospective, { operator: '>=', version: spec }) && equal(prospective, prefix);
    }
    case '<=':
      return compareVersions(publicOf(prospective), parseVersion(spec)!) <= 0;
    case '>=':
      return compareVersions(publicOf(prospective), parseVersion(spec)!) >= 0;
    case '<': {
      const sv = parseVersion(spec)!;
      if (!(compareVersions(prospective, sv) < 0)) return false;
      return !(!isPrerelease(sv) && isPrerelease(prospective) && compareVersions(baseOf(prospective), baseOf(sv)) === 0);
    }
    case '>': {
      const sv = parseVersion(spec)!;
      if (!(compareVersions(prospective, sv) > 0)) return false;
      const sameBase = compareVersions(baseOf(prospective), baseOf(sv)) === 0;
      if (!isPostrelease(sv) && isPostrelease(prospective) && sameBase) return false;
      return !(prospective.local !== undefined && sameBase);
    }
  }
}

/** Specifier.contains: a pre-release only when `prereleases` (default: the clause's own wish). */
export function specifierContains(s: Specifier, v: Version, prereleases?: boolean): boolean {
  const pre = prereleases ?? specifierWantsPrereleases(s);
  if (isPrerelease(v) && !pre) return false;
  return operatorHolds(v, s);
}

/** SpecifierSet.contains. */
export function setContains(set: SpecifierSet, v: Version, prereleases?: boolean): boolean {
  const pre = prereleases ?? setPrereleases(set);
  if (!pre && isPrerelease(v)) return false;
  return set.specifiers.every((s) => specifierContains(s, v, pre));
}

/** Specifier.filter: pre-releases kept only when asked, or when no other version matched. */
function filterOne<T>(s: Specifier, items: T[], versionOf: (t: T) => Version, prereleases?: boolean): T[] {
  const yielded: T[] = [];
  const pres: T[] = [];
  for (const item of items) {
    const v = versionOf(item);
    if (!specifierContains(s, v, prereleases ?? true)) continue;
    if (isPrerelease(v) && !(prereleases || specifierWantsPrereleases(s))) pres.push(item);
    else yielded.push(item);
  }
  return yielded.length === 0 ? pres : yielded;
}

/**
 * SpecifierSet.filter: the items whose version the set admits, in their order. Pre-releases
 * when `prereleases` (default: the set's choice), or when nothing else is left.
 */
export function filterVersions<T>(set: SpecifierSet, items: readonly T[], versionOf: (t: T) => Version, prereleases?: boolean): T[] {
  const pre = prereleases ?? setPrereleases(set);
  if (set.specifiers.length > 0) {
    let out = [...items];
    for (const s of set.specifiers) out = filterOne(s, out, versionOf, pre ?? false);
    return out;
  }
  const finals: T[] = [];
  const pres: T[] = [];
  for (const item of items) {
    if (isPrerelease(versionOf(item)) && !pre) {
      if (finals.length === 0) pres.push(item);
    } else finals.push(item);
  }
  return finals.length === 0 && pres.length > 0 && pre === undefined ? pres : finals;
}
