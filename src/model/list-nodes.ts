/** The inventory's node names, sorted (compose_node_name and `_` folders applied). */
import { FerryErrors } from '../core/ferry-error.js';
import { modelContext } from './model-context.js';
import type { ModelFiles, RenderOptions } from './types.js';

export function listNodes(files: ModelFiles, options: RenderOptions = {}): string[] {
  const ctx = modelContext(files, options);
  if (ctx.index.errors.length) throw new FerryErrors(ctx.index.errors);
  return [...ctx.index.nodes.keys()].sort();
}
