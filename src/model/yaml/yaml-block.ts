/**
 * The fastest path for reading inventory files: a line-oriented reader for the subset of YAML
 * that reclass models are written in (block mappings and sequences, plain and quoted
 * scalars, one-line flow collections, `|` and `>` block scalars, comments). It records the
 * line and column of every key and value as it goes, so no second parse is ever needed for
 * positions.
 *
 * Anything outside that subset (anchors, aliases, tags, multi-line plain or quoted scalars,
 * complex or non-string keys, tabs, several documents) makes it give up (returns undefined)
 * and the caller falls back to the complete readers in yaml-load.ts, which also word the
 * syntax errors. So this reader never has to be right about bad YAML: only about good YAML it
 * accepts, which test/unit/model/yaml-block.test.ts checks against the `yaml` package.
 */
import type { YEntry, YVal } from './yaml-load.js';
import { resolvePlain } from './yaml-scalars.js';
import type { SourcePos } from '../types.js';

/** Thrown internally when the text leaves the subset. */
class Unsupported extends Error {}

const SPACE = 32;
const HASH = 35;
const COLON = 58;
const DASH = 45;

/** Characters that cannot start a plain scalar in block context (or that we leave to the full readers). */
const BAD_PLAIN_START = new Set(['&', '*', '!', '|', '>', '%', '@', '`', ',', '?', '{', '[', ']', '}', "'", '"', '#']);

/** Parses `text`; undefined when it is not in the supported subset (use the full readers). */
export function blockLoad(file: string, text: string): { root: YVal | null } | undefined {
  if (text.includes('\t') || text.includes('\r') || text.charCodeAt(0) === 0xfeff) return undefined;
  try {
    return { root: new BlockReader(file, text).document() };
  } catch (e) {
    if (e instanceof Unsupported) return undefined;
    throw e;
  }
}

function unsupported(): never {
  throw new Unsupported();
}

class BlockReader {
  private readonly lines: string[];
  /** Line index of the next line to read. */
  private i = 0;

  constructor(
    private readonly file: string,
    text: string,
  ) {
    this.lines = text.split('\n');
  }

  private pos(line: number, col: number): SourcePos {
    return { file: this.file, line: line + 1, column: col + 1 };
  }

  document(): YVal | null {
    // Leading comments, then an optional `---` start marker with nothing after it.
    while (this.i < this.lines.length) {
      const l = this.lines[this.i];
      const ind = indentOf(l);
      if (ind !== l.length && l.charCodeAt(ind) !== HASH) break;
      this.i++;
    }
    if (this.i < this.lines.length) {
      const l = this.lines[this.i];
      if (l.startsWith('%')) unsupported();
      if (l.startsWith('---') && (l.length === 3 || l.charCodeAt(3) === SPACE)) {
        if (!isBlankOrComment(l, 3)) unsupported();
        this.i++;
      }
    }
    this.skipBlank();
    if (this.i >= this.lines.length) return null;
    const line = this.lines[this.i];
    const ind = indentOf(line);
    if (ind !== 0) unsupported();
    const root = isSeqItem(line, 0) ? this.seq(0) : this.map(0);
    this.skipBlank();
    if (this.i < this.lines.length) unsupported();
    return root;
  }

  /** Moves past empty and comment-only lines; stops at `---`/`...` (then unsupported if content follows). */
  private skipBlank(): void {
    while (this.i < this.lines.length) {
      const l = this.lines[this.i];
      const ind = indentOf(l);
      if (ind === l.length || l.charCodeAt(ind) === HASH) {
        this.i++;
        continue;
      }
      if (ind === 0 && (l.startsWith('---') || l.startsWith('...'))) {
        if (l.length === 3 || l.charCodeAt(3) === SPACE) unsupported();
      }
      return;
    }
  }

  /** Indentation of the next content line, or -1 at the end. */
  private peekIndent(): number {
    this.skipBlank();
    return this.i < this.lines.length ? indentOf(this.lines[this.i]) : -1;
  }

  private map(indent: number): YVal {
    const entries: YEntry[] = [];
    const at = new Map<string, number>();
    let mapPos: SourcePos | undefined;
    for (;;) {
      const ind = this.peekIndent();
      if (ind < indent) break;
      if (ind > indent) unsupported();
      const lineNo = this.i;
      const line = this.lines[lineNo];
      if (isSeqItem(line, ind)) break;
      const k = splitKey(line, ind);
      if (!k) unsupported();
      const keyPos = this.pos(lineNo, ind);
      mapPos ??= keyPos;
      this.i++;
      const value = this.afterColon(line, lineNo, k.valueStart, indent, keyPos);
      const prev = at.get(k.key);
      // PyYAML: a repeated key keeps its first place and takes the last value.
      if (prev !== undefined) entries[prev] = { ...entries[prev], value };
      else {
        at.set(k.key, entries.length);
        entries.push({ key: k.key, keyPos, value });
      }
    }
    return { kind: 'map', entries, pos: mapPos ?? unsupported() };
  }

