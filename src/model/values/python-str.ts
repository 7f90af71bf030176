/**
 * Python's `str()` and `repr()` for the values a YAML model can hold, because reclass builds a
 * string that mixes text and references (`"v${x}"`) with Python's `str()`: `True`, `None`,
 * `['a', 'b']`, `{'k': 1}`. Floats JS would spell differently (`4.0`, `1e-05`) arrive as
 * PyFloat (py-float.ts) and print as Python prints them.
 */
import { PyFloat, pyFloatRepr } from './py-float.js';

export { pyFloatRepr } from './py-float.js';

function pyNumber(x: number): string {
  return Number.isInteger(x) && Math.abs(x) < 1e16 ? String(x) : pyFloatRepr(x);
}

/** Python `repr(str)`. */
function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c >= 0x80 && c < 0xa0) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}

/** Python `repr()` of a parsed YAML value. */
function pyRepr(v: unknown): string {
  if (typeof v === 'string') return pyStrRepr(v);
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (v !== null && typeof v === 'object' && !(v instanceof PyFloat)) {
    return `{${Object.entries(v).map(([k, x]) => `${pyStrRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
  }
  return pyStr(v);
}

/** Python `str()` of a parsed YAML value. */
export function pyStr(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return pyNumber(v);
  if (v instanceof PyFloat) return pyFloatRepr(v.value);
  if (typeof v === 'bigint') return v.toString();
  return pyRepr(v);
}
