/**
 * The `kind: deb` vocabulary (parameters.ferry.mirrors.<name>) with its defaults filled in.
 * Schema validation happened earlier (src/validate); this only normalises and checks what the
 * schema cannot (a flat repository has no suites, a filter must parse).
 */
import { FerryError } from '../../core/ferry-error.js';
import { parseQuery, QuerySyntaxError, type Query } from './format/query.js';
import { keyIdMessage, parseFingerprint } from './key-ids.js';

export interface DebSpec {
  url: string;
  suites: string[];
  components: string[];
  /** Target architectures, without `all` (always included). */
  architectures: string[];
  keys: string[];
  /** URLs of armored (or binary) public keys, fetched at resolve time (MCP `key_url`). */
  keyUrls: string[];
  /** Full fingerprints (upper-case hex) of keys taken from site.keyring or a keyserver. */
  keyIds: string[];
  /** The mirror's own keyservers (else the site's). */
  keyservers: string[];
  packages?: string[];
  filter?: string;
  withDeps: boolean;
  withRecommends: boolean;
  withSources: boolean;
  withUdebs: boolean;
  withRequired: boolean;
  bases: string[];
  flat: boolean;
  /** Flat repositories: the directory holding Release and Packages, relative to url ('' = url itself). */
  directory: string;
  /** Parsed `filter` and `packages` (each package entry is a name condition). */
  filterQuery?: Query;
  packageQueries: Query[];
  /** Full mirror: neither packages, filter nor with_required. */
  full: boolean;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : []);

/**
 * The spec of deb mirror `id` (`deb/<name>`) with its defaults, its filter and package queries
 * parsed. Pure; throws FERRY_INVALID_MODEL whose `field` names the bad field (`filter`,
 * `packages[2]`), which `ferry validate` turns into the YAML file and line.
 */
export function normalizeSpec(s: Record<string, unknown>, id: string): DebSpec {
  const bad = (msg: string, field: string) => new FerryError('FERRY_INVALID_MODEL', `${id}: ${msg}`, { resource: id, field });
  const url = (typeof s.url === 'string' ? s.url : '').replace(/\/+$/, '');
  if (!/^https?:\/\//.test(url)) throw bad(`url must be an http(s) URL, got ${JSON.stringify(s.url)}`, 'url');
  const flat = s.flat === true;
  const suites = strings(s.suites);
  if (!flat && suites.length === 0) throw bad('suites is empty (or set flat: true)', 'suites');
  const directory = flat ? (typeof s.directory === 'string' ? s.directory : './').replace(/^\.\/?/, '').replace(/\/+$/, '') : '';
  const parse = (text: string, path: string): Query => {
    try {
      return parseQuery(text);
    } catch (e) {
      if (e instanceof QuerySyntaxError) throw bad(e.message, path);
      throw bad((e as Error).message, path);
    }
  };
  const packages = s.packages === undefined ? undefined : strings(s.packages);
  const filter = typeof s.filter === 'string' && s.filter.trim() ? s.filter : undefined;
  const withRequired = s.with_required === true;
  const keyIds = strings(s.key_ids).map((text, i) => {
    const got = parseFingerprint(text);
    if ('problem' in got) throw bad(`key_ids[${i}]: ${keyIdMessage(text, got.problem)}`, `key_ids[${i}]`);
    return got.fingerprint;
  });
  if (!strings(s.keys).length && !strings(s.key_urls).length && !keyIds.length) {
    throw bad('no keys to check the upstream Release signature with: give armored keys in keys, key_urls, or key_ids (fingerprints) with a keyring or keyserver', 'keys');
  }
  return {
    url,
    suites: flat ? [directory] : suites,
    components: flat ? [''] : strings(s.components).length ? strings(s.components) : ['main'],
    architectures: (strings(s.architectures).length ? strings(s.architectures) : ['amd64']).filter((a) => a !== 'all'),
    keys: strings(s.keys),
    keyUrls: strings(s.key_urls),
    keyIds,
    keyservers: strings(s.keyservers),
    packages,
    filter,
    // aptly's filter_with_deps defaults to off; a list of packages is asked for with its dependencies.
    withDeps: typeof s.with_deps === 'boolean' ? s.with_deps : packages !== undefined || !filter,
    withRecommends: s.with_recommends === true,
    withSources: s.with_sources === true,
    withUdebs: s.with_udebs === true,
    withRequired,
    bases: strings(s.bases),
    flat,
    directory,
    filterQuery: filter ? parse(filter, 'filter') : undefined,
    packageQueries: (packages ?? []).map((p, i) => parse(p, `packages[${i}]`)),
    full: packages === undefined && !filter && !withRequired,
  };
}
