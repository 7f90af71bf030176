/**
 * Renders shared between the nodes that merge the same list of classes (node-merge.ts caches
 * that merge). A value rendered for one such node is reused for another when neither its own
 * path nor any path it read, directly or through the values it needed, is set by that node (its
 * file or its `_reclass_` parameters): the inputs are then the same, so is the output. Only
 * scalar outputs are kept (a container may hold values still pending), and only values that
 * rendered without error and without an inventory query.
 */
import { PDict } from './values.js';
import type { Positions } from './positions.js';
import type { SourcePos } from '../types.js';

/** Path keys are pathKey() strings (parts joined with \u0001). */
export const SEP = '\u0001';

export interface SharedRender {
  out: unknown;
  pos?: SourcePos;
  /** Every path the render read, transitively (never mutated once shared). */
  deps: Set<string>;
}

/** A whole top-level parameter rendered for one node, with nothing left pending in it. */
export interface SharedSubtree {
  out: unknown;
  deps: Set<string>;
  /** Where its containers' positions are kept. */
  positions: Positions;
}

/** Per class list: renders by path key. Shared objects are never mutated. */
export class SharedRenders {
  readonly values = new Map<string, SharedRender>();
  readonly subtrees = new Map<string, SharedSubtree>();
}

/** The paths one node sets on top of the shared class merge. */
export class NodePaths {
  /** Leaf paths, each with a trailing separator. */
  private readonly leaves: string[] = [];
  /** Every proper prefix of a leaf, and the leaves themselves. */
  private readonly prefixes = new Set<string>();
  /** touches() answers, per path key. */
  private readonly memo = new Map<string, boolean>();
  /** Dep sets already checked for this node (they are shared and immutable). */
  private readonly clean = new WeakSet<Set<string>>();

  constructor(trees: PDict[]) {
    for (const t of trees) this.collect(t, '');
  }

  private collect(d: PDict, prefix: string): void {
    d.entries.forEach((child, k) => {
      const key = prefix === '' ? k : prefix + SEP + k;
      this.prefixes.add(key);
      if (child instanceof PDict && child.entries.size > 0) this.collect(child, key);
      else this.leaves.push(key + SEP);
    });
  }

  /** Whether the value at `key` may differ from the shared merge's (the node sets it, a part or a parent). */
  touches(key: string): boolean {
    let r = this.memo.get(key);
    if (r === undefined) {
      r = this.prefixes.has(key);
      const k = key + SEP;
      for (let i = 0; !r && i < this.leaves.length; i++) r = k.startsWith(this.leaves[i]);
      this.memo.set(key, r);
    }
    return r;
  }

  touchesAny(keys: Set<string>): boolean {
    if (this.clean.has(keys)) return false;
    for (const k of keys) if (this.touches(k)) return true;
    this.clean.add(keys);
    return false;
  }
}

/** What one value's render read: paths, or `dirty` when it cannot be shared. */
export interface Tracking {
  deps: Set<string>;
  dirty: boolean;
}
