/**
 * A plain HTML index of one folder of a served tree, for people browsing a mirror (apt, pip
 * and the other clients never need one). Pure: the caller reads the folder. Names are escaped
 * for HTML and percent-encoded in links, so a file name can never inject markup.
 */
export interface ListingEntry {
  name: string;
  isDirectory: boolean;
  size?: number;
  mtimeMs?: number;
}

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

export function renderDirectoryListing(options: {
  /** The URL path shown as the title, e.g. `/file/images/`. */
  urlPath: string;
  entries: readonly ListingEntry[];
  /** Adds a `../` link (not at the root). */
  parent: boolean;
  /** A line under the title (e.g. which snapshot is shown). */
  note?: string;
}): string {
  const sorted = [...options.entries].sort(
    (a, b) => Number(b.isDirectory) - Number(a.isDirectory) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
  const rows = sorted.map((e) => {
    const href = encodeURIComponent(e.name) + (e.isDirectory ? '/' : '');
    const label = escapeHtml(e.name + (e.isDirectory ? '/' : ''));
    const size = e.isDirectory || e.size === undefined ? '-' : String(e.size);
    const when = e.mtimeMs === undefined ? '' : new Date(e.mtimeMs).toISOString().replace(/\.\d+Z$/, 'Z');
    return `<tr><td><a href="${href}">${label}</a></td><td>${size}</td><td>${when}</td></tr>`;
  });
  if (options.parent) rows.unshift('<tr><td><a href="../">../</a></td><td></td><td></td></tr>');
  const title = `Index of ${escapeHtml(options.urlPath)}`;
  const note = options.note ? `<p>${escapeHtml(options.note)}</p>\n` : '';
  return [
    '<!DOCTYPE html>',
    `<html><head><meta charset="utf-8"><title>${title}</title></head>`,
    `<body><h1>${title}</h1>`,
    `${note}<table><thead><tr><th>Name</th><th>Size</th><th>Modified</th></tr></thead><tbody>`,
    ...rows,
    '</tbody></table></body></html>',
    '',
  ].join('\n');
}
