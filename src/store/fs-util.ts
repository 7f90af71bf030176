import { constants } from 'node:fs';
import { open, readFile, rename, unlink, type FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';

/** A unique suffix for temporary names (pid + random), so concurrent writers never collide. */
export function tempSuffix(): string {
  return `${process.pid}-${randomBytes(6).toString('hex')}`;
}

/** fsyncs a directory so that the entries just created or renamed in it survive a crash. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Writes a whole file durably: temp name in the same directory, write, fsync, rename, fsync dir. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: { mode?: number } = {}): Promise<void> {
  const tmp = join(dirname(path), `.${tempSuffix()}.tmp`);
  let fh: FileHandle | undefined = await open(tmp, 'wx', options.mode ?? 0o644);
  try {
    await fh.writeFile(data);
    await fh.sync();
    await fh.close();
    fh = undefined;
    await rename(tmp, path);
  } catch (e) {
    if (fh) await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await fsyncDir(dirname(path));
}

/** Reads a file, or returns undefined when it does not exist. */
export async function readIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (e) {
    if (isCode(e, 'ENOENT')) return undefined;
    throw e;
  }
}

export function isCode(e: unknown, ...codes: string[]): boolean {
  return typeof e === 'object' && e !== null && codes.includes((e as NodeJS.ErrnoException).code ?? '');
}

/** Throws the signal's reason (an AbortError) when it is aborted. */
export function checkAbort(signal?: AbortSignal): void {
  signal?.throwIfAborted();
}
