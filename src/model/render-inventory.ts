/**
 * renderInventory: every node rendered once (merged once, exports rendered once for the
 * inventory queries of all nodes). Errors of all nodes are thrown together.
 */
import { FerryErrors, toFerryErrors, type FerryError } from '../core/ferry-error.js';
import { InventoryExports } from './query/inventory-exports.js';
import { modelContext } from './model-context.js';
import { renderWith } from './render-node.js';
import type { ModelFiles, RenderedNode, RenderOptions } from './types.js';

export interface RenderedInventory {
  nodes: Record<string, RenderedNode>;
  /** Class name -> nodes using it, in node order (reclass --inventory `classes`). */
  classes: Record<string, string[]>;
  /** Application -> nodes (reclass --inventory `applications`). */
  applications: Record<string, string[]>;
}

export function renderInventory(files: ModelFiles, options: RenderOptions = {}): RenderedInventory {
  const ctx = modelContext(files, options);
  if (ctx.errors.length) throw new FerryErrors(ctx.errors);
  const inv = new InventoryExports(ctx);
  // Every node is rendered anyway: queries reuse the full renders of the nodes they read.
  inv.renderer = (n) => renderWith(ctx, inv, n);
  const nodes: Record<string, RenderedNode> = {};
  const errors: FerryError[] = [];
  for (const name of ctx.index.nodes.keys()) {
    try {
      nodes[name] = renderWith(ctx, inv, name, options.reclassInventoryQuirks ? { queryEnvironment: '' } : {});
    } catch (e) {
      errors.push(...toFerryErrors(e));
    }
  }
  if (errors.length) throw new FerryErrors(errors);
  const classes: Record<string, string[]> = {};
  const applications: Record<string, string[]> = {};
  for (const [name, n] of Object.entries(nodes)) {
    for (const c of n.classes) (classes[c] ??= []).push(name);
    for (const a of n.applications) (applications[a] ??= []).push(name);
  }
  return { nodes, classes, applications };
}
