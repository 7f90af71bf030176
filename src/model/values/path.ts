/**
 * Paths into parameters, as reclass's DictPath: `a:b:0` split on the delimiter unless it is
 * preceded by a backslash (which stays in the key); in a list a part is an index (Python's
 * int(), negative counts from the end).
 */
const splitCache = new Map<string, string[]>();

/** splitPath, memoized (reference paths repeat across nodes); the result must not be mutated. */
export function splitPath(s: string, delimiter: string): string[] {
  const key = delimiter + '\u0000' + s;
  let hit = splitCache.get(key);
  if (!hit) {
    hit = splitPathRaw(s, delimiter);
    if (splitCache.size > 100_000) splitCache.clear();
    splitCache.set(key, hit);
  }
  return hit;
}

function splitPathRaw(s: string, delimiter: string): string[] {
  if (!s.includes('\\')) return s.split(delimiter);
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; ) {
    if (s.startsWith(delimiter, i) && !(i > 0 && s[i - 1] === '\\')) {
      out.push(cur);
      cur = '';
      i += delimiter.length;
    } else {
      cur += s[i];
      i++;
    }
  }
  out.push(cur);
  return out;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype;
}

/** Python int() of a path part, or undefined. */
export function pyIndex(part: string | number, length: number): number | undefined {
  if (typeof part === 'number') return part < 0 ? part + length : part;
  const t = part.trim().replace(/_/g, '');
  if (!/^[-+]?[0-9]+$/.test(t)) return undefined;
  const n = Number(t);
  return n < 0 ? n + length : n;
}

export const MISSING: unique symbol = Symbol('missing');

/** Reads `parts` from a rendered tree; MISSING when a part is absent or a scalar is in the way. */
export function getAt(root: unknown, parts: ReadonlyArray<string | number>): unknown {
  let cur: unknown = root;
  for (const part of parts) {
    if (Array.isArray(cur)) {
      const i = pyIndex(part, cur.length);
      if (i === undefined || i < 0 || i >= cur.length) return MISSING;
      cur = cur[i];
    } else if (isPlainObject(cur)) {
      const k = String(part);
      if (!Object.prototype.hasOwnProperty.call(cur, k)) return MISSING;
      cur = cur[k];
    } else return MISSING;
  }
  return cur;
}

/**
 * Resolves a reference path as reclass's DictPath.get_value does: list indexes are accepted
 * on the way down, but the last part is always a dict key (so `${list:1}` is not found in
 * reclass 1.7, a quirk kept for compatibility).
 */
export function getRef(root: unknown, parts: ReadonlyArray<string>): unknown {
  const parent = getAt(root, parts.slice(0, -1));
  if (!isPlainObject(parent)) return MISSING;
  const last = parts[parts.length - 1];
  return Object.prototype.hasOwnProperty.call(parent, last) ? parent[last] : MISSING;
}

export function pathKey(parts: ReadonlyArray<string | number>): string {
  return parts.join('\u0001');
}
