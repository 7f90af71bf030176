/**
 * The exports of every node, as inventory queries see them: each node merged once and its
 * exports rendered once per render call (reclass merges every node twice in --inventory mode).
 * A node's export that fails to render only matters to a query that reads it.
 */
import { cloneRendered } from '../values/py-float.js';
import { FerryError, type FerryErrors } from '../../core/ferry-error.js';
import { Interpolator } from '../values/interpolate.js';
import { mergeNode, type MergedNode } from '../node-merge.js';
import { evalQuery, type InventoryNode } from './inv-eval.js';
import { RenderError } from '../values/render-error.js';
import { pathKey } from '../values/path.js';
import { Positions } from '../values/positions.js';
import type { InvQuery } from './inv-query.js';
import type { ModelContext } from '../model-context.js';
import type { RenderedNode, SourcePos } from '../types.js';

interface NodeExports {
  exports: Record<string, unknown>;
  failed: Array<{ key: string; error: RenderError }>;
}

export class InventoryExports {
  private readonly merged = new Map<string, MergedNode | FerryError[]>();
  private readonly exported = new Map<string, NodeExports | FerryError[]>();
  /** Full renders of nodes without queries (they do not depend on the inventory). */
  readonly fullRenders = new Map<string, RenderedNode | FerryErrors>();
  /** Renders a node fully (set by render-node.ts); used to share work with renderInventory. */
  renderer?: (name: string) => RenderedNode;

  constructor(private readonly ctx: ModelContext) {}

  /** The node merged (cached); FerryErrors when it cannot be. */
  merge(name: string): MergedNode | FerryError[] {
    let m = this.merged.get(name);
    if (!m) {
      try {
        const r = mergeNode(this.ctx, name);
        m = r.errors.length ? r.errors : r;
      } catch (e) {
        m = [e as FerryError];
      }
      this.merged.set(name, m);
    }
    return m;
  }

  environment(name: string): string {
    const entry = this.ctx.index.nodes.get(name);
    if (!entry) return this.ctx.st.defaultEnvironment;
    return this.ctx.entity(entry.file, name).environment ?? this.ctx.st.defaultEnvironment;
  }

  private exportsOf(name: string): NodeExports | FerryError[] {
    let x = this.exported.get(name);
    if (!x) {
      const m = this.merge(name);
      const full = !Array.isArray(m) && !m.hasQueries && this.renderer ? this.tryRender(name) : undefined;
      if (Array.isArray(m)) x = m;
      else if (full) x = { exports: full.exports, failed: [] };
      else {
        const positions = new Positions();
        const params = new Interpolator(this.ctx.st, positions).init(m.parameters);
        const exps = new Interpolator(this.ctx.st, positions, { external: params }).init(m.exports).run();
        x = { exports: exps.root, failed: exps.errors.map((e) => ({ key: pathKey(e.path), error: e.error })) };
      }
      this.exported.set(name, x);
    }
    return x;
  }

  private tryRender(name: string): RenderedNode | undefined {
    try {
      return this.renderer?.(name);
    } catch {
      return undefined;
    }
  }

  /** Answers one query for a node in environment `env`. */
  query(q: InvQuery, context: unknown, env: string, pos?: SourcePos): unknown {
    const nodes: InventoryNode[] = [];
    for (const name of this.ctx.index.nodes.keys()) {
      const nodeEnv = this.environment(name);
      if (!q.allEnvs && nodeEnv !== env) continue;
      const x = this.exportsOf(name);
      if (Array.isArray(x)) {
        throw new RenderError('FERRY_INVENTORY_QUERY', `inventory query $[${q.text}]: node ${name} cannot be rendered: ${x.map((e) => e.describe()).join('; ')}`, pos);
      }
      let exports = x.exports;
      const needed = q.invRefs.map((r) => pathKey(r));
      const bad = x.failed.filter((f) => needed.some((k) => f.key === k || f.key.startsWith(k + '\u0001') || k.startsWith(f.key + '\u0001')));
      if (bad.length) {
        if (!q.ignoreErrors) {
          throw new RenderError('FERRY_INVENTORY_QUERY', `inventory query $[${q.text}]: export of node ${name} fails: ${bad[0].error.message}`, pos);
        }
        exports = cloneRendered(exports);
        for (const b of bad) deleteAt(exports, b.key.split('\u0001'));
      }
      nodes.push({ name, exports, envMatches: nodeEnv === env });
    }
    return evalQuery(q, context, nodes, pos);
  }
}

function deleteAt(root: Record<string, unknown>, parts: string[]): void {
  let cur: unknown = root;
  for (const p of parts.slice(0, -1)) {
    if (cur === null || typeof cur !== 'object') return;
    cur = (cur as Record<string, unknown>)[p];
  }
  if (cur !== null && typeof cur === 'object') delete (cur as Record<string, unknown>)[parts[parts.length - 1]];
}
