/**
 * Deciding a key that several classes set (reclass values/valuelist.py `render`): values are
 * taken in merge order; `~` (overwrite) starts again; dicts merge, lists concatenate, a scalar
 * replaces a scalar; other combinations are type conflicts unless the allow_* settings permit
 * them; after a `=` constant any further value is an error (strict_constant_parameters) or
 * ignored. A missing reference in a value later overridden by a scalar is ignored
 * (ignore_overwritten_missing_references).
 */
import { PDict, PList, Value, ValueList, type PNode } from './values.js';
import { isPlainObject } from './path.js';
import { mergeDict } from './merge.js';
import { RenderError } from './render-error.js';
import type { ReclassSettings } from '../settings.js';
import type { SourcePos } from '../types.js';

export function renderValueList(value: ValueList, render: (v: Value) => unknown, st: ReclassSettings): { out: unknown; pos?: SourcePos } {
  const vals = value.values;
  let output: unknown = null;
  let outPos: SourcePos | undefined;
  let lastError: RenderError | undefined;
  let constantPos: SourcePos | undefined;
  let constant = false;
  const conflict = (next: unknown, n: number): RenderError => typeError(next, output, vals[n], vals[n - 1]);
  for (let n = 0; n < vals.length; n++) {
    const v = vals[n];
    let next: unknown;
    try {
      next = render(v);
    } catch (e) {
      if (!(e instanceof RenderError && e.code === 'FERRY_MISSING_REFERENCE' && st.ignoreOverwrittenMissingReferences && !isContainer(output) && n !== vals.length - 1)) throw e;
      next = null;
      lastError = e;
    }
    if (constant) {
      if (st.strictConstantParameters) {
        throw new RenderError('FERRY_CONSTANT_CHANGED', `a constant parameter (set at ${where(constantPos)}) is changed at ${where(v.pos)}`, v.pos, { constantAt: constantPos });
      }
      continue;
    }
    if (output === null || v.overwrite) output = next;
    else if (isDict(output)) {
      if (isDict(next)) output = mergeDict(mergeDict(new PDict(), wrapPlain(output), st), wrapPlain(next), st);
      else if (!isList(next) && (st.allowScalarOverDict || (st.allowNoneOverride && next === null))) output = next;
      else throw conflict(next, n);
    } else if (isList(output)) {
      if (isList(next)) output = [...listItems(output), ...listItems(next)];
      else if (!isDict(next) && (st.allowScalarOverList || (st.allowNoneOverride && next === null))) output = next;
      else throw conflict(next, n);
    } else if (isDict(next)) {
      if (!st.allowDictOverScalar) throw conflict(next, n);
      output = next;
    } else if (isList(next)) {
      if (!st.allowListOverScalar) throw conflict(next, n);
      output = [output, ...listItems(next)];
    } else output = next;
    outPos = v.pos;
    if (v.constant) {
      constant = true;
      constantPos = v.pos;
    }
  }
  if (isContainer(output) && lastError) throw lastError;
  return { out: output, pos: outPos };
}

function typeError(next: unknown, output: unknown, v: Value, prev: Value): RenderError {
  return new RenderError('FERRY_TYPE_CONFLICT', `cannot merge ${typeName(next)} over ${typeName(output)} (${where(prev.pos)} then ${where(v.pos)})`, v.pos, {
    expected: typeName(output),
    actual: typeName(next),
    previous: prev.pos,
  });
}

function isDict(v: unknown): boolean {
  return v instanceof PDict || isPlainObject(v);
}
function isList(v: unknown): boolean {
  return v instanceof PList || Array.isArray(v);
}
export function isContainer(v: unknown): boolean {
  return isDict(v) || isList(v);
}
function listItems(v: unknown): unknown[] {
  return v instanceof PList ? v.items : (v as unknown[]);
}

/** A rendered (or half-rendered) dict as a PDict, so that two dicts merge the reclass way. */
function wrapPlain(v: unknown): PDict {
  if (v instanceof PDict) return v;
  const d = new PDict();
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) d.entries.set(k, wrapAny(x));
  return d;
}
function wrapAny(x: unknown): PNode {
  if (x instanceof Value || x instanceof ValueList || x instanceof PDict || x instanceof PList) return x;
  if (isPlainObject(x)) return wrapPlain(x);
  if (Array.isArray(x)) return new PList(x.map(wrapAny));
  return new Value({ t: 'sca', v: x });
}

function typeName(v: unknown): string {
  if (isDict(v)) return 'dictionary';
  if (isList(v)) return 'list';
  return 'scalar';
}

export function where(p: SourcePos | undefined): string {
  return p ? `${p.file}:${p.line}` : 'unknown place';
}
