/** The model stage: reclass-compatible rendering of an inventory held in memory. */
export { renderNode } from './render-node.js';
export { renderInventory, type RenderedInventory } from './render-inventory.js';
export { listNodes } from './list-nodes.js';
export { toPyJson, toPyYaml } from './py-output.js';
export { PyFloat, unboxFloats } from './values/py-float.js';
export { toReclassNodeinfo, toReclassInventory, type ReclassOutputOptions } from './reclass-output.js';
export type { ModelFiles, RenderedNode, RenderOptions, SourcePos } from './types.js';
