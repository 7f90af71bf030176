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
import { PyFloat } from './py-float.js';
import { isContainer, renderValueList, where } from './value-list-render.js';
import { SEP, type RenderCheckpoint, type Reuse, type Tracking } from './checkpoint.js';
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
    public positions: Positions,
    private readonly opts: { query?: QueryFn; external?: Interpolator; track?: boolean } = {},
  ) {
    this.tracks = opts.track === true;
  }

  /** What the value being rendered has read so far (only when tracking). */
  private tracking?: Tracking;
  /** What each value rendered at interpolation time read (only when tracking; checkpoint.ts). */
  private rendered = new Map<string, Tracking>();
  private readonly tracks: boolean;
  private reuse?: Reuse;

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

  /**
   * Renders what needs nothing; the rest waits for run(). With `reuse`, what the checkpoint
   * rendered is taken as it is wherever the plan allows (checkpoint.ts).
   */
  init(tree: PDict, reuse?: Reuse): this {
    if (reuse) {
      this.reuse = reuse;
      this.positions = reuse.from.positions;
      // What the reused values read, for the values rendered here that read them.
      if (this.tracks) {
        this.rendered = new Map();
        reuse.from.values.forEach((t, k) => {
          if (!reuse.redo.has(k)) this.rendered.set(k, t);
        });
      }
      this.root = this.renderReuse(tree, [], '', reuse.from.root) as Record<string, unknown>;
    } else this.root = this.renderSimple(tree, []) as Record<string, unknown>;
    return this;
  }

  /** This render as a checkpoint for others (after run(), when it tracked and had no error). */
  checkpoint(own: PDict[]): RenderCheckpoint | undefined {
    if (!this.tracks || this.errors.length > 0) return undefined;
    return { root: this.root, values: this.rendered, positions: this.positions, own };
  }

  /** renderSimple, taking from the checkpoint every subtree and value the plan leaves alone. */
  private renderReuse(x: PNode, path: Path, key: string, cp: unknown): unknown {
    const r = this.reuse as Reuse;
    // Top down: a changed leaf above `key` would have stopped the descent already.
    if (key !== '') {
      const covered = r.changed.leaves.has(key);
      if (cp !== MISSING && !covered && !r.spine.has(key) && !r.redo.has(key) && !r.changed.above.has(key)) return cp;
      if (cp === MISSING || covered) return this.renderSimple(x, path);
    }
    // A container the render descends into: its children outside `special` are the checkpoint's.
    const special = r.special.get(key);
    if (x instanceof PDict) {
      const o: Record<string, unknown> = {};
      const from = isPlainObject(cp) ? cp : undefined;
      x.entries.forEach((child, k) => {
        const has = from !== undefined && Object.prototype.hasOwnProperty.call(from, k);
        if (has && (special === undefined || !special.has(k))) {
          o[k] = (from)[k];
          return;
        }
        path.push(k);
        o[k] = this.renderReuse(child, path, key === '' ? k : key + SEP + k, has ? (from)[k] : MISSING);
        path.pop();
      });
      this.positions.link(o, x);
      return o;
    }
    if (x instanceof PList) {
      const from = Array.isArray(cp) ? cp : undefined;
      const a = new Array<unknown>(x.items.length);
      for (let i = 0; i < a.length; i++) {
        const has = from !== undefined && i < from.length;
        if (has && (special === undefined || !special.has(String(i)))) {
          a[i] = (from as unknown[])[i];
          continue;
        }
        path.push(i);
        a[i] = this.renderReuse(x.items[i], path, key + SEP + i, has ? (from as unknown[])[i] : MISSING);
        path.pop();
      }
      this.positions.link(a, x);
      return a;
    }
    return this.renderSimple(x, path);
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
    entry.busy = true;
    const outer = this.tracking;
    const tracking: Tracking | undefined = this.tracks ? { deps: new Set(), dirty: false } : undefined;
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
    if (tracking) {
      this.rendered.set(key, tracking);
      if (outer) {
        if (tracking.dirty) outer.dirty = true;
        else tracking.deps.forEach((d) => outer.deps.add(d));
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
        if (v !== null && typeof v === 'object' && !(v instanceof PyFloat)) this.taint();
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
        if (v !== null && typeof v === 'object' && !(v instanceof PyFloat)) this.taint();
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
