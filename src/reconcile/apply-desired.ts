/**
 * From model files to a validated DesiredState: render the node, translate the MCP
 * vocabulary, validate against the schemas, build the desired state. Every problem found is
 * returned at once (as FerryErrors), each naming its file and line.
 */
import { FerryError, FerryErrors, toFerryErrors } from '../core/ferry-error.js';
import type { DesiredState, NotMirroredEntry } from '../core/resource.js';
import { buildDesiredState, type FerryParameters } from '../desired/desired-state.js';
import type { Explained } from '../desired/with-mcp-mirrors.js';
import type { NotMirrored } from '../core/mcp.js';
import { withMcpMirrors } from '../drivers/mcp.js';
import { namedModelFiles } from '../desired/model-files.js';
import { renderNode, unboxFloats } from '../model/index.js';
import { chooseNode } from './choose-node.js';
import type { ModelFiles, RenderedNode } from '../model/types.js';
import { checkSemantics } from '../validate/check-semantics.js';
import { validateFerry } from '../validate/validate-ferry.js';
import { registeredKinds } from '../drivers/registry.js';

export interface DesiredResult {
  node: RenderedNode;
  desired: DesiredState;
  /** Each MCP entry and the mirror spec it was translated into (`ferry desired`). */
  explain: Explained[];
}

/** Renders the node, validates its mirrors against the registered kinds (schemas, parseSpec, cross-mirror checks), builds the desired state. */
export function loadDesired(files: ModelFiles, options: { node?: string } = {}): DesiredResult {
  const kinds = registeredKinds();
  const nodeName = chooseNode(files, options.node);
  const node = renderNode(files, nodeName, { incremental: true });
  const { ferry, origin, notMirrored, errors: mcpErrors, explain } = withMcpMirrors(unboxFloats(node.parameters), kinds);
  const errors = [...mcpErrors.map((e) => at(e, node)), ...validateFerry({ ferry, locate: (p) => node.locate(p), origin, kinds })];
  if (errors.length) throw new FerryErrors(errors);
  const typed = ferry as FerryParameters;
  const locate = (p: ReadonlyArray<string | number>) => node.locate(origin(p) ?? ['ferry', ...p]);
  const semantic = checkSemantics(typed, { locate, kinds });
  if (semantic.length) throw new FerryErrors(semantic);
  const desired = buildDesiredState(typed, kinds);
  // Each mirror's definition, for the errors a run raises about it (issue 10).
  const refusedPaths: FerryError[] = [];
  for (const r of desired.resources) {
    const pos = locate(['mirrors', r.name]);
    if (pos) r.source = { file: pos.file, line: pos.line, column: pos.column };
    // Files of the model's folder it names (read and inlined by reconcile/model-files.ts).
    const named = kinds.find((k) => k.kind === r.kind)?.modelFiles;
    if (named) {
      const { refs, errors: refused } = namedModelFiles(r, named, (field) => locate(['mirrors', r.name, ...field]));
      refusedPaths.push(...refused);
      if (refs.length) r.modelFiles = refs.map((ref) => ({ path: ref.path, ...ref.from }) as NonNullable<typeof r.modelFiles>[number]);
    }
  }
  // Every mirror's refused paths at once.
  if (refusedPaths.length) throw new FerryErrors(refusedPaths);
  if (notMirrored.length) desired.notMirrored = notMirrored.map(entry);
  return { node, desired, explain };
}

function entry(n: NotMirrored): NotMirroredEntry {
  return { path: ['parameters', ...n.path].join('.'), reason: n.reason, ...(n.unverifiable ? { unverifiable: true as const } : {}) };
}

/** An MCP translation error with the file and line of the path it names (`data.at`, below parameters). */
function at(e: FerryError, node: RenderedNode): FerryError {
  const path = e.data.at as Array<string | number> | undefined;
  const pos = path ? node.locate(path) : undefined;
  if (!pos) return e;
  return new FerryError(e.code, e.message, { ...e.data, at: undefined, file: pos.file, line: pos.line, column: pos.column });
}

export interface ExplainResult {
  node: RenderedNode;
  explain: Explained[];
  notMirrored: NotMirroredEntry[];
  /** Everything loadDesired would refuse the model for. */
  errors: FerryError[];
}

/** What `ferry desired` prints: each MCP entry's translation, what is not mirrored, and every error. */
export function explainDesired(files: ModelFiles, options: { node?: string } = {}): ExplainResult {
  const node = renderNode(files, chooseNode(files, options.node), { incremental: true });
  const { explain, notMirrored } = withMcpMirrors(unboxFloats(node.parameters));
  let errors: FerryError[] = [];
  try {
    loadDesired(files, options);
  } catch (e) {
    errors = toFerryErrors(e);
  }
  return { node, explain, notMirrored: notMirrored.map(entry), errors };
}
