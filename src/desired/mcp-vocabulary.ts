/**
 * What existing MCP (Mirantis Cloud Platform / DriveTrain) models already say about mirrors,
 * read as Ferry mirrors, so that an MCP cluster model mirrors what DriveTrain mirrored without
 * being rewritten (mapping table: README, "The MCP vocabulary"):
 *   parameters.aptly.server.mirror.<name>                          -> deb   (mcp/aptly-mirrors.ts)
 *     publisher (prefix/distribution, component)                   -> deb-publication per prefix
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
import { aptlyMirrors, aptlyPublications } from './mcp/aptly-mirrors.js';
import { debmirrorMirrors } from './mcp/debmirror-mirrors.js';
import { dockerClientImages, ImageGroups } from './mcp/docker-images.js';
import { keyFingerprints } from './mcp/key-fingerprints.js';
import { localMirrorContent } from './mcp/local-mirror-content.js';
import { dotted, type McpPath, type NotMirrored, type Translated } from './mcp/types.js';

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
  const publications = aptlyPublications(parameters, aptly.mirrors);
  const notMirrored = [...aptly.notMirrored, ...debmirror.notMirrored, ...local.notMirrored, ...images.notMirrored, ...publications.notMirrored];
  const mirrors = new Map<string, Translated>();
  const errors: FerryError[] = [...fingerprints.errors, ...(aptly.errors ?? []), ...(debmirror.errors ?? [])];
  for (const t of [...aptly.mirrors, ...debmirror.mirrors, ...images.mirrors(), ...local.mirrors, ...publications.mirrors, ...translators.flatMap((f) => f(parameters))]) {
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
