/**
 * Pure helpers for conditional and range requests (RFC 9110 §13 and §14). No I/O: they take
 * header values and the validators of a file, and say what to answer.
 */

/** Splits an entity-tag list (`"a", W/"b"`) into its tags, weak prefix kept. */
function entityTags(header: string): string[] {
  return header.match(/(?:W\/)?"[^"]*"/g) ?? [];
}

const opaque = (tag: string): string => (tag.startsWith('W/') ? tag.slice(2) : tag);

/** Whole seconds, as an HTTP date carries them. */
const seconds = (ms: number): number => Math.floor(ms / 1000) * 1000;

/**
 * If-None-Match (weak comparison, §13.1.2), else If-Modified-Since (§13.1.3, only when
 * If-None-Match is absent): true when the client's copy is current and a 304 is the answer.
 *
 * If-Modified-Since matches only a date EQUAL to the Last-Modified we send (nginx's
 * `if_modified_since exact`), never an older file: a rollback publishes files whose dates go
 * backwards, and "not modified since a later date" would then tell a client that holds the
 * newer snapshot's file that it is current (issue 10). Without a Last-Modified (`lastModifiedMs`
 * undefined: see serve-handler's racy-second rule) no date matches.
 */
export function isNotModified(options: {
  ifNoneMatch?: string;
  ifModifiedSince?: string;
  etag: string;
  lastModifiedMs: number | undefined;
}): boolean {
  const { ifNoneMatch, ifModifiedSince, etag, lastModifiedMs } = options;
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() === '*') return true;
    return entityTags(ifNoneMatch).some((t) => opaque(t) === opaque(etag));
  }
  if (ifModifiedSince !== undefined && lastModifiedMs !== undefined) {
    const since = Date.parse(ifModifiedSince);
    return !Number.isNaN(since) && since === seconds(lastModifiedMs);
  }
  return false;
}

/**
 * If-Range (§13.1.5): the range applies only when the validator names this very
 * representation: a strong entity-tag equal to ours, or an HTTP date equal to the Last-Modified
 * we send (none sent: no date matches). Absent If-Range: the range applies.
 */
export function ifRangeAllows(options: { ifRange?: string; etag: string; lastModifiedMs: number | undefined }): boolean {
  const { ifRange, etag, lastModifiedMs } = options;
  if (ifRange === undefined) return true;
  const value = ifRange.trim();
  if (value.startsWith('"')) return value === etag && !etag.startsWith('W/');
  if (value.startsWith('W/') || lastModifiedMs === undefined) return false;
  const date = Date.parse(value);
  return !Number.isNaN(date) && date === seconds(lastModifiedMs);
}

/**
 * The Last-Modified of a file in the published tree, or undefined when none may be sent.
 *
 * A URL of the published tree changes content when `current` is switched, and a switch may
 * bring back files older than those it replaces. So the date is the later of the file's mtime
 * and the switch (`publishedAtMs`, the mtime of the `current` symlink, made at each publish):
 * every client copy taken before a switch carries an earlier date than any file after it. And
 * no date is sent during the second it names (`nowMs`), as a second publish within that same
 * second would otherwise give different content the same date (git's "racy" rule). With exact
 * matching (isNotModified), two different files never share a date a client can send back.
 * Files of a retained snapshot URL never change: their mtime is their date.
 */
export function servedLastModified(options: { mtimeMs: number; publishedAtMs?: number; nowMs: number }): number | undefined {
  const { mtimeMs, publishedAtMs, nowMs } = options;
  if (publishedAtMs === undefined) return mtimeMs;
  const date = Math.max(seconds(mtimeMs), seconds(publishedAtMs));
  return date >= seconds(nowMs) ? undefined : date;
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
