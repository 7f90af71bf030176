/**
 * Runs a throw-away nginx in the foreground on 127.0.0.1 with a given server block: its own
 * prefix, temp folders, pid file and logs under a temp folder, nothing of the system's nginx
 * touched. Fails with a clear message when nginx is not installed (scripts/install-nginx.sh).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { access, constants, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { freePort } from '../../helpers/free-port.js';

export interface RunningNginx {
  port: number;
  errorLog(): Promise<string>;
  /** `nginx -s reload`: re-reads the configuration (and the files it includes); resolves once new workers answer. */
  reload(): Promise<void>;
  stop(): Promise<void>;
}

export async function findNginx(): Promise<string> {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const dir of dirs.filter(Boolean)) {
    const candidate = join(dir, 'nginx');
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new Error('nginx is not installed: run `sh scripts/install-nginx.sh` (as root) first');
}


const NJS_MODULE = '/usr/lib/nginx/modules/ngx_http_js_module.so';

async function njsModule(): Promise<string> {
  try {
    await access(NJS_MODULE, constants.R_OK);
  } catch {
    throw new Error(`${NJS_MODULE} is missing (nginx's JavaScript module): run \`sh scripts/install-nginx.sh\` (as root) first`);
  }
  return NJS_MODULE;
}

const canConnect = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

export async function startNginx(options: { dir: string; serverBlock: (port: number) => string }): Promise<RunningNginx> {
  const nginx = await findNginx();
  const port = await freePort();
  const prefix = join(options.dir, 'nginx');
  await mkdir(join(prefix, 'temp'), { recursive: true });
  const errorLog = join(prefix, 'error.log');
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `    ${t}_temp_path ${join(prefix, 'temp', t)};`);
  const block = options.serverBlock(port);
  // The registry API's njs handlers (src/drivers/oci/nginx-registry.ts): Debian's nginx loads the module
  // through modules-enabled; this nginx reads only its own configuration.
  const modules = block.includes('js_import ') ? [`load_module ${await njsModule()};`] : [];
  const conf = [
    ...modules,
    'daemon off;',
    'worker_processes 1;',
    `pid ${join(prefix, 'nginx.pid')};`,
    `error_log ${errorLog} info;`,
    'events { worker_connections 64; }',
    'http {',
    `    access_log ${join(prefix, 'access.log')};`,
    ...temp,
    block,
    '}',
    '',
  ].join('\n');
  const confPath = join(prefix, 'nginx.conf');
  await writeFile(confPath, conf);
  const child: ChildProcess = spawn(nginx, ['-p', prefix, '-c', confPath, '-e', errorLog], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let alive = true;
  void exited.then(() => (alive = false));
  const readLog = () => readFile(errorLog, 'utf8').catch(() => '');
  for (let i = 0; i < 100 && !(await canConnect(port)); i++) {
    if (!alive) throw new Error(`nginx exited at start: ${stderr}\n${await readLog()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  if (!(await canConnect(port))) {
    child.kill('SIGKILL');
    throw new Error(`nginx did not listen on ${port}: ${stderr}\n${await readLog()}`);
  }
  return {
    port,
    errorLog: readLog,
    async reload() {
      const before = (await readLog()).split('\n').length;
      child.kill('SIGHUP');
      // The master logs the new worker it starts; the old ones finish their requests and exit.
      for (let i = 0; i < 100; i++) {
        const lines = (await readLog()).split('\n').slice(before - 1);
        if (lines.some((l) => l.includes('start worker process'))) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, 200));
    },
    async stop() {
      if (alive) child.kill('SIGTERM');
      await exited;
    },
  };
}
