/**
 * PEP 508 dependency specifications (`name[extra1,extra2] (>=1.0,<2) ; python_version < "3.12"`
 * or `name @ https://...`) and their environment markers, parsed and evaluated as
 * `packaging.requirements` / `packaging.markers` do. Pure.
 *
 * A marker comparison whose right side makes a PEP 440 specifier with the operator is a version
 * test (pre-releases admitted); any other is a string comparison; `extra` compares normalized names.
 */
import { normalizeName } from './name.js';
import { parseSpecifier, parseSpecifierSet, specifierContains, type SpecifierSet } from './specifier.js';
import { parseVersion } from './version.js';

export type Marker =
  | { op: 'and' | 'or'; left: Marker; right: Marker }
  | { op: 'cmp'; lhs: MarkerValue; cmp: string; rhs: MarkerValue };
export type MarkerValue = { variable: string } | { literal: string };

export interface Requirement {
  name: string;
  extras: string[];
  specifier: SpecifierSet;
  url?: string;
  marker?: Marker;
}

export type MarkerEnvironment = Record<string, string>;

const VARIABLES = new Set([
  'python_version', 'python_full_version', 'os_name', 'sys_platform', 'platform_release', 'platform_system', 'platform_version',
  'platform_machine', 'platform_python_implementation', 'implementation_name', 'implementation_version', 'extra',
  // Legacy aliases packaging still accepts.
  'os.name', 'sys.platform', 'platform.version', 'platform.machine', 'platform.python_implementation', 'python_implementation',
]);
const ALIASES: Record<string, string> = {
  'os.name': 'os_name', 'sys.platform': 'sys_platform', 'platform.version': 'platform_version', 'platform.machine': 'platform_machine',
  'platform.python_implementation': 'platform_python_implementation', python_implementation: 'platform_python_implementation',
};

class Cursor {
  pos = 0;
  constructor(readonly text: string) {}
  ws(): void {
    while (this.pos < this.text.length && /[ \t]/.test(this.text[this.pos])) this.pos++;
  }
  peek(re: RegExp): RegExpExecArray | null {
    this.ws();
    const y = new RegExp(re.source, `y${re.flags.replace('y', '')}`);
    y.lastIndex = this.pos;
    return y.exec(this.text);
  }
  take(re: RegExp): string | undefined {
    const m = this.peek(re);
    if (!m) return undefined;
    this.pos += m[0].length;
    return m[0];
  }
  fail(what: string): never {
    throw new Error(`${what} at column ${this.pos + 1} of ${JSON.stringify(this.text)}`);
  }
  atEnd(): boolean {
    this.ws();
    return this.pos >= this.text.length;
  }
}

function markerValue(c: Cursor): MarkerValue {
  const q = c.take(/'[^']*'|"[^"]*"/);
  if (q !== undefined) return { literal: q.slice(1, -1) };
  const v = c.take(/[a-z_.]+/);
  if (v !== undefined && VARIABLES.has(v)) return { variable: ALIASES[v] ?? v };
  return c.fail('expected a marker variable or a quoted string');
}

function markerAtom(c: Cursor): Marker {
  if (c.take(/\(/)) {
    const m = markerOr(c);
    if (!c.take(/\)/)) c.fail('expected )');
    return m;
  }
  const lhs = markerValue(c);
  const cmp = c.take(/~=|===|==|!=|<=|>=|<|>|not[ \t]+in\b|in\b/) ?? c.fail('expected a marker operator');
  const rhs = markerValue(c);
  return { op: 'cmp', lhs, cmp: cmp.replace(/\s+/g, ' '), rhs };
}

function markerAnd(c: Cursor): Marker {
  let m = markerAtom(c);
  while (c.take(/and\b/)) m = { op: 'and', left: m, right: markerAtom(c) };
  return m;
}

function markerOr(c: Cursor): Marker {
  let m = markerAnd(c);
  while (c.take(/or\b/)) m = { op: 'or', left: m, right: markerAnd(c) };
  return m;
}

/** An environment marker (the text after `;`); throws a plain Error naming the column. */
export function parseMarker(text: string): Marker {
  const c = new Cursor(text);
  const m = markerOr(c);
  if (!c.atEnd()) c.fail('unexpected text');
  return m;
}

