/**
 * nginx serving a folder on 127.0.0.1 as a test upstream (its own prefix and config; the system
 * service is not used), with an optional per-connection rate limit to make downloads last.
 * `stop()` takes the upstream down (connections refused), `start()` brings it back on the same
 * port. Needs scripts/install-nginx.sh.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

export interface NginxStatic {
  url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  close(): Promise<void>;
}

export async function startNginxStatic(root: string, options: { limitRate?: string; accessLog?: string } = {}): Promise<NginxStatic> {
  const bin = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));
  if (!bin) throw new Error('nginx is missing: run scripts/install-nginx.sh (as root)');
  const port = await freePort();
  const prefix = mkdtempSync(join(tmpdir(), 'ferry-nginx-'));
  const conf = join(prefix, 'nginx.conf');
  writeFileSync(
    conf,
    `user root;\nworker_processes 1;\nerror_log ${prefix}/error.log;\npid ${prefix}/nginx.pid;\nevents { worker_connections 128; }\nhttp {\n  access_log ${options.accessLog ?? 'off'};\n` +
      ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${prefix}/${t};\n`).join('') +
      `  server {\n    listen 127.0.0.1:${port};\n    root ${root};\n    ${options.limitRate ? `limit_rate ${options.limitRate};` : ''}\n    location / { try_files $uri =404; }\n  }\n}\n`,
  );
  const url = `http://127.0.0.1:${port}`;
  let proc: ChildProcess | undefined;
  const up = async (want: boolean) => {
    for (let i = 0; i < 100; i++) {
      const ok = await fetch(`${url}/`).then(() => true, () => false);
      if (ok === want) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`nginx on ${url} did not ${want ? 'start' : 'stop'} (see ${prefix}/error.log)`);
  };
  const self: NginxStatic = {
    url,
    async start() {
      proc = spawn(bin, ['-p', prefix, '-c', conf, '-g', 'daemon off;'], { stdio: 'ignore' });
      await up(true);
    },
    async stop() {
      const p = proc;
      proc = undefined;
      if (!p || p.exitCode !== null) return;
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      await exited;
      await up(false);
    },
    async close() {
      await self.stop();
      rmSync(prefix, { recursive: true, force: true });
    },
  };
  await self.start();
  return self;
}
