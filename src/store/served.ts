/**
 * Where a resource's files are served, and how (issue 9's serving hook). Pure: read by the
 * tree planner (every URL is a hard link in the tree, so any static server serves it), by
 * fsck, by `ferry serve` and by the nginx maps each snapshot carries, so all of them agree.
 *
 * A file is served at `<root>/<path>`, at `<mirror>/<path>` for each of the resource's
 * `mirrors` (an aptly publish prefix), and at each of its `aliases` (a tag and a digest naming
 * the same manifest), which lie under the resource's `routes` (`v2/<name>`). Its `contentType`
 * applies at its URLs under the routes; elsewhere its name gives the type. Its `headers` apply
 * at all of its URLs.
 */
import { FerryError } from '../core/ferry-error.js';
import { resourceId } from '../core/resource.js';
import { safeRelativePath } from '../core/safe-path.js';
import type { ManifestFile, ManifestResource } from './types.js';

/** One URL path of the served tree (from the tree root, no leading slash) and what answers it. */
export interface ServedPath {
  rel: string;
  file: ManifestFile;
  /** The file's contentType when `rel` lies under one of the resource's routes. */
  contentType?: string;
}

/** The first segment no resource may claim: retained snapshots are served under it. */
const RESERVED = 'snapshots';
/** An HTTP field name (RFC 9110 §5.1, token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Values written into nginx strings and HTTP fields: printable, no quote, backslash or `$`. */
const PLAIN_VALUE = /^[\x20-\x21\x23\x25-\x5b\x5d-\x7e]*$/;

const under = (rel: string, folder: string): boolean => rel.startsWith(`${folder}/`);

/** The resource's route and mirror folders, checked: safe, not `snapshots/`, not its own root. */
function servingFolders(r: ManifestResource): { routes: string[]; mirrors: string[] } {
  const resource = resourceId(r);
  const check = (folder: string, what: string): string => {
    const safe = safeRelativePath(folder, { resource, path: what });
    const root = r.root;
    if (safe.split('/')[0] === RESERVED || safe === root || under(safe, root) || under(root, safe)) {
      throw new FerryError('FERRY_UNSAFE_PATH', `${resource}: ${what} ${JSON.stringify(folder)} overlaps its root or /${RESERVED}/`, { resource, path: what, actual: folder });
    }
    return safe;
  };
  return { routes: (r.routes ?? []).map((f) => check(f, 'route')), mirrors: (r.mirrors ?? []).map((f) => check(f, 'mirror')) };
}

/**
 * Every URL path of the resource, its own root first, with its content type; checks aliases (safe,
 * under a route), content types and headers (printable, no `"`, `\` or `$`).
 */
export function servedPaths(r: ManifestResource, rootRel: string, fileRel: (f: ManifestFile) => string): ServedPath[] {
  const resource = resourceId(r);
  const { routes, mirrors } = servingFolders(r);
  const typed = (rel: string) => routes.some((route) => under(rel, route));
  const out: ServedPath[] = [];
  for (const f of r.files) {
    const path = fileRel(f);
    checkServedAs(f, resource);
    const at = (rel: string) => out.push(f.contentType !== undefined && typed(rel) ? { rel, file: f, contentType: f.contentType } : { rel, file: f });
    at(`${rootRel}/${path}`);
    for (const m of mirrors) at(`${m}/${path}`);
    for (const a of f.aliases ?? []) {
      const alias = safeRelativePath(a, { resource, path: f.path });
      if (!typed(alias)) {
        throw new FerryError('FERRY_UNSAFE_PATH', `${resource}: alias ${JSON.stringify(a)} of ${f.path} lies under none of its routes`, { resource, path: f.path, actual: a, expected: routes.join(', ') || 'a route' });
      }
      at(alias);
    }
  }
  return out;
}

