/**
 * The example's local upstream: an HTTP server on 127.0.0.1 serving the catalogue's
 * deterministic files under /files/ (with Range support, as real mirrors have), so the demo
 * and the tests never leave the machine. Run: `npx tsx examples/upstream/serve.ts [--port N]`.
 */
import { createServer, type Server } from 'node:http';
import { CATALOG_FILES, catalogBytes } from './catalog.js';

export interface ExampleUpstream {
  url: string;
  port: number;
  /** Requests served, by path (tests assert what was fetched). */
  requests: string[];
  close(): Promise<void>;
}

export interface UpstreamOptions {
  port?: number;
  host?: string;
  /** Send bodies in 64 KiB chunks this many ms apart (tests kill a download half-way). */
  throttleMs?: number;
}

export async function startExampleUpstream(options: UpstreamOptions = {}): Promise<ExampleUpstream> {
  const files = new Map(CATALOG_FILES.map((f) => [`/files/${f.path}`, f]));
  const cache = new Map<string, Buffer>();
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    const entry = files.get(path);
    if (!entry || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(entry ? 405 : 404).end();
      return;
    }
    let body = cache.get(path);
    if (!body) cache.set(path, (body = catalogBytes(entry.path, entry.size)));
    const etag = `"${entry.size}-${entry.path.length}"`;
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (range && (!req.headers['if-range'] || req.headers['if-range'] === etag)) {
      const start = Number(range[1]);
      const end = range[2] ? Math.min(Number(range[2]), body.length - 1) : body.length - 1;
      if (start >= body.length) {
        res.writeHead(416, { 'Content-Range': `bytes */${body.length}` }).end();
        return;
      }
      res.writeHead(206, { 'Content-Range': `bytes ${start}-${end}/${body.length}`, 'Content-Length': end - start + 1, ETag: etag, 'Accept-Ranges': 'bytes' });
      send(res, req.method === 'HEAD' ? undefined : body.subarray(start, end + 1));
      return;
    }
    res.writeHead(200, { 'Content-Length': body.length, ETag: etag, 'Accept-Ranges': 'bytes', 'Content-Type': 'application/octet-stream' });
    send(res, req.method === 'HEAD' ? undefined : body);
  });
  const send = (res: import('node:http').ServerResponse, data: Buffer | undefined) => {
    if (!data || !options.throttleMs) {
      res.end(data);
      return;
    }
    let off = 0;
    const next = () => {
      if (res.destroyed) return;
      const chunk = data.subarray(off, off + 65536);
      off += chunk.length;
      if (off >= data.length) res.end(chunk);
      else res.write(chunk, () => setTimeout(next, options.throttleMs));
    };
    next();
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--port');
  // Port 0 (the default) lets the kernel pick a free port; the demo reads it from this line.
  const port = i > 0 ? Number(process.argv[i + 1]) : 0;
  try {
    const upstream = await startExampleUpstream({ port });
    process.stdout.write(`example upstream serving ${CATALOG_FILES.length} files at ${upstream.url}\n`);
  } catch (e) {
    process.stderr.write(`example upstream: cannot listen on 127.0.0.1:${port}: ${(e as NodeJS.ErrnoException).code ?? String(e)}\n`);
    process.exit(1);
  }
}
