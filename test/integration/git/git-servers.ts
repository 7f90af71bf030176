/**
 * Servers for the git driver's tests, all on 127.0.0.1 and an ephemeral port:
 * - a smart-HTTP upstream: `git http-backend` (CGI) behind a small node:http bridge, serving
 *   the bare repositories under `root` and counting the requests it answers;
 * - a static file server for a published tree (what `ferry serve` or nginx would do).
 * Needs the git CLI (scripts/install-git.sh); fails clearly without it.
 */
import { execFile } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join, normalize, sep } from 'node:path';
import { promisify } from 'node:util';
import { serveGitHttpBackend } from '../../helpers/git-http-backend.js';

const run = promisify(execFile);
const BACKEND_DIRS = ['/usr/lib/git-core', '/usr/libexec/git-core'];

export function requireGit(): void {
  if (!BACKEND_DIRS.some((d) => existsSync(join(d, 'git-http-backend')))) {
    throw new Error('git and git-http-backend are missing: run scripts/install-git.sh (as root)');
  }
}

export interface Listening {
  base: string;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<Listening> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    base: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface SmartServer extends Listening {
  /** Requests answered so far, by `METHOD service` (e.g. `POST git-upload-pack`). */
  counts: Map<string, number>;
}

function cgi(root: string, req: IncomingMessage, res: ServerResponse, counts: Map<string, number>): void {
  const url = new URL(req.url ?? '/', 'http://x');
  const service = url.searchParams.get('service') ?? url.pathname.split('/').pop() ?? '';
  const key = `${req.method} ${service}`;
  counts.set(key, (counts.get(key) ?? 0) + 1);
  serveGitHttpBackend(root, req, res);
}

/** Upstream repositories over smart HTTP: `${base}/<path under root>`. */
export async function startSmartServer(root: string): Promise<SmartServer> {
  requireGit();
  const counts = new Map<string, number>();
  const server = createServer((req, res) => cgi(root, req, res, counts));
  return { ...(await listen(server)), counts };
}

/** Serves the files under `root` as they are; anything else is a 404. */
export async function startStaticServer(root: string): Promise<Listening> {
  const server = createServer((req, res) => {
    void (async () => {
      const path = normalize(join(root, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
      const info = path.startsWith(root + sep) ? await stat(path).catch(() => undefined) : undefined;
      if (!info?.isFile()) {
        res.statusCode = 404;
        res.end('not found\n');
        return;
      }
      res.setHeader('content-length', info.size);
      createReadStream(path).pipe(res);
    })();
  });
  return listen(server);
}

/** Runs the git CLI with a fixed identity and clock-independent settings. */
export async function git(cwd: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await run('git', args, {
    cwd,
    maxBuffer: 64 * 1024 * 1024,
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Ferry Test',
      GIT_AUTHOR_EMAIL: 'test@example.org',
      GIT_COMMITTER_NAME: 'Ferry Test',
      GIT_COMMITTER_EMAIL: 'test@example.org',
      GIT_TERMINAL_PROMPT: '0',
      GIT_CONFIG_NOSYSTEM: '1',
      HOME: cwd,
      ...env,
    },
  });
  return stdout.trim();
}