function checkServedAs(f: ManifestFile, resource: string): void {
  const bad = (what: string, actual: unknown) => new FerryError('FERRY_INTERNAL', `${resource}: ${f.path} has an unusable ${what}`, { resource, path: f.path, actual });
  if (f.contentType !== undefined && (typeof f.contentType !== 'string' || !/^[\w.+-]+\/[\w.+-]+/.test(f.contentType) || !PLAIN_VALUE.test(f.contentType))) throw bad('content type', f.contentType);
  for (const [name, value] of Object.entries(f.headers ?? {})) {
    if (!HEADER_NAME.test(name) || typeof value !== 'string' || !PLAIN_VALUE.test(value)) throw bad('header', `${name}: ${String(value)}`);
  }
}

/**
 * The folders resources claim besides their roots must not overlap another resource's root,
 * route or mirror (two resources would then share one URL space); two resources' mirror
 * folders may nest, as aptly's publish prefixes do.
 */
export function checkClaims(resources: readonly ManifestResource[]): void {
  const claims: Array<{ folder: string; resource: string; own: boolean; mirror?: boolean }> = [];
  for (const r of resources) {
    const { routes, mirrors } = servingFolders(r);
    const resource = resourceId(r);
    claims.push({ folder: r.root, resource, own: true });
    for (const folder of routes) claims.push({ folder, resource, own: false });
    for (const folder of mirrors) claims.push({ folder, resource, own: false, mirror: true });
  }
  for (const a of claims) {
    if (a.own) continue;
    for (const b of claims) {
      if (a.resource === b.resource) continue;
      // One mirror folder inside another (aptly's `ubuntu-xenial/openstack/pike` next to
      // `ubuntu-xenial`, whose dists/ and pool/ it does not touch) is allowed: planTree still
      // refuses any path two files want, and a file where a folder must be.
      const nested = a.mirror === true && b.mirror === true && a.folder !== b.folder;
      if (!nested && (a.folder === b.folder || under(a.folder, b.folder) || under(b.folder, a.folder))) {
        throw new FerryError('FERRY_UNSAFE_PATH', `${a.resource} serves at ${a.folder}/, which overlaps ${b.folder}/ of ${b.resource}`, { resource: a.resource, actual: a.folder, expected: `not ${b.folder}` });
      }
    }
  }
}

/** The longest map key: nginx's map_hash_bucket_size (1024, nginx-config.ts) less its overhead. */
const MAX_MAP_KEY = 1000;

/** `key` and `value` as one line of an nginx `map` block. */
const mapLine = (key: string, value: string): string => `"${key}" "${value}";\n`;

/**
 * The nginx `map` entries of one snapshot, by file name (`type.map`, `header-<name>.map`):
 * `"<snapshot>:/<path>" "<value>";` for every URL with a content type or header of its own.
 * The generated nginx configuration includes `snapshots/* /nginx/*.map`, so a snapshot carries
 * its own and a rollback needs no new configuration. Empty when no file needs one.
 */
export function nginxMaps(id: string, paths: readonly ServedPath[]): Map<string, string> {
  const files = new Map<string, string>();
  const add = (name: string, line: string) => files.set(name, (files.get(name) ?? '') + line);
  for (const p of paths) {
    if (p.contentType === undefined && p.file.headers === undefined) continue;
    if (!PLAIN_VALUE.test(p.rel)) {
      throw new FerryError('FERRY_UNSAFE_PATH', `${p.rel} has a content type or header of its own and characters an nginx map cannot hold`, { actual: p.rel });
    }
    const key = `${id}:/${p.rel}`;
    if (Buffer.byteLength(key) > MAX_MAP_KEY) {
      throw new FerryError('FERRY_UNSAFE_PATH', `${p.rel} has a content type or header of its own and is too long for an nginx map (${MAX_MAP_KEY} bytes with the snapshot id)`, { actual: p.rel });
    }
    if (p.contentType !== undefined) add('type.map', mapLine(key, p.contentType));
    for (const [name, value] of Object.entries(p.file.headers ?? {})) add(`header-${name.toLowerCase()}.map`, mapLine(key, value));
  }
  return files;
}
