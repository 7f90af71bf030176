/**
 * salt-formula-aptly's `aptly:server:mirror:<name>` as Ferry deb mirrors:
 *   source -> url; distribution -> suites (a distribution ending in `/` is a flat repository:
 *   flat + directory); components, architectures (string or list) -> lists; gpgkeys -> keys
 *   (armored blocks) or key_ids (IDs, which need a keyserver); key_url -> key_urls; filter ->
 *   filter; filter_with_deps -> with_deps; sources -> with_sources; udebs -> with_udebs;
 *   keyserver (else aptly:server:gpg:keyserver, else the formula's keys.gnupg.net) ->
 *   keyservers (hkp://host), which the deb kind asks for key_ids.
 *   publisher (component, distributions `prefix/dist`, as aptly-publisher splits them: the last
 *   segment is the distribution) is where aptly served the mirror: see aptlyPublishAliases.
 *   snapshots, update and the rest describe aptly's own bookkeeping and are dropped.
 */
import { FerryError } from '../../core/ferry-error.js';
import { normalizeKeyId, resolveKeyIds } from './key-fingerprints.js';
import { dotted, ferryName, isRecord, text, words, type McpPart, type McpPath, type Translated } from './types.js';

const BASE: McpPath = ['aptly', 'server', 'mirror'];

const FIELDS: Record<string, string> = {
  url: 'source',
  suites: 'distribution',
  flat: 'distribution',
  directory: 'distribution',
  components: 'components',
  architectures: 'architectures',
  keys: 'gpgkeys',
  key_ids: 'gpgkeys',
  key_urls: 'key_url',
  filter: 'filter',
  with_deps: 'filter_with_deps',
  with_sources: 'sources',
  with_udebs: 'udebs',
  keyservers: 'keyserver',
};

/** The formula's default keyserver (salt-formula-aptly map.jinja). */
const FORMULA_KEYSERVER = 'keys.gnupg.net';

function keyserverUrl(host: string): string {
  return /^[a-z]+:\/\//.test(host) ? host : `hkp://${host}`;
}

export interface PublishAlias {
  /** URL path prefix aptly published under (`ubuntu-xenial/openstack`), '' for the root. */
  prefix: string;
  distribution: string;
  component?: string;
}

/** aptly-publisher's `distributions` entries (`[storage:endpoint:]prefix/dist`) as prefix + distribution. */
function aptlyPublishAliases(publisher: unknown): PublishAlias[] {
  if (!isRecord(publisher)) return [];
  const component = publisher.component === undefined ? undefined : text(publisher.component);
  return (words(publisher.distributions) ?? []).map((d) => {
    const local = d.replace(/^[a-z0-9]+:[^:]*:/, '');
    const slash = local.lastIndexOf('/');
    return { prefix: slash < 0 ? '' : local.slice(0, slash), distribution: local.slice(slash + 1), ...(component ? { component } : {}) };
  });
}

/**
 * `fingerprints`: the site's trusted full fingerprints (parameters.ferry.mcp.key_fingerprints,
 * key-fingerprints.ts) that aptly's 8- and 16-digit key IDs resolve to; a mirror with an ID
 * none resolves is held (listed as unverifiable, not mirrored).
 */
export function aptlyMirrors(parameters: Record<string, unknown>, fingerprints: readonly string[] = []): McpPart {
  const server = (parameters.aptly as Record<string, unknown> | undefined)?.server;
  const mirrors = isRecord(server) ? server.mirror : undefined;
  if (!isRecord(mirrors) || (isRecord(server) && server.enabled === false)) return { mirrors: [], notMirrored: [] };
  const gpg = isRecord(server) && isRecord(server.gpg) ? server.gpg : {};
  const out: Translated[] = [];
  const errors: FerryError[] = [];
  for (const [mcpName, m] of Object.entries(mirrors)) {
    if (!isRecord(m)) continue;
    const origin = [...BASE, mcpName];
    const spec: Record<string, unknown> = { kind: 'deb' };
    if (m.enabled === false) spec.enabled = false;
    if (m.source !== undefined) spec.url = m.source;
    const dist = m.distribution === undefined || m.distribution === null ? undefined : text(m.distribution);
    if (dist !== undefined && dist.endsWith('/')) {
      spec.flat = true;
      spec.directory = dist;
    } else if (dist !== undefined) spec.suites = [dist];
    const components = words(m.components);
    if (components && !spec.flat) spec.components = components;
    const archs = words(m.architectures);
    if (archs) spec.architectures = archs.filter((a) => a !== 'source');
    let held: Translated['held'];
    const keys = Array.isArray(m.gpgkeys) ? m.gpgkeys.map(text) : words(m.gpgkeys);
    if (keys) {
      const armored = keys.filter((k) => k.includes('BEGIN PGP'));
      const ids = keys.filter((k) => !k.includes('BEGIN PGP'));
      if (armored.length) spec.keys = armored;
      if (ids.length) {
        const r = resolveKeyIds(ids, fingerprints);
        spec.key_ids = [...r.keyIds, ...r.unresolved, ...r.ambiguous.map((a) => a.id)];
        spec.keyservers = [keyserverUrl(text(m.keyserver ?? gpg.keyserver ?? FORMULA_KEYSERVER))];
        for (const a of r.ambiguous) {
          errors.push(new FerryError('FERRY_INVALID_MODEL', `${dotted([...origin, 'gpgkeys'])}: key ID ${a.id} is the end of ${a.fingerprints.length} fingerprints in parameters.ferry.mcp.key_fingerprints (${a.fingerprints.join(', ')}): list only the one the mirror is signed with`, { path: dotted([...origin, 'gpgkeys']), resource: ferryName(mcpName), at: [...origin, 'gpgkeys'] }));
        }
        if (r.unresolved.length) held = { path: [...origin, 'gpgkeys'], reason: shortIdReason(ferryName(mcpName), r.unresolved) };
      }
    }
    const keyUrls = words(m.key_url);
    if (keyUrls) spec.key_urls = keyUrls;
    if (m.filter !== undefined && m.filter !== null && m.filter !== '') spec.filter = text(m.filter);
    if (m.filter_with_deps !== undefined) spec.with_deps = Boolean(m.filter_with_deps);
    if (m.sources) spec.with_sources = true;
    if (m.udebs) spec.with_udebs = true;
    out.push({
      name: ferryName(mcpName),
      spec,
      origin,
      field: (rest) => (rest.length && FIELDS[String(rest[0])] ? [...origin, FIELDS[String(rest[0])], ...rest.slice(1)] : origin),
      ...(held && m.enabled !== false ? { held } : {}),
    });
  }
  return { mirrors: out, notMirrored: [], errors };
}

