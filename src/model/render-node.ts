/**
 * renderNode: one node of a reclass inventory rendered as reclass 1.7 does (--nodeinfo), from
 * files in memory. Throws FerryErrors with every problem found, each naming the file, line,
 * rendered path and the chain of classes that brought the file in.
 */
import { FerryError, FerryErrors } from '../core/ferry-error.js';
import { Interpolator, type RecordedError } from './values/interpolate.js';
import { InventoryExports } from './query/inventory-exports.js';
import { CONFIG_FILE, modelContext, type ClassTrees, type ModelContext } from './model-context.js';
import { getAt, isPlainObject } from './values/path.js';
import { Positions } from './values/positions.js';
import type { MergedNode } from './node-merge.js';
import type { PDict } from './values/values.js';
import { moveIndex, planReuse, type RenderCheckpoint, type Reuse } from './values/checkpoint.js';
import type { ModelFiles, RenderedNode, RenderOptions, SourcePos } from './types.js';

export function renderNode(files: ModelFiles, node: string, options: RenderOptions = {}): RenderedNode {
  const key = `${JSON.stringify(options.settings ?? {})}\u0000${node}\u0000${options.incremental === true}`;
  const last = lastRenders.get(key);
  if (last && sameInputs(last, files)) return last.rendered;
  const ctx = modelContext(files, options);
  if (ctx.errors.length) throw new FerryErrors(ctx.errors);
  const inv = new InventoryExports(ctx);
  const m = ctx.index.nodes.has(node) ? inv.merge(node) : undefined;
  const reuse = last && m && !Array.isArray(m) ? sinceLast(last, m, files, ctx) : undefined;
  const { rendered, checkpoint } = renderTracked(ctx, inv, node, { track: options.incremental === true, reuse });
  if (reuse && checkpoint) moveIndex(reuse, checkpoint);
  if (m && !Array.isArray(m) && !m.hasQueries) {
    const read = [CONFIG_FILE, ...new Set([...rendered.classFiles.map((c) => c.file), m.file])];
    const params = new Map(rendered.classFiles.map((c) => [c.file, ctx.entity(c.file, c.name).parameters]));
    lastRenders.set(key, {
      paths: [...files.keys()],
      texts: new Map(read.map((f) => [f, files.get(f)])),
      rendered,
      order: [...rendered.classFiles.map((c) => c.file), m.file],
      params,
      own: m.own,
      checkpoint,
    });
  } else lastRenders.delete(key);
  return rendered;
}

/**
 * The last render of each node in this process, with what it read: a controller renders its node
 * at every commit. A commit that changes none of the node's files (and adds or removes no file,
 * which could change which class a name finds) gives the very same node; one that changes some
 * of them but not the node's list of class files re-renders only the values that the changed
 * files' parameters (old and new) can reach (checkpoint.ts). Equal texts are equal blobs.
 * Nodes with inventory queries read other nodes and are always rendered.
 */
interface LastRender {
  paths: string[];
  /** The texts of the files the render read (reclass-config.yml, the classes, the node). */
  texts: Map<string, string | undefined>;
  rendered: RenderedNode;
  /** The class files in merge order, then the node file. */
  order: string[];
  /** Each class file's parameters as that render merged them. */
  params: Map<string, PDict>;
  own: PDict[];
  checkpoint?: RenderCheckpoint;
}
const lastRenders = new Map<string, LastRender>();

function sameInputs(last: LastRender, files: ModelFiles): boolean {
  if (files.size !== last.paths.length) return false;
  for (const p of last.paths) if (!files.has(p)) return false;
  for (const [f, text] of last.texts) if (files.get(f) !== text) return false;
  return true;
}

/** What a render of the node can take from its last render, when the class files are the same list. */
function sinceLast(last: LastRender, m: MergedNode, files: ModelFiles, ctx: ModelContext): Reuse | undefined {
  if (!last.checkpoint || m.hasQueries || files.get(CONFIG_FILE) !== last.texts.get(CONFIG_FILE)) return undefined;
  const order = [...m.classFiles.map((c) => c.file), m.file];
  if (order.length !== last.order.length || order.some((f, i) => f !== last.order[i])) return undefined;
  const changed: PDict[] = [];
  for (const c of m.classFiles) {
    if (files.get(c.file) === last.texts.get(c.file)) continue;
    const before = last.params.get(c.file);
    if (!before) return undefined;
    changed.push(before, ctx.entity(c.file, c.name).parameters);
  }
  if (files.get(m.file) !== last.texts.get(m.file)) changed.push(...last.own, ...m.own);
  return planReuse(last.checkpoint, changed, false);
}

