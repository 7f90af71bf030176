/**
 * The `location href` values of repodata (repomd.xml's data files, primary's packages) must name
 * a file under the repository's own URL: a relative path with no `..`, no absolute path, no URL
 * (to this or another host) and no `xml:base` (createrepo --baseurl: files served elsewhere).
 * Ferry serves each file at the same relative path, so such a path is also where it lands in
 * the served tree. Pure.
 */
import { safeRelativePath } from '../../../core/safe-path.js';

/** Why `href` (with its `xml:base`) is refused, or undefined when it is a safe relative path. */
export function safeHref(href: string, xmlBase?: string): string | undefined {
  if (xmlBase !== undefined && xmlBase !== '') return `xml:base ${JSON.stringify(xmlBase)} points outside the repository (only files under its URL are mirrored)`;
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(href) || href.startsWith('//')) return 'a URL, not a path under the repository';
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (/[\u0000-\u001f?#]/.test(href)) return 'control characters, ? or # in a path';
  try {
    safeRelativePath(href);
  } catch (e) {
    return (e as Error).message.replace(/^unsafe path "[^"]*": /, '');
  }
  return undefined;
}

/** `href` normalised (no `./` segments); call only after safeHref said yes. */
export function normalHref(href: string): string {
  return safeRelativePath(href);
}
