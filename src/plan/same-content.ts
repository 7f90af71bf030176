/**
 * Whether a freshly generated set of resources holds exactly what a published snapshot holds:
 * the same resources with the same spec hashes and the same files (path and digest). A refresh
 * that finds nothing new upstream then publishes nothing.
 */
interface ContentResource {
  kind: string;
  name: string;
  hash: string;
  files: ReadonlyArray<{ path: string; sha256: string }>;
}

export function sameContent(a: ReadonlyArray<ContentResource>, b: ReadonlyArray<ContentResource>): boolean {
  if (a.length !== b.length) return false;
  const key = (r: ContentResource) => `${r.kind}/${r.name}`;
  const byId = new Map(b.map((r) => [key(r), r]));
  for (const r of a) {
    const other = byId.get(key(r));
    if (!other || other.hash !== r.hash || other.files.length !== r.files.length) return false;
    const files = new Map(other.files.map((f) => [f.path, f.sha256]));
    if (r.files.some((f) => files.get(f.path) !== f.sha256)) return false;
  }
  return true;
}
