/**
 * A path of the metadata repository as a model names it (a pypi requirements file, `-r` in one):
 * `/`-separated, relative to the model root, inside it. Pure; shared by the desired stage, which
 * reads the files, and the kinds, which look them up in their specs by the same path.
 */
import { posix } from 'node:path';

/** Normalized path relative to the model root, or why it is refused. */
export function modelPath(path: string, relativeTo = ''): { path: string } | { refused: string } {
  if (path === '' || path.includes('\0')) return { refused: 'is empty or holds NUL' };
  if (posix.isAbsolute(path) || /^[a-zA-Z]:[\\/]/.test(path)) return { refused: 'is absolute: a model file is named relative to the model root' };
  const joined = posix.normalize(posix.join(relativeTo, path.replace(/\\/g, '/')));
  if (joined === '..' || joined.startsWith('../')) return { refused: 'leaves the model folder (..)' };
  if (joined === '.' || joined.endsWith('/')) return { refused: 'names a folder, not a file' };
  return { path: joined };
}
