/**
 * Reads one YAML file of the inventory into a small tree that keeps the source position of
 * every key and value. Scalars are resolved as PyYAML's SafeLoader does (yaml-scalars.ts);
 * `<<` merge keys and aliases are expanded; duplicate keys keep the last value, as PyYAML.
 */
import type { Document, Node, Scalar } from 'yaml';
import { yamlLib } from './yaml-lib.js';
import { FerryError } from '../../core/ferry-error.js';
import type { SourcePos } from '../types.js';
import { resolvePlain, resolveTagged } from './yaml-scalars.js';
import { pyFloatRepr, pyStr } from '../values/python-str.js';
import { fastLoad, FastYamlError, PyScalar } from './yaml-fast.js';
import { LazyPos, type PosResolver } from './lazy-pos.js';
import { blockLoad } from './yaml-block.js';
import { yamlSyntaxError } from './yaml-syntax-error.js';
import { checkFileSize, ExpansionBudget } from '../limits.js';
import type { YEntry, YVal } from './yaml-tree.js';

export interface LoadedYaml {
  root: YVal | null;
  errors: FerryError[];
}

/**
 * Loads one file. The block reader (yaml-block.ts) reads the common subset with exact
 * positions; with a PosResolver, js-yaml (positions computed lazily) is tried next; anything
 * either refuses goes through the `yaml` package, which also words the syntax errors.
 */
export function loadYaml(file: string, text: string, resolver?: PosResolver): LoadedYaml {
  const tooBig = checkFileSize(file, text);
  if (tooBig) return { root: null, errors: [tooBig] };
  try {
    const block = blockLoad(file, text);
    if (block) return { root: block.root, errors: [] };
    if (resolver) {
      try {
        const v = fastLoad(text);
        const root = new LazyPos(file, undefined, undefined, false, resolver);
        return { root: v === null || v === undefined ? null : fromFast(v, root, file, resolver, new ExpansionBudget(file, text.length)), errors: [] };
      } catch (e) {
        if (!(e instanceof FastYamlError)) throw e;
      }
    }
    return slowLoad(file, text);
  } catch (e) {
    // The expansion limit (limits.ts): one error for the file, never a half-read tree.
    if (e instanceof FerryError && e.code === 'FERRY_MODEL_TOO_LARGE') return { root: null, errors: [e] };
    throw e;
  }
}

/** js-yaml's tree (aliases are shared objects there) expanded into YVals, counted against `budget`. */
function fromFast(v: unknown, pos: LazyPos, file: string, r: PosResolver, budget: ExpansionBudget): YVal {
  budget.take();
  if (v instanceof PyScalar) return { kind: 'scalar', v: v.v, isFloat: v.isFloat || undefined, pos };
  if (Array.isArray(v)) return { kind: 'seq', items: v.map((x: unknown, i) => fromFast(x, new LazyPos(file, pos, i, false, r), file, r, budget)), pos };
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const entries: YEntry[] = [];
    for (const key of Object.keys(o)) {
      // A boolean key may collide with 1/0 as in a Python dict: leave such files to the slow path.
      if (key === 'True' || key === 'False') throw new FastYamlError('boolean key');
      entries.push({ key, keyPos: new LazyPos(file, pos, key, true, r), value: fromFast(o[key], new LazyPos(file, pos, key, false, r), file, r, budget) });
    }
    return { kind: 'map', entries, pos };
  }
  return { kind: 'scalar', v: v === undefined ? null : v, pos };
}

/** The complete reader (the `yaml` package): every YAML feature, worded syntax errors. */
export function slowLoad(file: string, text: string): LoadedYaml {
  const { LineCounter, parseDocument } = yamlLib();
  const lc = new LineCounter();
  const doc = parseDocument(text, { schema: 'failsafe', uniqueKeys: false, lineCounter: lc, strict: false });
  // The first error only: the parser's later errors mostly follow from it.
  const errors = doc.errors.slice(0, 1).map((e) => {
    const { message, line, column } = yamlSyntaxError(text, e);
    return new FerryError('FERRY_YAML_SYNTAX', `YAML syntax error: ${message}`, { file, line, column });
  });
  if (errors.length > 0) return { root: null, errors };
  const at = (offset: number | undefined): SourcePos => {
    const p = lc.linePos(offset ?? 0);
    return { file, line: p.line, column: p.col };
  };
  const conv = new Converter(doc, at, new ExpansionBudget(file, text.length));
  return { root: doc.contents ? conv.node(doc.contents) : null, errors: conv.errors.map((m) => new FerryError('FERRY_YAML_SYNTAX', m.message, { file, line: m.pos.line, column: m.pos.column })) };
}

class Converter {
  readonly errors: Array<{ message: string; pos: SourcePos }> = [];
  private depth = 0;
  constructor(
    private readonly doc: Document,
    private readonly at: (offset: number | undefined) => SourcePos,
    private readonly budget: ExpansionBudget,
  ) {}

