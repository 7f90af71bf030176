/**
 * Interpolation of merged parameters (reclass datatypes/parameters.py `interpolate`): first
 * every value that needs nothing is rendered in place; values with references, inventory
 * queries or conflicting merges stay pending and are rendered one by one, each after the
 * values it references (so a reference sees the final merged value, whole-value references
 * keep the target's type, and a reference inside text is Python-str()'d). Cycles, missing
 * references and type conflicts are recorded, not thrown: the caller reports them all.
 *
 * Positions: rendered containers are linked to their sources in `positions` (positions.ts),
 * values decided here record where the winning value came from, for RenderedNode.locate.
 */
import { PDict, PList, Value, ValueList, type Item, type PNode } from './values.js';
import { getAt, getRef, isPlainObject, MISSING, pathKey, splitPath } from './path.js';
import { pyStr } from './python-str.js';
import { RenderError } from './render-error.js';
import type { ReclassSettings } from '../settings.js';
import type { SourcePos } from '../types.js';
import type { InvQuery } from '../query/inv-query.js';
import { Positions } from './positions.js';
import { isContainer, renderValueList, where } from './value-list-render.js';
import { SEP, type NodePaths, type SharedRenders, type Tracking } from './shared-renders.js';
import { MAX_RENDERED_NODES, MAX_VALUE_CHARS, tooLarge } from '../limits.js';

export type QueryFn = (q: InvQuery, context: unknown, pos?: SourcePos) => unknown;
export type Path = Array<string | number>;

export interface RecordedError {
  error: RenderError;
  path: Path;
}

interface Pending {
  path: Path;
  busy: boolean;
}

