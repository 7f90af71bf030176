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

function entries(files: ModelFiles, root: string): Array<{ rel: string; dirs: string[]; base: string; file: string }> {
  const prefix = root === '' || root === '.' ? '' : `${root}/`;
  const out = [];
  for (const file of [...files.keys()].sort()) {
    if (!file.startsWith(prefix) || !EXT.test(file)) continue;
    const rel = file.slice(prefix.length);
    const parts = rel.split('/');
    const base = parts.pop() ?? '';
    if (parts.some((d) => d.startsWith('.') || d === 'CVS' || d === 'SCCS')) continue;
    out.push({ rel, dirs: parts, base: base.slice(0, base.lastIndexOf('.')), file });
  }
  return out;
}

export function indexInventory(files: ModelFiles, st: ReclassSettings): InventoryIndex {
  const errors: FerryError[] = [];
  const classes = new Map<string, string>();
  for (const e of entries(files, st.classesUri)) {
    const name = e.dirs.length === 0 ? e.base : [...e.dirs, ...(e.base === 'init' ? [] : [e.base])].join('.');
    const prev = classes.get(name);
    if (prev !== undefined) {
      errors.push(new FerryError('FERRY_DUPLICATE_CLASS', `class ${name} is defined twice: ${prev} and ${e.file}`, { file: e.file, line: 1, other: prev, class: name }));
      continue;
    }
    classes.set(name, e.file);
  }
  const nodes = new Map<string, NodeEntry>();
  for (const e of entries(files, st.nodesUri)) {
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
