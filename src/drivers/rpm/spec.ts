/**
 * The `kind: rpm` vocabulary with its defaults filled in. Schema validation happened earlier;
 * this normalises and checks what the schema cannot (each `packages` entry parses). Pure.
 */
import { FerryError } from '../../core/ferry-error.js';
import { parseEvr, type Flags } from './format/vercmp.js';
import type { Relation } from './format/relations.js';

export interface RpmSpec {
  /** The repository root, without a trailing slash. */
  url: string;
  keys: string[];
  architectures: string[];
  /** Partial mirror: what to take; undefined for a full mirror. */
  packages?: PackageQuery[];
  withDeps: boolean;
  weakDeps: boolean;
  bases: string[];
}

/** One `packages` entry: a name (globs allowed) or anything provided, with an optional version. */
export interface PackageQuery {
  text: string;
  /** The name as a regular expression when it has glob characters. */
  glob?: RegExp;
  relation: Relation;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : []);

const FLAGS: Record<string, Flags> = { '=': 'EQ', '==': 'EQ', '<': 'LT', '<=': 'LE', '>': 'GT', '>=': 'GE' };

/** Parses `name`, `name-glob*`, `name >= [epoch:]version[-release]`. Throws with the reason. */
export function parsePackageQuery(text: string): PackageQuery {
  const m = /^\s*([^\s<>=]+)\s*(?:(<=|>=|==|=|<|>)\s*([^\s<>=]+))?\s*$/.exec(text);
  if (!m) throw new Error(`${JSON.stringify(text)} is not a package name with an optional version (name >= 1.0-1)`);
  const [, name, op, version] = m;
  const relation: Relation = op ? { name, flags: FLAGS[op], evr: parseEvr(version) } : { name };
  const glob = /[*?[]/.test(name) ? new RegExp(`^${name.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`) : undefined;
  return { text, glob, relation };
}

/** The spec of rpm mirror `id` (`rpm/<name>`). Throws FERRY_INVALID_MODEL whose `field` names the bad field. */
export function normalizeSpec(s: Record<string, unknown>, id: string): RpmSpec {
  const bad = (msg: string, field: string) => new FerryError('FERRY_INVALID_MODEL', `${id}: ${msg}`, { resource: id, field });
  const url = (typeof s.url === 'string' ? s.url : '').replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]/.test(url)) throw bad(`url must be an http(s) URL, got ${JSON.stringify(s.url)}`, 'url');
  const packages = s.packages === undefined ? undefined : strings(s.packages);
  if (packages && packages.length === 0) throw bad('packages is empty: list what to mirror, or leave packages out for a full mirror', 'packages');
  const architectures = strings(s.architectures).filter((a) => a !== 'noarch');
  return {
    url,
    keys: strings(s.keys),
    architectures: architectures.length ? architectures : ['x86_64'],
    packages: packages?.map((p, i) => {
      try {
        return parsePackageQuery(p);
      } catch (e) {
        throw bad(`packages[${i}]: ${(e as Error).message}`, `packages[${i}]`);
      }
    }),
    withDeps: s.with_deps !== false,
    weakDeps: s.weak_deps === true,
    bases: strings(s.bases),
  };
}
