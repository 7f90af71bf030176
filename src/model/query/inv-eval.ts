/**
 * Evaluates an inventory query against the exports of the inventory's nodes, with reclass
 * 1.7's semantics (values/invitem.py), its `exists_in` quirks and Python's `==` included.
 */
import { cloneRendered, numberOf } from '../values/py-float.js';
import { RenderError } from '../values/render-error.js';
import { getRef, isPlainObject, MISSING } from '../values/path.js';
import type { InvQuery } from './inv-query.js';
import type { SourcePos } from '../types.js';

export interface InventoryNode {
  name: string;
  exports: Record<string, unknown>;
  envMatches: boolean;
}

function pyEq(a: unknown, b: unknown): boolean {
  const num = (x: unknown): number | undefined => (typeof x === 'boolean' ? Number(x) : numberOf(x));
  const na = num(a);
  const nb = num(b);
  if (na !== undefined || nb !== undefined) return na !== undefined && nb !== undefined && na === nb;
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => pyEq(x, b[i]));
  if (isPlainObject(a) || isPlainObject(b)) {
    if (!isPlainObject(a) || !isPlainObject(b)) return false;
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && pyEq(a[k], b[k]));
  }
  return a === b;
}

/** reclass DictPath.exists_in, quirks included (a list part tests membership). */
function existsIn(parts: string[], container: Record<string, unknown>): boolean {
  let item: unknown = container;
  for (const part of parts) {
    if (isPlainObject(item)) {
      if (!(part in item)) return false;
      item = item[part];
    } else if (Array.isArray(item)) {
      if (!item.some((x) => pyEq(x, part))) return false;
    } else return pyEq(item, parts[parts.length - 1]);
  }
  return true;
}

function resolve(parts: string[], items: unknown, q: InvQuery, pos?: SourcePos): unknown {
  const v = getRef(items, parts);
  if (v === MISSING) throw new RenderError('FERRY_INVENTORY_QUERY', `inventory query $[${q.text}]: cannot resolve ${parts.join(':')}`, pos);
  return v;
}

function question(q: InvQuery, context: unknown, items: Record<string, unknown>, pos?: SourcePos): boolean {
  if (q.tests.length === 0) return true;
  const one = (i: number): boolean => {
    const t = q.tests[i];
    let want = t.value;
    if (t.paramPath) {
      const v = getRef(context, t.paramPath);
      if (v === MISSING) throw new RenderError('FERRY_MISSING_REFERENCE', `inventory query $[${q.text}]: cannot resolve self:${t.paramPath.join(':')}`, pos);
      want = v;
    }
    if (want === null || want === undefined) throw new RenderError('FERRY_INVENTORY_QUERY', `inventory query $[${q.text}]: failed to render`, pos);
    if (!existsIn(t.exportPath, items)) return false;
    const got = resolve(t.exportPath, items, q, pos);
    return t.op === '==' ? pyEq(got, want) : !pyEq(got, want);
  };
  let result = one(0);
  for (let i = 1; i < q.tests.length; i++) {
    const next = one(i);
    result = q.logic[i - 1] === 'AND' ? result && next : result || next;
  }
  return result;
}

export function evalQuery(q: InvQuery, context: unknown, nodes: InventoryNode[], pos?: SourcePos): unknown {
  const included = nodes.filter((n) => q.allEnvs || n.envMatches);
  if (q.type === 'list') {
    return included.filter((n) => question(q, context, n.exports, pos)).map((n) => n.name).sort();
  }
  const out: Record<string, unknown> = {};
  const path = q.valuePath ?? [];
  for (const n of included) {
    if (q.type === 'test' && !question(q, context, n.exports, pos)) continue;
    if (existsIn(path, n.exports)) out[n.name] = cloneRendered(resolve(path, n.exports, q, pos));
  }
  return out;
}
