/**
 * Which node of the inventory describes this site: the one asked for, or the only node.
 * Apart from apply-desired.ts so that `ferry render` loads the model and nothing of the
 * validate/desired stages.
 */
import { FerryError } from '../core/ferry-error.js';
import { listNodes } from '../model/index.js';
import type { ModelFiles } from '../model/types.js';

export function chooseNode(files: ModelFiles, node?: string): string {
  if (node) return node;
  const nodes = listNodes(files);
  if (nodes.length === 1) return nodes[0];
  if (nodes.length === 0) throw new FerryError('FERRY_NODE_NOT_FOUND', 'the model has no nodes (nodes/*.yml)', {});
  throw new FerryError('FERRY_USAGE', `the model has ${nodes.length} nodes (${nodes.join(', ')}): say which one with --node`, { nodes });
}
