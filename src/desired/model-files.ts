/**
 * Files of the metadata repository that a mirror's spec names by path (a pypi requirements
 * file): the desired stage puts their content into the spec, under `model_files`, so that a
 * driver never reads the model's checkout, and a commit that changes such a file changes the
 * mirror's hash, hence the plan. Pure: reading the files is the caller's
 * (reconcile/model-files.ts); here are the references, the paths they resolve to, and the
 * inlining (with the hashes made again).
 *
 * Paths are `/`-separated and relative to the model's root folder (the inventory: where
 * `nodes/` and `classes/` are). A path that leaves it (`..`, absolute) is refused here; a
 * symbolic link that leaves the repository is refused by the reader.
 */
import { modelPath } from '../core/model-path.js';
import { FerryError } from '../core/ferry-error.js';
import type { DesiredState, Resource } from '../core/resource.js';
import { desiredHash, resourceHash } from './desired-state.js';

export { modelPath };

/** The spec key the inlined files go under: path -> content and digest. */
export const MODEL_FILES_KEY = 'model_files';

export interface InlinedModelFile {
  /** The file's text (UTF-8). */
  text: string;
  /** sha256 of its bytes. */
  sha256: string;
}

/** What a kind declares about the repository files its specs name (Kind.modelFiles). */
export interface KindModelFiles {
  /** The paths a spec names, each with the field below the mirror that names it (for file:line). */
  named(spec: Record<string, unknown>): Array<{ path: string; field: Array<string | number> }>;
  /**
   * What a file names in turn (`-r other.txt`), as written in it (relative to the file), each with its
   * line; and the lines the kind refuses in it (so the error names the repository file and line).
   */
  read?(text: string): { includes: Array<{ path: string; line: number }>; errors: Array<{ line: number; message: string }> };
}

/** A reference to a model file, with where the model makes it. */
export interface ModelFileRef {
  /** Repository path (normalized, relative to the model root). */
  path: string;
  /** What names it: the spec field (with the model's file:line), or a line of another model file. */
  from: { field: Array<string | number>; file?: string; line?: number; column?: number } | { file: string; line: number };
}


/** The paths each resource's spec names directly (`locate`: file:line of a field below `mirrors.<name>`). */
export function namedModelFiles(
  r: Resource,
  kind: KindModelFiles,
  locate?: (field: Array<string | number>) => { file: string; line: number; column?: number } | undefined,
): { refs: ModelFileRef[]; errors: FerryError[] } {
  const refs: ModelFileRef[] = [];
  const errors: FerryError[] = [];
  for (const { path, field } of kind.named(r.spec)) {
    const at = locate?.(field);
    const p = modelPath(path);
    if ('refused' in p) errors.push(new FerryError('FERRY_INVALID_MODEL', `${r.kind}/${r.name}: ${field.join('.')}: ${JSON.stringify(path)} ${p.refused}; refused`, { resource: `${r.kind}/${r.name}`, field, ...at, actual: path }));
    else refs.push({ path: p.path, from: { field, ...at } });
  }
  return { refs, errors };
}

/** The desired state with each resource's files inlined (`files`: path -> content) and the hashes made again. */
export function inlineModelFiles(desired: DesiredState, wanted: ReadonlyMap<string, readonly string[]>, files: ReadonlyMap<string, InlinedModelFile>): DesiredState {
  const resources = desired.resources.map((r) => {
    const paths = wanted.get(`${r.kind}/${r.name}`);
    if (!paths || paths.length === 0) return r;
    const inlined = Object.fromEntries([...new Set(paths)].sort().map((p) => [p, files.get(p)!]));
    const spec = { ...r.spec, [MODEL_FILES_KEY]: inlined };
    return { ...r, spec, hash: resourceHash(r.kind, r.name, spec) };
  });
  return { ...desired, resources, hash: desiredHash(desired.site, resources) };
}

/** The model files a desired state inlines (each resource's `model_files`), sorted. */
export function inlinedModelPaths(desired: DesiredState): string[] {
  const paths = new Set<string>();
  for (const r of desired.resources) {
    const inlined = r.spec[MODEL_FILES_KEY];
    if (inlined && typeof inlined === 'object') for (const p of Object.keys(inlined)) paths.add(p);
  }
  return [...paths].sort();
}
