/**
 * Package relationship fields: Depends, Pre-Depends, Recommends, Provides (Debian Policy §7.1
 * "Syntax of relationship fields", §7.5 "Virtual packages - Provides", and for `:any`,
 * `:native` and architecture qualifiers the Multi-Arch spec, wiki.debian.org/Multiarch/Spec).
 *
 *   Depends: libc6 (>= 2.36), python3:any, exim4 | mail-transport-agent
 *
 * is a list (AND) of groups (OR) of relations. Architecture restrictions `[amd64]` and build
 * profiles `<!nocheck>` are only meaningful in source packages; they are parsed and kept.
 * Pure; no I/O.
 */
import { normalizeOp, type VersionOp } from './version.js';

export interface Relation {
  name: string;
  /** `any`, `native` or an architecture name after `:`. */
  archQualifier?: string;
  op?: VersionOp;
  version?: string;
  /** `[amd64 !i386]` restriction list, as written. */
  archRestriction?: string[];
}

export type RelationGroup = Relation[];

const RELATION = /^([a-z0-9][a-z0-9+.-]*)(?::([a-z0-9-]+))?\s*(?:\(\s*(<<|<=|>=|>>|=|<|>)\s*([^\s)]+)\s*\))?\s*(?:\[([^\]]*)\])?\s*(?:<[^>]*>\s*)*$/;

class RelationSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RelationSyntaxError';
  }
}

/** Parses one relation (`name[:arch] [(op version)] [[archs]]`). */
export function parseRelation(text: string): Relation {
  const t = text.trim();
  const m = RELATION.exec(t);
  if (!m) throw new RelationSyntaxError(`malformed relation ${JSON.stringify(t)}`);
  const rel: Relation = { name: m[1] };
  if (m[2]) rel.archQualifier = m[2];
  if (m[3]) {
    rel.op = normalizeOp(m[3]);
    rel.version = m[4];
  }
  if (m[5] !== undefined) rel.archRestriction = m[5].trim().split(/\s+/).filter(Boolean);
  return rel;
}

/** Parses a relationship field value (may span continuation lines). Empty = no relations. */
export function parseRelations(value: string | undefined): RelationGroup[] {
  if (!value) return [];
  const groups: RelationGroup[] = [];
  for (const part of value.replace(/\n/g, ' ').split(',')) {
    if (part.trim() === '') continue;
    groups.push(part.split('|').map(parseRelation));
  }
  return groups;
}

/** Writes a relation back in the field syntax. */
function formatRelation(r: Relation): string {
  let s = r.archQualifier ? `${r.name}:${r.archQualifier}` : r.name;
  if (r.op) s += ` (${r.op} ${r.version})`;
  if (r.archRestriction) s += ` [${r.archRestriction.join(' ')}]`;
  return s;
}

export function formatGroup(g: RelationGroup): string {
  return g.map(formatRelation).join(' | ');
}
