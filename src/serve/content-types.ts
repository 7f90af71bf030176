/**
 * Content types of the files a mirror serves, by file name. One table feeds both `ferry serve`
 * and the generated nginx configuration, so the two answer alike. Compressed indexes are served
 * as what they are (`application/gzip`), never with a Content-Encoding: apt and pip decompress
 * them themselves.
 */
export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/** Extension (lowercase, without the dot) to content type. */
export const CONTENT_TYPES_BY_EXTENSION: Readonly<Record<string, string>> = {
  deb: 'application/vnd.debian.binary-package',
  udeb: 'application/vnd.debian.binary-package',
  ddeb: 'application/vnd.debian.binary-package',
  dsc: 'text/plain; charset=utf-8',
  changes: 'text/plain; charset=utf-8',
  buildinfo: 'text/plain; charset=utf-8',
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

/**
 * Index files without an extension that clients read as text: Debian archive indexes
 * (Release, InRelease, Packages, Sources, Contents-*, Translation-*, checksum lists) and the
 * dumb-HTTP Git refs listing.
 */
export const PLAIN_TEXT_NAMES: readonly RegExp[] = [
  /^(?:Release|InRelease|Packages|Sources|Index|Components|Translation-[A-Za-z_@.]+|Contents-[A-Za-z0-9-]+)$/,
  /^(?:SHA256SUMS|SHA512SUMS|MD5SUMS|SHA1SUMS|CHECKSUMS)$/,
  /^(?:refs|packs|HEAD|alternatives)$/,
];

/** The content type to answer for a file name (the last path segment). */
export function contentTypeFor(fileName: string): string {
  if (PLAIN_TEXT_NAMES.some((re) => re.test(fileName))) return 'text/plain; charset=utf-8';
  const dot = fileName.lastIndexOf('.');
  if (dot <= 0 || dot === fileName.length - 1) return DEFAULT_CONTENT_TYPE;
  return CONTENT_TYPES_BY_EXTENSION[fileName.slice(dot + 1).toLowerCase()] ?? DEFAULT_CONTENT_TYPE;
}