/** Renders `node` with a shared inventory cache (renderInventory uses one for all nodes). */
export function renderWith(ctx: ModelContext, inv: InventoryExports, node: string, opts: { queryEnvironment?: string } = {}): RenderedNode {
  return renderTracked(ctx, inv, node, opts).rendered;
}

/**
 * renderWith, reusing `opts.reuse` or else the checkpoint of the node's class list (made by the
 * first node of that list rendered here), and returning this render as a checkpoint when it
 * tracked what its values read.
 */
function renderTracked(ctx: ModelContext, inv: InventoryExports, node: string, opts: { queryEnvironment?: string; track?: boolean; reuse?: Reuse }): { rendered: RenderedNode; checkpoint?: RenderCheckpoint } {
  const cached = inv.fullRenders.get(node);
  if (cached instanceof FerryErrors) throw cached;
  if (cached) return { rendered: cached };
  if (!ctx.index.nodes.has(node)) {
    throw new FerryErrors([new FerryError('FERRY_NODE_NOT_FOUND', `node ${node} not found in ${ctx.st.nodesUri}/ (nodes: ${[...ctx.index.nodes.keys()].slice(0, 20).join(', ')})`, { node })]);
  }
  const m = inv.merge(node);
  if (Array.isArray(m)) throw new FerryErrors(m);
  const slot = m.hasQueries ? undefined : m.slot;
  const trees: ClassTrees | undefined = slot && !slot.checkpoint ? m.classFiles.map((c) => ({ file: c.file, params: ctx.entity(c.file, c.name).parameters })) : undefined;
  const reuse = m.hasQueries ? undefined : (opts.reuse ?? (slot?.checkpoint ? planReuse(slot.checkpoint, m.own, true) : trees ? fromPrefix(ctx, trees, m.own) : undefined));
  // Unless told, a render tracks when it can be the checkpoint of its class list (renderInventory).
  const track = !m.hasQueries && (opts.track ?? (slot !== undefined && !slot.checkpoint));
  const params = new Interpolator(ctx.st, new Positions(), {
    query: (q, context, pos) => inv.query(q, context, opts.queryEnvironment ?? m.environment, pos),
    track,
  })
    .init(m.parameters, reuse)
    .run();
  const positions = params.positions;
  const exps = new Interpolator(ctx.st, positions, { external: params }).init(m.exports).run();
  const errors = [...params.errors.map((e) => toFerry(e, 'parameters', m, ctx)), ...exps.errors.map((e) => toFerry(e, 'exports', m, ctx))];
  if (errors.length) {
    const all = new FerryErrors(errors);
    if (!m.hasQueries) inv.fullRenders.set(node, all);
    throw all;
  }
  const checkpoint = track ? params.checkpoint(m.own) : undefined;
  if (slot && !slot.checkpoint && checkpoint) {
    slot.checkpoint = checkpoint;
    if (trees) ctx.checkpoints.push({ classes: trees, checkpoint });
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
  return { rendered, checkpoint };
}

/**
 * The first node of a class list renders from the checkpoint of another list that starts with
 * the same classes (MCP nodes share the cluster's and the system defaults' classes, which hold
 * most of the references): the merged parameters differ at most where the classes after the
 * common prefix, of either list, set something, and where either node sets something itself.
 */
function fromPrefix(ctx: ModelContext, trees: ClassTrees, own: PDict[]): Reuse | undefined {
  let best: { classes: ClassTrees; checkpoint: RenderCheckpoint } | undefined;
  let bestLen = 0;
  for (const c of ctx.checkpoints) {
    let n = 0;
    while (n < trees.length && n < c.classes.length && trees[n].file === c.classes[n].file) n++;
    if (n > bestLen) [best, bestLen] = [c, n];
  }
  if (!best) return undefined;
  const changed = [...own];
  for (let i = bestLen; i < trees.length; i++) changed.push(trees[i].params);
  for (let i = bestLen; i < best.classes.length; i++) changed.push(best.classes[i].params);
  return planReuse(best.checkpoint, changed, true);
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
