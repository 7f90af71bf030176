/**
 * What existing MCP (Mirantis Cloud Platform / DriveTrain) models already say about mirrors,
 * read as Ferry mirrors, so that an MCP cluster model mirrors what DriveTrain mirrored without
 * being rewritten (mapping table: README, "The MCP vocabulary"):
 *   parameters.aptly.server.mirror.<name>                          -> deb   (mcp/aptly-mirrors.ts)
 *   parameters.debmirror.client.mirrors.<name>                     -> deb   (mcp/debmirror-mirrors.ts)
 *   parameters.docker.client.images                                -> oci   (mcp/docker-images.ts)
 *   parameters._param.default_local_mirrror_content (three r's):
 *     docker_client_registry_image                                 -> oci   (mcp/docker-images.ts)
 *     git_server_repos                                             -> git   (mcp/local-mirror-content.ts)
 *     linux_system_file                                            -> file
 *     maas_mirror_image_sections                                   -> not mirrored (listed)
 * Whatever the model says to mirror and Ferry cannot is listed with its path and the reason,
 * never dropped in silence. Two MCP entries that would become one Ferry mirror name are an
 * error naming both. Pure: takes rendered parameters, returns mirror specs in Ferry's
 * vocabulary (unvalidated: the schemas judge them, and errors point back at the MCP path).
 */
import { FerryError } from '../core/ferry-error.js';
import { aptlyMirrors, aptlyPublishAliases } from './mcp/aptly-mirrors.js';
import { debmirrorMirrors } from './mcp/debmirror-mirrors.js';
import { dockerClientImages, ImageGroups } from './mcp/docker-images.js';
import { keyFingerprints } from './mcp/key-fingerprints.js';
import { localMirrorContent } from './mcp/local-mirror-content.js';
import { dotted, isRecord, type McpPath, type NotMirrored, type Translated } from './mcp/types.js';

export type { McpPath, NotMirrored, Translated } from './mcp/types.js';

export interface McpTranslation {
  mirrors: Map<string, Translated>;
  notMirrored: NotMirrored[];
  /** Two MCP entries translated to one Ferry name. */
  errors: FerryError[];
}

/**
 * A kind's translation of its part of an MCP model (Kind.mcp, src/drivers/kind.ts): the
 * translators of src/desired/mcp/ move into their kinds' folders through this hook.
 */
export type McpTranslator = (parameters: Record<string, unknown>) => Translated[];

const cache = new WeakMap<object, McpTranslation>();

/** Every MCP mirror of `parameters`, translated, the kinds' hooks' too (memoized per parameters object when there are none). */
export function translateMcp(parameters: Record<string, unknown>, translators: readonly McpTranslator[] = []): McpTranslation {
  const hit = translators.length === 0 ? cache.get(parameters) : undefined;
  if (hit) return hit;
  const images = new ImageGroups();
  dockerClientImages(parameters, images);
  const fingerprints = keyFingerprints(parameters);
  const aptly = aptlyMirrors(parameters, fingerprints.list);
  const debmirror = debmirrorMirrors(parameters);
  const local = localMirrorContent(parameters, images);
  const notMirrored = [...aptly.notMirrored, ...debmirror.notMirrored, ...local.notMirrored, ...images.notMirrored, ...publisherNotes(parameters)];
  const mirrors = new Map<string, Translated>();
  const errors: FerryError[] = [...fingerprints.errors, ...(aptly.errors ?? []), ...(debmirror.errors ?? [])];
  for (const t of [...aptly.mirrors, ...debmirror.mirrors, ...images.mirrors(), ...local.mirrors, ...translators.flatMap((f) => f(parameters))]) {
    const other = mirrors.get(t.name);
    if (other) {
      errors.push(
        new FerryError('FERRY_INVALID_MODEL', `${dotted(t.origin)} and ${dotted(other.origin)} both become the Ferry mirror ${t.name}: rename one (or disable it with enabled: false)`, {
          path: dotted(t.origin),
          other: dotted(other.origin),
          resource: t.name,
          at: t.origin,
        }),
      );
      continue;
    }
    mirrors.set(t.name, t);
  }
  const out = { mirrors, notMirrored, errors };
  if (translators.length === 0) cache.set(parameters, out);
  return out;
}

/**
 * aptly published each mirror under its own URL (`publisher`), often several mirrors merged
 * into one repository (`/ubuntu/dists/xenial` with main, universe, ...) and under a suite name
 * of its own (`/ubuntu-xenial/dists/2019.2.0`). Ferry serves each mirror at /deb/<name>/ with
 * the upstream's suites; the merged, renamed publication is not made yet, so each one is listed.
 */
function publisherNotes(parameters: Record<string, unknown>): NotMirrored[] {
  const server = isRecord(parameters.aptly) ? parameters.aptly.server : undefined;
  const mirrors = isRecord(server) ? server.mirror : undefined;
  if (!isRecord(mirrors)) return [];
  const at = new Map<string, string[]>();
  const found: Array<{ name: string; url: string }> = [];
  for (const [name, m] of Object.entries(mirrors)) {
    if (!isRecord(m) || m.enabled === false) continue;
    for (const a of aptlyPublishAliases(m.publisher)) {
      const url = `/${a.prefix ? `${a.prefix}/` : ''}dists/${a.distribution}`;
      at.set(url, [...(at.get(url) ?? []), name]);
      found.push({ name, url });
    }
  }
  return found.map(({ name, url }) => {
    const shared = (at.get(url) ?? []).filter((n) => n !== name);
    const merged = shared.length ? ` merged with ${shared.length} other mirror(s) (${shared.slice(0, 3).join(', ')}${shared.length > 3 ? ', ...' : ''})` : '';
    return {
      path: ['aptly', 'server', 'mirror', name, 'publisher'],
      reason: `aptly served it at ${url}${merged}; Ferry serves it at /deb/<name>/ under the upstream suite names, and makes no merged or renamed publication yet: point clients there`,
    };
  });
}

/** Ferry mirror specs (name -> spec, kind included) for the MCP mirrors in `parameters`. */
export function mcpMirrors(parameters: Record<string, unknown>): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [name, t] of translateMcp(parameters).mirrors) out[name] = t.spec;
  return out;
}

/** For each translated mirror, the path below `parameters` where MCP declared it. */
export function mcpMirrorOrigins(parameters: Record<string, unknown>): Record<string, McpPath> {
  const out: Record<string, McpPath> = {};
  for (const [name, t] of translateMcp(parameters).mirrors) out[name] = t.origin;
  return out;
}

/**
 * Maps a path below `parameters.ferry.mirrors` of a translated mirror (`[name, 'url']`,
 * `[name, 'images', 0, 'tags', 1]`) to the MCP path the value came from (`['aptly', 'server',
 * 'mirror', name, 'source']`), or undefined when `name` is not a translated mirror.
 */
export function mcpOrigin(parameters: Record<string, unknown>): (mirrorPath: ReadonlyArray<string | number>) => McpPath | undefined {
  const all = translateMcp(parameters).mirrors;
  return (p) => {
    const t = all.get(String(p[0]));
    return t ? t.field(p.slice(1)) : undefined;
  };
}
