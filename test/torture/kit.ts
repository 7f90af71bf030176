/**
 * What every torture area needs: the real `ferry` CLI in a process group of its own (a kill -9
 * reaches every child it started, and waiting for 'exit' rather than 'close' never hangs on a
 * pipe a grandchild still holds), a deadline on every run, temp folders, a file-kind model
 * writer and an upstream of generated files on 127.0.0.1.
 */
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdirSync, mkdtempSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { spawnFerry } from '../helpers/run-ferry.js';

export const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** The deadline passed and the group was killed. */
  timedOut: boolean;
}

export interface Started {
  child: ChildProcess;
  /** Resolves at the child's 'exit' (then at most 2 s more for its pipes), never waiting on a grandchild. */
  done: Promise<Run>;
  /** kill(2) to the whole process group. */
  kill(signal?: NodeJS.Signals): void;
}

/** Starts `ferry args` in its own process group; `timeoutMs` kills the group (SIGKILL) past it. */
export function startFerry(args: string[], o: { env?: Record<string, string>; timeoutMs?: number } = {}): Started {
  const t0 = Date.now();
  const child = spawnFerry(args, { env: o.env, detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const kill = (signal: NodeJS.Signals = 'SIGKILL') => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {
      // the group is gone already
    }
  };
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    kill('SIGKILL');
  }, o.timeoutMs ?? 180_000);
  const closed = new Promise<void>((r) => child.once('close', () => r()));
  const done = new Promise<Run>((resolve) => {
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const ms = Date.now() - t0;
      // Whatever is left of the group (a child the killed ferry started) goes too.
      if (signal === 'SIGKILL') kill('SIGKILL');
      let grace: NodeJS.Timeout | undefined;
      void Promise.race([closed, new Promise((r) => (grace = setTimeout(r, 2000)))]).then(() => {
        clearTimeout(grace);
        child.stdout?.destroy();
        child.stderr?.destroy();
        resolve({ code, signal, stdout, stderr, ms, timedOut });
      });
    });
  });
  return { child, done, kill };
}

export function ferry(args: string[], o: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<Run> {
  return startFerry(args, o).done;
}

/** The first line of stderr (or stdout), short enough for a table cell. */
export function firstLine(r: Pick<Run, 'stderr' | 'stdout'>, max = 110): string {
  const text = (r.stderr.trim() || r.stdout.trim()).split('\n')[0] ?? '';
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** The snapshot id `current` points at, or undefined. */
export function currentSnapshot(state: string): string | undefined {
  try {
    return basename(readlinkSync(join(state, 'current')));
  } catch {
    return undefined;
  }
}

export class Temp {
  readonly root: string;
  constructor(area: string) {
    this.root = mkdtempSync(join(tmpdir(), `ferry-torture-${area}-`));
  }
  dir(name: string): string {
    const d = join(this.root, name);
    mkdirSync(d, { recursive: true });
    return d;
  }
  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

export interface FileEntry {
  url: string;
  sha256?: string;
  size?: number;
  path: string;
}

/** A one-node model with one `file` mirror; `site` adds YAML lines under site (indented 6). */
export function writeFileModel(model: string, o: { files: FileEntry[]; mirror?: string; retention?: number; site?: string[] }): void {
  mkdirSync(join(model, 'nodes'), { recursive: true });
  const files = o.files.map((f) => `          - {url: "${f.url}", path: ${f.path}${f.sha256 ? `, sha256: ${f.sha256}` : ''}${f.size !== undefined ? `, size: ${f.size}` : ''}}`);
  writeFileSync(
    join(model, 'nodes', 'mirror.yml'),
    ['parameters:', '  ferry:', '    site:', '      name: torture', `      retention: ${o.retention ?? 4}`, ...(o.site ?? []).map((l) => `      ${l}`), '    mirrors:', `      ${o.mirror ?? 'media'}:`, '        kind: file', '        files:', ...files, ''].join('\n'),
  );
}

export interface HttpServer {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

export async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<HttpServer> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Deterministic bytes for generated upstream files. */
export function generated(label: string, size: number): Buffer {
  const unit = Buffer.from(`${label} `);
  const b = Buffer.alloc(size);
  for (let o = 0; o < size; o += unit.length) unit.copy(b, o);
  return b;
}

export function median(values: number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export interface Controller {
  url: string;
  pid: number;
  /** Everything it logged so far. */
  log(): string;
  alive(): boolean;
  stop(): Promise<Run>;
}

/** `ferry run --config FILE` in its own process group; resolves once its endpoint answers /healthz. */
export async function startController(config: string, state: string, o: { env?: Record<string, string> } = {}): Promise<Controller> {
  const { readEndpoint } = await import('../../src/controller/persisted-state.js');
  const started = startFerry(['run', '--config', config], { env: { FERRY_LOG_LEVEL: 'info', ...o.env }, timeoutMs: 3_600_000 });
  let stderr = '';
  started.child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  let exited = false;
  void started.done.then(() => (exited = true));
  const end = Date.now() + 60_000;
  for (;;) {
    const endpoint = await readEndpoint(state);
    if (endpoint && endpoint.pid === started.child.pid) {
      const ok = await fetch(`${endpoint.url}/healthz`).then((r) => r.ok, () => false);
      if (ok) return { url: endpoint.url, pid: endpoint.pid, log: () => stderr, alive: () => !exited, stop: () => (started.kill('SIGTERM'), started.done) };
    }
    if (exited || Date.now() > end) {
      started.kill('SIGKILL');
      throw new Error(`ferry run did not come up: ${stderr.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await Promise.resolve(check()).catch(() => undefined);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
