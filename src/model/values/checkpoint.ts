/**
 * Render checkpoints: a finished render of parameters kept with what each of its values read, so
 * that another render whose merged parameters differ only at known paths reuses it instead of
 * interpolating again. Two uses:
 * - nodes that merge the same list of classes (node-merge.ts): the first node's render is the
 *   checkpoint of that class list; another node differs from it only where either node sets
 *   something itself (its file, its `_reclass_` parameters);
 * - one node rendered again after a commit (render-node.ts): it differs from its last render
 *   only where the files the commit changed set something (their old and new parameters).
 * A value is reused when neither its own path nor any path it read, directly or through the
 * values it needed, is among those paths; a whole subtree is reused (the same object: rendered
 * trees are never mutated) when nothing below it is re-rendered. Values that read a container,
 * ran an inventory query or failed are never reused.
 */
import { PDict } from './values.js';
import type { Positions } from './positions.js';

/** Path keys are pathKey() strings (parts joined with \u0001). */
export const SEP = '\u0001';

/** What one value's render read: paths, or `dirty` when it cannot be reused. */
export interface Tracking {
  deps: Set<string>;
  dirty: boolean;
}

export interface RenderCheckpoint {
  /** The rendered parameters (never mutated). */
  root: Record<string, unknown>;
  /** Every value rendered at interpolation time (references, merged lists), with what it read. */
  values: Map<string, Tracking>;
  /** Where the rendered containers came from; renders made from this one record theirs here too. */
  positions: Positions;
  /** Parameter trees specific to the render (the node's own): their paths may differ elsewhere. */
  own: PDict[];
}

/** The paths some parameter trees set: each leaf, and every dict above one. */
export class ChangedPaths {
  /** Leaf paths: the value there is replaced or changed whole. */
  readonly leaves = new Set<string>();
  /** Every proper prefix of a leaf: a dict some of whose keys change. */
  readonly above = new Set<string>();

  constructor(trees: PDict[]) {
    for (const t of trees) this.collect(t, '');
  }

  private collect(d: PDict, prefix: string): void {
    d.entries.forEach((child, k) => {
      const key = prefix === '' ? k : prefix + SEP + k;
      if (child instanceof PDict && child.entries.size > 0) {
        this.above.add(key);
        this.collect(child, key);
      } else this.leaves.add(key);
    });
  }
}

/** What a render takes from a checkpoint. */
export interface Reuse {
  from: RenderCheckpoint;
  changed: ChangedPaths;
  /** Values of the checkpoint to render again. */
  redo: Set<string>;
  /** Proper prefixes of `redo` keys: containers that cannot be reused whole. */
  spine: Set<string>;
  /**
   * For each container the render descends into, its children that cannot simply be taken
   * from the checkpoint (changed, on the spine, or to render again); the others are.
   */
  special: Map<string, Set<string>>;
}

/** One path of a checkpoint's index: whether a value is rendered there, which values read it. */
interface IndexNode {
  value: boolean;
  readers: Set<string>;
  children: string[];
}

/** A checkpoint's values and what they read, as a tree of paths. */
class CheckpointIndex {
  readonly nodes = new Map<string, IndexNode>([['', { value: false, readers: new Set(), children: [] }]]);
  dirty: string[] = [];

  node(key: string): IndexNode {
    let n = this.nodes.get(key);
    if (n) return n;
    this.nodes.set(key, (n = { value: false, readers: new Set(), children: [] }));
    const i = key.lastIndexOf(SEP);
    this.node(i < 0 ? '' : key.slice(0, i)).children.push(key);
    return n;
  }

  add(key: string, t: Tracking): void {
    if (t.dirty) this.dirty.push(key);
    this.node(key).value = true;
    t.deps.forEach((d) => this.node(d).readers.add(key));
  }

  remove(key: string, t: Tracking): void {
    const n = this.nodes.get(key);
    if (n) n.value = false;
    t.deps.forEach((d) => this.nodes.get(d)?.readers.delete(key));
  }
}

/** Made once per checkpoint (or moved from the checkpoint it was rendered from). */
const indexes = new WeakMap<RenderCheckpoint, CheckpointIndex>();

function indexOf(cp: RenderCheckpoint): CheckpointIndex {
  let ix = indexes.get(cp);
  if (ix) return ix;
  ix = new CheckpointIndex();
  cp.values.forEach((t, key) => (ix).add(key, t));
  indexes.set(cp, ix);
  return ix;
}

/**
 * Gives `next`, rendered from `plan`, the index of the checkpoint it was rendered from, updated
 * for the values rendered again (a controller's next commit then plans from it without indexing
 * every value again). That checkpoint's index is gone: it must not be planned from again.
 */
export function moveIndex(plan: Reuse, next: RenderCheckpoint): void {
  const prev = plan.from;
  const ix = indexes.get(prev);
  if (!ix) return;
  indexes.delete(prev);
  // Dirty values are always rendered again (planReuse), so they all leave with `redo`.
  ix.dirty = [];
  plan.redo.forEach((key) => {
    const t = prev.values.get(key);
    if (t) ix.remove(key, t);
  });
  next.values.forEach((t, key) => {
    if (prev.values.get(key) !== t) ix.add(key, t);
  });
  indexes.set(next, ix);
}

/**
 * Plans a render from `cp` whose merged parameters differ from the checkpoint's at the paths
 * `changed` sets (plus the checkpoint's own, when `withOwn`: another node). A value is rendered
 * again when it failed, read a container or ran a query (dirty), or when it or anything it read
 * is at, above or below a changed path; its deps are transitive, so one pass suffices.
 */
export function planReuse(cp: RenderCheckpoint, changed: PDict[], withOwn: boolean): Reuse {
  const paths = new ChangedPaths(withOwn ? [...cp.own, ...changed] : changed);
  const { nodes, dirty } = indexOf(cp);
  const redo = new Set<string>(dirty);
  const hit = (n: IndexNode, key: string): void => {
    if (n.value) redo.add(key);
    for (const r of n.readers) redo.add(r);
  };
  paths.above.forEach((key) => {
    const n = nodes.get(key);
    if (n) hit(n, key);
  });
  const below = (key: string): void => {
    const n = nodes.get(key);
    if (!n) return;
    hit(n, key);
    for (const c of n.children) below(c);
  };
  paths.leaves.forEach(below);
  const spine = new Set<string>();
  redo.forEach((key) => {
    for (let i = key.indexOf(SEP); i >= 0; i = key.indexOf(SEP, i + 1)) spine.add(key.slice(0, i));
  });
  const special = new Map<string, Set<string>>();
  const mark = (key: string): void => {
    const i = key.lastIndexOf(SEP);
    const parent = i < 0 ? '' : key.slice(0, i);
    let set = special.get(parent);
    if (!set) special.set(parent, (set = new Set()));
    set.add(i < 0 ? key : key.slice(i + 1));
  };
  redo.forEach(mark);
  spine.forEach(mark);
  paths.leaves.forEach(mark);
  paths.above.forEach(mark);
  return { from: cp, changed: paths, redo, spine, special };
}