  /** The value after `key:` (from `start` on `line`), inline or as a nested block. */
  private afterColon(line: string, lineNo: number, start: number, indent: number, keyPos: SourcePos): YVal {
    const vs = skipSpaces(line, start);
    if (vs >= line.length || line.charCodeAt(vs) === HASH) {
      const next = this.peekIndent();
      if (next > indent) return this.block(next);
      if (next === indent && isSeqItem(this.lines[this.i], next)) return this.seq(next);
      return { kind: 'scalar', v: null, pos: keyPos };
    }
    return this.inline(line, lineNo, vs, indent);
  }

  private block(indent: number): YVal {
    const line = this.lines[this.i];
    return isSeqItem(line, indent) ? this.seq(indent) : this.map(indent);
  }

  private seq(indent: number): YVal {
    const items: YVal[] = [];
    let seqPos: SourcePos | undefined;
    for (;;) {
      const ind = this.peekIndent();
      if (ind < indent) break;
      if (ind > indent) unsupported();
      const lineNo = this.i;
      const line = this.lines[lineNo];
      if (!isSeqItem(line, ind)) break;
      const dashPos = this.pos(lineNo, ind);
      seqPos ??= dashPos;
      const vs = skipSpaces(line, ind + 1);
      if (vs >= line.length || line.charCodeAt(vs) === HASH) {
        this.i++;
        const next = this.peekIndent();
        items.push(next > indent ? this.block(next) : { kind: 'scalar', v: null, pos: dashPos });
        continue;
      }
      if (isSeqItem(line, vs)) unsupported();
      if (splitKey(line, vs)) {
        // `- key: value`: a mapping whose keys sit at the column after the dash.
        this.lines[lineNo] = ' '.repeat(vs) + line.slice(vs);
        items.push(this.map(vs));
        continue;
      }
      this.i++;
      items.push(this.inline(line, lineNo, vs, indent));
    }
    return { kind: 'seq', items, pos: seqPos ?? unsupported() };
  }

  /** A value that starts on its key's (or dash's) line at column `vs`. */
  private inline(line: string, lineNo: number, vs: number, indent: number): YVal {
    const c = line[vs];
    const pos = this.pos(lineNo, vs);
    let out: YVal;
    if (c === '|' || c === '>') return this.blockScalar(line, vs, indent, pos);
    if (c === '[' || c === '{') {
      const f = new FlowReader(line, vs, lineNo, this);
      out = f.value();
      f.end();
    } else if (c === "'" || c === '"') {
      const q = quoted(line, vs);
      if (!isBlankOrComment(line, q.end)) unsupported();
      out = { kind: 'scalar', v: q.text, pos };
    } else {
      if (BAD_PLAIN_START.has(c) || ((c === '-' || c === ':') && (vs + 1 >= line.length || line.charCodeAt(vs + 1) === SPACE))) unsupported();
      const end = plainEnd(line, vs);
      const text = line.slice(vs, end);
      if (hasMappingIndicator(text)) unsupported();
      out = this.plainScalar(text, pos);
    }
    // A more indented line after a one-line value would continue it (or be an error).
    if (this.peekIndent() > indent) unsupported();
    return out;
  }

  plainScalar(text: string, pos: SourcePos): YVal {
    const r = resolvePlain(text);
    return r.isFloat ? { kind: 'scalar', v: r.v, isFloat: true, pos } : { kind: 'scalar', v: r.v, pos };
  }

