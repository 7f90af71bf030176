import type { IncomingMessage } from 'node:http';

export class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`request body larger than ${limit} bytes`);
  }
}

/**
 * Reads a request body into memory, refusing more than `limit` bytes (Content-Length or streamed).
 * Past the limit it stops reading but leaves the connection open, so the caller can answer 413
 * and then `lingerAndClose` (a client still uploading would otherwise read a reset, not the 413).
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyTooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        stop();
        reject(new BodyTooLarge(limit));
      } else chunks.push(chunk);
    };
    const onEnd = () => {
      stop();
      resolve(Buffer.concat(chunks));
    };
    const onError = (e: Error) => {
      stop();
      reject(e);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/**
 * After an early answer (413), reads and discards what the client still sends, for at most
 * `ms` and `maxBytes` (nginx's lingering close), then closes the connection: the client reads
 * the answer instead of a connection reset, and a client that never stops cannot hold it open.
 */
export function lingerAndClose(req: IncomingMessage, options: { ms?: number; maxBytes?: number } = {}): void {
  const maxBytes = options.maxBytes ?? 16 * 1024 * 1024;
  let seen = 0;
  let timer: NodeJS.Timeout | undefined = undefined;
  const done = () => {
    if (timer) clearTimeout(timer);
    req.off('data', onData);
    req.destroy();
  };
  const onData = (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > maxBytes) done();
  };
  timer = setTimeout(done, options.ms ?? 2000);
  timer.unref();
  req.on('data', onData);
  req.once('end', done);
  req.once('error', done);
  req.resume();
}

export function sendJson(res: import('node:http').ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body, null, 2) + '\n';
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)), 'cache-control': 'no-store', ...headers });
  res.end(text);
}
