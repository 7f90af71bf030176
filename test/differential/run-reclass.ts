/** Runs the reference reclass (argv array, no shell) in an inventory folder. */
import { execFile } from 'node:child_process';

export const RECLASS = process.env.FERRY_RECLASS ?? '/opt/ferry-reclass/bin/reclass';

export interface ReclassRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * reclass reads reclass-config.yml from the working directory (then ~ and /etc/reclass), so
 * it runs inside the inventory with an empty HOME.
 */
export function runReclass(inventory: string, args: string[], home: string): Promise<ReclassRun> {
  return new Promise((resolve) => {
    execFile(
      RECLASS,
      ['-b', inventory, '-o', 'json', ...args],
      { cwd: inventory, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8' }, timeout: 60_000, maxBuffer: 256 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