  /** `|` and `>` with optional `-`/`+` chomping; explicit indentation indicators are left to the full readers. */
  private blockScalar(line: string, vs: number, indent: number, pos: SourcePos): YVal {
    const style = line[vs];
    let p = vs + 1;
    let chomp: 'clip' | 'strip' | 'keep' = 'clip';
    if (line[p] === '-' || line[p] === '+') chomp = line[p++] === '-' ? 'strip' : 'keep';
    if (!isBlankOrComment(line, p)) unsupported();
    if (style === '>' && chomp === 'keep') unsupported();
    const body: string[] = [];
    let contentIndent = -1;
    while (this.i < this.lines.length) {
      const l = this.lines[this.i];
      const ind = indentOf(l);
      if (ind === l.length) {
        if (contentIndent >= 0 ? ind > contentIndent : ind > indent) unsupported();
        body.push('');
        this.i++;
        continue;
      }
      if (ind <= indent) break;
      if (contentIndent < 0) contentIndent = ind;
      else if (ind < contentIndent) unsupported();
      if (style === '>' && ind > contentIndent) unsupported();
      body.push(l.slice(contentIndent));
      this.i++;
    }
    let trailing = 0;
    while (trailing < body.length && body[body.length - 1 - trailing] === '') trailing++;
    const content = body.slice(0, body.length - trailing);
    if (content.length === 0) {
      // Only empty lines: they were not part of the scalar (they separate it from what follows).
      return { kind: 'scalar', v: chomp === 'keep' && trailing > 0 ? '\n'.repeat(trailing) : '', pos };
    }
    let text: string;
    if (style === '|') text = content.join('\n');
    else {
      text = content[0];
      for (let j = 1; j < content.length; j++) {
        if (content[j] === '') text += '\n';
        else if (content[j - 1] !== '') text += ' ' + content[j];
        else text += content[j];
      }
    }
    if (chomp === 'clip') text += '\n';
    else if (chomp === 'keep') text += '\n'.repeat(trailing + 1);
    return { kind: 'scalar', v: text, pos };
  }

  posAt(line: number, col: number): SourcePos {
    return this.pos(line, col);
  }
}

/** One-line flow collections: `[a, 'b', {c: 1}]`, `{}`. */
class FlowReader {
  constructor(
    private readonly line: string,
    private p: number,
    private readonly lineNo: number,
    private readonly owner: BlockReader,
  ) {}

  value(): YVal {
    this.ws();
    const c = this.line[this.p];
    const pos = this.owner.posAt(this.lineNo, this.p);
    if (c === '[') {
      this.p++;
      const items: YVal[] = [];
      for (;;) {
        this.ws();
        if (this.line[this.p] === ']') {
          this.p++;
          return { kind: 'seq', items, pos };
        }
        items.push(this.value());
        this.ws();
        const d = this.line[this.p];
        if (d === ',') this.p++;
        else if (d !== ']') unsupported();
      }
    }
    if (c === '{') {
      this.p++;
      const entries: YEntry[] = [];
      const at = new Map<string, number>();
      for (;;) {
        this.ws();
        if (this.line[this.p] === '}') {
          this.p++;
          return { kind: 'map', entries, pos };
        }
        const keyPos = this.owner.posAt(this.lineNo, this.p);
        const k = this.scalarText(true);
        if (k.plain) {
          const r = resolvePlain(k.text);
          if (typeof r.v !== 'string' || k.text === '<<') unsupported();
        }
        this.ws();
        if (this.line[this.p] !== ':') unsupported();
        this.p++;
        if (this.p < this.line.length && this.line.charCodeAt(this.p) !== SPACE && !',}'.includes(this.line[this.p])) unsupported();
        this.ws();
        const d = this.line[this.p];
        const value: YVal = d === ',' || d === '}' ? { kind: 'scalar', v: null, pos: keyPos } : this.value();
        const prev = at.get(k.text);
        if (prev !== undefined) entries[prev] = { ...entries[prev], value };
        else {
          at.set(k.text, entries.length);
          entries.push({ key: k.text, keyPos, value });
        }
        this.ws();
        const e = this.line[this.p];
        if (e === ',') this.p++;
        else if (e !== '}') unsupported();
      }
    }
    const s = this.scalarText(false);
    return s.plain ? this.owner.plainScalar(s.text, pos) : { kind: 'scalar', v: s.text, pos };
  }

  private scalarText(isKey: boolean): { text: string; plain: boolean } {
    const c = this.line[this.p];
    if (c === "'" || c === '"') {
      const q = quoted(this.line, this.p);
      this.p = q.end;
      return { text: q.text, plain: false };
    }
    if (c === undefined || BAD_PLAIN_START.has(c) || c === ':' || (c === '-' && this.line.charCodeAt(this.p + 1) === SPACE)) unsupported();
    const start = this.p;
    while (this.p < this.line.length) {
      const ch = this.line[this.p];
      if (ch === ',' || ch === '[' || ch === ']' || ch === '{' || ch === '}') break;
      if (ch === ':' && (isKey || this.p + 1 >= this.line.length || ' ,]}'.includes(this.line[this.p + 1]))) break;
      if (ch === '#' && this.line.charCodeAt(this.p - 1) === SPACE) unsupported();
      this.p++;
    }
    const text = this.line.slice(start, this.p).trimEnd();
    if (text === '' || text.includes(': ')) unsupported();
    return { text, plain: true };
  }

