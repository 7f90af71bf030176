/**
 * YAML 1.1 plain-scalar resolution as PyYAML's SafeLoader does it (reclass reads YAML with
 * PyYAML): `yes`/`no`/`on`/`off` are booleans, `0755` is octal, `1:30` is 90, `1e3` is a
 * string (a float needs a dot). Timestamps stay strings (PyYAML would make dates).
 */
/** YAML 1.1 plain scalars as PyYAML resolves them (shared by both readers). */
export const BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
export const TRUE = /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
export const FLOAT =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
export const INT = /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
export const NULL = /^(?:~|null|Null|NULL|)$/;

export interface Resolved {
  v: unknown;
  isFloat?: boolean;
}

function sexagesimal(body: string): number {
  let n = 0;
  for (const part of body.split(':')) n = n * 60 + Number(part);
  return n;
}

export function constructInt(text: string): number {
  let t = text.replace(/_/g, '');
  let sign = 1;
  if (t[0] === '-' || t[0] === '+') {
    if (t[0] === '-') sign = -1;
    t = t.slice(1);
  }
  if (t === '0') return 0;
  if (t.startsWith('0b')) return sign * parseInt(t.slice(2), 2);
  if (t.startsWith('0x')) return sign * parseInt(t.slice(2), 16);
  if (t.startsWith('0')) return sign * parseInt(t, 8);
  if (t.includes(':')) return sign * sexagesimal(t);
  return sign * Number(t);
}

export function constructFloat(text: string): number {
  let t = text.replace(/_/g, '').toLowerCase();
  let sign = 1;
  if (t[0] === '-' || t[0] === '+') {
    if (t[0] === '-') sign = -1;
    t = t.slice(1);
  }
  if (t === '.inf') return sign * Infinity;
  if (t === '.nan') return NaN;
  if (t.includes(':')) return sign * sexagesimal(t);
  return sign * Number(t);
}

/** Whether `text` is a plain decimal integer without sign, underscores or leading zero. */
function isPlainDecimal(text: string): boolean {
  const n = text.length;
  if (n === 0 || n > 15 || (text.charCodeAt(0) === 48 && n > 1)) return false;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * First characters a null, boolean or number can start with: anything else is a string
 * (most scalars of a model are words and references, so the patterns are rarely tried).
 */
const MAY_RESOLVE = new Set('0123456789+-.~nNtTfFyYoO'.split(''));

/** Resolves an untagged plain scalar. */
export function resolvePlain(text: string): Resolved {
  if (text.length > 0 && !MAY_RESOLVE.has(text[0])) return { v: text };
  if (isPlainDecimal(text)) return { v: Number(text) };
  if (NULL.test(text)) return { v: null };
  if (BOOL.test(text)) return { v: TRUE.test(text) };
  if (INT.test(text)) return { v: constructInt(text) };
  if (FLOAT.test(text)) return { v: constructFloat(text), isFloat: true };
  return { v: text };
}

/** Resolves a scalar with an explicit standard tag (`!!int "3"`); unknown tags keep the text. */
export function resolveTagged(tag: string, text: string): Resolved {
  switch (tag.replace(/^tag:yaml\.org,2002:/, '!!')) {
    case '!!str':
      return { v: text };
    case '!!int':
      return { v: constructInt(text) };
    case '!!float':
      return { v: constructFloat(text), isFloat: true };
    case '!!bool':
      return { v: TRUE.test(text) };
    case '!!null':
      return { v: null };
    default:
      return { v: text };
  }
}