export class Interpolator {
  root: Record<string, unknown> = {};
  readonly errors: RecordedError[] = [];
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly st: ReclassSettings,
    readonly positions: Positions,
    private readonly opts: { query?: QueryFn; external?: Interpolator; shared?: { renders: SharedRenders; node: NodePaths } } = {},
  ) {}

  /** What the value being rendered has read so far (only with opts.shared). */
  private tracking?: Tracking;
  /** Deps of the values rendered so far (key -> deps, or undefined when not shareable). */
  private readonly rendered = new Map<string, Tracking>();

  private track(key: string): void {
    this.tracking?.deps.add(key);
  }

  private taint(): void {
    if (this.tracking) this.tracking.dirty = true;
  }

  /** Adds what the (already rendered) value at `key` read to the value being rendered. */
  private adopt(key: string): void {
    const t = this.rendered.get(key);
    const cur = this.tracking;
    if (!t || !cur) return;
    if (t.dirty) cur.dirty = true;
    else t.deps.forEach((d) => cur.deps.add(d));
  }

  /** Renders what needs nothing; the rest waits for run(). */
  init(tree: PDict): this {
    this.initializing = true;
    this.root = this.renderSimple(tree, []) as Record<string, unknown>;
    this.initializing = false;
    return this;
  }

  private initializing = false;

  /**
   * After run() without errors: offers the top-level parameters the node does not set, and
   * whose every value read nothing the node sets, to the other nodes of the same classes.
   */
  share(): this {
    const shared = this.opts.shared;
    if (!shared || this.errors.length > 0) return this;
    const tops = new Map<string, Tracking>();
    this.rendered.forEach((t, key) => {
      const i = key.indexOf(SEP);
      const top = i < 0 ? key : key.slice(0, i);
      let acc = tops.get(top);
      if (!acc) tops.set(top, (acc = { deps: new Set(), dirty: false }));
      if (t.dirty) acc.dirty = true;
      else t.deps.forEach((d) => acc.deps.add(d));
    });
    for (const top of Object.keys(this.root)) {
      const out = this.root[top];
      if (out === null || typeof out !== 'object' || shared.renders.subtrees.has(top) || shared.node.touches(top)) continue;
      const acc = tops.get(top) ?? { deps: new Set<string>(), dirty: false };
      if (acc.dirty || shared.node.touchesAny(acc.deps)) continue;
      shared.renders.subtrees.set(top, { out, deps: acc.deps, positions: this.positions });
    }
    return this;
  }

  /** A top-level parameter rendered for another node of the same classes, if it applies. */
  private sharedSubtree(top: string, shared: { renders: SharedRenders; node: NodePaths }): unknown {
    const hit = shared.renders.subtrees.get(top);
    if (!hit || shared.node.touches(top) || shared.node.touchesAny(hit.deps)) return undefined;
    this.positions.adopt(hit.positions);
    this.rendered.set(top, { deps: hit.deps, dirty: false });
    return hit.out;
  }

  /** Renders every pending value. */
  run(): this {
    while (this.pending.size > 0) {
      const key = this.pending.keys().next().value as string;
      this.inner(key);
    }
    return this;
  }

  get context(): Interpolator {
    return this.opts.external ?? this;
  }

  private inner(key: string): void {
    const entry = this.pending.get(key);
    if (!entry) return;
    const value = getAt(this.root, entry.path);
    if (!(value instanceof Value || value instanceof ValueList)) {
      this.pending.delete(key);
      return;
    }
    const shared = this.opts.shared;
    if (shared && this.tryShared(key, entry.path, shared)) return;
    entry.busy = true;
    const outer = this.tracking;
    const tracking: Tracking | undefined = shared ? { deps: new Set(), dirty: false } : undefined;
    this.tracking = tracking;
    let out: unknown = null;
    let pos: SourcePos | undefined = value.pos;
    try {
      this.context.resolveRefs(value, entry.path);
      const r = this.renderValue(value, this.context.root);
      out = r.out;
      pos = r.pos ?? pos;
    } catch (e) {
      if (!(e instanceof RenderError)) throw e;
      this.errors.push({ error: e, path: entry.path });
      if (tracking) tracking.dirty = true;
    } finally {
      this.tracking = outer;
    }
    if (tracking && shared) {
      this.rendered.set(key, tracking);
      if (outer) {
        if (tracking.dirty) outer.dirty = true;
        else tracking.deps.forEach((d) => outer.deps.add(d));
      }
      if (!tracking.dirty && (out === null || typeof out !== 'object') && !shared.node.touches(key)) {
        const deps = tracking.deps;
        if (!shared.node.touchesAny(deps)) shared.renders.values.set(key, { out, pos, deps });
      }
    }
    if (isContainer(out)) out = this.renderSimple(out, entry.path);
    const parent = getAt(this.root, entry.path.slice(0, -1));
    const last = entry.path[entry.path.length - 1];
    if (Array.isArray(parent)) parent[Number(last)] = out;
    else if (isPlainObject(parent)) parent[String(last)] = out;
    if (pos && parent !== null && typeof parent === 'object') this.positions.set(parent, String(last), pos);
    this.pending.delete(key);
  }

  /** Uses the render another node of the same classes made of the value at `key`, if it applies. */
  private tryShared(key: string, path: Path, shared: { renders: SharedRenders; node: NodePaths }): boolean {
    const hit = shared.renders.values.get(key);
    if (!hit || shared.node.touches(key)) return false;
    if (shared.node.touchesAny(hit.deps)) return false;
    const parent = getAt(this.root, path.slice(0, -1));
    const last = path[path.length - 1];
    if (Array.isArray(parent)) parent[Number(last)] = hit.out;
    else if (isPlainObject(parent)) parent[String(last)] = hit.out;
    else return false;
    if (hit.pos) this.positions.set(parent, String(last), hit.pos);
    this.rendered.set(key, { deps: hit.deps, dirty: false });
    const cur = this.tracking;
    if (cur) hit.deps.forEach((d) => cur.deps.add(d));
    this.pending.delete(key);
    return true;
  }

  /** Makes sure every reference of `value` is rendered (reclass `_interpolate_references`). */
  resolveRefs(value: Value | ValueList, ownerPath: Path): void {
    let refs = this.refsOf(value);
    for (;;) {
      for (const ref of refs.refs) this.ensure(splitPath(ref, this.st.delimiter), value, ownerPath);
      if (refs.all) return;
      const again = this.refsOf(value);
      if (again.refs.length === refs.refs.length) {
        throw new RenderError('FERRY_MISSING_REFERENCE', `cannot resolve the nested reference(s) in ${describe(value)}: ${again.refs.join(', ') || 'inner reference missing'}`, value.pos);
      }
      refs = again;
    }
  }

  private ensure(parts: string[], value: Value | ValueList, ownerPath: Path): void {
    if (this.pending.size === 0 && !this.tracking) return;
    let k = '';
    for (let i = 1; i <= parts.length; i++) {
      k = i === 1 ? parts[0] : `${k}\u0001${parts[i - 1]}`;
      const p = this.pending.get(k);
      if (!p) {
        if (this.tracking) this.adopt(k);
        continue;
      }
      if (p.busy) {
        throw new RenderError('FERRY_CIRCULAR_REFERENCE', `circular reference: ${this.fmt(ownerPath)} needs ${parts.join(this.st.delimiter)}, which needs it back`, value.pos, {
          reference: parts.join(this.st.delimiter),
        });
      }
      this.inner(k);
    }
  }

  private fmt(path: Path): string {
    return path.join(this.st.delimiter);
  }

  private refsOf(value: Value | ValueList): { refs: string[]; all: boolean } {
    const flatten = (parts: Item[], ctx: unknown): string | undefined => this.flatten(parts, ctx);
    if (value instanceof Value) return value.references(this.root, flatten);
    const acc = { refs: [] as string[], all: true };
    for (const v of value.values) {
      const r = v.references(this.root, flatten);
      acc.refs.push(...r.refs);
      if (!r.all) acc.all = false;
    }
    return acc;
  }

  /** The path a reference names, or undefined while an inner reference is not rendered. */
  private flatten(parts: Item[], ctx: unknown): string | undefined {
    let s = '';
    for (const p of parts) {
      if (p.t === 'sca') s += pyStr(p.v);
      else if (p.t === 'ref') {
        const inner = this.flatten(p.parts, ctx);
        if (inner === undefined) return undefined;
        const innerParts = splitPath(inner, this.st.delimiter);
        if (this.tracking) this.track(pathKey(innerParts));
        const v = getRef(ctx, innerParts);
        if (v === MISSING || v instanceof Value || v instanceof ValueList) return undefined;
        if (v !== null && typeof v === 'object') this.taint();
        s += pyStr(v);
      }
    }
    return s;
  }

  private renderItem(item: Item, ctx: unknown, pos: SourcePos | undefined): unknown {
    switch (item.t) {
      case 'sca':
        return item.v;
      case 'dict':
        return item.d;
      case 'list':
        return item.l;
      case 'comp': {
        if (item.parts.length === 1) return this.renderItem(item.parts[0], ctx, pos);
        let out = '';
        for (const p of item.parts) {
          out += pyStr(this.renderItem(p, ctx, pos));
          if (out.length > MAX_VALUE_CHARS) throw new RenderError('FERRY_MODEL_TOO_LARGE', `a rendered string grows past ${MAX_VALUE_CHARS} characters (references inside text: \${a}\${a}...)`, pos);
        }
        return out;
      }
      case 'ref': {
        const path = this.flattenStrict(item.parts, ctx, pos);
        const parts = splitPath(path, this.st.delimiter);
        if (this.tracking) this.track(pathKey(parts));
        const v = getRef(ctx, parts);
        if (v !== null && typeof v === 'object') this.taint();
        if (v === MISSING) throw new RenderError('FERRY_MISSING_REFERENCE', `cannot resolve \${${path}}`, pos, { reference: path });
        return v;
      }
      case 'inv':
        this.taint();
        if (!this.opts.query) throw new RenderError('FERRY_INVENTORY_QUERY', `inventory query $[${item.text}] cannot be evaluated here`, pos);
        return this.opts.query(item.q, ctx, pos);
    }
  }

  private flattenStrict(parts: Item[], ctx: unknown, pos: SourcePos | undefined): string {
    if (parts.length === 1 && parts[0].t === 'sca') return pyStr(parts[0].v);
    return parts.map((p) => pyStr(this.renderItem(p, ctx, pos))).join('');
  }

  /** Renders one pending value (reclass Value.render / ValueList.render). */
  private renderValue(value: Value | ValueList, ctx: unknown): { out: unknown; pos?: SourcePos } {
    if (value instanceof Value) return { out: this.renderItem(value.item, ctx, value.pos), pos: value.pos };
    return renderValueList(value, (v) => this.renderItem(v.item, ctx, v.pos), this.st);
  }

  /** Values copied by renderSimple so far (limits.ts MAX_RENDERED_NODES). */
  private copied = 0;

  /** Renders everything that needs nothing, registering the rest (reclass `_render_simple_*`). */
  renderSimple(x: unknown, path: Path): unknown {
    if (++this.copied > MAX_RENDERED_NODES) {
      const pos = x instanceof Value || x instanceof ValueList ? x.pos : undefined;
      const e = tooLarge(pos?.file, `rendering copies more than ${MAX_RENDERED_NODES} values (references to dictionaries or lists, nested): stopped at ${path.join('.')}`, pos?.line);
      e.data.path = path.join('.');
      throw e;
    }
    if (x instanceof Value || x instanceof ValueList) {
      if (x.isComplex) {
        this.register(path);
        return x;
      }
      return this.renderSimple(simpleOf(x), path);
    }
    if (x instanceof PDict) {
      if (this.initializing && path.length === 1 && this.opts.shared) {
        const hit = this.sharedSubtree(String(path[0]), this.opts.shared);
        if (hit !== undefined) return hit;
      }
      const o: Record<string, unknown> = {};
      x.entries.forEach((child, k) => {
        path.push(k);
        o[k] = this.renderSimple(child, path);
        path.pop();
      });
      this.positions.link(o, x);
      return o;
    }
    if (x instanceof PList) {
      const a = new Array<unknown>(x.items.length);
      for (let i = 0; i < a.length; i++) {
        path.push(i);
        a[i] = this.renderSimple(x.items[i], path);
        path.pop();
      }
      this.positions.link(a, x);
      return a;
    }
    if (Array.isArray(x)) {
      const a = new Array<unknown>(x.length);
      for (let i = 0; i < a.length; i++) {
        path.push(i);
        a[i] = this.renderSimple(x[i], path);
        path.pop();
      }
      this.positions.link(a, x);
      return a;
    }
    if (isPlainObject(x)) {
      const o: Record<string, unknown> = {};
      for (const k in x) {
        path.push(k);
        o[k] = this.renderSimple(x[k], path);
        path.pop();
      }
      this.positions.link(o, x);
      return o;
    }
    return x;
  }

  private register(path: Path): void {
    const k = pathKey(path);
    if (!this.pending.has(k)) this.pending.set(k, { path: [...path], busy: false });
  }

}

/** A non-complex Value or ValueList reduced to one node: lists concatenate, scalars replace. */
function simpleOf(x: Value | ValueList): unknown {
  if (x instanceof Value) {
    const it = x.item;
    if (it.t === 'dict') return it.d;
    if (it.t === 'list') return it.l;
    if (it.t === 'comp') return it.parts.map((p) => (p.t === 'sca' ? pyStr(p.v) : '')).join('');
    return it.t === 'sca' ? it.v : null;
  }
  const first = x.values[0].item;
  if (first.t === 'list') {
    const items: PNode[] = [];
    for (const v of x.values) if (v.item.t === 'list') items.push(...v.item.l.items);
    return new PList(items, x.pos);
  }
  return simpleOf(x.values[x.values.length - 1]);
}

function describe(v: Value | ValueList): string {
  return v.pos ? `the value at ${where(v.pos)}` : 'a value';
}