/** A PEP 508 requirement; throws a plain Error naming the column. */
export function parseRequirement(text: string): Requirement {
  const c = new Cursor(text);
  const name = c.take(/[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?/) ?? c.fail('expected a project name');
  const extras: string[] = [];
  if (c.take(/\[/)) {
    if (!c.take(/\]/)) {
      do {
        const e = c.take(/[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?/) ?? c.fail('expected an extra');
        extras.push(normalizeName(e));
      } while (c.take(/,/));
      if (!c.take(/\]/)) c.fail('expected ]');
    }
  }
  let specifier: SpecifierSet = { specifiers: [] };
  let url: string | undefined;
  if (c.take(/@/)) {
    url = c.take(/[^ \t;]+/) ?? c.fail('expected a URL');
    // `name @ url;marker` needs a space before `;` (PEP 508), else the `;` is the URL's.
  } else {
    const paren = c.take(/\(/);
    const spec = c.take(paren ? /[^)]*/ : /[^;]*/) ?? '';
    if (paren && !c.take(/\)/)) c.fail('expected )');
    try {
      specifier = parseSpecifierSet(spec.trim());
    } catch (e) {
      c.fail((e as Error).message);
    }
  }
  let marker: Marker | undefined;
  if (c.take(/;/)) marker = parseMarker(text.slice(c.pos));
  else if (!c.atEnd()) c.fail('unexpected text');
  return { name, extras: [...new Set(extras)].sort(), specifier, ...(url ? { url } : {}), ...(marker ? { marker } : {}) };
}

function compare(lhs: string, cmp: string, rhs: string): boolean {
  if (cmp !== 'in' && cmp !== 'not in') {
    const spec = parseSpecifier(`${cmp}${rhs}`);
    const v = parseVersion(lhs);
    if (spec && v) return specifierContains(spec, v, true);
  }
  switch (cmp) {
    case 'in':
      return rhs.includes(lhs);
    case 'not in':
      return !rhs.includes(lhs);
    case '==':
      return lhs === rhs;
    case '!=':
      return lhs !== rhs;
    case '<':
      return lhs < rhs;
    case '<=':
      return lhs <= rhs;
    case '>':
      return lhs > rhs;
    case '>=':
      return lhs >= rhs;
    default:
      throw new Error(`${cmp} cannot compare ${JSON.stringify(lhs)} and ${JSON.stringify(rhs)}`);
  }
}

/** Evaluates a marker in `env` (an unset `extra` is ""); throws for a comparison packaging cannot make. */
export function evaluateMarker(m: Marker, env: MarkerEnvironment): boolean {
  if (m.op !== 'cmp') {
    // Both sides first, as packaging does: an undefined comparison fails even where the other side decides.
    const left = evaluateMarker(m.left, env);
    const right = evaluateMarker(m.right, env);
    return m.op === 'and' ? left && right : left || right;
  }
  const key = 'variable' in m.lhs ? m.lhs.variable : 'variable' in m.rhs ? m.rhs.variable : undefined;
  // packaging compares a variable with a string: two strings (or two variables) are its KeyError.
  if (key === undefined || ('variable' in m.lhs && 'variable' in m.rhs)) throw new Error('a marker compares a variable with a string');
  const value = (v: MarkerValue) => ('literal' in v ? v.literal : (env[v.variable] ?? ''));
  let lhs = value(m.lhs);
  let rhs = value(m.rhs);
  if (key === 'extra') {
    lhs = normalizeName(lhs);
    rhs = normalizeName(rhs);
  }
  return compare(lhs, m.cmp, rhs);
}

/**
 * The marker environments of CPython `X.Y` on a platform: sys_platform, platform_system and
 * platform_machine from a platform tag (`manylinux_2_17_x86_64` -> linux, Linux, x86_64).
 */
export function markerEnvironment(python: string, platform: { system: 'Linux' | 'Windows' | 'Darwin'; machine: string }): MarkerEnvironment {
  const sys = platform.system === 'Linux' ? 'linux' : platform.system === 'Windows' ? 'win32' : 'darwin';
  return {
    python_version: python,
    python_full_version: `${python}.0`,
    implementation_version: `${python}.0`,
    os_name: platform.system === 'Windows' ? 'nt' : 'posix',
    sys_platform: sys,
    platform_system: platform.system,
    platform_machine: platform.machine,
    platform_release: '',
    platform_version: '',
    platform_python_implementation: 'CPython',
    implementation_name: 'cpython',
  };
}
