/**
 * One writer per clone: a lock file holding the writer's pid, created with O_EXCL. A lock left
 * by a dead process is taken over; a live holder makes the caller fail at once with its pid.
 */
import { open, readFile, rm } from 'node:fs/promises';
import { FerryError } from '../../core/ferry-error.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock at `path`; the returned function releases it. */
export async function lockClone(path: string): Promise<() => Promise<void>> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return async () => {
        await rm(path, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new FerryError('FERRY_LOCKED', `the git clone is in use by pid ${pid}`, { file: path, actual: pid });
      }
      await rm(path, { force: true });
    }
  }
  throw new FerryError('FERRY_LOCKED', `cannot take the clone lock ${path}`, { file: path });
}
