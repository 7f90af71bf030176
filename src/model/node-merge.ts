/**
 * Merges one node as reclass 1.7 does (core.py `_node_entity` / `_recurse_entity`): the classes
 * from class_mappings, then the automatic `_reclass_` parameters, then the node's classes depth
 * first (each class once per node, its own classes before itself), the node file last and
 * winning. Class names may hold references, resolved against what is merged so far.
 * The result is not interpolated yet (see interpolate.ts).
 */
import { FerryError } from '../core/ferry-error.js';
import { Applications, OrderedNames } from './applications.js';
import { mappedClasses } from './class-mappings.js';
import { mergeDict, newSession } from './values/merge.js';
import { PDict, PList, Value, ValueList, type Item, type PNode } from './values/values.js';
import { parseValueString } from './values/ref-parser.js';
import { pyIndex, splitPath } from './values/path.js';
import { pyStr } from './values/python-str.js';
import type { Entity } from './entity.js';
import type { MergeSlot, ModelContext } from './model-context.js';
import type { SourcePos } from './types.js';

export interface MergedNode {
  name: string;
  file: string;
  environment: string;
  classes: string[];
  applications: string[];
  parameters: PDict;
  exports: PDict;
  classFiles: Array<{ name: string; file: string }>;
  /** Whether any merged file holds an inventory query. */
  hasQueries: boolean;
  /** The cached merge of the node's classes, whose first render other nodes reuse (checkpoint.ts). */
  slot?: MergeSlot;
  /** The parameter trees the node adds on top of its classes (its `_reclass_` ones, its file). */
  own: PDict[];
  /** For each file merged: the chain of classes that brought it in, node first. */
  chains: { get(file: string): string[] | undefined };
  errors: FerryError[];
}

interface Frame {
  classes: OrderedNames;
  apps: Applications;
}

type Range = () => [number, number];

/**
 * What the class recursion yields for a node, shared by the nodes with the same mapped
 * classes, classes and applications when no class name holds a reference and nothing failed.
 */
interface Expansion {
  order: Entity[];
  classFiles: Array<{ name: string; file: string }>;
  /** Chains without the node's name in front. */
  chains: Map<string, string[]>;
  classes: string[];
  applications: string[];
  hasQueries: boolean;
}

class NodeChains {
  constructor(
    private readonly node: string,
    private readonly nodeFile: string,
    private readonly rel: Map<string, string[]>,
  ) {}
  get(file: string): string[] | undefined {
    if (file === this.nodeFile) return [this.node];
    const r = this.rel.get(file);
    return r ? [this.node, ...r] : undefined;
  }
}

export function mergeNode(ctx: ModelContext, name: string): MergedNode {
  const entry = ctx.index.nodes.get(name);
  if (!entry) {
    throw new FerryError('FERRY_NODE_NOT_FOUND', `node ${name} not found in ${ctx.st.nodesUri}/`, { node: name });
  }
  return new NodeMerger(ctx, name).run(entry.file, entry.pathname);
}

class NodeMerger {
  private readonly st;
  private params = new PDict();
  private exps = new PDict();
  private readonly entries: PDict[] = [];
  private readonly seen = new Set<string>();
  private readonly busy = new Set<string>();
  private readonly classFiles: Array<{ name: string; file: string }> = [];
  private readonly chains = new Map<string, string[]>();
  private readonly errors: FerryError[] = [];
  private readonly session = newSession();
  private hasQueries = false;
  /** Whether a class name held a reference (the expansion then depends on the node). */
  private dynamic = false;
  private slot?: MergeSlot;
  private own: PDict[] = [];
  /** Entities in merge order (reclass merges each class after its own classes). */
  private readonly order: Entity[] = [];

  constructor(
    private readonly ctx: ModelContext,
    private readonly node: string,
  ) {
    this.st = ctx.st;
  }

