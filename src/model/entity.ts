/**
 * One class or node file as reclass reads it (storage/yamldata.py `get_entity`): its classes
 * (relative names made absolute), applications, parameters and exports (wrapped for merging,
 * `~`/`=` prefixes applied) and environment.
 */
import { FerryError } from '../core/ferry-error.js';
import { initMerge } from './values/merge.js';
import { itemHasInv, PDict, PList, Value, type PNode } from './values/values.js';
import { loadYaml, plain } from './yaml/yaml-load.js';
import type { YVal } from './yaml/yaml-tree.js';
import { pyFloat } from './values/py-float.js';
import { parseValueString, RefParseError } from './values/ref-parser.js';
import { InvQueryParseError } from './query/inv-query.js';
import type { ReclassSettings } from './settings.js';
import type { SourcePos } from './types.js';
import type { PosResolver } from './yaml/lazy-pos.js';

export interface Entity {
  name: string;
  file: string;
  classes: Array<{ name: string; pos: SourcePos }>;
  applications: string[];
  parameters: PDict;
  exports: PDict;
  environment: string | null;
  /** Whether the parameters hold an inventory query `$[ ]`. */
  hasQueries: boolean;
  errors: FerryError[];
}

/** reclass YamlData.set_absolute_names: `.x` is a sibling, each extra dot one level up. */
function absoluteClassName(owner: string, n: string): string {
  if (!n.startsWith('.')) return n;
  let dots = 0;
  while (n[dots] === '.') dots++;
  const parts = owner.split('.');
  const parent = parts.slice(0, Math.max(0, parts.length - dots)).join('.');
  return parent === '' ? n.slice(dots) : parent + n.slice(dots - 1);
}

export function loadEntity(file: string, text: string, name: string, st: ReclassSettings, resolver?: PosResolver): Entity {
  const { root, errors } = loadYaml(file, text, resolver);
  const ent: Entity = { name, file, classes: [], applications: [], parameters: new PDict(), exports: new PDict(), environment: null, hasQueries: false, errors: [...errors] };
  if (!root) return ent;
  const top = { file, line: 1, column: 1 };
  if (root.kind !== 'map') {
    ent.errors.push(new FerryError('FERRY_INVALID_MODEL', `${file} must hold a mapping (classes, parameters, ...)`, top));
    return ent;
  }
  const wrapper = new Wrapper(st, ent.errors);
  for (const e of root.entries) {
    const v = e.value;
    const isNull = v.kind === 'scalar' && v.v === null;
    switch (e.key) {
      case 'classes':
        if (isNull) break;
        if (v.kind !== 'seq') ent.errors.push(bad(file, e.keyPos, 'classes must be a list of class names'));
        else ent.classes = v.items.flatMap((i) => classEntry(i, name, ent.errors));
        break;
      case 'applications':
        if (isNull) break;
        if (v.kind !== 'seq') ent.errors.push(bad(file, e.keyPos, 'applications must be a list of names'));
        else ent.applications = v.items.map((i) => String(plain(i)));
        break;
      case 'parameters':
      case 'exports': {
        if (isNull) break;
        if (v.kind !== 'map') {
          ent.errors.push(bad(file, e.keyPos, `${e.key} must be a mapping`));
          break;
        }
        wrapper.queries = false;
        wrapper.prefixed = false;
        const wrapped = wrapper.dict(v);
        // `~key`/`=key` are applied by merging into an empty dict; without them that is a copy.
        const tree = wrapper.prefixed ? initMerge(wrapped, st) : wrapped;
        if (e.key === 'parameters') {
          ent.parameters = tree;
          ent.hasQueries = wrapper.queries;
        } else ent.exports = tree;
        break;
      }
      case 'environment':
        ent.environment = isNull ? null : String(plain(v));
        break;
      default:
        break;
    }
  }
  return ent;
}

function bad(file: string, pos: SourcePos, message: string): FerryError {
  return new FerryError('FERRY_INVALID_MODEL', message, { file, line: pos.line, column: pos.column });
}

function classEntry(i: YVal, owner: string, errors: FerryError[]): Array<{ name: string; pos: SourcePos }> {
  if (i.kind !== 'scalar' || typeof i.v !== 'string') {
    errors.push(new FerryError('FERRY_BAD_CLASS_NAME', `a class name must be a string, not ${JSON.stringify(plain(i))}`, { file: i.pos.file, line: i.pos.line, column: i.pos.column }));
    return [];
  }
  const name = absoluteClassName(owner, i.v);
  const badChar = [' ', '/'].find((c) => name.includes(c));
  if (badChar) {
    errors.push(new FerryError('FERRY_BAD_CLASS_NAME', `invalid character "${badChar}" in class name "${name}"`, { file: i.pos.file, line: i.pos.line, column: i.pos.column }));
    return [];
  }
  return [{ name, pos: i.pos }];
}

class Wrapper {
  queries = false;
  prefixed = false;
  constructor(
    private readonly st: ReclassSettings,
    private readonly errors: FerryError[],
  ) {}

  dict(v: Extract<YVal, { kind: 'map' }>): PDict {
    const d = new PDict(v.pos);
    for (const e of v.entries) {
      if (e.key[0] === this.st.overridePrefix || e.key[0] === this.st.constantPrefix) this.prefixed = true;
      const child = this.node(e.value);
      d.entries.set(e.key, child);
      if (!(child instanceof Value)) d.setKeyPos(e.key, e.keyPos);
    }
    return d;
  }

  node(v: YVal): PNode {
    if (v.kind === 'map') return this.dict(v);
    if (v.kind === 'seq') return new PList(v.items.map((i) => this.node(i)), v.pos);
    if (typeof v.v !== 'string') return new Value({ t: 'sca', v: v.isFloat && typeof v.v === 'number' ? pyFloat(v.v) : v.v }, v.pos);
    try {
      const item = parseValueString(v.v, this.st);
      if (itemHasInv(item)) this.queries = true;
      return new Value(item, v.pos);
    } catch (e) {
      if (!(e instanceof RefParseError || e instanceof InvQueryParseError)) throw e;
      this.errors.push(new FerryError('FERRY_REFERENCE_SYNTAX', e.message, { file: v.pos.file, line: v.pos.line, column: v.pos.column }));
      return new Value({ t: 'sca', v: v.v }, v.pos);
    }
  }
}
