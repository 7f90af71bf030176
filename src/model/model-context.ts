/**
 * What rendering needs from an inventory, computed once per ModelFiles and settings: the
 * settings (reclass-config.yml plus overrides), the class and node index, the class mappings,
 * and every file parsed at most once.
 */
import { FerryError } from '../core/ferry-error.js';
import { cachedIndexInventory, type InventoryIndex } from './inventory-index.js';
import { loadEntity, type Entity } from './entity.js';
import { makeSettings, type ReclassSettings } from './settings.js';
import { parseMapping, type ClassMapping } from './class-mappings.js';
import { loadYaml, plain } from './yaml/yaml-load.js';
import { isPlainObject } from './values/path.js';
import type { PDict } from './values/values.js';
import type { RenderCheckpoint } from './values/checkpoint.js';
import { PosResolver } from './yaml/lazy-pos.js';
import type { ModelFiles, RenderOptions } from './types.js';

export interface ModelContext {
  files: ModelFiles;
  st: ReclassSettings;
  index: InventoryIndex;
  mappings: ClassMapping[];
  errors: FerryError[];
  entity(file: string, name: string): Entity;
  /** Merged parameters and exports of a list of class files (node-merge.ts); never mutated. */
  mergeCache: Map<string, MergeSlot>;
  /** The class lists rendered so far with a checkpoint, for lists sharing a prefix with them. */
  checkpoints: Array<{ classes: ClassTrees; checkpoint: RenderCheckpoint }>;
  /** Class expansions of nodes (node-merge.ts), by the node's mapped classes, classes and applications. */
  expansionCache: Map<string, unknown>;
}

/** A node's class files in merge order, with their parameters. */
export type ClassTrees = Array<{ file: string; params: PDict }>;

/** One list of classes merged, and the first render of a node of those classes (checkpoint.ts). */
export interface MergeSlot {
  params: PDict;
  exports: PDict;
  checkpoint?: RenderCheckpoint;
}

export const CONFIG_FILE = 'reclass-config.yml';

const cache = new WeakMap<ModelFiles, Map<string, ModelContext>>();

/**
 * Parsed files shared by every model (every commit) rendered in this process, keyed by the
 * settings, the path and the name it is read under, and reused while the text is the same:
 * a controller that renders each new commit parses only the files the commit changed (equal
 * texts are equal blobs). Entities are never mutated after loading, so sharing is safe. One
 * entry per path and name: a changed file replaces its old entry.
 */
const parsed = new Map<string, { text: string; entity: Entity }>();

export function modelContext(files: ModelFiles, options: RenderOptions = {}): ModelContext {
  const key = JSON.stringify(options.settings ?? {});
  let perFiles = cache.get(files);
  if (!perFiles) cache.set(files, (perFiles = new Map()));
  const hit = perFiles.get(key);
  if (hit) return hit;
  const ctx = build(files, options);
  perFiles.set(key, ctx);
  return ctx;
}

function build(files: ModelFiles, options: RenderOptions): ModelContext {
  const errors: FerryError[] = [];
  let config: Record<string, unknown> | undefined;
  const text = files.get(CONFIG_FILE);
  if (text !== undefined) {
    const y = loadYaml(CONFIG_FILE, text);
    errors.push(...y.errors);
    const v = y.root ? plain(y.root) : undefined;
    if (isPlainObject(v)) config = v;
  }
  const st = makeSettings(config, options.settings);
  const settingsKey = JSON.stringify(st);
  const index = cachedIndexInventory(files, st, settingsKey);
  errors.push(...index.errors);
  const mappings: ClassMapping[] = [];
  for (const line of st.classMappings) {
    try {
      mappings.push(parseMapping(String(line)));
    } catch (e) {
      errors.push(new FerryError('FERRY_INVALID_MODEL', `class_mappings: ${(e as Error).message}`, { file: CONFIG_FILE }));
    }
  }
  const entities = new Map<string, Entity>();
  const resolver = new PosResolver((f) => files.get(f));
  return {
    files,
    st,
    index,
    mappings,
    errors,
    mergeCache: new Map(),
    checkpoints: [],
    expansionCache: new Map(),
    entity(file: string, name: string): Entity {
      // A file is always read under one name (its class or node name).
      let e = entities.get(file);
      if (!e || e.name !== name) {
        const text = files.get(file) ?? '';
        const key = `${settingsKey}\u0000${file}\u0000${name}`;
        const hit = parsed.get(key);
        if (hit && hit.text === text) e = hit.entity;
        else {
          e = loadEntity(file, text, name, st, resolver);
          // Entities with errors are not shared: their messages may depend on this model.
          if (e.errors.length === 0) parsed.set(key, { text, entity: e });
        }
        entities.set(file, e);
      }
      return e;
    },
  };
}
