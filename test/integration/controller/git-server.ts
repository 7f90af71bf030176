/**
 * A real git smart-HTTP server for tests: nginx on 127.0.0.1 (basic auth) in front of fcgiwrap
 * running git http-backend. Needs scripts/install-gitserver.sh; fails clearly without it.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../helpers/free-port.js';

const run = promisify(execFile);
const BACKEND = '/usr/lib/git-core/git-http-backend';

export interface GitServer {
  /** http://127.0.0.1:PORT/git/<name>.git without credentials. */
  url(name: string): string;
  /** Same URL with the test user's credentials in it (for the git CLI only). */
  authUrl(name: string): string;
  user: string;
  password: string;
  root: string;
  createRepo(name: string): Promise<string>;
  stop(): Promise<void>;
}


function which(bin: string): string {
  for (const dir of ['/usr/sbin', '/usr/bin', '/sbin', '/bin']) if (existsSync(join(dir, bin))) return join(dir, bin);
  throw new Error(`${bin} is missing: run scripts/install-gitserver.sh (as root)`);
}

export async function git(cwd: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await run('git', args, {
    cwd,
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Ferry Test',
      GIT_AUTHOR_EMAIL: 'test@example.org',
      GIT_COMMITTER_NAME: 'Ferry Test',
      GIT_COMMITTER_EMAIL: 'test@example.org',
      GIT_TERMINAL_PROMPT: '0',
      ...env,
    },
  });
  return stdout.trim();
}

async function waitFor(check: () => Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export async function startGitServer(options: { user?: string; password?: string } = {}): Promise<GitServer> {
  const nginx = which('nginx');
  const fcgiwrap = which('fcgiwrap');
  if (!existsSync(BACKEND)) throw new Error(`${BACKEND} is missing: run scripts/install-gitserver.sh`);
  const user = options.user ?? 'ferry';
  const password = options.password ?? 's3cret-pass';
  const root = await mkdtemp(join(tmpdir(), 'ferry-gitserver-'));
  const repos = join(root, 'repos');
  await mkdir(repos);
  await mkdir(join(root, 'tmp'));
  const sock = join(root, 'fcgi.sock');
  const port = await freePort();
  await writeFile(join(root, 'htpasswd'), `${user}:{PLAIN}${password}\n`);
  const conf = `
${process.getuid?.() === 0 ? 'user root;' : ''}
worker_processes 1;
pid ${root}/nginx.pid;
error_log ${root}/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${root}/tmp/body;
  fastcgi_temp_path ${root}/tmp/fastcgi;
  proxy_temp_path ${root}/tmp/proxy;
  uwsgi_temp_path ${root}/tmp/uwsgi;
  scgi_temp_path ${root}/tmp/scgi;
  server {
    listen 127.0.0.1:${port};
    location ~ ^/git(/.*)$ {
      auth_basic "git";
      auth_basic_user_file ${root}/htpasswd;
      client_max_body_size 0;
      fastcgi_pass unix:${sock};
      fastcgi_param SCRIPT_FILENAME ${BACKEND};
      fastcgi_param GIT_PROJECT_ROOT ${repos};
      fastcgi_param GIT_HTTP_EXPORT_ALL "";
      fastcgi_param PATH_INFO $1;
      fastcgi_param REMOTE_USER $remote_user;
      fastcgi_param QUERY_STRING $query_string;
      fastcgi_param REQUEST_METHOD $request_method;
      fastcgi_param CONTENT_TYPE $content_type;
      fastcgi_param CONTENT_LENGTH $content_length;
      fastcgi_param SERVER_PROTOCOL $server_protocol;
    }
  }
}
`;
  await writeFile(join(root, 'nginx.conf'), conf);
  const procs: ChildProcess[] = [];
  const fcgi = spawn(fcgiwrap, ['-c', '4', '-s', `unix:${sock}`], { stdio: 'ignore' });
  procs.push(fcgi);
  await waitFor(async () => existsSync(sock), 'fcgiwrap socket');
  const web = spawn(nginx, ['-p', root, '-c', join(root, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  procs.push(web);
  let webErr = '';
  web.stderr?.on('data', (d: Buffer) => (webErr += d.toString()));
  await waitFor(
    async () => {
      if (web.exitCode !== null) throw new Error(`nginx exited: ${webErr}`);
      return new Promise<boolean>((resolve) => {
        const socket = connect(port, '127.0.0.1');
        socket.once('connect', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      });
    },
    'nginx',
  );
  const base = `http://127.0.0.1:${port}/git`;
  return {
    user,
    password,
    root,
    url: (name) => `${base}/${name}.git`,
    authUrl: (name) => `http://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/git/${name}.git`,
    async createRepo(name) {
      const dir = join(repos, `${name}.git`);
      await run('git', ['init', '--bare', '-q', '-b', 'main', dir]);
      await run('git', ['-C', dir, 'config', 'http.receivepack', 'true']);
      return dir;
    },
    async stop() {
      for (const p of procs.reverse()) {
        if (p.exitCode === null && p.pid) {
          const exited = new Promise((r) => p.once('exit', r));
          p.kill('SIGTERM');
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 2000)))]);
          clearTimeout(timer);
        }
      }
      await rm(root, { recursive: true, force: true });
    },
  };
}
