/**
 * A small git smart-HTTP server for the controller demo (deploy/demo-controller.sh): node:http in front of
 * `git http-backend` (CGI), serving the bare repositories under a folder, with push enabled.
 * Production setups use Gerrit or nginx + fcgiwrap (the tests do); this needs no root.
 *
 *   npx tsx bench/webhook-git-server.ts --root DIR [--port N]   (default 0: a free port, printed)
 */
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { serveGitHttpBackend } from '../test/helpers/git-http-backend.js';

const { values } = parseArgs({ options: { root: { type: 'string' }, port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' } } });
if (!values.root) {
  // `make bench` runs every bench/*.ts: without --root this is a helper, not a benchmark.
  process.stdout.write('usage: tsx bench/webhook-git-server.ts --root DIR [--port N] (the git server of deploy/demo-controller.sh)\n');
  process.exit(0);
}
const root = values.root;

const server = createServer((req, res) => serveGitHttpBackend(root, req, res, { remoteUser: 'demo' }));
server.once('error', (e: NodeJS.ErrnoException) => {
  process.stderr.write(`git server: cannot listen on ${values.host}:${values.port}: ${e.code ?? e.message}\n`);
  process.exit(1);
});
server.listen(Number(values.port), values.host, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : values.port;
  process.stdout.write(`git smart HTTP for ${root} at http://${values.host}:${port}/\n`);
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => server.close(() => process.exit(0)));
