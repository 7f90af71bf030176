/**
 * Parses a string value into reclass items: text, references `${a:b}` (nested allowed),
 * inventory queries `$[ ... ]`, with reclass's escapes (`\${` is a literal `${`, `\\${` is a
 * backslash before a reference). Mirrors the grammar of reclass 1.7's values/parser_funcs.py,
 * including its quirks (a string with no sentinel is never unescaped).
 */
import type { ReclassSettings } from '../settings.js';
import type { Item } from './values.js';
import { parseInvQuery } from '../query/inv-query.js';

type Tok = { tag: 'STR'; v: string } | { tag: 'REF'; v: Tok[] } | { tag: 'INV'; v: Tok[] };
interface Hit<T> {
  tok: T;
  end: number;
}

export class RefParseError extends Error {
  constructor(
    message: string,
    readonly column: number,
  ) {
    super(message);
  }
}

function count(s: string, sub: string): number {
  let n = 0;
  for (let i = s.indexOf(sub); i !== -1; i = s.indexOf(sub, i + sub.length)) n++;
  return n;
}

export function parseValueString(s: string, st: ReclassSettings): Item {
  const sentinels = count(s, st.refOpen) + count(s, st.invOpen);
  if (sentinels === 0) return { t: 'sca', v: s };
  const toks = (sentinels === 1 ? simpleParse(s, st) : undefined) ?? new FullParser(s, st).parse();
  const items = toks.map((t) => toItem(t, st));
  return items.length === 1 ? items[0] : { t: 'comp', parts: items };
}

function toItem(t: Tok, st: ReclassSettings): Item {
  if (t.tag === 'STR') return { t: 'sca', v: t.v };
  if (t.tag === 'REF') return { t: 'ref', parts: t.v.map((x) => toItem(x, st)) };
  const text = t.v.map((x) => (x.tag === 'STR' ? x.v : '')).join('');
  return { t: 'inv', q: parseInvQuery(text, st), text };
}

const excludeSets = new WeakMap<ReclassSettings, Set<string>>();

/** The characters that end a run of plain text (one set per settings object). */
function excludes(st: ReclassSettings): Set<string> {
  let set = excludeSets.get(st);
  if (!set) excludeSets.set(st, (set = new Set([...st.escape, ...st.refOpen, ...st.refClose, ...st.invOpen, ...st.invClose])));
  return set;
}

/** reclass's fast path for a value with one sentinel: `text${path}text`, no specials. */
function simpleParse(s: string, st: ReclassSettings): Tok[] | undefined {
  const ex = excludes(st);
  const run = (i: number): number => {
    while (i < s.length && !ex.has(s[i])) i++;
    return i;
  };
  const out: Tok[] = [];
  const i = run(0);
  if (i > 0) out.push({ tag: 'STR', v: s.slice(0, i) });
  if (!s.startsWith(st.refOpen, i)) return undefined;
  const a = i + st.refOpen.length;
  const b = run(a);
  if (b === a || !s.startsWith(st.refClose, b)) return undefined;
  out.push({ tag: 'REF', v: [{ tag: 'STR', v: s.slice(a, b) }] });
  const c = b + st.refClose.length;
  const d = run(c);
  if (d !== s.length) return undefined;
  if (d > c) out.push({ tag: 'STR', v: s.slice(c, d) });
  return out;
}

class FullParser {
  private readonly e: string;
  private readonly ee: string;
  private readonly refEx: Set<string>;
  private readonly allEx: Set<string>;
  constructor(
    private readonly s: string,
    private readonly st: ReclassSettings,
  ) {
    this.e = st.escape;
    this.ee = st.escape + st.escape;
    this.refEx = new Set([...st.escape, ...st.refOpen, ...st.refClose]);
    this.allEx = excludes(st);
  }

  parse(): Tok[] {
    const out: Tok[] = [];
    let p = 0;
    while (p < this.s.length) {
      const hit = this.reference(p) ?? this.inventory(p) ?? this.text(p);
      if (!hit) break;
      out.push(hit.tok);
      p = hit.end;
    }
    if (p !== this.s.length || out.length === 0) {
      throw new RefParseError(`cannot parse "${this.s}" at column ${p + 1}: unclosed or misplaced ${this.st.refOpen} or ${this.st.invOpen}`, p + 1);
    }
    return out;
  }

