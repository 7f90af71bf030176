/**
 * JSON.parse that keeps the float type: every number written with a dot or an exponent (and
 * Python's NaN/Infinity) becomes `{ $float: '<text as written>' }`, so `4.0` and `4` compare
 * different, and so do `1e-05` and `0.00001` (both tools' outputs go through this).
 */
const TOKEN = /"(?:[^"\\]|\\.)*"|-?(?:\d+\.\d*(?:[eE][-+]?\d+)?|\d+[eE][-+]?\d+)|-?Infinity|NaN/g;

export function parseJsonKeepFloats(text: string): unknown {
  return JSON.parse(text.replace(TOKEN, (t) => (t.startsWith('"') ? t : JSON.stringify({ $float: t }))));
}
