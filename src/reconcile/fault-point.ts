/**
 * Fault injection for crash tests: when FERRY_FAULT_PAUSE names a step, the reconcile writes
 * `<state>/fault-<step>` and stops there until it is killed or cancelled, so a test can SIGKILL
 * it at an exact point (between building a snapshot and publishing it, say). Off otherwise.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export async function faultPoint(step: string, stateDir: string, signal?: AbortSignal): Promise<void> {
  if (process.env.FERRY_FAULT_PAUSE !== step) return;
  await writeFile(join(stateDir, `fault-${step}`), String(process.pid));
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => undefined, 1 << 30);
    signal?.addEventListener('abort', () => {
      clearInterval(timer);
      resolve();
    });
  });
}
