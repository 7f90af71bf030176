/**
 * `parameters.ferry` as the validator and the desired state see it: Ferry's own mirrors plus
 * those an MCP model declares in its own vocabulary (src/desired/mcp-vocabulary.ts).
 *
 * A `parameters.ferry.mirrors` entry with the name of a translated mirror replaces it whole
 * (never merged field by field) when it says so: `enabled: false` alone (switch it off, nothing
 * else needed) or `override: true` (this spec instead). Any other entry of that name is a name
 * clash, an error naming both paths, because one of the two would otherwise be dropped.
 * `origin` maps a path below `parameters.ferry` back to where the value was written, so errors
 * point at the MCP YAML line. `explain` says which MCP entry became which mirror spec.
 * A translation that cannot be verified as written (Translated.held) is left out and listed as
 * unverifiable until an entry replaces it. Then each kind's finish step (McpHook.finish) sees the
 * mirrors as they stand and may trim its own (an aptly publication loses the members that are no
 * longer mirrored). `parameters.ferry.mcp` (settings for the kinds' translations, such as the
 * deb kind's key fingerprints) is read by the hooks and not passed on.
 */
import { FerryError } from '../core/ferry-error.js';
import { dotted, isRecord, type McpHook, type NotMirrored } from '../core/mcp.js';
import { translateMcp } from './mcp-vocabulary.js';

type Path = ReadonlyArray<string | number>;

export interface Explained {
  name: string;
  /** `parameters.aptly.server.mirror.x`, or `parameters.ferry.mirrors.x`. */
  from: string;
  spec: Record<string, unknown>;
  /** Set when parameters.ferry replaced or disabled the translation. */
  replacedBy?: string;
  /** Set when the translation is held as unverifiable (and not replaced): why. */
  held?: string;
}

export interface WithMcp {
  ferry: unknown;
  origin: (p: Path) => Path | undefined;
  notMirrored: NotMirrored[];
  errors: FerryError[];
  explain: Explained[];
}

function isDisableOnly(m: Record<string, unknown>): boolean {
  return m.enabled === false && Object.keys(m).every((k) => k === 'enabled' || k === 'kind' || k === 'override');
}

/** `hooks` are the registered kinds' MCP hooks (Kind.mcp; src/drivers/mcp.ts passes them). */
export function withMcpMirrors(parameters: Record<string, unknown>, hooks: readonly McpHook[]): WithMcp {
  const own = parameters.ferry as Record<string, unknown> | undefined;
  const translation = translateMcp(parameters, hooks);
  const { mirrors: translated, errors: translateErrors, finishing } = translation;
  let { notMirrored } = translation;
  const errors = [...translateErrors];
  const ownMirrors: Record<string, unknown> = isRecord(own?.mirrors) ? { ...own.mirrors } : {};
  const explain: Explained[] = [];
  const replaced = new Set<string>();
  for (const [name, m] of Object.entries(ownMirrors)) {
    if (!isRecord(m)) continue;
    const t = translated.get(name);
    const ownPath = `parameters.ferry.mirrors.${name}`;
    if (m.override !== undefined) {
      const { override, ...rest } = m;
      ownMirrors[name] = rest;
      if (override !== true) errors.push(new FerryError('FERRY_SCHEMA', `${ownPath}.override: must be true (or left out)`, { path: `${ownPath}.override`, at: ['ferry', 'mirrors', name, 'override'] }));
      else if (!t) errors.push(new FerryError('FERRY_INVALID_MODEL', `${ownPath} says override: true, but no MCP entry becomes a mirror named ${name}`, { path: ownPath, resource: name }));
    }
    if (!t) continue;
    if (m.override === true || isDisableOnly(m)) {
      replaced.add(name);
      explain.push({ name, from: dotted(t.origin), spec: t.spec, replacedBy: ownPath });
      continue;
    }
    errors.push(
      new FerryError('FERRY_INVALID_MODEL', `mirror name clash: ${ownPath} and ${dotted(t.origin)} (translated to ${String(t.spec.kind)} mirror ${name}) are both named ${name}; rename one, or say override: true (or only enabled: false) in ${ownPath} to replace the translation`, {
        path: ownPath,
        other: dotted(t.origin),
        resource: name,
        at: ['ferry', 'mirrors', name],
      }),
    );
  }
  const held = [...translated.values()].filter((t) => t.held && !replaced.has(t.name) && !(t.name in ownMirrors));
  for (const [name, t] of translated) if (!replaced.has(name) && !(name in ownMirrors)) explain.push({ name, from: dotted(t.origin), spec: t.spec, ...(t.held ? { held: t.held.reason } : {}) });
  notMirrored = [...held.map((t) => ({ path: t.held!.path, reason: t.held!.reason, unverifiable: true as const })), ...notMirrored];
  const { mcp: _settings, ...ownRest } = own ?? {};
  explain.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (translated.size === 0 && !Object.values(isRecord(own?.mirrors) ? own.mirrors : {}).some((m) => isRecord(m) && 'override' in m)) {
    return { ferry: isRecord(own) ? ownRest : own, origin: () => undefined, notMirrored, errors, explain };
  }
  const mirrors: Record<string, unknown> = {};
  for (const [name, t] of translated) if (!(name in ownMirrors) && !t.held) mirrors[name] = t.spec;
  Object.assign(mirrors, ownMirrors);
  const heldNames = new Set(held.map((t) => t.name));
  for (const { finish, mine } of finishing) {
    const standing = mine.filter((t) => !(t.name in ownMirrors) && !t.held);
    const done = finish({ mirrors, mine: standing, held: heldNames });
    for (const t of standing) {
      const spec = done.mirrors[t.name];
      if (spec === null) delete mirrors[t.name];
      else if (spec !== undefined) mirrors[t.name] = spec;
    }
    notMirrored = [...notMirrored, ...done.notMirrored];
  }
  const clusterName = (parameters._param as Record<string, unknown> | undefined)?.cluster_name;
  const site = own?.site ?? { name: typeof clusterName === 'string' ? clusterName : 'site' };
  return {
    ferry: { ...ownRest, site, mirrors },
    origin: (p: Path) => {
      if (p[0] !== 'mirrors' || typeof p[1] !== 'string' || p[1] in ownMirrors) return undefined;
      return translated.get(p[1])?.field(p.slice(2));
    },
    notMirrored,
    errors,
    explain,
  };
}
