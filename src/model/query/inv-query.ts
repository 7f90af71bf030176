/**
 * Inventory queries `$[ ... ]` as reclass 1.7 reads them (values/invitem.py):
 *   `$[ exports:x ]`                          {node: value} for nodes that export x
 *   `$[ exports:x if exports:y == v ]`        the same, for nodes whose test holds
 *   `$[ if exports:y == v and self:z != 1 ]`  sorted list of node names
 * Options `+IgnoreErrors` and `+AllEnvs` come first. Tests are `==`/`!=` joined by `and`/`or`,
 * evaluated left to right; `self:path` is this node's parameter; `true`/`false` are booleans;
 * integers and decimals are numbers; anything else is a string.
 */
import type { ReclassSettings } from '../settings.js';
import { splitPath } from '../values/path.js';

export class InvQueryParseError extends Error {}

type Operand = { kind: 'export'; path: string[] } | { kind: 'self'; path: string[] } | { kind: 'value'; v: unknown };

interface EqTest {
  exportPath: string[];
  paramPath?: string[];
  value: unknown;
  op: '==' | '!=';
}

export interface InvQuery {
  type: 'value' | 'test' | 'list';
  ignoreErrors: boolean;
  allEnvs: boolean;
  valuePath?: string[];
  tests: EqTest[];
  logic: Array<'AND' | 'OR'>;
  /** Parameter references (`self:` paths), delimiter-joined. */
  refs: string[];
  /** Export paths the query reads. */
  invRefs: string[][];
  text: string;
}

type Tok = { kind: 'obj'; v: string } | { kind: 'int'; v: number } | { kind: 'real'; v: number };

class Scanner {
  p = 0;
  constructor(private readonly s: string) {}
  skipWs(): void {
    while (this.p < this.s.length && ' \t\n\r'.includes(this.s[this.p])) this.p++;
  }
  eof(): boolean {
    this.skipWs();
    return this.p >= this.s.length;
  }
  caseless(lit: string): boolean {
    this.skipWs();
    if (this.s.slice(this.p, this.p + lit.length).toUpperCase() === lit.toUpperCase()) {
      this.p += lit.length;
      return true;
    }
    return false;
  }
  literal(lit: string): boolean {
    this.skipWs();
    if (this.s.startsWith(lit, this.p)) {
      this.p += lit.length;
      return true;
    }
    return false;
  }
  word(): string | undefined {
    this.skipWs();
    let q = this.p;
    while (q < this.s.length && this.s.charCodeAt(q) > 32 && this.s.charCodeAt(q) < 127) q++;
    if (q === this.p) return undefined;
    const w = this.s.slice(this.p, q);
    this.p = q;
    return w;
  }
  expritem(): Tok | undefined {
    this.skipWs();
    const rest = this.s.slice(this.p);
    const int = /^-?[0-9]+/.exec(rest);
    const printable = (c: string | undefined): boolean => c !== undefined && c.charCodeAt(0) > 32 && c.charCodeAt(0) < 127;
    if (int && !printable(rest[int[0].length])) {
      this.p += int[0].length;
      return { kind: 'int', v: Number(int[0]) };
    }
    const real = /^-?(?:[0-9]+\.[0-9]+|\.[0-9]+|[0-9]+\.)/.exec(rest);
    if (real) {
      this.p += real[0].length;
      return { kind: 'real', v: Number(real[0]) };
    }
    const w = this.word();
    return w === undefined ? undefined : { kind: 'obj', v: w };
  }
}

export function parseInvQuery(text: string, st: ReclassSettings): InvQuery {
  const sc = new Scanner(text);
  // reclass always overrides inventory_ignore_failed_render with the query's own options.
  let ignoreErrors = false;
  let allEnvs = false;
  for (;;) {
    if (sc.caseless('+IgnoreErrors')) ignoreErrors = true;
    else if (sc.caseless('+AllEnvs')) allEnvs = true;
    else break;
  }
  const start = sc.p;
  const q: InvQuery = { type: 'value', ignoreErrors, allEnvs, tests: [], logic: [], refs: [], invRefs: [], text };
  const fail = (): never => {
    throw new InvQueryParseError(`cannot parse inventory query "${text}"`);
  };
  // expr_test: obj IF tests
  const first = sc.word();
  if (first !== undefined && sc.caseless('IF')) {
    q.type = 'test';
    q.valuePath = splitPath(first, st.delimiter).slice(1);
    if (!parseTests(sc, q, st)) fail();
  } else if (first !== undefined && sc.eof()) {
    q.type = 'value';
    q.valuePath = splitPath(first, st.delimiter).slice(1);
  } else {
    sc.p = start;
    if (!sc.caseless('IF')) fail();
    q.type = 'list';
    if (!parseTests(sc, q, st)) fail();
  }
  for (const t of q.tests) {
    q.invRefs.push(t.exportPath);
    if (t.paramPath) q.refs.push(t.paramPath.join(st.delimiter));
  }
  if (q.valuePath) q.invRefs.push(q.valuePath);
  return q;
}

function parseTests(sc: Scanner, q: InvQuery, st: ReclassSettings): boolean {
  const one = (): EqTest | undefined => {
    const a = sc.expritem();
    const op = sc.literal('==') ? '==' : sc.literal('!=') ? '!=' : undefined;
    const b = op ? sc.expritem() : undefined;
    if (!a || !op || !b) return undefined;
    let exp: string[] | undefined;
    let par: string[] | undefined;
    let value: unknown;
    for (const o of [operand(a, st), operand(b, st)]) {
      if (o.kind === 'export') exp = o.path;
      else if (o.kind === 'self') par = o.path;
      else value = o.v;
    }
    if (!exp) throw new InvQueryParseError(`inventory query "${q.text}": a test needs an exports: path`);
    return { exportPath: exp, paramPath: par, value, op };
  };
  const t = one();
  if (!t) return false;
  q.tests.push(t);
  for (;;) {
    const save = sc.p;
    const op = sc.caseless('AND') ? 'AND' : sc.caseless('OR') ? 'OR' : undefined;
    if (!op) {
      sc.p = save;
      break;
    }
    const next = one();
    if (!next) return false;
    q.logic.push(op);
    q.tests.push(next);
  }
  return sc.eof();
}

function operand(t: Tok, st: ReclassSettings): Operand {
  if (t.kind !== 'obj') return { kind: 'value', v: t.v };
  const parts = splitPath(t.v, st.delimiter);
  const head = parts[0].toLowerCase();
  if (head === 'exports') return { kind: 'export', path: parts.slice(1) };
  if (head === 'self') return { kind: 'self', path: parts.slice(1) };
  if (head === 'true') return { kind: 'value', v: true };
  if (head === 'false') return { kind: 'value', v: false };
  return { kind: 'value', v: t.v };
}
