/**
 * What existing MCP (Mirantis Cloud Platform / DriveTrain) models already say about mirrors,
 * read as Ferry mirrors, so that an MCP cluster model mirrors what DriveTrain mirrored without
 * being rewritten (mapping table: README, "The MCP vocabulary"):
 *   parameters.aptly.server.mirror.<name>                          -> deb   (mcp/aptly-mirrors.ts)
 *   parameters._param.default_local_mirrror_content (three r's):
 *     docker_client_registry_image                                 -> oci   (mcp/local-mirror-content.ts)
 *     git_server_repos                                             -> git
 *     linux_system_file                                            -> file
 * Pure: takes rendered parameters, returns mirror specs in Ferry's vocabulary (unvalidated:
 * the schemas judge them, and errors point back at the MCP path through the origins).
 */
import { aptlyMirrors } from './mcp/aptly-mirrors.js';
import { localMirrorContent } from './mcp/local-mirror-content.js';
import type { McpPath, Translated } from './mcp/types.js';

export type { McpPath } from './mcp/types.js';

function translate(parameters: Record<string, unknown>): Map<string, Translated> {
  const out = new Map<string, Translated>();
  for (const t of [...aptlyMirrors(parameters), ...localMirrorContent(parameters)]) {
    let name = t.name;
    for (let i = 2; out.has(name); i++) name = `${t.name.slice(0, 60)}-${i}`;
    out.set(name, { ...t, name });
  }
  return out;
}

/** Ferry mirror specs (name -> spec, kind included) for the MCP mirrors in `parameters`. */
export function mcpMirrors(parameters: Record<string, unknown>): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [name, t] of translate(parameters)) out[name] = t.spec;
  return out;
}

/** For each translated mirror, the path below `parameters` where MCP declared it. */
export function mcpMirrorOrigins(parameters: Record<string, unknown>): Record<string, McpPath> {
  const out: Record<string, McpPath> = {};
  for (const [name, t] of translate(parameters)) out[name] = t.origin;
  return out;
}

/**
 * Maps a path below `parameters.ferry.mirrors` of a translated mirror (`[name, 'url']`,
 * `[name, 'images', 0, 'tags', 1]`) to the MCP path the value came from (`['aptly', 'server',
 * 'mirror', name, 'source']`), or undefined when `name` is not a translated mirror.
 */
export function mcpOrigin(parameters: Record<string, unknown>): (mirrorPath: ReadonlyArray<string | number>) => McpPath | undefined {
  const all = translate(parameters);
  return (p) => {
    const t = all.get(String(p[0]));
    return t ? t.field(p.slice(1)) : undefined;
  };
}
