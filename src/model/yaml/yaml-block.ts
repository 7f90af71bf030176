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
import type { YEntry, YVal } from './yaml-tree.js';
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

/**
 * One line, split by LINE: indentation, an optional `- ` (with the spaces after it), an optional
 * `key:` and the rest. A native regular expression does this faster than character loops in a
 * process too short-lived for the JIT to warm up.
 */
interface Line {
  text: string;
  ind: number;
  /** Length of `-` and the spaces after it; 0 when the line is no list item. */
  dash: number;
  /** The key as written (quotes included), when the line holds `key:`. */
  key: string | undefined;
  /** Column where the rest starts (after `- ` and `key: `). */
  restCol: number;
  /** Empty or only a comment. */
  blank: boolean;
}

const LINE = /^( *)(-(?: +|$))?(?:([^ #'"&*!|>%@`,?{}[\]:-](?:[^:#]|:(?! |$)|#(?<! #))*?|-[^ ](?:[^:#]|:(?! |$)|#(?<! #))*?|"(?:[^"\\]|\\.)*"|'(?:[^']|'')*')( *:(?: +|$)))?(.*)$/;

function splitLine(text: string): Line {
  const m = LINE.exec(text) as RegExpExecArray;
  const ind = m[1].length;
  const dash = m[2] === undefined ? 0 : m[2].length;
  const key = m[3];
  const rest = m[5];
  const restCol = text.length - rest.length;
  const blank = dash === 0 && key === undefined && (rest.length === 0 || rest.charCodeAt(0) === HASH);
  return { text, ind, dash, key, restCol, blank };
}

class BlockReader {
  private readonly lines: Line[];
  /** Line index of the next line to read. */
  private i = 0;

  constructor(
    private readonly file: string,
    text: string,
  ) {
    const raw = text.split('\n');
    this.lines = new Array<Line>(raw.length);
    for (let j = 0; j < raw.length; j++) this.lines[j] = splitLine(raw[j]);
  }

  private pos(line: number, col: number): SourcePos {
    return { file: this.file, line: line + 1, column: col + 1 };
  }

  document(): YVal | null {
    // Leading comments, then an optional `---` start marker with nothing after it.
    while (this.i < this.lines.length && this.lines[this.i].blank) this.i++;
    if (this.i < this.lines.length) {
      const l = this.lines[this.i].text;
      if (l.startsWith('%')) unsupported();
      if (l.startsWith('---') && (l.length === 3 || l.charCodeAt(3) === SPACE)) {
        if (!isBlankOrComment(l, 3)) unsupported();
        this.i++;
      }
    }
    this.skipBlank();
    if (this.i >= this.lines.length) return null;
    const line = this.lines[this.i];
    if (line.ind !== 0) unsupported();
    const root = line.dash > 0 ? this.seq(0) : this.map(0);
    this.skipBlank();
    if (this.i < this.lines.length) unsupported();
    return root;
  }

  /** Moves past empty and comment-only lines; a second document (`---`, `...`) is unsupported. */
  private skipBlank(): void {
    const lines = this.lines;
    while (this.i < lines.length) {
      const l = lines[this.i];
      if (l.blank) {
        this.i++;
        continue;
      }
      if (l.ind === 0) {
        const t = l.text;
        if ((t.startsWith('---') || t.startsWith('...')) && (t.length === 3 || t.charCodeAt(3) === SPACE)) unsupported();
      }
      return;
    }
  }

  /** Indentation of the next content line, or -1 at the end. */
  private peekIndent(): number {
    this.skipBlank();
    return this.i < this.lines.length ? this.lines[this.i].ind : -1;
  }

  /** The next content line when it sits at `indent` (undefined: the block ends); deeper is unsupported. */
  private lineAt(indent: number): Line | undefined {
    const ind = this.peekIndent();
    if (ind < indent) return undefined;
    if (ind > indent) unsupported();
    return this.lines[this.i];
  }

  private map(indent: number): YVal {
    const entries: YEntry[] = [];
    /** Key -> index in entries, made once a mapping is long enough for a linear search to cost. */
    let index: Map<string, number> | undefined;
    let mapPos: SourcePos | undefined;
    for (let line = this.lineAt(indent); line && line.dash === 0; line = this.lineAt(indent)) {
      const lineNo = this.i;
      if (line.key === undefined) unsupported();
      const key = keyText(line.key);
      const keyPos = this.pos(lineNo, indent);
      mapPos ??= keyPos;
      this.i++;
      const value = this.afterColon(line, lineNo, indent, keyPos);
      // PyYAML: a repeated key keeps its first place and takes the last value.
      if (!index && entries.length >= 16) index = new Map(entries.map((e, j) => [e.key, j]));
      let prev = -1;
      if (index) prev = index.get(key) ?? -1;
      else for (let j = 0; j < entries.length; j++) if (entries[j].key === key) prev = j;
      if (prev >= 0) entries[prev] = { key, keyPos: entries[prev].keyPos, value };
      else {
        index?.set(key, entries.length);
        entries.push({ key, keyPos, value });
      }
    }
    return { kind: 'map', entries, pos: mapPos ?? unsupported() };
  }

  /** The value after `key:`: inline on the key's line or a nested block. */
  private afterColon(line: Line, lineNo: number, indent: number, keyPos: SourcePos): YVal {
    const vs = line.restCol;
    const t = line.text;
    if (vs >= t.length || t.charCodeAt(vs) === HASH) {
      const next = this.peekIndent();
      if (next > indent) return this.block();
      if (next === indent && this.lines[this.i].dash > 0) return this.seq(next);
      return { kind: 'scalar', v: null, pos: keyPos };
    }
    return this.inline(t, lineNo, vs, indent);
  }

  /** A nested block starting at the current line. */
  private block(): YVal {
    const line = this.lines[this.i];
    return line.dash > 0 ? this.seq(line.ind) : this.map(line.ind);
  }

  private seq(indent: number): YVal {
    const items: YVal[] = [];
    let seqPos: SourcePos | undefined;
    for (let line = this.lineAt(indent); line && line.dash > 0; line = this.lineAt(indent)) {
      const lineNo = this.i;
      const dashPos = this.pos(lineNo, indent);
      seqPos ??= dashPos;
      const t = line.text;
      const vs = indent + line.dash;
      if (line.key !== undefined) {
        // `- key: value`: a mapping whose keys sit at the column after the dash.
        this.lines[lineNo] = { text: t, ind: vs, dash: 0, key: line.key, restCol: line.restCol, blank: false };
        items.push(this.map(vs));
        continue;
      }
      if (vs >= t.length || t.charCodeAt(vs) === HASH) {
        this.i++;
        const next = this.peekIndent();
        items.push(next > indent ? this.block() : { kind: 'scalar', v: null, pos: dashPos });
        continue;
      }
      if (isSeqItem(t, vs)) unsupported();
      this.i++;
      items.push(this.inline(t, lineNo, vs, indent));
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
      const l = this.lines[this.i].text;
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

/** The text of a key as LINE captured it (quotes removed); unsupported for keys YAML 1.1 reads as non-strings. */
function keyText(raw: string): string {
  const c = raw.charCodeAt(0);
  if (c === 34 || c === 39) {
    const q = quoted(raw, 0);
    if (q.end !== raw.length) unsupported();
    return q.text;
  }
  // A key YAML 1.1 reads as a number, boolean or null, or a merge key: the full readers handle those.
  if (typeof resolvePlain(raw).v !== 'string' || raw === '<<') unsupported();
  return raw;
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
