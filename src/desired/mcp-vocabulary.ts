/**
 * What existing MCP (Mirantis Cloud Platform / DriveTrain) models already say about mirrors,
 * read as Ferry mirrors, so that an MCP cluster model mirrors what DriveTrain mirrored without
 * being rewritten (mapping table: README, "The MCP vocabulary"). Each kind translates its part
 * (Kind.mcp, an McpHook: src/drivers/<kind>/mcp*); what no kind mirrors is read here
 * (mcp/local-mirror-content.ts: MAAS boot images, unknown parts of the offline mirror content).
 * Whatever the model says to mirror and Ferry cannot is listed with its path and the reason,
 * never dropped in silence. Two MCP entries that would become one Ferry mirror name are an
 * error naming both. Pure: takes rendered parameters and the kinds' hooks, returns mirror specs
 * in Ferry's vocabulary (unvalidated: the schemas judge them, and errors point back at the MCP
 * path). The registry's hooks are passed in by src/drivers/mcp.ts.
 */
import { FerryError } from '../core/ferry-error.js';
import { dotted, type McpHook, type McpPath, type NotMirrored, type Translated } from '../core/mcp.js';
import { localMirrorContent } from './mcp/local-mirror-content.js';

export interface McpTranslation {
  mirrors: Map<string, Translated>;
  notMirrored: NotMirrored[];
  /** What the translators found wrong, and two MCP entries translated to one Ferry name. */
  errors: FerryError[];
  /** Each hook with a finish step, and its translations that `mirrors` holds. */
  finishing: Array<{ finish: NonNullable<McpHook['finish']>; mine: Translated[] }>;
}

const cache = new WeakMap<object, { hooks: readonly McpHook[]; out: McpTranslation }>();

/**
 * Every MCP mirror of `parameters`, translated by the kinds' hooks in their order, then what no
 * kind mirrors. Memoized per parameters object and hooks array.
 */
export function translateMcp(parameters: Record<string, unknown>, hooks: readonly McpHook[]): McpTranslation {
  const hit = cache.get(parameters);
  if (hit && hit.hooks === hooks) return hit.out;
  const parts = hooks.map((hook) => ({ hook, part: hook.translate(parameters) }));
  const own = localMirrorContent(parameters, new Set(hooks.flatMap((h) => h.reads ?? [])));
  const mirrors = new Map<string, Translated>();
  const errors: FerryError[] = parts.flatMap((p) => p.part.errors ?? []);
  for (const t of parts.flatMap((p) => p.part.mirrors)) {
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
  const finishing = parts.flatMap(({ hook: { finish }, part }) => (finish ? [{ finish, mine: part.mirrors.filter((t) => mirrors.get(t.name) === t) }] : []));
  const out = { mirrors, notMirrored: [...parts.flatMap((p) => p.part.notMirrored), ...own.notMirrored], errors, finishing };
  cache.set(parameters, { hooks, out });
  return out;
}

/** Ferry mirror specs (name -> spec, kind included) for the MCP mirrors in `parameters`. */
export function mcpMirrors(parameters: Record<string, unknown>, hooks: readonly McpHook[]): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [name, t] of translateMcp(parameters, hooks).mirrors) out[name] = t.spec;
  return out;
}

/** For each translated mirror, the path below `parameters` where MCP declared it. */
export function mcpMirrorOrigins(parameters: Record<string, unknown>, hooks: readonly McpHook[]): Record<string, McpPath> {
  const out: Record<string, McpPath> = {};
  for (const [name, t] of translateMcp(parameters, hooks).mirrors) out[name] = t.origin;
  return out;
}

/**
 * Maps a path below `parameters.ferry.mirrors` of a translated mirror (`[name, 'url']`,
 * `[name, 'images', 0, 'tags', 1]`) to the MCP path the value came from (`['aptly', 'server',
 * 'mirror', name, 'source']`), or undefined when `name` is not a translated mirror.
 */
export function mcpOrigin(parameters: Record<string, unknown>, hooks: readonly McpHook[]): (mirrorPath: ReadonlyArray<string | number>) => McpPath | undefined {
  const all = translateMcp(parameters, hooks).mirrors;
  return (p) => {
    const t = all.get(String(p[0]));
    return t ? t.field(p.slice(1)) : undefined;
  };
}
