/**
 * RPM version comparison, exactly as rpm 4.18 does it: `rpmvercmp` (rpmio/rpmvercmp.c), EVR
 * parsing and comparison (rpmio/rpmver.c: `rpmverParse`, `rpmverCmp`) and the overlap of two
 * versioned relations (`rpmverOverlap`, used by rpmdsCompare for Requires against Provides).
 *
 * rpmvercmp splits both strings into runs of ASCII digits or ASCII letters; any other byte is a
 * separator. `~` sorts before everything (even the end of the string: 1.0~rc1 < 1.0), `^` after
 * the end but before any other segment (1.0 < 1.0^git1 < 1.0.1). A numeric segment is newer than
 * an alphabetic one; numbers compare by value (leading zeros dropped, then length, then digits),
 * letters by byte. test/unit/rpm/vercmp-differential.test.ts checks this against rpm itself.
 * Pure.
 */

const isDigit = (c: number) => c >= 48 && c <= 57;
const isAlpha = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const TILDE = 126;
const CARET = 94;

/** -1, 0 or 1 as rpm's rpmvercmp(a, b). */
export function rpmvercmp(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  const la = a.length;
  const lb = b.length;
  const at = (s: string, k: number, len: number) => (k < len ? s.charCodeAt(k) : 0);
  while (i < la || j < lb) {
    while (i < la && !isDigit(a.charCodeAt(i)) && !isAlpha(a.charCodeAt(i)) && a.charCodeAt(i) !== TILDE && a.charCodeAt(i) !== CARET) i++;
    while (j < lb && !isDigit(b.charCodeAt(j)) && !isAlpha(b.charCodeAt(j)) && b.charCodeAt(j) !== TILDE && b.charCodeAt(j) !== CARET) j++;
    const ca = at(a, i, la);
    const cb = at(b, j, lb);
    if (ca === TILDE || cb === TILDE) {
      if (ca !== TILDE) return 1;
      if (cb !== TILDE) return -1;
      i++;
      j++;
      continue;
    }
    if (ca === CARET || cb === CARET) {
      if (i >= la) return -1;
      if (j >= lb) return 1;
      if (ca !== CARET) return 1;
      if (cb !== CARET) return -1;
      i++;
      j++;
      continue;
    }
    if (!(i < la && j < lb)) break;
    let ei = i;
    let ej = j;
    const numeric = isDigit(ca);
    const inSegment = numeric ? isDigit : isAlpha;
    while (ei < la && inSegment(a.charCodeAt(ei))) ei++;
    while (ej < lb && inSegment(b.charCodeAt(ej))) ej++;
    // One segment numeric, the other alphabetic: the numeric one is newer.
    if (ej === j) return numeric ? 1 : -1;
    let sa = a.slice(i, ei);
    let sb = b.slice(j, ej);
    if (numeric) {
      sa = sa.replace(/^0+/, '');
      sb = sb.replace(/^0+/, '');
      if (sa.length !== sb.length) return sa.length > sb.length ? 1 : -1;
    }
    if (sa !== sb) return sa < sb ? -1 : 1;
    i = ei;
    j = ej;
  }
  if (i >= la && j >= lb) return 0;
  return i >= la ? -1 : 1;
}

/** An epoch:version-release. `epoch` and `release` are undefined when the string has none. */
export interface Evr {
  epoch?: string;
  version: string;
  release?: string;
}

/**
 * Splits `[epoch:]version[-release]` as rpmverParse does: the epoch is the leading digits when a
 * `:` follows them (an empty one is "0"), the release what follows the last `-` after them.
 */
export function parseEvr(evr: string): Evr {
  let s = 0;
  while (s < evr.length && isDigit(evr.charCodeAt(s))) s++;
  const dash = evr.lastIndexOf('-');
  const se = dash >= s ? dash : -1;
  let epoch: string | undefined;
  let vStart = 0;
  if (evr[s] === ':') {
    epoch = s === 0 ? '0' : evr.slice(0, s);
    vStart = s + 1;
  }
  const version = se >= 0 ? evr.slice(vStart, se) : evr.slice(vStart);
  return { epoch, version, release: se >= 0 ? evr.slice(se + 1) : undefined };
}

/**
 * rpmverCmp (what rpm.vercmp compares): epochs (missing = "0"), versions, then releases; an EVR
 * with a release (even an empty one, `1.0-`) is newer than the same one without.
 */
export function compareEvr(a: Evr, b: Evr): number {
  const rc = rpmvercmp(a.epoch ?? '0', b.epoch ?? '0') || rpmvercmp(a.version, b.version);
  if (rc) return rc;
  if (a.release !== undefined && b.release !== undefined) return rpmvercmp(a.release, b.release);
  return a.release !== undefined ? 1 : b.release !== undefined ? -1 : 0;
}

/** Packages by EVR (epoch, version, release as repodata gives them; missing epoch = 0): -1, 0, 1. */
export function comparePackageEvr(a: { epoch?: string; version: string; release?: string }, b: { epoch?: string; version: string; release?: string }): number {
  return compareEvr({ epoch: a.epoch || '0', version: a.version, release: a.release ?? '' }, { epoch: b.epoch || '0', version: b.version, release: b.release ?? '' });
}

/** The comparison of a versioned relation, as repodata's `flags` attribute spells it. */
export type Flags = 'EQ' | 'LT' | 'LE' | 'GT' | 'GE';

const LESS = 2;
const GREATER = 4;
const EQUAL = 8;
const SENSE: Record<Flags, number> = { EQ: EQUAL, LT: LESS, LE: LESS | EQUAL, GT: GREATER, GE: GREATER | EQUAL };

/**
 * Whether two versioned relations overlap (rpmverOverlap; rpmdsCompare returns 1 at once when
 * either side has no version). A Provides without a version satisfies any Requires of its name.
 */
export function rangesOverlap(a: { flags?: Flags; evr?: Evr }, b: { flags?: Flags; evr?: Evr }): boolean {
  if (!a.flags || !b.flags || !a.evr || !b.evr) return true;
  const f1 = SENSE[a.flags];
  const f2 = SENSE[b.flags];
  const v1 = a.evr;
  const v2 = b.evr;
  let sense = 0;
  if (v1.epoch && v2.epoch) sense = rpmvercmp(v1.epoch, v2.epoch);
  else if (v1.epoch && Number(v1.epoch) > 0) sense = 1;
  else if (v2.epoch && Number(v2.epoch) > 0) sense = -1;
  if (sense === 0) {
    sense = rpmvercmp(v1.version, v2.version);
    if (sense === 0) {
      if (v1.release && v2.release) sense = rpmvercmp(v1.release, v2.release);
      // The side with no release matches any release when the other side includes equality.
      else if ((v1.release && f2 & EQUAL) || (v2.release && f1 & EQUAL)) return true;
    }
  }
  if (sense < 0) return (f1 & GREATER) !== 0 || (f2 & LESS) !== 0;
  if (sense > 0) return (f1 & LESS) !== 0 || (f2 & GREATER) !== 0;
  return ((f1 & EQUAL) !== 0 && (f2 & EQUAL) !== 0) || ((f1 & LESS) !== 0 && (f2 & LESS) !== 0) || ((f1 & GREATER) !== 0 && (f2 & GREATER) !== 0);
}
