/**
 * Turns the raw request target into checked path segments, before any file system access.
 *
 * The target's path is split on `/` first and each segment percent-decoded afterwards, so an
 * encoded slash (`%2f`) can never make a new segment. A segment that is `.` or `..` (raw or
 * encoded, `%2e%2e`), holds a NUL, a slash or a backslash once decoded, or is not valid
 * percent-encoded UTF-8 makes the whole request unsafe: the caller answers 400 and touches
 * nothing. Empty segments (`//`) are dropped. The query string is ignored.
 */
export type RequestPath =
  | { ok: true; segments: string[]; trailingSlash: boolean; query: string }
  | { ok: false; reason: string };

const MAX_TARGET_LENGTH = 8192;

export function parseRequestPath(target: string | undefined): RequestPath {
  if (!target || !target.startsWith('/')) return { ok: false, reason: 'target is not an absolute path' };
  if (target.length > MAX_TARGET_LENGTH) return { ok: false, reason: 'target too long' };
  const q = target.indexOf('?');
  const rawPath = q === -1 ? target : target.slice(0, q);
  const query = q === -1 ? '' : target.slice(q);
  if (rawPath.includes('\0')) return { ok: false, reason: 'NUL in path' };
  const segments: string[] = [];
  for (const raw of rawPath.split('/')) {
    if (raw === '') continue;
    let decoded: string;
    try {
      decoded = decodeURIComponent(raw);
    } catch {
      return { ok: false, reason: 'bad percent-encoding' };
    }
    if (decoded === '.' || decoded === '..') return { ok: false, reason: 'dot segment' };
    if (/[\0/\\]/.test(decoded)) return { ok: false, reason: 'NUL, slash or backslash in a segment' };
    segments.push(decoded);
  }
  return { ok: true, segments, trailingSlash: rawPath.endsWith('/'), query };
}

/** Percent-encodes segments back into a URL path (for redirects and listing links). */
export function encodePath(segments: readonly string[], options: { trailingSlash?: boolean } = {}): string {
  const body = segments.map((s) => encodeURIComponent(s)).join('/');
  const path = `/${body}`;
  return options.trailingSlash && segments.length > 0 ? `${path}/` : path;
}