  node(n: Node): YVal {
    const { isAlias, isMap, isScalar, isSeq } = yamlLib();
    this.budget.take(isAlias(n) ? this.at(n.range?.[0]).line : undefined);
    if (isAlias(n)) {
      const target = n.resolve(this.doc);
      if (!target || this.depth > 200) {
        const pos = this.at(n.range?.[0]);
        this.errors.push({ message: `unknown or recursive alias *${n.source}`, pos });
        return { kind: 'scalar', v: null, pos };
      }
      this.depth++;
      try {
        return this.node(target);
      } finally {
        this.depth--;
      }
    }
    const pos = this.at(n.range?.[0]);
    if ((isMap(n) || isSeq(n)) && n.tag) {
      const why = unsupportedTag(n.tag, isMap(n) ? 'map' : 'seq');
      if (why) this.errors.push({ message: why, pos });
    }
    if (isMap(n)) return { kind: 'map', entries: this.entries(n.items), pos };
    if (isSeq(n)) return { kind: 'seq', items: (n.items as Node[]).map((i) => (i ? this.node(i) : { kind: 'scalar', v: null, pos })), pos };
    if (isScalar(n)) return this.scalar(n, pos);
    return { kind: 'scalar', v: null, pos };
  }

  private scalar(n: Scalar, pos: SourcePos): YVal {
    const text = typeof n.value === 'string' ? n.value : (n.source ?? String(n.value));
    if (n.tag && n.tag !== '!' && n.tag !== 'tag:yaml.org,2002:str' && n.tag !== '!!str') {
      const why = unsupportedTag(n.tag, 'scalar');
      if (why) {
        this.errors.push({ message: why, pos });
        return { kind: 'scalar', v: null, pos };
      }
      return { kind: 'scalar', ...resolveTagged(n.tag, text), pos };
    }
    if (n.type === 'PLAIN' && !n.tag) return { kind: 'scalar', ...resolvePlain(text), pos };
    return { kind: 'scalar', v: text, pos };
  }

  private entries(items: Array<{ key: unknown; value: unknown }>): YEntry[] {
    const { isScalar } = yamlLib();
    const own: YEntry[] = [];
    const seen = new Map<string, number>();
    let merged: YEntry[] = [];
    for (const pair of items) {
      const keyNode = pair.key as Node | null;
      const valueNode = pair.value as Node | null;
      if (isScalar(keyNode) && keyNode.type === 'PLAIN' && keyNode.value === '<<' && valueNode) {
        merged = [...this.mergeSources(valueNode), ...merged];
        continue;
      }
      const keyPos = this.at(keyNode?.range?.[0]);
      const k = keyNode ? this.node(keyNode) : ({ kind: 'scalar', v: null, pos: keyPos } as YVal);
      const value: YVal = valueNode ? this.node(valueNode) : { kind: 'scalar', v: null, pos: keyPos };
      // Python dict keys: True, 1 and 1.0 are one key (the first spelling stays, the last value wins).
      const h = k.kind === 'scalar' && (typeof k.v === 'number' || typeof k.v === 'boolean') ? `n:${Number(k.v)}` : `s:${this.keyString(k)}`;
      const at = seen.get(h);
      if (at !== undefined) own[at] = { ...own[at], value };
      else {
        seen.set(h, own.length);
        own.push({ key: this.keyString(k), keyPos, value });
      }
    }
    if (!merged.length) return own;
    const ownKeys = new Set(own.map((e) => e.key));
    return [...merged.filter((e) => !ownKeys.has(e.key)), ...own];
  }

  private mergeSources(n: Node): YEntry[] {
    const v = this.node(n);
    if (v.kind === 'map') return v.entries;
    if (v.kind === 'seq') {
      const out: YEntry[] = [];
      for (const item of [...v.items].reverse()) if (item.kind === 'map') out.push(...item.entries);
      return out;
    }
    this.errors.push({ message: 'a << merge key needs a mapping or a list of mappings', pos: v.pos });
    return [];
  }

  private keyString(k: YVal): string {
    if (k.kind === 'scalar') return k.isFloat && typeof k.v === 'number' ? pyFloatRepr(k.v) : pyStr(k.v);
    return pyStr(plain(k));
  }
}

const SCALAR_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'timestamp']);
const COLLECTION_TAGS: Record<'map' | 'seq', string> = { map: 'map', seq: 'seq' };

/**
 * Why an explicit tag cannot be read, or undefined. As reclass's loader (PyYAML's SafeLoader),
 * a tag it has no constructor for is an error; the tags PyYAML turns into Python types that
 * have no place in a rendered model (bytes, sets, ordered pairs) are refused by name.
 */
function unsupportedTag(tag: string, kind: 'scalar' | 'map' | 'seq'): string | undefined {
  const core = tag.startsWith('tag:yaml.org,2002:') ? tag.slice('tag:yaml.org,2002:'.length) : undefined;
  if (core !== undefined && (kind === 'scalar' ? SCALAR_TAGS.has(core) : COLLECTION_TAGS[kind] === core)) return undefined;
  const shown = core !== undefined ? `!!${core}` : tag;
  if (core === 'binary' || core === 'set' || core === 'omap' || core === 'pairs') {
    return `YAML tag ${shown} is not supported: PyYAML makes a Python ${core === 'binary' ? 'bytes' : core === 'set' ? 'set' : 'list of pairs'} of it, which reclass cannot print as JSON; write the value without the tag`;
  }
  return `unknown YAML tag ${shown}: reclass's loader (PyYAML's SafeLoader) has no constructor for it; remove the tag or quote the value`;
}

/** The tree as plain JS values (no positions). */
export function plain(v: YVal): unknown {
  if (v.kind === 'scalar') return v.v;
  if (v.kind === 'seq') return v.items.map(plain);
  const o: Record<string, unknown> = {};
  for (const e of v.entries) o[e.key] = plain(e.value);
  return o;
}
