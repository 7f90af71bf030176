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
 * unverifiable until an entry replaces it. `parameters.ferry.mcp` (settings for the translation,
 * mcp/key-fingerprints.ts) is read here and not passed on.
 */
import { FerryError } from '../core/ferry-error.js';
import { translateMcp, type McpTranslator, type NotMirrored } from './mcp-vocabulary.js';
import { dotted, isRecord, type Translated } from './mcp/types.js';

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

/** `translators` are the registered kinds' MCP hooks (Kind.mcp), run with the translations of src/desired/mcp/. */
export function withMcpMirrors(parameters: Record<string, unknown>, options: { translators?: readonly McpTranslator[] } = {}): WithMcp {
  const own = parameters.ferry as Record<string, unknown> | undefined;
  const { mirrors: translated, errors: translateErrors } = translateMcp(parameters, options.translators);
  let { notMirrored } = translateMcp(parameters, options.translators);
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
  notMirrored = [...notMirrored, ...keepPublishedMembers(mirrors, translated, ownMirrors)];
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

/**
 * A translated aptly publication (deb-publication) keeps the members that are mirrored: one held
 * as unverifiable, disabled, or replaced by something other than a deb mirror is left out of it
 * and listed; a publication left with no member is dropped. `mirrors` is changed in place.
 */
function keepPublishedMembers(mirrors: Record<string, unknown>, translated: ReadonlyMap<string, Translated>, own: Record<string, unknown>): NotMirrored[] {
  const notes: NotMirrored[] = [];
  for (const [name, t] of translated) {
    if (t.spec.kind !== 'deb-publication' || name in own) continue;
    const spec = t.spec as { prefix: string; distributions: Record<string, Array<{ mirror: string; component: string }>> };
    const distributions: typeof spec.distributions = {};
    for (const [dist, members] of Object.entries(spec.distributions)) {
      members.forEach((m, i) => {
        const target = mirrors[m.mirror];
        if (isRecord(target) && target.kind === 'deb' && target.enabled !== false) (distributions[dist] ??= []).push(m);
        else {
          const why = translated.get(m.mirror)?.held && !(m.mirror in own) ? 'it is held as unverifiable' : 'it is not an enabled deb mirror';
          notes.push({ path: t.field(['distributions', dist, i]), reason: `aptly served it at /${spec.prefix}/dists/${dist} (component ${m.component}); ${why}, so Ferry's publication there lacks it` });
        }
      });
    }
    if (Object.keys(distributions).length) mirrors[name] = { ...spec, distributions };
    else delete mirrors[name];
  }
  return notes;
}
