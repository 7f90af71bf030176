/**
 * Content types of the files a mirror serves, by file name: a table of common formats here, and
 * each kind's own (Kind.contentTypes: `.deb`, `Release`, git's `info/refs`) merged in. One table
 * feeds both `ferry serve` and the generated nginx configuration, so the two answer alike. Compressed indexes are served
 * as what they are (`application/gzip`), never with a Content-Encoding: apt and pip decompress
 * them themselves.
 */
export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/** Extension (lowercase, without the dot) to content type: formats no kind owns. */
const COMMON_BY_EXTENSION: Readonly<Record<string, string>> = {
  rpm: 'application/x-rpm',
  gz: 'application/gzip',
  tgz: 'application/gzip',
  xz: 'application/x-xz',
  bz2: 'application/x-bzip2',
  zst: 'application/zstd',
  lz4: 'application/x-lz4',
  tar: 'application/x-tar',
  zip: 'application/zip',
  whl: 'application/zip',
  json: 'application/json',
  xml: 'application/xml',
  yaml: 'application/yaml',
  yml: 'application/yaml',
  asc: 'application/pgp-signature',
  sig: 'application/pgp-signature',
  gpg: 'application/pgp-signature',
  pgp: 'application/pgp-keys',
  html: 'text/html; charset=utf-8',
  htm: 'text/html; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  sha256: 'text/plain; charset=utf-8',
  sha512: 'text/plain; charset=utf-8',
  md5: 'text/plain; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  iso: 'application/x-iso9660-image',
  qcow2: 'application/octet-stream',
  img: 'application/octet-stream',
  raw: 'application/octet-stream',
  vmdk: 'application/octet-stream',
  vhd: 'application/octet-stream',
};

/** Checksum lists without an extension that clients read as text. */
const COMMON_PLAIN_TEXT_NAMES: readonly RegExp[] = [/^(?:SHA256SUMS|SHA512SUMS|MD5SUMS|SHA1SUMS|CHECKSUMS)$/];

export interface ContentTypeTable {
  /** Extension (lowercase, without the dot) to content type. */
  byExtension: Readonly<Record<string, string>>;
  /** Names without an extension (anchored) that are served as text. */
  plainTextNames: readonly RegExp[];
}

/** What a kind adds to the table (src/drivers/kind.ts, KindContentTypes). */
export interface KindTypes {
  readonly kind: string;
  readonly contentTypes?: { byExtension?: Readonly<Record<string, string>>; plainTextNames?: readonly RegExp[] };
}

/** The common table with each kind's types added; two kinds giving one extension two types is a bug. */
export function contentTypeTable(kinds: readonly KindTypes[]): ContentTypeTable {
  const byExtension: Record<string, string> = { ...COMMON_BY_EXTENSION };
  const plainTextNames = [...COMMON_PLAIN_TEXT_NAMES];
  for (const k of kinds) {
    for (const [ext, type] of Object.entries(k.contentTypes?.byExtension ?? {})) {
      if (byExtension[ext] !== undefined && byExtension[ext] !== type) throw new Error(`kind ${k.kind} serves .${ext} as ${type}, another table as ${byExtension[ext]}`);
      byExtension[ext] = type;
    }
    plainTextNames.push(...(k.contentTypes?.plainTextNames ?? []));
  }
  return { byExtension, plainTextNames };
}

/** The content type to answer for a file name (the last path segment). */
export function contentTypeFor(fileName: string, table: ContentTypeTable): string {
  if (table.plainTextNames.some((re) => re.test(fileName))) return 'text/plain; charset=utf-8';
  const dot = fileName.lastIndexOf('.');
  if (dot <= 0 || dot === fileName.length - 1) return DEFAULT_CONTENT_TYPE;
  return table.byExtension[fileName.slice(dot + 1).toLowerCase()] ?? DEFAULT_CONTENT_TYPE;
}
