/**
 * Pure helpers for conditional and range requests (RFC 9110 §13 and §14). No I/O: they take
 * header values and the validators of a file, and say what to answer.
 */

/** Splits an entity-tag list (`"a", W/"b"`) into its tags, weak prefix kept. */
function entityTags(header: string): string[] {
  return header.match(/(?:W\/)?"[^"]*"/g) ?? [];
}

const opaque = (tag: string): string => (tag.startsWith('W/') ? tag.slice(2) : tag);

/**
 * If-None-Match (weak comparison, §13.1.2), else If-Modified-Since (§13.1.3, only when
 * If-None-Match is absent): true when the client's copy is current and a 304 is the answer.
 */
export function isNotModified(options: {
  ifNoneMatch?: string;
  ifModifiedSince?: string;
  etag: string;
  mtimeMs: number;
}): boolean {
  const { ifNoneMatch, ifModifiedSince, etag, mtimeMs } = options;
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() === '*') return true;
    return entityTags(ifNoneMatch).some((t) => opaque(t) === opaque(etag));
  }
  if (ifModifiedSince !== undefined) {
    const since = Date.parse(ifModifiedSince);
    if (Number.isNaN(since)) return false;
    return Math.floor(mtimeMs / 1000) * 1000 <= since;
  }
  return false;
}

/**
 * If-Range (§13.1.5): the range applies only when the validator names this very
 * representation: a strong entity-tag equal to ours, or an HTTP date equal to Last-Modified.
 * Absent If-Range: the range applies.
 */
export function ifRangeAllows(options: { ifRange?: string; etag: string; mtimeMs: number }): boolean {
  const { ifRange, etag, mtimeMs } = options;
  if (ifRange === undefined) return true;
  const value = ifRange.trim();
  if (value.startsWith('"')) return value === etag && !etag.startsWith('W/');
  if (value.startsWith('W/')) return false;
  const date = Date.parse(value);
  return !Number.isNaN(date) && date === Math.floor(mtimeMs / 1000) * 1000;
}

export type RangeResult =
  | { kind: 'full' }
  | { kind: 'partial'; start: number; end: number }
  | { kind: 'unsatisfiable' };

/**
 * A `Range: bytes=...` header against a file of `size` bytes (§14.1.2). One satisfiable range
 * gives `partial` (inclusive `end`); several ranges, another unit or bad syntax give `full`
 * (ignoring Range is always allowed); a range past the end gives `unsatisfiable` (416).
 */
export function parseRange(header: string | undefined, size: number): RangeResult {
  if (header === undefined) return { kind: 'full' };
  const m = /^\s*bytes\s*=\s*(.*)$/i.exec(header);
  if (!m) return { kind: 'full' };
  const specs = m[1].split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (specs.length !== 1) return { kind: 'full' };
  const spec = /^(\d*)\s*-\s*(\d*)$/.exec(specs[0]);
  if (!spec || (spec[1] === '' && spec[2] === '')) return { kind: 'full' };
  if (spec[1] === '') {
    const suffix = Number(spec[2]);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(spec[1]);
  const last = spec[2] === '' ? Infinity : Number(spec[2]);
  if (last < start) return { kind: 'full' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end: Math.min(last, size - 1) };
}
