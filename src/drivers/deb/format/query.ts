/**
 * Package selection queries in aptly's filter syntax (www.aptly.info/doc/feature/query/), as
 * MCP models write them in `filter`:
 *
 *   Priority (required) | nginx (>= 1.22) {amd64}, !Name (% *-dbg)
 *
 * `|` is OR, `,` is AND, `!` is NOT (binding tightest), parentheses group. A condition is either
 * a package name (lowercase) with an optional version relation and `{arch}`, or a field (starts
 * with an uppercase letter, or `$` for the special fields $Architecture, $Version, $Source,
 * $SourceVersion, $PackageType) with an optional `(op value)`: no operator means equal, `%` a
 * shell glob, `~` a regular expression, `<< <= = >= >>` (and `< >`) Debian version relations.
 * A bare field name means "the field is present". A value in quotes may hold parentheses
 * (`Filename (~ "(-|_)dbg(_|-)")`, as MCP's debmirror filters translate). Pure; no I/O.
 */
import { compareVersions, normalizeOp, versionSatisfies } from './version.js';

export type Query =
  | { type: 'or' | 'and'; items: Query[] }
  | { type: 'not'; item: Query }
  | { type: 'name'; name: string; op?: string; value?: string; arch?: string }
  | { type: 'field'; field: string; op?: string; value?: string };

/** What a query sees of a package: its name/version/arch and any field by its stanza name. */
export interface QueryTarget {
  name: string;
  version: string;
  arch: string;
  source: string;
  sourceVersion: string;
  type: string;
  field(name: string): string | undefined;
}

export class QuerySyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
    this.name = 'QuerySyntaxError';
  }
}

const WORD_END = /[\s,|(){}!]/;
const OPS = ['<<', '<=', '>=', '>>', '=', '<', '>', '%', '~'];