  run(file: string, pathname: string): MergedNode {
    const st = this.st;
    const nodeEnt = this.ctx.entity(file, this.node);
    this.errors.push(...nodeEnt.errors);
    const environment = nodeEnt.environment ?? st.defaultEnvironment;
    const mapped = mappedClasses(this.ctx.mappings, st.classMappingsMatchPath ? pathname : this.node);
    const base: Entity = {
      name: 'base',
      file: '',
      classes: mapped.map((n) => ({ name: n, pos: { file: 'reclass-config.yml', line: 1, column: 1 } })),
      applications: [],
      parameters: this.baseParameters(nodeEnt, environment),
      exports: new PDict(),
      environment: null,
      hasQueries: false,
      errors: [],
    };
    const key = nodeEnt.classes.some((c) => this.hasRef(c.name)) || mapped.some((n) => this.hasRef(n)) ? undefined : JSON.stringify([mapped, nodeEnt.classes.map((c) => c.name), nodeEnt.applications]);
    let x = key === undefined ? undefined : (this.ctx.expansionCache.get(key) as Expansion | undefined);
    if (x) {
      this.order.push(base, ...x.order, nodeEnt);
      this.hasQueries = x.hasQueries || nodeEnt.hasQueries;
    } else {
      const errorsBefore = this.errors.length;
      const empty: Range = () => [0, 0];
      const frame0 = this.recurse(base, newFrame(), empty, [this.node], false);
      this.chains.set(file, [this.node]);
      const nodeFrame = this.recurse(nodeEnt, frame0, () => [0, this.entries.length], [this.node], true);
      const rel = new Map<string, string[]>();
      this.chains.forEach((chain, f) => {
        if (f !== file) rel.set(f, chain.slice(1));
      });
      x = {
        order: this.order.filter((e) => e !== base && e !== nodeEnt),
        classFiles: this.classFiles,
        chains: rel,
        classes: nodeFrame.classes.items,
        applications: nodeFrame.apps.items,
        hasQueries: this.order.some((e) => e !== nodeEnt && e.hasQueries),
      };
      if (key !== undefined && !this.dynamic && this.errors.length === errorsBefore) this.ctx.expansionCache.set(key, x);
    }
    this.mergeAll(base, nodeEnt);
    return {
      name: this.node,
      file,
      environment,
      classes: [...x.classes],
      applications: [...x.applications],
      parameters: this.params,
      exports: this.exps,
      classFiles: [...x.classFiles],
      hasQueries: this.hasQueries,
      chains: new NodeChains(this.node, file, x.chains),
      slot: this.slot,
      own: this.own,
      errors: this.errors,
    };
  }

  private hasRef(name: string): boolean {
    return name.includes(this.st.refOpen) || name.includes(this.st.invOpen);
  }

  private baseParameters(nodeEnt: Entity, environment: string): PDict {
    const d = new PDict();
    if (this.st.automaticParameters) {
      const v = (x: unknown): Value => new Value({ t: 'sca', v: x });
      const nameDict = new PDict();
      nameDict.entries.set('full', v(this.node));
      nameDict.entries.set('short', v(this.node.split('.')[0]));
      const r = new PDict();
      r.entries.set('name', nameDict);
      r.entries.set('environment', v(environment));
      d.entries.set('_reclass_', r);
    }
    const sp = this.st.scalarParameters;
    if (sp) {
      const own = nodeEnt.parameters.entries.get(sp);
      const holder = new PDict();
      holder.entries.set(sp, own ?? new PDict());
      mergeDict(d, holder, this.st);
    }
    return d;
  }

  /**
   * reclass `_recurse_entity`: merges the classes of `ent` (depth first) into `frame`, then
   * `ent` itself. `context` is the range of merged entries a class-name reference may also use.
   */
  private recurse(ent: Entity, frame: Frame, context: Range, chain: string[], topLevel: boolean): Frame {
    const frameStart = topLevel ? 0 : this.entries.length;
    for (const c of ent.classes) {
      const name = this.className(c.name, c.pos, [frameStart, this.entries.length], context(), chain);
      if (name === undefined || this.seen.has(name)) continue;
      if (this.busy.has(name)) {
        this.errors.push(this.err('FERRY_CIRCULAR_REFERENCE', `class ${name} includes itself (${[...chain, name].join(' -> ')})`, c.pos, chain));
        continue;
      }
      const file = this.ctx.index.classes.get(name);
      if (file === undefined) {
        if (this.st.ignoreClassNotfound && this.ignorable(name)) continue;
        this.errors.push(this.err('FERRY_CLASS_NOT_FOUND', `class ${name} not found${notFoundHint(this.st.classesUri, name)}, included from ${chain.join(' -> ')}`, c.pos, chain, { class: name }));
        continue;
      }
      const child = this.ctx.entity(file, name);
      this.errors.push(...child.errors);
      const childChain = [...chain, name];
      if (!this.chains.has(file)) this.chains.set(file, childChain);
      this.busy.add(name);
      const topStart = this.entries.length;
      const childContext: Range = topLevel ? () => [0, topStart] : context;
      const descent = this.recurse(child, newFrame(), childContext, childChain, false);
      this.busy.delete(name);
      // A fresh frame adopts its first descent's lists instead of copying them.
      if (frame.classes.items.length === 0 && frame.apps.items.length === 0 && frame.apps.negations.length === 0) {
        frame.classes = descent.classes;
        frame.apps = descent.apps;
      } else {
        frame.classes.addAll(descent.classes.items);
        frame.apps.mergeApps(descent.apps);
      }
      this.seen.add(name);
    }
    for (const c of ent.classes) frame.classes.add(c.name);
    if (ent.applications.length) frame.apps.mergeApps(Applications.fromList(ent.applications));
    this.order.push(ent);
    this.entries.push(ent.parameters);
    if (ent.hasQueries) this.hasQueries = true;
    if (ent.file && ent.name !== this.node) this.classFiles.push({ name: ent.name, file: ent.file });
    return frame;
  }

