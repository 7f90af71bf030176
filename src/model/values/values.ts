/**
 * The merge-time representation of parameters, modelled on reclass 1.7: a tree of dicts
 * (PDict) and lists (PList) whose leaves are Values (one YAML scalar, list or dict, with the
 * references it holds parsed) or ValueLists (the values several classes gave to one key, kept
 * until interpolation so that a reference sees the final merged value).
 *
 * Entities loaded from files are never mutated after loading; merging copies dicts and builds
 * new ValueLists, so one parsed class serves every node.
 */
import type { SourcePos } from '../types.js';
import type { InvQuery } from '../query/inv-query.js';

export type Item =
  | { t: 'sca'; v: unknown }
  | { t: 'ref'; parts: Item[] }
  | { t: 'comp'; parts: Item[] }
  | { t: 'inv'; q: InvQuery; text: string }
  | { t: 'dict'; d: PDict }
  | { t: 'list'; l: PList };

export type ItemType = Item['t'];

export class PDict {
  entries = new Map<string, PNode>();
  /** Position of the keys whose value is a dict or a list (a scalar Value has its own). */
  keyPos?: Map<string, SourcePos>;
  /** The merge session that made this dict and may change it (0: none; see merge.ts). */
  owner = 0;
  constructor(public pos?: SourcePos) {}

  /** A shallow copy that `session` owns. */
  copyFor(session: number): PDict {
    const d = new PDict(this.pos);
    d.entries = new Map(this.entries);
    if (this.keyPos) d.keyPos = new Map(this.keyPos);
    d.owner = session;
    return d;
  }

  setKeyPos(key: string, pos: SourcePos): void {
    (this.keyPos ??= new Map()).set(key, pos);
  }
}

export class PList {
  constructor(
    readonly items: PNode[],
    public pos?: SourcePos,
  ) {}
}

export class Value {
  overwrite = false;
  constant = false;
  private refsCache?: { refs: string[]; all: boolean };
  constructor(
    readonly item: Item,
    readonly pos?: SourcePos,
  ) {}

  get type(): ItemType {
    return this.item.t;
  }

  get isComplex(): boolean {
    return itemHasRefs(this.item) || itemHasInv(this.item);
  }

  /** References this value needs, given a context for nested ones (`${${x}}`). */
  references(context: unknown, flatten: (parts: Item[], ctx: unknown) => string | undefined): { refs: string[]; all: boolean } {
    if (this.refsCache) return this.refsCache;
    const acc = { refs: [] as string[], all: true };
    collectRefs(this.item, context, flatten, acc);
    if (acc.all) this.refsCache = acc;
    return acc;
  }

  withFlags(flags: { overwrite?: boolean; constant?: boolean }): Value {
    const v = new Value(this.item, this.pos);
    v.overwrite = flags.overwrite ?? this.overwrite;
    v.constant = flags.constant ?? this.constant;
    return v;
  }
}

export class ValueList {
  /** The merge that created this list may append to it in place (see merge.ts). */
  constructor(
    readonly values: Value[],
    readonly session = 0,
  ) {}

  get isComplex(): boolean {
    const first = this.values[0].type;
    return this.values.some((v) => v.isComplex || v.constant || v.overwrite || v.type !== first);
  }

  get pos(): SourcePos | undefined {
    return this.values[this.values.length - 1].pos;
  }
}

export type PNode = PDict | PList | Value | ValueList;

function itemHasRefs(item: Item): boolean {
  switch (item.t) {
    case 'ref':
      return true;
    case 'comp':
      return item.parts.some(itemHasRefs);
    case 'inv':
      return item.q.refs.length > 0;
    default:
      return false;
  }
}

export function itemHasInv(item: Item): boolean {
  if (item.t === 'inv') return true;
  if (item.t === 'comp') return item.parts.some(itemHasInv);
  return false;
}

function collectRefs(
  item: Item,
  context: unknown,
  flatten: (parts: Item[], ctx: unknown) => string | undefined,
  acc: { refs: string[]; all: boolean },
): void {
  if (item.t === 'ref') {
    for (const p of item.parts) if (p.t === 'ref') collectRefs(p, context, flatten, acc);
    const path = flatten(item.parts, context);
    if (path === undefined) acc.all = false;
    else acc.refs.push(path);
  } else if (item.t === 'comp') {
    for (const p of item.parts) collectRefs(p, context, flatten, acc);
  } else if (item.t === 'inv') {
    acc.refs.push(...item.q.refs);
  }
}
