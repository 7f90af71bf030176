/**
 * Checksum files as upstreams publish them next to an image (`image.qcow2.md5`): the output of
 * md5sum / sha256sum (`<hex>  [*]<name>` lines) or a bare digest. The digest type follows from
 * its length (32 hex: md5, 64: sha256). Pure; takes text.
 */
export interface FileDigest {
  type: 'md5' | 'sha256';
  hex: string;
}

const LINE = /^\s*([0-9a-fA-F]{32}|[0-9a-fA-F]{64})(?:\s+\*?(.+?))?\s*$/;

/** The digest for `fileName` in `text` (a line naming it, else the only digest), or undefined. */
export function parseChecksumFile(text: string, fileName: string): FileDigest | undefined {
  const found: Array<{ hex: string; name?: string }> = [];
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (m) found.push({ hex: m[1].toLowerCase(), name: m[2] });
  }
  const named = found.find((f) => f.name !== undefined && (f.name === fileName || f.name.endsWith(`/${fileName}`)));
  const pick = named ?? (found.length === 1 ? found[0] : undefined);
  if (!pick) return undefined;
  return { type: pick.hex.length === 32 ? 'md5' : 'sha256', hex: pick.hex };
}
