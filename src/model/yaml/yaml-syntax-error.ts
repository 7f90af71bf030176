/**
 * A syntax error of the `yaml` package as Ferry reports it: one line of words (the package's
 * first line repeats the position and ends with a `:` that introduced a source excerpt), and
 * the position of the token at fault, as PyYAML's problem mark gives it (issue 10):
 * - an error raised at the start of a line (wrong indentation, a block sequence where a key
 *   was expected) points at the line's first token, not at column 1 of its indentation;
 * - an error raised at the end of the input (an unclosed quote, `[` or `{`) points at the
 *   opening character, the place to fix, rather than at the empty last line.
 */
import type { YAMLError } from 'yaml';
import { yamlLib } from './yaml-lib.js';

export interface YamlSyntaxError {
  message: string;
  /** 1-based. */
  line: number;
  column: number;
}

export function yamlSyntaxError(text: string, e: YAMLError): YamlSyntaxError {
  const message = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?\s*$/, '').replace(/:\s*$/, '');
  const offset = errorOffset(text, e);
  const { line, col } = new LineIndex(text).linePos(offset);
  return { message, line, column: col };
}

function errorOffset(text: string, e: YAMLError): number {
  const at = Math.min(e.pos[0], text.length);
  if (text.slice(at).trim() === '') {
    const opening = unclosedOpening(text, e.message);
    if (opening !== undefined) return opening;
  }
  if (e.code === 'TAB_AS_INDENT') return at;
  // In the indentation of a line: its first token.
  const lineStart = text.lastIndexOf('\n', at - 1) + 1;
  if (/^[ \t]*$/.test(text.slice(lineStart, at))) {
    const rest = /^[ \t]*/.exec(text.slice(at))?.[0].length ?? 0;
    if (at + rest < text.length && text[at + rest] !== '\n' && text[at + rest] !== '\r') return at + rest;
  }
  return at;
}

/** Where the construct the message says is unclosed was opened: the last one left open. */
function unclosedOpening(text: string, message: string): number | undefined {
  const want: ReadonlySet<string> = message.startsWith('Missing closing "')
    ? new Set(['double-quoted-scalar'])
    : message.startsWith("Missing closing '")
      ? new Set(['single-quoted-scalar'])
      : /^Flow (sequence|map)/.test(message)
        ? new Set(['flow-collection'])
        : new Set();
  if (want.size === 0) return undefined;
  const { Parser } = yamlLib();
  let found: number | undefined;
  const walk = (token: unknown): void => {
    if (token === null || typeof token !== 'object') return;
    if (Array.isArray(token)) {
      for (const t of token) walk(t);
      return;
    }
    const t = token as { type?: string; offset?: number; source?: string; start?: { source?: string }; end?: Array<{ source?: string }> };
    if (t.type && want.has(t.type) && typeof t.offset === 'number' && isOpen(t)) found = Math.max(found ?? -1, t.offset);
    for (const [k, v] of Object.entries(t)) if (k !== 'start' && typeof v === 'object') walk(v);
  };
  for (const token of new Parser().parse(text)) walk(token);
  return found;
}

function isOpen(t: { type?: string; source?: string; start?: { source?: string }; end?: Array<{ source?: string }> }): boolean {
  if (t.type === 'double-quoted-scalar' || t.type === 'single-quoted-scalar') {
    const q = t.type === 'double-quoted-scalar' ? '"' : "'";
    const s = t.source ?? '';
    return s.length < 2 || !s.endsWith(q) || (q === '"' && /(^|[^\\])(\\\\)*\\"$/.test(s));
  }
  const close = t.start?.source === '[' ? ']' : '}';
  return !(t.end ?? []).some((x) => x.source === close);
}

/** 1-based line and column of an offset. */
class LineIndex {
  private readonly starts: number[] = [0];
  constructor(text: string) {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }
  linePos(offset: number): { line: number; col: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - this.starts[lo] + 1 };
  }
}
