/**
 * A YAML float whose JavaScript spelling differs from Python's: `4.0` (an integral float, which
 * a JS number cannot tell from the int 4), `1e-05`, `1e+16`, `inf`, `nan`. reclass keeps YAML's
 * float type, so `opencontrail_version: 4.0` interpolates as `opencontrail-4.0` and prints as
 * `4.0` in JSON and YAML. Floats JS already spells as Python does (`0.5`) stay plain numbers.
 * Instances are immutable and may be shared between nodes.
 */
/** Set while toPyJson (py-output.ts) writes: the marker PyFloats are written with there. */
let jsonMarker: string | undefined;
/** How many PyFloats were written with the marker. */
let marked = 0;

/** Runs `fn` with PyFloats written as marked strings; returns its result and how many were. */
export function withJsonMarker<T>(marker: string, fn: () => T): { out: T; marked: number } {
  const before = [jsonMarker, marked] as const;
  jsonMarker = marker;
  marked = 0;
  try {
    const out = fn();
    return { out, marked };
  } finally {
    [jsonMarker, marked] = before;
  }
}

export class PyFloat {
  constructor(readonly value: number) {}

  /** In toPyJson: a string holding the marker and Python's spelling; else the number. */
  toJSON(): unknown {
    if (jsonMarker === undefined) return this.value;
    marked++;
    return jsonMarker + pyJsonFloat(this.value);
  }

  valueOf(): number {
    return this.value;
  }

  /** Python `repr(float)`, which is also what `str()` and `json.dumps` print. */
  toString(): string {
    return pyFloatRepr(this.value);
  }
}

/** A parsed YAML float as the renderer keeps it: a number when JS prints it as Python does. */
export function pyFloat(x: number): number | PyFloat {
  return Number.isFinite(x) && !Number.isInteger(x) && String(x) === pyFloatRepr(x) ? x : new PyFloat(x);
}

/** A rendered number, boxed or not, as a JS number (undefined for anything else). */
export function numberOf(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (v instanceof PyFloat) return v.value;
  return undefined;
}

/** Python json.dumps spelling of a float. */
export function pyJsonFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  return pyFloatRepr(x);
}

/** Python `repr(float)` (the shortest round-trip form, exponent outside 1e-4 .. 1e16). */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mant, expStr] = x.toExponential().split('e');
  const sign = mant.startsWith('-') ? '-' : '';
  const digits = mant.replace('-', '').replace('.', '');
  const exp = Number(expStr);
  const decpt = exp + 1;
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) return `${sign}0.${'0'.repeat(-decpt)}${digits}`;
    if (decpt >= digits.length) return `${sign}${digits}${'0'.repeat(decpt - digits.length)}.0`;
    return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
  }
  const rest = digits.length > 1 ? `.${digits.slice(1)}` : '';
  const e = Math.abs(exp);
  return `${sign}${digits[0]}${rest}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
}

/**
 * A rendered tree with every PyFloat replaced by its number (copies only the containers on the
 * way to one): for the schemas and the desired state, which want JSON numbers.
 */
export function unboxFloats<T>(v: T): T {
  if (v instanceof PyFloat) return v.value as T;
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const x = unboxFloats(v[i] as unknown);
      if (x !== v[i]) (out ??= [...v])[i] = x;
    }
    return (out ?? v) as T;
  }
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    let out: Record<string, unknown> | undefined;
    const o = v as Record<string, unknown>;
    for (const k in o) {
      const x = unboxFloats(o[k]);
      if (x !== o[k]) (out ??= { ...o })[k] = x;
    }
    return (out ?? v) as T;
  }
  return v;
}

/** A deep copy of a rendered tree (structuredClone would turn a PyFloat into a plain object). */
export function cloneRendered<T>(v: T): T {
  if (Array.isArray(v)) return v.map((x: unknown) => cloneRendered(x)) as T;
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const o: Record<string, unknown> = {};
    for (const k in v as Record<string, unknown>) o[k] = cloneRendered((v as Record<string, unknown>)[k]);
    return o as T;
  }
  return v;
}
