/**
 * RPM relations (Requires, Provides, Obsoletes, weak dependencies) as repodata spells them:
 * `<rpm:entry name="foo" flags="GE" epoch="0" ver="1.0" rel="1" pre="1"/>`, and boolean (rich)
 * dependencies, rpm >= 4.13, whose whole expression is the entry's name:
 * `(foo >= 1.0 or bar)`, `(a and (b if c else d))` (rpm.org/user_doc/boolean_dependencies.html).
 *
 * Grammar: `( term op term [op term]... )` where a term is a name with an optional
 * `op version` or a nested expression; `and`, `or`, `with` chain with themselves only; `if` and
 * `unless` take an optional `else`; `without` takes two terms. Pure.
 */
import { parseEvr, type Evr, type Flags } from './vercmp.js';

export interface Relation {
  name: string;
  flags?: Flags;
  evr?: Evr;
  /** Requires(pre): rpm's `pre="1"`. */
  pre?: boolean;
}

export type Dep =
  | { op: 'rel'; rel: Relation }
  | { op: 'and' | 'or' | 'with'; items: Dep[] }
  | { op: 'without'; items: [Dep, Dep] }
  | { op: 'if' | 'unless'; then: Dep; cond: Dep; else?: Dep };

export class RichDepError extends Error {}

const FLAG_OF: Record<string, Flags> = { '=': 'EQ', '==': 'EQ', '<': 'LT', '<=': 'LE', '>': 'GT', '>=': 'GE' };
const SYMBOL: Record<Flags, string> = { EQ: '=', LT: '<', LE: '<=', GT: '>', GE: '>=' };

/** A relation from an `rpm:entry`'s attributes (flags EQ/LT/LE/GT/GE, epoch, ver, rel). */
export function relationOf(attrs: Record<string, string>): Relation {
  const rel: Relation = { name: attrs.name ?? '' };
  const flags = attrs.flags as Flags | undefined;
  if (flags && SYMBOL[flags] && attrs.ver !== undefined) {
    rel.flags = flags;
    rel.evr = { epoch: attrs.epoch || undefined, version: attrs.ver, release: attrs.rel || undefined };
  }
  if (attrs.pre === '1') rel.pre = true;
  return rel;
}

/** How rpm prints a relation: `name >= epoch:ver-rel`. */
export function formatRelation(r: Relation): string {
  if (!r.flags || !r.evr) return r.name;
  const e = r.evr;
  return `${r.name} ${SYMBOL[r.flags]} ${e.epoch && e.epoch !== '0' ? `${e.epoch}:` : ''}${e.version}${e.release ? `-${e.release}` : ''}`;
}

function isRich(name: string): boolean {
  return name.startsWith('(');
}

function tokenize(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '(' || c === ')') {
      out.push(c);
      i++;
      continue;
    }
    let j = i;
    // A name may itself hold balanced parentheses: `perl(Foo::Bar)`, `config(foo)`.
    let depth = 0;
    while (j < text.length) {
      const d = text[j];
      if (d === ' ' || d === '\t') {
        if (depth === 0) break;
      } else if (d === '(') depth++;
      else if (d === ')') {
        if (depth === 0) break;
        depth--;
      }
      j++;
    }
    out.push(text.slice(i, j));
    i = j;
  }
  return out;
}

const OPS = new Set(['and', 'or', 'if', 'else', 'unless', 'with', 'without']);

/** Parses a boolean dependency `( ... )`. Throws RichDepError naming the problem. */
export function parseRich(text: string): Dep {
  const toks = tokenize(text);
  let k = 0;
  const peek = () => toks[k];
  const expect = (t: string) => {
    if (toks[k] !== t) throw new RichDepError(`expected ${JSON.stringify(t)} at ${JSON.stringify(toks.slice(k).join(' ') || 'end')} in ${text}`);
    k++;
  };
  const term = (): Dep => {
    if (peek() === '(') return group();
    const name = toks[k++];
    if (name === undefined || OPS.has(name) || name === ')') throw new RichDepError(`expected a package name at ${JSON.stringify(name ?? 'end')} in ${text}`);
    const flags = FLAG_OF[peek() ?? ''];
    if (flags) {
      k++;
      const ver = toks[k++];
      if (ver === undefined || ver === ')' || ver === '(') throw new RichDepError(`expected a version after ${name} in ${text}`);
      return { op: 'rel', rel: { name, flags, evr: parseEvr(ver) } };
    }
    return { op: 'rel', rel: { name } };
  };
  const group = (): Dep => {
    expect('(');
    const first = term();
    const op = peek();
    if (op === ')') {
      k++;
      return first;
    }
    if (!op || !OPS.has(op) || op === 'else') throw new RichDepError(`expected an operator at ${JSON.stringify(op ?? 'end')} in ${text}`);
    k++;
    let dep: Dep;
    if (op === 'if' || op === 'unless') {
      const cond = term();
      let otherwise: Dep | undefined;
      if (peek() === 'else') {
        k++;
        otherwise = term();
      }
      dep = { op, then: first, cond, else: otherwise };
    } else if (op === 'without') {
      dep = { op, items: [first, term()] };
    } else {
      const items = [first, term()];
      while (peek() === op) {
        k++;
        items.push(term());
      }
      dep = { op: op as 'and' | 'or' | 'with', items };
    }
    expect(')');
    return dep;
  };
  const dep = group();
  if (k !== toks.length) throw new RichDepError(`unexpected ${JSON.stringify(toks.slice(k).join(' '))} after the expression in ${text}`);
  return dep;
}

/** A relation as a dependency: rich ones parsed, plain ones as they are. */
export function depOf(rel: Relation): Dep {
  return isRich(rel.name) ? parseRich(rel.name) : { op: 'rel', rel };
}
