/**
 * The files of the model's folder that mirrors name by path (Resource.modelFiles, recorded by
 * loadDesired), read from where the model was read (the commit, or the folder), with what they
 * include in turn (`-r other.txt`, relative to the including file, inside the model folder),
 * and put into the specs (desired/model-files.ts: `model_files`, hashes made again). Every
 * missing file, refused path and line its kind refuses is an error naming the mirror and the
 * model's file:line (the spec field, or the line of the including file); all are reported at once.
 */
import { posix } from 'node:path';
import { FerryError, FerryErrors, toFerryErrors } from '../core/ferry-error.js';
import { sha256Hex } from '../core/hash.js';
import { resourceId, type DesiredState } from '../core/resource.js';
import { inlineModelFiles, modelPath, type InlinedModelFile, type KindModelFiles } from '../desired/model-files.js';
import { registeredKinds } from '../drivers/registry.js';
import type { ModelFiles } from '../model/types.js';
import { modelFileReaderOf } from '../source/model-file-reader.js';

interface Pending {
  path: string;
  /** What names it, for messages: a spec field (file:line of the model) or a line of another file. */
  from: { field?: Array<string | number>; file?: string; line?: number; column?: number; include?: string };
}

const MAX_FILES = 200;

/** The desired state with the named files inlined; unchanged when no mirror names one. */
export async function withModelFiles(desired: DesiredState, files: ModelFiles, kinds: ReadonlyArray<{ kind: string; modelFiles?: KindModelFiles }> = registeredKinds()): Promise<DesiredState> {
  if (!desired.resources.some((r) => r.modelFiles?.length)) return desired;
  const reader = modelFileReaderOf(files);
  const reads = new Map<string, Promise<InlinedModelFile | undefined>>();
  const readOnce = (path: string) => {
    let p = reads.get(path);
    if (!p) {
      p = reader.read(path).then((bytes) => (bytes ? { text: new TextDecoder().decode(bytes), sha256: sha256Hex(bytes) } : undefined));
      p.catch(() => undefined);
      reads.set(path, p);
    }
    return p;
  };
  const errors: FerryError[] = [];
  const wanted = new Map<string, string[]>();
  const contents = new Map<string, InlinedModelFile>();
  for (const r of desired.resources) {
    const kind = kinds.find((k) => k.kind === r.kind)?.modelFiles;
    if (!kind || !r.modelFiles?.length) continue;
    const id = resourceId(r);
    const mine: string[] = [];
    const queue: Pending[] = r.modelFiles.map((m) => ({ path: m.path, from: { field: m.field, file: m.file, line: m.line, column: m.column } }));
    const seen = new Set<string>();
    while (queue.length > 0) {
      const { path, from } = queue.shift()!;
      if (seen.has(path)) continue;
      seen.add(path);
      const where = { resource: id, file: from.file, line: from.line, column: from.column };
      const named = from.field ? `${from.field.join('.')}` : `${from.file}:${from.line}: ${from.include}`;
      if (seen.size > MAX_FILES) {
        errors.push(new FerryError('FERRY_INVALID_MODEL', `${id}: more than ${MAX_FILES} model files are named (from ${named})`, where));
        break;
      }
      let file: InlinedModelFile | undefined;
      try {
        file = await readOnce(path);
      } catch (e) {
        for (const err of toFerryErrors(e)) errors.push(new FerryError(err.code, `${id}: ${named}: ${err.message}`, { ...err.data, ...where, path }, err));
        continue;
      }
      if (!file) {
        errors.push(new FerryError('FERRY_INVALID_MODEL', `${id}: ${named}: no file ${path} in the model folder`, { ...where, path }));
        continue;
      }
      contents.set(path, file);
      mine.push(path);
      const read = kind.read?.(file.text);
      for (const e of read?.errors ?? []) errors.push(new FerryError('FERRY_INVALID_MODEL', `${id}: ${path}:${e.line}: ${e.message}`, { resource: id, file: path, line: e.line }));
      for (const inc of read?.includes ?? []) {
        const p = modelPath(inc.path, posix.dirname(path));
        const include = `names ${inc.path}`;
        if ('refused' in p) errors.push(new FerryError('FERRY_INVALID_MODEL', `${id}: ${path}:${inc.line}: ${JSON.stringify(inc.path)} ${p.refused}; refused`, { resource: id, file: path, line: inc.line, actual: inc.path }));
        else queue.push({ path: p.path, from: { file: path, line: inc.line, include } });
      }
    }
    wanted.set(id, mine);
  }
  if (errors.length) throw new FerryErrors(errors);
  return inlineModelFiles(desired, wanted, contents);
}
