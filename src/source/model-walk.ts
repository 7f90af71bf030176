/**
 * Lists the model files of an inventory folder as reclass's yaml_fs storage finds them
 * (os.walk with followlinks=True): every `*.yml`/`*.yaml`, hidden folders skipped, and
 * symlinked folders followed. An MCP salt master links `classes/service` to the formulas'
 * metadata (`/usr/share/salt-formulas/reclass/service`) and sometimes `classes/system` to a
 * checkout; the files appear under the link's own path, so class names follow the link.
 * A link back to a folder the walk is already inside is a loop, and an error naming the link
 * (reclass would descend until the kernel's ELOOP and register the same classes under ever
 * longer names). A link to a file is listed like the file; a dangling link named `*.yml` is
 * listed, and fails when a node reads it, as in reclass.
 */
import { readdirSync, readlinkSync, realpathSync, statSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { FerryError } from '../core/ferry-error.js';

export const isModelFile = (name: string): boolean => name.endsWith('.yml') || name.endsWith('.yaml');

/** Relative `/`-separated paths of every model file under `dir`, sorted. */
export function walkModelDir(dir: string): string[] {
  const paths: string[] = [];
  let rootReal: string;
  try {
    rootReal = realpathSync(dir);
  } catch (e) {
    throw new FerryError('FERRY_USAGE', `cannot read model directory ${dir}: ${(e as Error).message}`, { file: dir }, e);
  }
  const walk = (rel: string, real: string, chain: ReadonlySet<string>): void => {
    const abs = rel === '' ? dir : join(dir, rel);
    let entries: Dirent[];
    try {
      entries = readdirSync(abs, { withFileTypes: true });
    } catch (e) {
      if (rel === '') throw new FerryError('FERRY_USAGE', `cannot read model directory ${dir}: ${(e as Error).message}`, { file: dir }, e);
      throw new FerryError('FERRY_USAGE', `cannot read model folder ${abs}: ${(e as Error).message}`, { file: rel }, e);
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        const childReal = join(real, entry.name);
        walk(path, childReal, new Set(chain).add(childReal));
      } else if (entry.isSymbolicLink()) {
        const target = join(dir, path);
        let isDir = false;
        try {
          isDir = statSync(target).isDirectory();
        } catch {
          // Dangling: listed if it looks like a model file (reading it fails later, as in reclass).
        }
        if (!isDir) {
          if (isModelFile(entry.name)) paths.push(path);
          continue;
        }
        const linkedReal = realpathSync(target);
        if (chain.has(linkedReal)) {
          throw new FerryError('FERRY_INVALID_MODEL', `symlink loop: ${path} -> ${readlinkSync(target)} leads back to a folder that contains it`, { file: path, target: linkedReal });
        }
        walk(path, linkedReal, new Set(chain).add(linkedReal));
      } else if (entry.isFile() && isModelFile(entry.name)) paths.push(path);
    }
  };
  walk('', rootReal, new Set([rootReal]));
  return paths.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