  private ws(): void {
    while (this.line.charCodeAt(this.p) === SPACE) this.p++;
    if (this.p >= this.line.length) unsupported();
  }

  end(): void {
    if (!isBlankOrComment(this.line, this.p)) unsupported();
  }
}

function indentOf(line: string): number {
  let n = 0;
  while (line.charCodeAt(n) === SPACE) n++;
  return n;
}

function skipSpaces(line: string, p: number): number {
  while (line.charCodeAt(p) === SPACE) p++;
  return p;
}

function isBlankOrComment(line: string, p: number): boolean {
  const q = skipSpaces(line, p);
  return q >= line.length || (line.charCodeAt(q) === HASH && (q === p ? q === 0 || line.charCodeAt(q - 1) === SPACE : true));
}

function isSeqItem(line: string, ind: number): boolean {
  return line.charCodeAt(ind) === DASH && (ind + 1 === line.length || line.charCodeAt(ind + 1) === SPACE);
}

/** Where a plain scalar starting at `p` ends (before ` #` or the end), trailing spaces excluded. */
function plainEnd(line: string, p: number): number {
  let end = line.length;
  const h = line.indexOf(' #', p);
  if (h >= 0) end = h;
  while (end > p && line.charCodeAt(end - 1) === SPACE) end--;
  return end;
}

/** `a: b` or a trailing `:` inside a plain value is a YAML error: leave it to the full readers. */
function hasMappingIndicator(text: string): boolean {
  return text.includes(': ') || text.charCodeAt(text.length - 1) === COLON;
}

/** `key:` at column `p`: the key (unquoted) and where its value starts, or undefined. */
function splitKey(line: string, p: number): { key: string; valueStart: number } | undefined {
  const c = line[p];
  if (c === "'" || c === '"') {
    const q = quoted(line, p);
    const after = skipSpaces(line, q.end);
    if (line.charCodeAt(after) !== COLON) return undefined;
    if (after + 1 < line.length && line.charCodeAt(after + 1) !== SPACE) return undefined;
    return { key: q.text, valueStart: after + 1 };
  }
  if (BAD_PLAIN_START.has(c) || c === ':') return undefined;
  let j = p;
  for (;;) {
    j = line.indexOf(':', j);
    if (j < 0) return undefined;
    if (j + 1 === line.length || line.charCodeAt(j + 1) === SPACE) break;
    j++;
  }
  const h = line.indexOf(' #', p);
  if (h >= 0 && h < j) return undefined;
  let e = j;
  while (e > p && line.charCodeAt(e - 1) === SPACE) e--;
  const key = line.slice(p, e);
  // A key YAML 1.1 reads as a number, boolean or null, or a merge key: the full readers handle those.
  const r = resolvePlain(key);
  if (typeof r.v !== 'string' || key === '<<') unsupported();
  return { key, valueStart: j + 1 };
}

const ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  t: '\t',
  n: '\n',
  v: '\v',
  f: '\f',
  r: '\r',
  e: '\x1b',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
  N: '\x85',
  _: '\xa0',
  L: '\u2028',
  P: '\u2029',
};

/** A quoted scalar that ends on the same line. */
function quoted(line: string, p: number): { text: string; end: number } {
  const q = line[p];
  let out = '';
  let j = p + 1;
  if (q === "'") {
    for (;;) {
      const k = line.indexOf("'", j);
      if (k < 0) unsupported();
      out += line.slice(j, k);
      if (line[k + 1] === "'") {
        out += "'";
        j = k + 2;
        continue;
      }
      return { text: out, end: k + 1 };
    }
  }
  for (;;) {
    let k = j;
    while (k < line.length && line[k] !== '"' && line[k] !== '\\') k++;
    if (k >= line.length) unsupported();
    out += line.slice(j, k);
    if (line[k] === '"') return { text: out, end: k + 1 };
    const e = line[k + 1];
    if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = line.slice(k + 2, k + 2 + n);
      if (hex.length !== n || !/^[0-9a-fA-F]+$/.test(hex)) unsupported();
      out += String.fromCodePoint(parseInt(hex, 16));
      j = k + 2 + n;
      continue;
    }
    const r = e === undefined ? undefined : ESCAPES[e];
    if (r === undefined) unsupported();
    out += r;
    j = k + 2;
  }
}
