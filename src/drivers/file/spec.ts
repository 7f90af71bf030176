/**
 * The `kind: file` spec: each file's URL, how it is checked (sha256, md5, a checksum file next
 * to it, or none: trust on first use), optional size, and its path under the mirror (by default
 * the URL's last segment). Pure.
 */
import { FerryError, FerryErrors } from '../../core/ferry-error.js';
import { safeRelativePath } from '../../core/safe-path.js';
import type { SpecContext } from '../../validate/check-semantics.js';

export interface FileEntry {
  url: string;
  sha256?: string;
  md5?: string;
  digest_url?: string;
  size?: number;
  path: string;
}

export interface FileSpec {
  files: FileEntry[];
}

/** The path of a file left implicit is its URL's last segment; files are sorted by path. */
export function withFileDefaults(spec: Record<string, unknown>): Record<string, unknown> {
  if (!Array.isArray(spec.files)) return spec;
  const files = (spec.files as Array<Record<string, unknown>>).map((f) => ({ ...f, path: typeof f.path === 'string' ? f.path : basename(String(f.url)) }));
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { ...spec, files };
}

function basename(url: string): string {
  try {
    const parts = new URL(url).pathname.split('/').filter(Boolean);
    return decodeURIComponent(parts[parts.length - 1] ?? 'index');
  } catch {
    return url;
  }
}

/** Paths are safe, not SHA256SUMS (the generated list), and not given twice. */
export function parseFileSpec(spec: Record<string, unknown>, ctx: Pick<SpecContext, 'resource'>): FileSpec {
  const { resource } = ctx;
  const raw = Array.isArray(spec.files) ? (spec.files as Array<Record<string, unknown>>) : [];
  const errors: FerryError[] = [];
  const seen = new Map<string, string>();
  const files: FileEntry[] = [];
  raw.forEach((f, i) => {
    const url = String(f.url);
    let path: string;
    try {
      path = safeRelativePath(String(f.path), { resource, url });
    } catch (e) {
      errors.push(new FerryError('FERRY_UNSAFE_PATH', `${resource}: ${(e as Error).message}`, { resource, field: ['files', i, 'path'], actual: f.path }));
      return;
    }
    if (path === 'SHA256SUMS') errors.push(new FerryError('FERRY_INVALID_MODEL', `${resource}: the path SHA256SUMS is reserved for the generated checksum list`, { resource, field: ['files', i, 'path'] }));
    const other = seen.get(path);
    if (other) errors.push(new FerryError('FERRY_INVALID_MODEL', `${resource}: two files are published at ${path} (${other} and ${url}); give one a different path`, { resource, field: ['files', i, 'path'], path }));
    seen.set(path, url);
    const text = (k: string) => (typeof f[k] === 'string' ? { [k]: f[k] } : {});
    files.push({ url, ...text('sha256'), ...text('md5'), ...text('digest_url'), ...(typeof f.size === 'number' ? { size: f.size } : {}), path });
  });
  if (errors.length === 1) throw errors[0];
  if (errors.length) throw new FerryErrors(errors);
  return { files };
}
