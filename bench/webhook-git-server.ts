/**
 * A small git smart-HTTP server for the controller demo (deploy/demo-controller.sh): node:http in front of
 * `git http-backend` (CGI), serving the bare repositories under a folder, with push enabled.
 * Production setups use Gerrit or nginx + fcgiwrap (the tests do); this needs no root.
 *
 *   npx tsx bench/webhook-git-server.ts --root DIR --port 18082
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { root: { type: 'string' }, port: { type: 'string', default: '18082' }, host: { type: 'string', default: '127.0.0.1' } } });
if (!values.root) {
  // `make bench` runs every bench/*.ts: without --root this is a helper, not a benchmark.
  process.stdout.write('usage: tsx bench/webhook-git-server.ts --root DIR [--port N] (the git server of deploy/demo-controller.sh)\n');
  process.exit(0);
}
const root = values.root;

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const child = spawn('git', ['http-backend'], {
    env: {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: '1',
      REMOTE_USER: 'demo',
      REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      REQUEST_METHOD: req.method ?? 'GET',
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      ...(req.headers['content-length'] ? { CONTENT_LENGTH: req.headers['content-length'] } : {}),
      ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: req.headers['content-encoding'] } : {}),
      GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
    },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  req.pipe(child.stdin);
  let head = Buffer.alloc(0);
  let headersDone = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (headersDone) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n') >= 0 ? head.indexOf('\r\n\r\n') : head.indexOf('\n\n');
    if (end < 0) return;
    const sep = head[end] === 13 ? 4 : 2;
    let status = 200;
    for (const line of head.subarray(0, end).toString('latin1').split(/\r?\n/)) {
      const i = line.indexOf(':');
      if (i < 0) continue;
      const name = line.slice(0, i).trim();
      const value = line.slice(i + 1).trim();
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
      else res.setHeader(name, value);
    }
    res.statusCode = status;
    headersDone = true;
    res.write(head.subarray(end + sep));
  });
  child.on('close', () => res.end());
});
server.listen(Number(values.port), values.host, () => process.stdout.write(`git smart HTTP for ${root} at http://${values.host}:${values.port}/\n`));
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => server.close(() => process.exit(0)));
