/**
 * Download throughput: Ferry's http fetcher (sha256 verified while streaming, fsynced) against
 * `curl -o` followed by `sha256sum`, fetching the same generated file from the same loopback
 * server in the same run. `sync FILE` (an fsync, as the fetcher does) is timed on its own. The server runs in its own process (nginx when installed, else a
 * small Node server) so that it does not share the fetcher's event loop.
 *
 *   npx tsx bench/download.ts [--mib 1024] [--runs 2]
 *
 * Temporary files live under the system temp folder and are removed at the end.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createHttpFetcher } from '../src/transport/http-fetcher.js';

const run = promisify(execFile);
const MiB = 1 << 20;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function makeFile(path: string, mib: number): Promise<string> {
  const block = randomBytes(MiB);
  const hash = createHash('sha256');
  const file = await open(path, 'w');
  for (let i = 0; i < mib; i++) {
    block.writeUInt32BE(i, 0);
    hash.update(block);
    await file.write(block);
  }
  await file.close();
  return hash.digest('hex');
}

const SERVER = `
const http = require('node:http'), fs = require('node:fs'), path = require('node:path');
const root = process.argv[1];
const server = http.createServer((req, res) => {
  const file = path.join(root, path.basename(req.url));
  fs.stat(file, (err, st) => {
    if (err) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'content-length': st.size, 'content-type': 'application/octet-stream' });
    fs.createReadStream(file, { highWaterMark: 1 << 20 }).pipe(res);
  });
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

async function startServer(root: string): Promise<{ port: number; child: ChildProcess; name: string }> {
  const child = spawn(process.execPath, ['-e', SERVER, root], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout, 'data')) as Buffer[];
  return { port: Number(line.toString().trim()), child, name: 'node:http (child process)' };
}

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const start = process.hrtime.bigint();
  const value = await fn();
  return [Number(process.hrtime.bigint() - start) / 1e9, value];
}

async function main(): Promise<void> {
  const mib = arg('mib', 1024);
  const runs = arg('runs', 2);
  const dir = await mkdtemp(join(tmpdir(), 'ferry-bench-download-'));
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    process.stdout.write(`generating ${mib} MiB ... `);
    const sha256 = await makeFile(join(dir, 'blob.bin'), mib);
    console.log('done');
    server = await startServer(dir);
    const url = `http://127.0.0.1:${server.port}/blob.bin`;
    const size = mib * MiB;
    const best = { ferry: Infinity, curl: Infinity, sync: Infinity, sum: Infinity, curlPlusSum: Infinity, all: Infinity };
    for (let i = 0; i < runs; i++) {
      const curlOut = join(dir, 'curl.out');
      const [curlSecs] = await timed(() => run('curl', ['-s', '-S', '--fail', '-o', curlOut, url]));
      const [syncSecs] = await timed(() => run('sync', [curlOut]));
      const [sumSecs, sum] = await timed(() => run('sha256sum', [curlOut]));
      if (!sum.stdout.startsWith(sha256)) throw new Error('curl fetched wrong bytes');
      await rm(curlOut);
      const fetcher = createHttpFetcher();
      const ferryOut = join(dir, 'ferry.out');
      const [ferrySecs, result] = await timed(() => fetcher.download(url, ferryOut, { sha256, size }));
      await fetcher.close();
      if (result.size !== size) throw new Error('ferry fetched wrong size');
      await rm(ferryOut);
      console.log(`run ${i + 1}: ferry ${fmt(size, ferrySecs)}   curl ${fmt(size, curlSecs)}   sync ${syncSecs.toFixed(2)} s   sha256sum ${fmt(size, sumSecs)}`);
      best.ferry = Math.min(best.ferry, ferrySecs);
      best.curl = Math.min(best.curl, curlSecs);
      best.sum = Math.min(best.sum, sumSecs);
      best.curlPlusSum = Math.min(best.curlPlusSum, curlSecs + sumSecs);
      best.sync = Math.min(best.sync, syncSecs);
      best.all = Math.min(best.all, curlSecs + syncSecs + sumSecs);
    }
    console.log(`\nserver: ${server.name}; file: ${mib} MiB; best of ${runs}`);
    console.log(`ferry fetcher (sha256 while streaming, fsync): ${mibs(size, best.ferry)} MiB/s`);
    console.log(`curl -o:                                         ${mibs(size, best.curl)} MiB/s`);
    console.log(`sha256sum:                                       ${mibs(size, best.sum)} MiB/s`);
    console.log(`curl -o, then sha256sum:                         ${mibs(size, best.curlPlusSum)} MiB/s`);
    console.log(`sync (fsync of curl's file):                     ${best.sync.toFixed(2)} s`);
    console.log(`ratio ferry time / (curl + sha256sum) time:      ${(best.ferry / best.curlPlusSum).toFixed(2)}`);
    console.log(`ratio ferry time / (curl + sync + sha256sum):    ${(best.ferry / best.all).toFixed(2)}`);
    console.log(`ratio ferry time / curl time:                    ${(best.ferry / best.curl).toFixed(2)}`);
  } finally {
    server?.child.kill();
    await rm(dir, { recursive: true, force: true });
  }
}

function mibs(bytes: number, secs: number): string {
  return (bytes / MiB / secs).toFixed(0);
}

function fmt(bytes: number, secs: number): string {
  return `${secs.toFixed(2)} s (${mibs(bytes, secs)} MiB/s)`;
}

await main();