/** A Ferry mirror name for an aptly publish prefix (`ubuntu-xenial/openstack/pike` -> `aptly-ubuntu-xenial-openstack-pike`). */
function publicationName(prefix: string): string {
  return ferryName(`aptly-${prefix.replace(/\//g, '-')}`);
}

/**
 * aptly's publications as Ferry `deb-publication` mirrors, one per publish prefix: each
 * distribution aptly published there with the mirrors (and the component each was published
 * as) it merged, served again at /<prefix>/ as aptly served it. A flat mirror, or one published at
 * the root (no prefix), is listed as not published at that URL. Which members remain (a held or
 * disabled one does not) is decided once overrides are applied (with-mcp-mirrors.ts).
 */
export function aptlyPublications(parameters: Record<string, unknown>, translated: readonly Translated[]): McpPart {
  const server = (parameters.aptly as Record<string, unknown> | undefined)?.server;
  const mirrors = isRecord(server) ? server.mirror : undefined;
  if (!isRecord(mirrors) || (isRecord(server) && server.enabled === false)) return { mirrors: [], notMirrored: [] };
  const byPrefix = new Map<string, { members: Array<{ distribution: string; mirror: string; component: string; at: McpPath }> }>();
  const notMirrored: McpPart['notMirrored'] = [];
  for (const [mcpName, m] of Object.entries(mirrors)) {
    if (!isRecord(m) || m.enabled === false) continue;
    const t = translated.find((x) => x.origin[x.origin.length - 1] === mcpName);
    const at = [...BASE, mcpName, 'publisher'];
    for (const a of aptlyPublishAliases(m.publisher)) {
      const url = `/${a.prefix ? `${a.prefix}/` : ''}dists/${a.distribution}`;
      if (!t) continue;
      if (t.spec.flat === true) {
        notMirrored.push({ path: at, reason: `aptly served it at ${url}; a flat repository has no dists/ to compose: Ferry serves it at /deb/${t.name}/ only` });
        continue;
      }
      if (!a.prefix) {
        notMirrored.push({ path: at, reason: `aptly served it at the root (${url}); Ferry serves nothing at its tree root but its kinds' folders: it is at /deb/${t.name}/` });
        continue;
      }
      const p = byPrefix.get(a.prefix) ?? { members: [] };
      p.members.push({ distribution: a.distribution, mirror: t.name, component: a.component ?? 'main', at });
      byPrefix.set(a.prefix, p);
    }
  }
  const out: Translated[] = [];
  for (const [prefix, p] of byPrefix) {
    const distributions: Record<string, Array<{ mirror: string; component: string }>> = {};
    const ats: Record<string, McpPath[]> = {};
    for (const m of p.members) {
      (distributions[m.distribution] ??= []).push({ mirror: m.mirror, component: m.component });
      (ats[m.distribution] ??= []).push(m.at);
    }
    const origin = p.members[0].at;
    out.push({
      name: publicationName(prefix),
      spec: { kind: 'deb-publication', prefix, distributions },
      origin,
      field: (rest) => (rest[0] === 'distributions' && typeof rest[1] === 'string' && typeof rest[2] === 'number' ? (ats[rest[1]]?.[rest[2]] ?? origin) : origin),
    });
  }
  return { mirrors: out, notMirrored };
}

/** Why a mirror whose key IDs are too short to fetch by is held, and what resolves it. */
function shortIdReason(name: string, ids: readonly string[]): string {
  const list = ids.map((id) => `${id} (${normalizeKeyId(id).length} hex digits)`).join(', ');
  return (
    `UNVERIFIABLE: mirror ${name} names its signing key only by short ID ${list}, which anyone can forge: not mirrored until ` +
    `parameters.ferry.mcp.key_fingerprints lists the full fingerprint (\`gpg --fingerprint <ID>\` on a keyring you trust), ` +
    `or parameters.ferry.mirrors.${name} replaces it (override: true) with keys, key_urls or key_ids`
  );
}
