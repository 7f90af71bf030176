/**
 * The loopback upstream of bench/deb.ts: nginx (one worker, keep-alive, sendfile) serving the
 * generated archive, as a real mirror would be served; or, with FERRY_BENCH_SERVER=node, the
 * tests' Node static server (test/helpers/deb-http.ts), which spends about as much CPU per
 * request as a client does and so caps both tools at its own rate. Requests are counted from
 * nginx's access log (one line per request: the path).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startStaticServer } from '../test/helpers/deb-http.js';
import { freePort } from '../test/helpers/free-port.js';

export interface BenchUpstream {
  url: string;
  kind: 'nginx' | 'node';
  /** Paths requested since the last reset. */
  requests(): Promise<string[]>;
  resetRequests(): Promise<void>;
  close(): Promise<void>;
}


/** Serves `root` on 127.0.0.1; `work` holds nginx's configuration, logs and temp folders. */
export async function startBenchUpstream(root: string, work: string): Promise<BenchUpstream> {
  if (process.env.FERRY_BENCH_SERVER === 'node') {
    const s = await startStaticServer(root);
    return {
      url: s.url,
      kind: 'node',
      requests: () => Promise.resolve([...s.requests]),
      resetRequests: () => {
        s.requests.length = 0;
        return Promise.resolve();
      },
      close: () => s.close(),
    };
  }
  await mkdir(work, { recursive: true });
  const port = await freePort();
  const log = join(work, 'access.log');
  const conf = join(work, 'nginx.conf');
  const temp = (name: string) => `${name}_temp_path ${join(work, name)};`;
  await writeFile(
    conf,
    [
      ...(process.getuid?.() === 0 ? ['user root;'] : []),
      'worker_processes 1;',
      `error_log ${join(work, 'error.log')};`,
      `pid ${join(work, 'nginx.pid')};`,
      'events { worker_connections 512; }',
      'http {',
      "  log_format paths '$uri';",
      `  access_log ${log} paths;`,
      `  ${temp('client_body')} ${temp('proxy')} ${temp('fastcgi')} ${temp('uwsgi')} ${temp('scgi')}`,
      '  sendfile on; keepalive_requests 100000; etag on;',
      `  server { listen 127.0.0.1:${port}; root ${root}; }`,
      '}',
      '',
    ].join('\n'),
  );
  await writeFile(log, '');
  const child: ChildProcess = spawn('nginx', ['-c', conf, '-p', work, '-g', 'daemon off;'], { stdio: 'ignore' });
  let exited = false;
  child.on('exit', () => (exited = true));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (exited) throw new Error(`nginx did not start (see ${join(work, 'error.log')})`);
    const up = await fetch(`${url}/`).then(() => true, () => false);
    if (up) break;
    if (i > 100) throw new Error('nginx did not answer within 5 s');
    await sleep(50);
  }
  let offset = (await readFile(log)).length;
  return {
    url,
    kind: 'nginx',
    requests: async () => {
      // nginx writes each log line when the request ends; a moment lets the last ones land.
      await sleep(50);
      const text = (await readFile(log)).subarray(offset).toString('utf8');
      return text.split('\n').filter((l) => l.length > 0);
    },
    resetRequests: async () => {
      offset = (await readFile(log)).length;
    },
    close: async () => {
      if (exited) return;
      const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await done;
    },
  };
}