  private at(p: number, lit: string): boolean {
    return this.s.startsWith(lit, p);
  }

  private doubleEscape(p: number): Hit<Tok> | undefined {
    if (!this.at(p, this.ee)) return undefined;
    const q = p + this.ee.length;
    const { refOpen, refClose, invOpen, invClose } = this.st;
    if (this.at(q, refOpen) || this.at(q, refClose) || this.at(q, invOpen) || this.at(q, invClose)) return { tok: { tag: 'STR', v: this.e }, end: q };
    return undefined;
  }

  private escaped(p: number, lit: string): Hit<Tok> | undefined {
    return this.at(p, this.e + lit) ? { tok: { tag: 'STR', v: lit }, end: p + this.e.length + lit.length } : undefined;
  }

  private reference(p: number): Hit<Tok> | undefined {
    const { refOpen, refClose } = this.st;
    if (!this.at(p, refOpen)) return undefined;
    let q = p + refOpen.length;
    const items: Tok[] = [];
    for (;;) {
      const hit = this.reference(q) ?? this.doubleEscape(q) ?? this.escaped(q, refOpen) ?? this.escaped(q, refClose) ?? this.refContent(q);
      if (!hit) break;
      items.push(hit.tok);
      q = hit.end;
    }
    if (items.length === 0 || !this.at(q, refClose)) return undefined;
    return { tok: { tag: 'REF', v: items }, end: q + refClose.length };
  }

  private refContent(p: number): Hit<Tok> | undefined {
    const { refOpen, refClose } = this.st;
    let q = p;
    while (q < this.s.length) {
      if (this.at(q, refOpen) || this.at(q, this.e + refOpen) || this.at(q, this.ee + refOpen)) break;
      if (this.at(q, refClose) || this.at(q, this.e + refClose) || this.at(q, this.ee + refClose)) break;
      if (!this.refEx.has(this.s[q])) {
        while (q < this.s.length && !this.refEx.has(this.s[q])) q++;
      } else if (this.s[q] !== refClose[0]) q++;
      else break;
    }
    return q > p ? { tok: { tag: 'STR', v: this.s.slice(p, q) }, end: q } : undefined;
  }

  private inventory(p: number): Hit<Tok> | undefined {
    const { invOpen, invClose } = this.st;
    if (!this.at(p, invOpen)) return undefined;
    let q = p + invOpen.length;
    const items: Tok[] = [];
    for (;;) {
      const hit = this.doubleEscape(q) ?? this.escaped(q, invOpen) ?? this.escaped(q, invClose) ?? this.invContent(q);
      if (!hit) break;
      items.push(hit.tok);
      q = hit.end;
    }
    if (items.length === 0 || !this.at(q, invClose)) return undefined;
    return { tok: { tag: 'INV', v: items }, end: q + invClose.length };
  }

  private invContent(p: number): Hit<Tok> | undefined {
    const { invClose } = this.st;
    let q = p;
    while (q < this.s.length) {
      if (this.at(q, invClose) || this.at(q, this.e + invClose) || this.at(q, this.ee + invClose)) break;
      const start = q;
      while (q < this.s.length && this.s[q] !== invClose[0]) q++;
      if (q === start) break;
    }
    return q > p ? { tok: { tag: 'STR', v: this.s.slice(p, q) }, end: q } : undefined;
  }

  private text(p: number): Hit<Tok> | undefined {
    const { refOpen, invOpen } = this.st;
    const hit = this.doubleEscape(p) ?? this.escaped(p, refOpen) ?? this.escaped(p, invOpen);
    if (hit) return hit;
    let q = p;
    while (q < this.s.length) {
      if (this.at(q, refOpen) || this.at(q, this.e + refOpen) || this.at(q, this.ee + refOpen)) break;
      if (this.at(q, invOpen) || this.at(q, this.e + invOpen) || this.at(q, this.ee + invOpen)) break;
      if (!this.allEx.has(this.s[q])) {
        while (q < this.s.length && !this.allEx.has(this.s[q])) q++;
      } else q++;
    }
    return q > p ? { tok: { tag: 'STR', v: this.s.slice(p, q) }, end: q } : undefined;
  }
}
