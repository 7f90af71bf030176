/**
 * A programmable HTTP upstream on 127.0.0.1 for the transport tests: each path has a handler
 * that sees how many times the path was hit, so a test can misbehave on the first hit and
 * behave on the next. `serveBytes` is a well-behaved handler with ETag, Range and If-Range.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Handler = (req: IncomingMessage, res: ServerResponse, hit: number) => void;

export interface SeenRequest {
  path: string;
  headers: IncomingMessage['headers'];
}

export interface Upstream {
  origin: string;
  url(path: string): string;
  route(path: string, handler: Handler): void;
  hits(path: string): number;
  requests: SeenRequest[];
  /** Most requests in flight at the same time. */
  maxInFlight: number;
  close(): Promise<void>;
}

export async function startUpstream(): Promise<Upstream> {
  const routes = new Map<string, Handler>();
  const hits = new Map<string, number>();
  const sockets = new Set<Socket>();
  const requests: SeenRequest[] = [];
  let inFlight = 0;
  const state = { maxInFlight: 0 };
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    requests.push({ path, headers: req.headers });
    const n = (hits.get(path) ?? 0) + 1;
    hits.set(path, n);
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    let done = false;
    const finish = () => {
      if (!done) inFlight--;
      done = true;
    };
    res.on('close', finish);
    const handler = routes.get(path);
    if (!handler) {
      res.writeHead(404).end();
      return;
    }
    handler(req, res, n);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    url: (path) => `${origin}${path}`,
    route: (path, handler) => routes.set(path, handler),
    hits: (path) => hits.get(path) ?? 0,
    requests,
    get maxInFlight() {
      return state.maxInFlight;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Serves `data` like a good static server: strong ETag, Range (one range) honouring If-Range. */
export function serveBytes(data: Buffer, options: { etag?: string; delayMs?: number } = {}): Handler {
  const etag = options.etag ?? '"v1"';
  return (req, res) => {
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const ifRange = req.headers['if-range'];
    const honour = range && (ifRange === undefined || ifRange === etag);
    const send = () => {
      if (honour) {
        const start = Number(range[1]);
        if (start >= data.length) {
          res.writeHead(416, { 'content-range': `bytes */${data.length}` }).end();
          return;
        }
        res.writeHead(206, { etag, 'content-length': data.length - start, 'content-range': `bytes ${start}-${data.length - 1}/${data.length}` });
        res.end(data.subarray(start));
        return;
      }
      res.writeHead(200, { etag, 'content-length': data.length, 'accept-ranges': 'bytes' });
      res.end(data);
    };
    if (options.delayMs) setTimeout(send, options.delayMs).unref();
    else send();
  };
}

/**
 * Sends headers announcing all of `data`, then `cut` bytes, then resets the connection: 20 ms
 * later, or once `received()` says the client has taken bytes in (polled for up to 5 s). A test
 * that asserts a resume passes `received`: on a loaded machine the client may otherwise still
 * hold the bytes unread when the reset arrives, and an aborted body stream drops them.
 */
export function resetAfter(data: Buffer, cut: number, etag = '"v1"', received?: () => boolean): Handler {
  return (_req, res) => {
    res.writeHead(200, { etag, 'content-length': data.length });
    res.write(data.subarray(0, cut), () => {
      const until = Date.now() + 5000;
      const reset = () => (!received || received() || Date.now() > until ? res.socket?.resetAndDestroy() : setTimeout(reset, 10));
      setTimeout(reset, 20);
    });
  };
}
