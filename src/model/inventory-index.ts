/**
 * Which file holds which class and node (reclass storage/yaml_fs): `classes/a/b/c.yml` is class
 * `a.b.c`, `classes/a/b/init.yml` is `a.b`; a node is its file's base name, or with
 * compose_node_name its folders joined with dots unless the first folder starts with `_`.
 * Folders starting with `.` (and CVS, SCCS) are skipped. Two files for one name is an error.
 */
import { FerryError } from '../core/ferry-error.js';
import type { ModelFiles } from './types.js';
import type { ReclassSettings } from './settings.js';

export interface NodeEntry {
  file: string;
  /** reclass's `pathname` (for class_mappings_match_path). */
  pathname: string;
}

export interface InventoryIndex {
  classes: Map<string, string>;
  nodes: Map<string, NodeEntry>;
  errors: FerryError[];
}

const EXT = /\.(yml|yaml)$/;

interface IndexEntry {
  dirs: string[];
  base: string;
  file: string;
}

function isSorted(keys: string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (keys[i - 1] > keys[i]) return false;
  return true;
}

/** The YAML files under `root`, in path order, split into folders and base name (one pass over the paths). */
function entries(keys: string[], root: string): IndexEntry[] {
  const prefix = root === '' || root === '.' ? '' : `${root}/`;
  const out: IndexEntry[] = [];
  for (const file of keys) {
    if (!file.startsWith(prefix)) continue;
    const dot = file.lastIndexOf('.');
    if (dot < 0 || !EXT.test(file)) continue;
    const slash = file.lastIndexOf('/');
    const base = file.slice(slash + 1, dot);
    const dirs = slash < prefix.length ? [] : file.slice(prefix.length, slash).split('/');
    if (dirs.length > 0 && dirs.some((d) => d.startsWith('.') || d === 'CVS' || d === 'SCCS')) continue;
    out.push({ dirs, base, file });
  }
  return out;
}

/**
 * The last index made per settings, with the paths it was made from: a commit that adds,
 * removes or renames no file (the common one) has the very same index. Never mutated.
 */
const lastIndex = new Map<string, { keys: string[]; index: InventoryIndex }>();

function samePaths(keys: readonly string[], files: ModelFiles): boolean {
  if (keys.length !== files.size) return false;
  let i = 0;
  for (const k of files.keys()) if (keys[i++] !== k) return false;
  return true;
}

/** indexInventory, reused while the set of paths (in order) is the same. */
export function cachedIndexInventory(files: ModelFiles, st: ReclassSettings, settingsKey: string): InventoryIndex {
  const hit = lastIndex.get(settingsKey);
  if (hit && samePaths(hit.keys, files)) return hit.index;
  const index = indexInventory(files, st);
  lastIndex.set(settingsKey, { keys: [...files.keys()], index });
  return index;
}

function indexInventory(files: ModelFiles, st: ReclassSettings): InventoryIndex {
  const errors: FerryError[] = [];
  const classes = new Map<string, string>();
  const keys = [...files.keys()];
  if (!isSorted(keys)) keys.sort();
  for (const e of entries(keys, st.classesUri)) {
    const name = e.dirs.length === 0 ? e.base : [...e.dirs, ...(e.base === 'init' ? [] : [e.base])].join('.');
    const prev = classes.get(name);
    if (prev !== undefined) {
      errors.push(new FerryError('FERRY_DUPLICATE_CLASS', `class ${name} is defined twice: ${prev} and ${e.file}`, { file: e.file, line: 1, other: prev, class: name }));
      continue;
    }
    classes.set(name, e.file);
  }
  const nodes = new Map<string, NodeEntry>();
  for (const e of entries(keys, st.nodesUri)) {
    let name = e.base;
    let pathname: string;
    if (st.composeNodeName) {
      if (e.dirs.length > 0 && !e.dirs[0].startsWith('_')) name = [...e.dirs, e.base].join('.');
      pathname = [...e.dirs, e.base].join('/');
    } else {
      pathname = e.dirs.length === 0 ? `./${e.base}` : [...e.dirs, e.base].join('/');
    }
    const prev = nodes.get(name);
    if (prev !== undefined) {
      errors.push(new FerryError('FERRY_DUPLICATE_CLASS', `node ${name} is defined twice: ${prev.file} and ${e.file}`, { file: e.file, line: 1, other: prev.file, node: name }));
      continue;
    }
    nodes.set(name, { file: e.file, pathname });
  }
  return { classes, nodes, errors };
}
