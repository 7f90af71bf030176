/**
 * The deb-publication kind's part of an MCP model (Kind.mcp): salt-formula-aptly's `publisher`
 * (component, distributions `[storage:endpoint:]prefix/dist`, as aptly-publisher splits them:
 * the last segment is the distribution) says where aptly served each mirror. Each publish prefix
 * becomes one deb-publication of the deb mirrors the deb kind translates from the same entries
 * (../mcp/aptly-mirrors.ts), so that MCP clients' URLs keep working. Pure.
 */
import { ferryName, isRecord, text, words, type McpFinal, type McpFinished, type McpHook, type McpPart, type McpPath, type NotMirrored, type Translated } from '../../../core/mcp.js';
import { APTLY_MIRRORS, aptlyMirrors } from '../mcp/aptly-mirrors.js';

interface PublishAlias {
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

/** A Ferry mirror name for an aptly publish prefix (`ubuntu-xenial/openstack/pike` -> `aptly-ubuntu-xenial-openstack-pike`). */
function publicationName(prefix: string): string {
  return ferryName(`aptly-${prefix.replace(/\//g, '-')}`);
}

/**
 * aptly's publications as Ferry `deb-publication` mirrors, one per publish prefix: each
 * distribution aptly published there with the mirrors (and the component each was published
 * as) it merged, served again at /<prefix>/ as aptly served it. A flat mirror, or one published at
 * the root (no prefix), is listed as not published at that URL. Which members remain (a held or
 * disabled one does not) is decided once overrides are applied (finish, below).
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
    const at = [...APTLY_MIRRORS, mcpName, 'publisher'];
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


/**
 * After overrides, a publication keeps the members that are mirrored: one held as unverifiable,
 * disabled, or replaced by something other than a deb mirror is left out of it and listed; a
 * publication left with no member is dropped.
 */
function keepPublishedMembers(final: McpFinal): McpFinished {
  const notMirrored: NotMirrored[] = [];
  const mirrors: McpFinished['mirrors'] = {};
  for (const t of final.mine) {
    const spec = t.spec as { prefix: string; distributions: Record<string, Array<{ mirror: string; component: string }>> };
    const distributions: typeof spec.distributions = {};
    for (const [dist, members] of Object.entries(spec.distributions)) {
      members.forEach((m, i) => {
        const target = final.mirrors[m.mirror];
        if (isRecord(target) && target.kind === 'deb' && target.enabled !== false) (distributions[dist] ??= []).push(m);
        else {
          const why = final.held.has(m.mirror) ? 'it is held as unverifiable' : 'it is not an enabled deb mirror';
          notMirrored.push({ path: t.field(['distributions', dist, i]), reason: `aptly served it at /${spec.prefix}/dists/${dist} (component ${m.component}); ${why}, so Ferry's publication there lacks it` });
        }
      });
    }
    if (Object.keys(distributions).length) mirrors[t.name] = { ...spec, distributions };
    else {
      mirrors[t.name] = null;
      notMirrored.push({ path: t.origin, reason: `aptly publication ${t.name} (/${spec.prefix}/) has no member left that Ferry mirrors: not served` });
    }
  }
  return { mirrors, notMirrored };
}

export const debPublicationMcp: McpHook = {
  translate: (parameters) => aptlyPublications(parameters, aptlyMirrors(parameters).mirrors),
  finish: keepPublishedMembers,
};