  /**
   * Merges parameters and exports in `order`. Nodes that share their list of classes share
   * the merge of those classes (cached per model): the node's own `_reclass_` parameters and
   * file are merged on top. Not cached when a class sets `_reclass_` itself or
   * scalar_parameters is on, where the node-specific base must stay in its place.
   */
  private mergeAll(base: Entity, nodeEnt: Entity): void {
    const st = this.st;
    this.own = [base.parameters, nodeEnt.parameters];
    const classes = this.order.filter((e) => e !== base && e !== nodeEnt);
    const cacheable = !st.scalarParameters && classes.every((e) => !e.parameters.entries.has('_reclass_'));
    if (!cacheable) {
      for (const e of this.order) {
        this.params = mergeDict(this.params, e.parameters, st, this.session);
        this.exps = mergeDict(this.exps, e.exports, st, this.session);
      }
      return;
    }
    const key = classes.map((e) => e.file).join('\n');
    let hit = this.ctx.mergeCache.get(key);
    if (!hit) {
      const session = newSession();
      let params = new PDict();
      let exps = new PDict();
      for (const e of classes) {
        params = mergeDict(params, e.parameters, st, session);
        exps = mergeDict(exps, e.exports, st, session);
      }
      hit = { params, exports: exps };
      this.ctx.mergeCache.set(key, hit);
    }
    this.slot = hit;
    this.params = mergeDict(mergeDict(this.params, base.parameters, st, this.session), hit.params, st, this.session);
    this.params = mergeDict(this.params, nodeEnt.parameters, st, this.session);
    this.exps = mergeDict(mergeDict(this.exps, hit.exports, st, this.session), nodeEnt.exports, st, this.session);
  }

  private ignorable(name: string): boolean {
    return this.st.ignoreClassNotfoundRegexp.some((r) => {
      try {
        return new RegExp(`^(?:${r})`).test(name);
      } catch {
        return false;
      }
    });
  }

  /** A class name with references rendered (reclass renders them against raw merged values). */
  private className(raw: string, pos: SourcePos, local: [number, number], context: [number, number], chain: string[]): string | undefined {
    if (!this.hasRef(raw)) return raw;
    this.dynamic = true;
    let item: Item;
    try {
      item = parseValueString(raw, this.st);
    } catch (e) {
      this.errors.push(this.err('FERRY_REFERENCE_SYNTAX', `class name ${raw}: ${(e as Error).message}`, pos, chain));
      return undefined;
    }
    const name = this.renderName(item, local) ?? this.renderName(item, context);
    if (name === undefined) {
      this.errors.push(this.err('FERRY_MISSING_REFERENCE', `cannot resolve the reference in class name ${raw} (only parameters merged before it can be used)`, pos, chain, { class: raw }));
    }
    return name;
  }

  private renderName(item: Item, range: [number, number]): string | undefined {
    if (item.t === 'sca') return pyStr(item.v);
    if (item.t === 'comp') {
      const parts = item.parts.map((p) => this.renderName(p, range));
      return parts.some((p) => p === undefined) ? undefined : parts.join('');
    }
    if (item.t !== 'ref') return undefined;
    const path = item.parts.map((p) => this.renderName(p, range));
    if (path.some((p) => p === undefined)) return undefined;
    const parts = splitPath(path.join(''), this.st.delimiter);
    for (let i = range[1] - 1; i >= range[0]; i--) {
      const hit = rawAt(this.entries[i], parts);
      if (hit instanceof Value && hit.item.t === 'sca') return pyStr(hit.item.v);
      if (hit !== undefined) return undefined;
    }
    return undefined;
  }

  private err(code: 'FERRY_CLASS_NOT_FOUND' | 'FERRY_MISSING_REFERENCE' | 'FERRY_CIRCULAR_REFERENCE' | 'FERRY_REFERENCE_SYNTAX', message: string, pos: SourcePos, chain: string[], extra: Record<string, unknown> = {}): FerryError {
    return new FerryError(code, message, { file: pos.file, line: pos.line, column: pos.column, classChain: chain, ...extra });
  }
}

function notFoundHint(root: string, name: string): string {
  const path = `${root}/${name.replace(/\./g, '/')}`;
  if (name.endsWith('.init')) return ` (${path}.yml is class ${name.slice(0, -5)}: a class name never ends in .init)`;
  return ` (neither ${path}.yml nor ${path}/init.yml exists)`;
}

function newFrame(): Frame {
  return { classes: new OrderedNames(), apps: new Applications() };
}

function rawAt(d: PDict, parts: string[]): PNode | undefined {
  let cur: PNode | undefined = d;
  for (const p of parts) {
    if (cur instanceof PDict) cur = cur.entries.get(p);
    else if (cur instanceof PList) {
      const i = pyIndex(p, cur.items.length);
      cur = i === undefined ? undefined : cur.items[i];
    } else return undefined;
    if (cur === undefined) return undefined;
  }
  return cur instanceof ValueList ? cur.values[cur.values.length - 1] : cur;
}
