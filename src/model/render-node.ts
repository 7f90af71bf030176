/**
 * renderNode: one node of a reclass inventory rendered as reclass 1.7 does (--nodeinfo), from
 * files in memory. Throws FerryErrors with every problem found, each naming the file, line,
 * rendered path and the chain of classes that brought the file in.
 */
import { FerryError, FerryErrors } from '../core/ferry-error.js';
import { Interpolator, type RecordedError } from './values/interpolate.js';
import { InventoryExports } from './query/inventory-exports.js';
import { CONFIG_FILE, modelContext, type ModelContext } from './model-context.js';
import { getAt, isPlainObject } from './values/path.js';
import { Positions } from './values/positions.js';
import type { MergedNode } from './node-merge.js';
import type { ModelFiles, RenderedNode, RenderOptions, SourcePos } from './types.js';

export function renderNode(files: ModelFiles, node: string, options: RenderOptions = {}): RenderedNode {
  const key = `${JSON.stringify(options.settings ?? {})}\u0000${node}`;
  const hit = lastRenders.get(key);
  if (hit && sameInputs(hit, files)) return hit.rendered;
  const ctx = modelContext(files, options);
  if (ctx.errors.length) throw new FerryErrors(ctx.errors);
  const rendered = renderWith(ctx, new InventoryExports(ctx), node);
  const queries = rendered.classFiles.some((c) => ctx.entity(c.file, c.name).hasQueries);
  if (!queries) {
    const read = [CONFIG_FILE, ...new Set([...rendered.classFiles.map((c) => c.file), rendered.locate([])?.file ?? ''])];
    lastRenders.set(key, { paths: [...files.keys()], deps: read.map((f) => [f, files.get(f)]), rendered });
  }
  return rendered;
}

/**
 * The last render of each node in this process, with what it read: a controller renders its node
 * at every commit, and a commit that changes none of the node's files (and adds or removes no
 * file, which could change which class a name finds) gives the very same node. Equal texts are
 * equal blobs. Nodes with inventory queries read other nodes and are always rendered.
 */
interface LastRender {
  paths: string[];
  deps: Array<[string, string | undefined]>;
  rendered: RenderedNode;
}
const lastRenders = new Map<string, LastRender>();

function sameInputs(last: LastRender, files: ModelFiles): boolean {
  if (files.size !== last.paths.length) return false;
  for (const p of last.paths) if (!files.has(p)) return false;
  for (const [f, text] of last.deps) if (files.get(f) !== text) return false;
  return true;
}

/** Renders `node` with a shared inventory cache (renderInventory uses one for all nodes). */
export function renderWith(ctx: ModelContext, inv: InventoryExports, node: string, opts: { queryEnvironment?: string } = {}): RenderedNode {
  const cached = inv.fullRenders.get(node);
  if (cached instanceof FerryErrors) throw cached;
  if (cached) return cached;
  if (!ctx.index.nodes.has(node)) {
    throw new FerryErrors([new FerryError('FERRY_NODE_NOT_FOUND', `node ${node} not found in ${ctx.st.nodesUri}/ (nodes: ${[...ctx.index.nodes.keys()].slice(0, 20).join(', ')})`, { node })]);
  }
  const m = inv.merge(node);
  if (Array.isArray(m)) throw new FerryErrors(m);
  const positions = new Positions();
  const params = new Interpolator(ctx.st, positions, {
    query: (q, context, pos) => inv.query(q, context, opts.queryEnvironment ?? m.environment, pos),
    shared: m.shared,
  })
    .init(m.parameters)
    .run()
    .share();
  const exps = new Interpolator(ctx.st, positions, { external: params }).init(m.exports).run();
  const errors = [...params.errors.map((e) => toFerry(e, 'parameters', m, ctx)), ...exps.errors.map((e) => toFerry(e, 'exports', m, ctx))];
  if (errors.length) {
    const all = new FerryErrors(errors);
    if (!m.hasQueries) inv.fullRenders.set(node, all);
    throw all;
  }
  const parameters = params.root;
  const exportsRoot = exps.root;
  const rendered: RenderedNode = {
    name: m.name,
    classes: m.classes,
    applications: m.applications,
    environment: m.environment,
    parameters,
    exports: exportsRoot,
    classFiles: m.classFiles,
    locate: (path) => {
      const p = locate(positions, parameters, path);
      return p ? { file: p.file, line: p.line, column: p.column } : { file: m.file, line: 1, column: 1 };
    },
  };
  if (!m.hasQueries) inv.fullRenders.set(node, rendered);
  return rendered;
}

/** The position of the value at `path` (below parameters), or of its nearest located ancestor. */
function locate(positions: Positions, root: unknown, path: ReadonlyArray<string | number>): SourcePos | undefined {
  let best: SourcePos | undefined;
  let cur: unknown = root;
  for (const part of path) {
    if (cur === null || typeof cur !== 'object') break;
    const p = positions.get(cur, String(part));
    if (p) best = p;
    const next = getAt(cur, [part]);
    if (!isPlainObject(next) && !Array.isArray(next)) break;
    cur = next;
  }
  return best;
}

function toFerry(e: RecordedError, section: string, m: MergedNode, ctx: ModelContext): FerryError {
  const pos = e.error.pos;
  const path = [section, ...e.path].join('.');
  const chain = pos ? (m.chains.get(pos.file) ?? []) : [];
  const via = chain.length > 1 ? `, brought in by ${chain.join(' -> ')}` : '';
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e.error.extra)) extra[k] = v instanceof Object && 'file' in v && 'line' in v ? plainPos(v as SourcePos) : v;
  return new FerryError(e.error.code, `${e.error.message} (in ${section}${ctx.st.delimiter}${e.path.join(ctx.st.delimiter)} of node ${m.name}${via})`, {
    file: pos?.file ?? m.file,
    line: pos?.line,
    column: pos?.column,
    path,
    node: m.name,
    classChain: chain,
    ...extra,
  });
}

function plainPos(p: SourcePos): SourcePos {
  return { file: p.file, line: p.line, column: p.column };
}
