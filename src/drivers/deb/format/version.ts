/**
 * Debian version numbers: parsing and ordering exactly as dpkg does.
 *
 * Debian Policy §5.6.12 "Version": `[epoch:]upstream_version[-debian_revision]`. The epoch is a
 * number (0 when absent); the revision is everything after the last hyphen (absent = empty, which
 * compares equal to "0"). Upstream version and revision are compared with the same algorithm:
 * alternately the longest non-digit prefix (compared character by character, where `~` sorts
 * before anything, even the end of the string, letters sort before non-letters) and the longest
 * digit prefix (compared numerically, empty = 0). Pure; no I/O.
 */

export interface DebVersion {
  epoch: number;
  upstream: string;
  revision: string;
}

// dpkg only warns when the upstream version does not start with a digit; accept it likewise.
const VALID_UPSTREAM = /^[A-Za-z0-9.+~:-]+$/;
const VALID_REVISION = /^[A-Za-z0-9.+~]*$/;

/** Splits a version string; throws an Error (wrapped by callers) if it is not a valid Debian version. */
export function parseVersion(text: string): DebVersion {
  const v = text.trim();
  let rest = v;
  let epoch = 0;
  const colon = v.indexOf(':');
  if (colon >= 0) {
    const e = v.slice(0, colon);
    if (!/^[0-9]+$/.test(e)) throw new Error(`bad epoch in version ${JSON.stringify(text)}`);
    epoch = Number(e);
    rest = v.slice(colon + 1);
  }
  const dash = rest.lastIndexOf('-');
  const upstream = dash >= 0 ? rest.slice(0, dash) : rest;
  const revision = dash >= 0 ? rest.slice(dash + 1) : '';
  if (!VALID_UPSTREAM.test(upstream) || (dash >= 0 && revision === '') || !VALID_REVISION.test(revision)) {
    throw new Error(`invalid version ${JSON.stringify(text)}`);
  }
  return { epoch, upstream, revision };
}

export function isValidVersion(text: string): boolean {
  try {
    parseVersion(text);
    return true;
  } catch {
    return false;
  }
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** dpkg's character weight: `~` < end of string < letters < other characters. */
function order(c: number): number {
  if (Number.isNaN(c) || isDigit(c)) return 0;
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) return c;
  if (c === 126) return -1;
  return c + 256;
}

/** Compares two upstream versions or two revisions (Policy §5.6.12 algorithm). */
function compareFragment(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let firstDiff = 0;
    while ((i < a.length && !isDigit(a.charCodeAt(i))) || (j < b.length && !isDigit(b.charCodeAt(j)))) {
      const ac = order(a.charCodeAt(i));
      const bc = order(b.charCodeAt(j));
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (a.charCodeAt(i) === 48) i++;
    while (b.charCodeAt(j) === 48) j++;
    while (isDigit(a.charCodeAt(i)) && isDigit(b.charCodeAt(j))) {
      if (!firstDiff) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isDigit(a.charCodeAt(i))) return 1;
    if (isDigit(b.charCodeAt(j))) return -1;
    if (firstDiff) return firstDiff;
  }
  return 0;
}

/** Orders two parsed versions: negative, zero or positive like a comparator. */
function compareParsed(a: DebVersion, b: DebVersion): number {
  if (a.epoch !== b.epoch) return a.epoch - b.epoch;
  return compareFragment(a.upstream, b.upstream) || compareFragment(a.revision, b.revision);
}

const cache = new Map<string, DebVersion>();

function parsedCached(v: string): DebVersion {
  let p = cache.get(v);
  if (!p) {
    p = parseVersion(v);
    if (cache.size > 200_000) cache.clear();
    cache.set(v, p);
  }
  return p;
}

/** Orders two version strings as `dpkg --compare-versions` does (sign of the result only). */
export function compareVersions(a: string, b: string): number {
  if (a === b) return 0;
  const r = compareParsed(parsedCached(a), parsedCached(b));
  return r < 0 ? -1 : r > 0 ? 1 : 0;
}

export type VersionOp = '<<' | '<=' | '=' | '>=' | '>>';

/** Policy §7.1: `<<`, `<=`, `=`, `>=`, `>>`; the obsolete `<` and `>` mean `<=` and `>=`. */
export function normalizeOp(op: string): VersionOp {
  switch (op) {
    case '<<':
    case '<=':
    case '=':
    case '>=':
    case '>>':
      return op;
    case '<':
      return '<=';
    case '>':
      return '>=';
    default:
      throw new Error(`unknown version relation ${JSON.stringify(op)}`);
  }
}

/** Whether `version op wanted` holds. */
export function versionSatisfies(version: string, op: VersionOp, wanted: string): boolean {
  const c = compareVersions(version, wanted);
  switch (op) {
    case '<<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '=':
      return c === 0;
    case '>=':
      return c >= 0;
    case '>>':
      return c > 0;
  }
}
