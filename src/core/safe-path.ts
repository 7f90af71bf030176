import { FerryError } from './ferry-error.js';

/**
 * Checks that a relative path taken from upstream metadata or the model stays inside its root:
 * no absolute path, no `..` segment, no empty segment, no NUL, no backslash. Returns the path
 * normalised (no `./` segments). Pure: symlink escapes are the store's concern, which never
 * follows links it did not create.
 */
export function safeRelativePath(path: string, context: Record<string, unknown> = {}): string {
  const bad = (why: string) =>
    new FerryError('FERRY_UNSAFE_PATH', `unsafe path ${JSON.stringify(path)}: ${why}`, { ...context, actual: path });
  if (typeof path !== 'string' || path.length === 0) throw bad('empty');
  if (path.includes('\0')) throw bad('contains NUL');
  if (path.includes('\\')) throw bad('contains a backslash');
  if (path.startsWith('/')) throw bad('absolute');
  const parts = path.split('/').filter((p) => p !== '.');
  if (parts.some((p) => p === '..')) throw bad('contains ..');
  if (parts.some((p) => p === '')) throw bad('contains an empty segment');
  if (parts.length === 0) throw bad('empty');
  return parts.join('/');
}