/** Parses a query string; throws QuerySyntaxError with the 0-based position of the problem. */
export function parseQuery(text: string): Query {
  let pos = 0;
  const ws = () => {
    while (pos < text.length && /\s/.test(text[pos])) pos++;
  };
  const fail = (msg: string): never => {
    throw new QuerySyntaxError(`${msg} at position ${pos} of ${JSON.stringify(text)}`, pos);
  };
  const readWord = () => {
    const start = pos;
    while (pos < text.length && !WORD_END.test(text[pos])) pos++;
    if (pos === start) fail('expected a package name or field');
    return text.slice(start, pos);
  };
  const readParen = (): { op?: string; value: string } => {
    pos++; // (
    // A quoted value may hold parentheses (a regex such as "(-|_)dbg(_|-)"): it runs to its
    // closing quote, which must be followed by `)`.
    const m = /^\s*(<<|<=|>=|>>|=|<|>|%|~)?\s*(["'])/.exec(text.slice(pos));
    if (m) {
      const start = pos + m[0].length;
      for (let end = text.indexOf(m[2], start); end >= 0; end = text.indexOf(m[2], end + 1)) {
        const after = /^\s*\)/.exec(text.slice(end + 1));
        if (!after) continue;
        pos = end + 1 + after[0].length;
        return { op: m[1], value: text.slice(start, end) };
      }
    }
    const close = text.indexOf(')', pos);
    if (close < 0) fail('missing )');
    let inner = text.slice(pos, close).trim();
    pos = close + 1;
    const op = OPS.find((o) => inner.startsWith(o));
    if (op) inner = inner.slice(op.length).trim();
    if (inner.length >= 2 && (inner[0] === '"' || inner[0] === "'") && inner.endsWith(inner[0])) inner = inner.slice(1, -1);
    return { op, value: inner };
  };
  const primary = (): Query => {
    ws();
    if (text[pos] === '(') {
      pos++;
      const q = or();
      ws();
      if (text[pos] !== ')') fail('expected )');
      pos++;
      return q;
    }
    const word = readWord();
    ws();
    const isField = word.startsWith('$') || /^[A-Z]/.test(word);
    let op: string | undefined;
    let value: string | undefined;
    if (text[pos] === '(') ({ op, value } = readParen());
    if (isField) return { type: 'field', field: word, op, value };
    if (op && op !== '%' && op !== '~') normalizeOp(op);
    if (value !== undefined && !op) op = '=';
    ws();
    let arch: string | undefined;
    if (text[pos] === '{') {
      const close = text.indexOf('}', pos);
      if (close < 0) fail('missing }');
      arch = text.slice(pos + 1, close).trim();
      pos = close + 1;
    }
    return { type: 'name', name: word, op, value, arch };
  };
  const not = (): Query => {
    ws();
    if (text[pos] === '!') {
      pos++;
      return { type: 'not', item: not() };
    }
    return primary();
  };
  const list = (type: 'and' | 'or', sep: string, next: () => Query): Query => {
    const items = [next()];
    for (;;) {
      ws();
      if (text[pos] !== sep) break;
      pos++;
      items.push(next());
    }
    return items.length === 1 ? items[0] : { type, items };
  };
  const and = () => list('and', ',', not);
  const or = (): Query => list('or', '|', and);
  const q = or();
  ws();
  if (pos < text.length) fail(`unexpected ${JSON.stringify(text[pos])}`);
  return q;
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (const c of glob) {
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[' || c === ']') re += c;
    else re += c.replace(/[.*+?^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

const regexCache = new Map<string, RegExp>();
function cachedRegExp(key: string, make: () => RegExp): RegExp {
  let r = regexCache.get(key);
  if (!r) {
    r = make();
    regexCache.set(key, r);
  }
  return r;
}

const VERSION_FIELDS = new Set(['$Version', 'Version', '$SourceVersion']);

function fieldValue(t: QueryTarget, field: string): string | undefined {
  switch (field) {
    case '$Architecture':
      return t.arch;
    case '$Version':
      return t.version;
    case '$Source':
      return t.source;
    case '$SourceVersion':
      return t.sourceVersion;
    case '$PackageType':
      return t.type;
    case 'Name':
      return t.name;
    default:
      return t.field(field);
  }
}

function compare(actual: string, op: string | undefined, wanted: string, isVersion: boolean): boolean {
  switch (op) {
    case undefined:
    case '=':
      return isVersion ? compareVersions(actual, wanted) === 0 : actual === wanted;
    case '%':
      return cachedRegExp(`%${wanted}`, () => globToRegExp(wanted)).test(actual);
    case '~':
      return cachedRegExp(`~${wanted}`, () => new RegExp(wanted)).test(actual);
    default:
      return versionSatisfies(actual, normalizeOp(op), wanted);
  }
}

/** Whether package `t` matches query `q`. */
export function matchQuery(q: Query, t: QueryTarget): boolean {
  switch (q.type) {
    case 'or':
      return q.items.some((i) => matchQuery(i, t));
    case 'and':
      return q.items.every((i) => matchQuery(i, t));
    case 'not':
      return !matchQuery(q.item, t);
    case 'name':
      if (t.name !== q.name) return false;
      if (q.arch && t.arch !== q.arch) return false;
      return q.value === undefined || compare(t.version, q.op, q.value, true);
    case 'field': {
      const v = fieldValue(t, q.field);
      if (v === undefined) return false;
      if (q.value === undefined) return true;
      return compare(v, q.op, q.value, VERSION_FIELDS.has(q.field));
    }
  }
}

/** Names the query can only match (a pure OR of name conditions), or undefined if it can match others. */
export function queryNames(q: Query): string[] | undefined {
  if (q.type === 'name') return [q.name];
  if (q.type === 'or') {
    const names: string[] = [];
    for (const i of q.items) {
      const n = queryNames(i);
      if (!n) return undefined;
      names.push(...n);
    }
    return names;
  }
  return undefined;
}
