/**
 * Runs the real `ferry` command (from src/ through tsx, so no build is needed) as a child
 * process, the way a user or a CI job would, and collects its output and exit code.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAIN = join(REPO_ROOT, 'src', 'cli', 'main.ts');
/** `make test` builds first and sets FERRY_TEST_USE_DIST=1: the compiled CLI starts much faster. */
const COMMAND = process.env.FERRY_TEST_USE_DIST === '1' ? [join(REPO_ROOT, 'dist', 'cli', 'main.js')] : ['--import', 'tsx', MAIN];

export interface FerryRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function spawnFerry(args: string[], options: { env?: Record<string, string>; cwd?: string } = {}): ChildProcess {
  return spawn(process.execPath, [...COMMAND, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, NODE_OPTIONS: '', FERRY_LOG_LEVEL: 'warn', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function runFerry(args: string[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<FerryRun> {
  const child = spawnFerry(args, options);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}
