/**
 * salt-formula-aptly's `aptly:server:mirror:<name>` as Ferry deb mirrors:
 *   source -> url; distribution -> suites (a distribution ending in `/` is a flat repository:
 *   flat + directory); components, architectures (string or list) -> lists; gpgkeys -> keys
 *   (armored blocks) or key_ids (IDs, which need a keyserver); key_url -> key_urls; filter ->
 *   filter; filter_with_deps -> with_deps; sources -> with_sources; udebs -> with_udebs;
 *   keyserver (else aptly:server:gpg:keyserver, else the formula's keys.gnupg.net) ->
 *   keyservers (hkp://host), which the deb kind asks for key_ids.
 *   publisher (component, distributions `prefix/dist`) is where aptly served the mirror: the
 *   deb-publication kind translates it (../publication/mcp.ts).
 *   snapshots, update and the rest describe aptly's own bookkeeping and are dropped.
 */
import { FerryError } from '../../../core/ferry-error.js';
import { normalizeKeyId, resolveKeyIds } from './key-fingerprints.js';
import { dotted, ferryName, isRecord, text, words, type McpPart, type McpPath, type Translated } from '../../../core/mcp.js';

export const APTLY_MIRRORS: McpPath = ['aptly', 'server', 'mirror'];

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
    const origin = [...APTLY_MIRRORS, mcpName];
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

/** Why a mirror whose key IDs are too short to fetch by is held, and what resolves it. */
function shortIdReason(name: string, ids: readonly string[]): string {
  const list = ids.map((id) => `${id} (${normalizeKeyId(id).length} hex digits)`).join(', ');
  return (
    `UNVERIFIABLE: mirror ${name} names its signing key only by short ID ${list}, which anyone can forge: not mirrored until ` +
    `parameters.ferry.mcp.key_fingerprints lists the full fingerprint (\`gpg --fingerprint <ID>\` on a keyring you trust), ` +
    `or parameters.ferry.mirrors.${name} replaces it (override: true) with keys, key_urls or key_ids`
  );
}
