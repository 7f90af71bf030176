/**
 * Source positions of rendered values, kept cheaply: a rendered container remembers what it
 * was rendered from (a PDict, a PList or another rendered container it copies), and positions
 * are looked up from there only when asked; values decided at interpolation time (references,
 * merged ValueLists) record their position explicitly.
 */
import { PDict, PList, Value, ValueList } from './values.js';
import type { SourcePos } from '../types.js';

function nodePos(n: unknown): SourcePos | undefined {
  if (n instanceof Value || n instanceof ValueList || n instanceof PDict || n instanceof PList) return n.pos;
  return undefined;
}

export class Positions {
  private readonly source = new WeakMap<object, object>();
  private readonly explicit = new WeakMap<object, Map<string, SourcePos>>();
  /** Positions of subtrees rendered for another node and reused here (shared-renders.ts). */
  private readonly adopted = new Set<Positions>();

  adopt(other: Positions): void {
    if (other !== this) this.adopted.add(other);
  }

  private sourceOf(c: object): object | undefined {
    const s = this.source.get(c);
    if (s !== undefined || this.adopted.size === 0) return s;
    for (const a of this.adopted) {
      const t = a.sourceOf(c);
      if (t !== undefined) return t;
    }
    return undefined;
  }

  private explicitOf(c: object): Map<string, SourcePos> | undefined {
    const m = this.explicit.get(c);
    if (m !== undefined || this.adopted.size === 0) return m;
    for (const a of this.adopted) {
      const t = a.explicitOf(c);
      if (t !== undefined) return t;
    }
    return undefined;
  }

  link(rendered: object, from: object): void {
    this.source.set(rendered, from);
  }

  set(container: object, key: string, pos: SourcePos): void {
    let m = this.explicit.get(container);
    if (!m) this.explicit.set(container, (m = new Map()));
    m.set(key, pos);
  }

  get(container: object, key: string): SourcePos | undefined {
    for (let c: object | undefined = container, hops = 0; c && hops < 1000; c = this.sourceOf(c), hops++) {
      const e = this.explicitOf(c)?.get(key);
      if (e) return e;
      if (c instanceof PDict) {
        const child = c.entries.get(key);
        if (child instanceof Value && child.item.t !== 'dict' && child.item.t !== 'list') return child.pos;
        return c.keyPos?.get(key) ?? nodePos(child);
      }
      if (c instanceof PList) return nodePos(c.items[Number(key)]);
    }
    return undefined;
  }
}
