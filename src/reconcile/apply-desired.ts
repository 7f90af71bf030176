/**
 * From model files to a validated DesiredState: render the node, translate the MCP
 * vocabulary, validate against the schemas, build the desired state. Every problem found is
 * returned at once (as FerryErrors), each naming its file and line.
 */
import { FerryError, FerryErrors, toFerryErrors } from '../core/ferry-error.js';
import type { DesiredState } from '../core/resource.js';
import { buildDesiredState, type FerryParameters } from '../desired/desired-state.js';
import { withMcpMirrors } from '../desired/with-mcp-mirrors.js';
import { renderNode } from '../model/index.js';
import { chooseNode } from './choose-node.js';
import type { ModelFiles, RenderedNode } from '../model/types.js';
import { checkSemantics } from '../validate/check-semantics.js';
import { validateFerry } from '../validate/validate-ferry.js';
import { supportedKinds } from '../drivers/registry.js';

export interface DesiredResult {
  node: RenderedNode;
  desired: DesiredState;
}

export { chooseNode } from './choose-node.js';

export function loadDesired(files: ModelFiles, options: { node?: string } = {}): DesiredResult {
  const nodeName = chooseNode(files, options.node);
  const node = renderNode(files, nodeName);
  const { ferry, origin } = withMcpMirrors(node.parameters);
  const errors = validateFerry({ ferry, locate: (p) => node.locate(p), origin });
  if (errors.length) throw new FerryErrors(errors);
  const typed = ferry as FerryParameters;
  const semantic = checkSemantics(typed, { locate: (p) => node.locate(origin(p) ?? ['ferry', ...p]), supportedKinds: supportedKinds() });
  if (semantic.length) throw new FerryErrors(semantic);
  return { node, desired: buildDesiredState(typed) };
}

/** Same as loadDesired, but returns the errors instead of throwing. */
export function tryLoadDesired(files: ModelFiles, options: { node?: string } = {}): DesiredResult | { errors: FerryError[] } {
  try {
    return loadDesired(files, options);
  } catch (e) {
    return { errors: toFerryErrors(e) };
  }
}
