/**
 * Servers for the git driver's tests, all on 127.0.0.1 and an ephemeral port:
 * - a smart-HTTP upstream: `git http-backend` (CGI) behind a small node:http bridge, serving
 *   the bare repositories under `root` and counting the requests it answers;
 * - a static file server (a dumb-HTTP upstream, or a published tree as any web server serves it);
 * - git daemon (git://) and sshd (ssh://, a generated key) upstreams.
 * Needs the git CLI and openssh-server (scripts/install-git.sh); fails clearly without them.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { userInfo } from 'node:os';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join, normalize, sep } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../helpers/free-port.js';
import { serveGitHttpBackend } from '../../helpers/git-http-backend.js';

const run = promisify(execFile);
const BACKEND_DIRS = ['/usr/lib/git-core', '/usr/libexec/git-core'];

function requireGit(): void {
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

function cgi(root: string, req: IncomingMessage, res: ServerResponse, counts: Map<string, number>, auth?: string): void {
  const url = new URL(req.url ?? '/', 'http://x');
  const service = url.searchParams.get('service') ?? url.pathname.split('/').pop() ?? '';
  const key = `${req.method} ${service}`;
  counts.set(key, (counts.get(key) ?? 0) + 1);
  if (auth !== undefined && req.headers.authorization !== `Basic ${Buffer.from(auth).toString('base64')}`) {
    counts.set('unauthorized', (counts.get('unauthorized') ?? 0) + 1);
    res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="test"' });
    res.end();
    return;
  }
  if (req.method === 'POST') {
    // Protocol v2 sends `command=ls-refs` (listing) or `command=fetch` (objects) in the body.
    let head = '';
    req.on('data', (c: Buffer) => {
      if (head.length < 256) head += c.toString('latin1');
    });
    req.on('end', () => {
      const command = /command=([a-z-]+)/.exec(head)?.[1] ?? (head.includes('want ') ? 'fetch' : 'other');
      counts.set(command, (counts.get(command) ?? 0) + 1);
    });
  }
  serveGitHttpBackend(root, req, res);
}

/**
 * Upstream repositories over smart HTTP: `${base}/<path under root>`. Counts requests by
 * `METHOD service` and, for POSTs, by protocol v2 command (`ls-refs`, `fetch`). With `auth`
 * (`user:password`), anything without that Basic authorization is a 401.
 */
export async function startSmartServer(root: string, options: { auth?: string } = {}): Promise<SmartServer> {
  requireGit();
  const counts = new Map<string, number>();
  const server = createServer((req, res) => cgi(root, req, res, counts, options.auth));
  return { ...(await listen(server)), counts };
}

/** `git daemon` serving every repository under `root` over git:// on 127.0.0.1. */
export async function startGitDaemon(root: string): Promise<Listening> {
  requireGit();
  const port = await freePort();
  const child = spawn('git', ['daemon', '--reuseaddr', '--export-all', '--listen=127.0.0.1', `--port=${port}`, `--base-path=${root}`, root], { stdio: ['ignore', 'ignore', 'pipe'] });
  await waitForPort(port, child);
  return { base: `git://127.0.0.1:${port}`, close: () => stop(child) };
}

/**
 * sshd on 127.0.0.1 with generated host and user keys, letting the current user in with the
 * user key only. Needs openssh-server (scripts/install-git.sh). Returns the key and known_hosts
 * files a client needs.
 */
export async function startSshd(dir: string): Promise<Listening & { keyFile: string; knownHosts: string; user: string }> {
  const sshd = ['/usr/sbin/sshd', '/usr/bin/sshd'].find((p) => existsSync(p));
  if (!sshd) throw new Error('sshd is missing: run scripts/install-git.sh (as root)');
  await mkdir(dir, { recursive: true });
  const hostKey = join(dir, 'host_ed25519');
  const keyFile = join(dir, 'user_ed25519');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyFile]);
  await copyFile(`${keyFile}.pub`, join(dir, 'authorized_keys'));
  await chmod(dir, 0o700);
  const port = await freePort();
  const knownHosts = join(dir, 'known_hosts');
  await writeFile(knownHosts, `[127.0.0.1]:${port} ${(await readFile(`${hostKey}.pub`, 'utf8')).trim()}\n`);
  const user = userInfo().username;
  const config = [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${hostKey}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes',
    'PermitRootLogin prohibit-password',
    'StrictModes no',
    'UsePAM no',
    `AllowUsers ${user}`,
    `SetEnv PATH=${process.env.PATH ?? '/usr/bin:/bin'}`,
  ];
  await writeFile(join(dir, 'sshd_config'), config.join('\n') + '\n');
  await mkdir('/run/sshd', { recursive: true }).catch(() => undefined);
  const child = spawn(sshd, ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  await waitForPort(port, child);
  return { base: `ssh://${user}@127.0.0.1:${port}`, keyFile, knownHosts, user, close: () => stop(child) };
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`server exited ${child.exitCode}: ${stderr}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill();
  throw new Error(`server did not listen on ${port}: ${stderr}`);
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
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
