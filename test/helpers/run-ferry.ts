/**
 * Runs the real `ferry` command (from src/ through tsx, so no build is needed) as a child
 * process, the way a user or a CI job would, and collects its output and exit code.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAIN = join(REPO_ROOT, 'src', 'cli', 'main.ts');
/** tsx's loader by absolute URL: a run from another working folder must still find it. */
const TSX = pathToFileURL(join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
/** `make test` builds first and sets FERRY_TEST_USE_DIST=1: the compiled CLI starts much faster. */
const COMMAND = process.env.FERRY_TEST_USE_DIST === '1' ? [join(REPO_ROOT, 'dist', 'cli', 'main.js')] : ['--import', TSX, MAIN];

export interface FerryRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface FerryRunOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** Run as this uid/gid (the tests run as root: a service user, a uid without a passwd entry). */
  uid?: number;
  gid?: number;
  /** A process group of its own (the torture suite kills the whole group: kill -9 -pid). */
  detached?: boolean;
}

export function spawnFerry(args: string[], options: FerryRunOptions = {}): ChildProcess {
  return spawn(process.execPath, [...COMMAND, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    uid: options.uid,
    gid: options.gid,
    detached: options.detached,
    env: { ...process.env, NODE_OPTIONS: '', FERRY_LOG_LEVEL: 'warn', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function runFerry(args: string[], options: FerryRunOptions = {}): Promise<FerryRun> {
  const child = spawnFerry(args, options);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}
