/**
 * The pages a pypi mirror serves (PEP 503 HTML and PEP 691 JSON, API version 1.1 with PEP 700's
 * `versions` and `size`), one of each per folder: `simple/` lists the projects, `simple/<name>/`
 * (PEP 503 normalized) lists a project's files as links to `../../files/<name>/<file>` (relative,
 * so every retained snapshot's pages point into that snapshot), with `#sha256=`, PEP 592
 * `data-yanked`, `data-requires-python` and PEP 658/714 `data-core-metadata` (and
 * `data-dist-info-metadata` for pip before 23.3; the JSON pages carry PEP 714's `core-metadata` only:
 * pip 22.3 to 23.0 fail on a `dist-info-metadata` object there, PEP 714's reason for the new
 * name). Pure: bytes out, deterministic.
 */
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ENTITIES[c]);

export interface ServedFile {
  filename: string;
  sha256: string;
  size: number;
  version: string;
  requiresPython?: string;
  yanked: boolean | string;
  /** sha256 of the `.metadata` file served beside it (PEP 658), when there is one. */
  metadataSha256?: string;
}

export interface ServedProject {
  /** As upstream spells it. */
  name: string;
  /** PEP 503 normalized: its folder. */
  normalized: string;
  files: ServedFile[];
}

/** The JSON variant's file name beside index.html; its extension maps to the PEP 691 type (kind.ts). */
export const JSON_INDEX = 'index.pypi-json';
export const JSON_EXTENSION = 'pypi-json';
const API_VERSION = '1.1';

const enc = new TextEncoder();
const head = (title: string) =>
  `<!DOCTYPE html>\n<html>\n  <head>\n    <meta name="pypi:repository-version" content="${API_VERSION}">\n    <title>${escapeHtml(title)}</title>\n  </head>\n  <body>\n    <h1>${escapeHtml(title)}</h1>\n`;
const tail = '  </body>\n</html>\n';

/** Where a project's files live, from its page's folder. */
const fileHref = (project: string, filename: string): string => `../../files/${encodeURIComponent(project)}/${encodeURIComponent(filename)}`;

const byFilename = (a: ServedFile, b: ServedFile) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0);

export function projectHtml(p: ServedProject): Uint8Array {
  const links = [...p.files].sort(byFilename).map((f) => {
    const attrs = [`href="${escapeHtml(`${fileHref(p.normalized, f.filename)}#sha256=${f.sha256}`)}"`];
    if (f.requiresPython) attrs.push(`data-requires-python="${escapeHtml(f.requiresPython)}"`);
    if (f.metadataSha256) attrs.push(`data-dist-info-metadata="sha256=${f.metadataSha256}"`, `data-core-metadata="sha256=${f.metadataSha256}"`);
    if (f.yanked !== false) attrs.push(`data-yanked="${f.yanked === true ? '' : escapeHtml(f.yanked)}"`);
    return `    <a ${attrs.join(' ')}>${escapeHtml(f.filename)}</a><br/>\n`;
  });
  return enc.encode(head(`Links for ${p.name}`) + links.join('') + tail);
}

export function projectJson(p: ServedProject, versionOrder: (a: string, b: string) => number): Uint8Array {
  const files = [...p.files].sort(byFilename).map((f) => ({
    filename: f.filename,
    url: fileHref(p.normalized, f.filename),
    hashes: { sha256: f.sha256 },
    ...(f.requiresPython ? { 'requires-python': f.requiresPython } : {}),
    'core-metadata': f.metadataSha256 ? { sha256: f.metadataSha256 } : false,
    yanked: f.yanked,
    size: f.size,
  }));
  const versions = [...new Set(p.files.map((f) => f.version))].sort(versionOrder);
  return enc.encode(`${JSON.stringify({ meta: { 'api-version': API_VERSION }, name: p.normalized, versions, files })}\n`);
}

export function rootHtml(projects: readonly ServedProject[]): Uint8Array {
  const links = [...projects].sort((a, b) => (a.normalized < b.normalized ? -1 : 1)).map((p) => `    <a href="${escapeHtml(encodeURIComponent(p.normalized))}/">${escapeHtml(p.name)}</a><br/>\n`);
  return enc.encode(head('Simple index') + links.join('') + tail);
}

export function rootJson(projects: readonly ServedProject[]): Uint8Array {
  const list = [...projects].sort((a, b) => (a.normalized < b.normalized ? -1 : 1)).map((p) => ({ name: p.name }));
  return enc.encode(`${JSON.stringify({ meta: { 'api-version': API_VERSION }, projects: list })}\n`);
}
