/** The `kind: deb-publication` vocabulary, checked beyond the schema (safe prefix, one mirror per component). */
import { FerryError } from '../../../core/ferry-error.js';
import { safeRelativePath } from '../../../core/safe-path.js';
import type { SiteMirror, SpecIssue } from '../../../validate/check-semantics.js';

export interface PublicationMember {
  mirror: string;
  component: string;
}

export interface DebPublicationSpec {
  /** Safe relative folder, no slashes at the ends. */
  prefix: string;
  distributions: Array<{ name: string; members: PublicationMember[] }>;
}

export function parseDebPublicationSpec(spec: Record<string, unknown>, ctx: { resource: string }): DebPublicationSpec {
  const bad = (message: string, field: Array<string | number>) => new FerryError('FERRY_INVALID_MODEL', `${ctx.resource}: ${field.join('.')}: ${message}`, { resource: ctx.resource, field });
  let prefix: string;
  try {
    prefix = safeRelativePath(String(spec.prefix).replace(/^\/+|\/+$/g, ''), { resource: ctx.resource, path: 'prefix' });
  } catch (e) {
    throw bad(`${JSON.stringify(spec.prefix)} is not a safe folder: ${(e as Error).message}`, ['prefix']);
  }
  if (prefix.split('/')[0] === 'snapshots') throw bad('/snapshots/ serves the retained snapshots', ['prefix']);
  const distributions: DebPublicationSpec['distributions'] = [];
  for (const [name, list] of Object.entries((spec.distributions ?? {}) as Record<string, Array<{ mirror: string; component?: string }>>)) {
    const members = list.map((m) => ({ mirror: m.mirror, component: m.component ?? 'main' }));
    members.forEach((m, i) => {
      if (members.findIndex((x) => x.component === m.component) !== i) throw bad(`component ${m.component} is given twice (${members.filter((x) => x.component === m.component).map((x) => x.mirror).join(', ')})`, ['distributions', name, i, 'component']);
    });
    distributions.push({ name, members });
  }
  return { prefix, distributions };
}

/** Members are deb mirrors of the site, enabled, with one suite and not flat; no two publications share a prefix. */
export function checkPublications(mine: readonly SiteMirror[], all: readonly SiteMirror[]): Array<SpecIssue & { mirror: string }> {
  const issues: Array<SpecIssue & { mirror: string }> = [];
  const prefixes = new Map<string, string>();
  for (const m of mine) {
    const prefix = String(m.spec.prefix).replace(/^\/+|\/+$/g, '');
    const other = prefixes.get(prefix);
    if (other) issues.push({ mirror: m.name, path: ['prefix'], message: `prefix ${prefix} is also deb-publication ${other}'s: publish every distribution of one prefix in one deb-publication` });
    prefixes.set(prefix, m.name);
    for (const [dist, list] of Object.entries((m.spec.distributions ?? {}) as Record<string, Array<{ mirror: string }>>)) {
      list.forEach((member, i) => {
        const issue = (message: string) => issues.push({ mirror: m.name, path: ['distributions', dist, i, 'mirror'], message });
        const target = all.find((t) => t.name === member.mirror);
        if (!target) return issue(`${member.mirror} is not a mirror of this site`);
        if (target.kind !== 'deb') return issue(`${member.mirror} is a ${target.kind} mirror, not a deb one`);
        if (!target.enabled) return issue(`${member.mirror} is disabled`);
        if (target.spec.flat === true) return issue(`${member.mirror} is a flat repository: it has no dists/ to publish`);
        const suites = Array.isArray(target.spec.suites) ? target.spec.suites : [];
        if (suites.length !== 1) issue(`${member.mirror} has ${suites.length} suites: a published mirror has one (aptly's distribution)`);
      });
    }
  }
  return issues;
}
