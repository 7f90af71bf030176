/**
 * Answers GET/HEAD for one regular file already opened by the caller: validators (ETag,
 * Last-Modified), conditional requests (304), a single byte range (206, or 416 when it cannot
 * be satisfied), and the body streamed with backpressure. It always closes the file handle.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FileHandle } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { ifRangeAllows, isNotModified, parseRange } from './http-conditions.js';

export interface FileToSend {
  handle: FileHandle;
  size: number;
  /** The date sent as Last-Modified and matched by If-Modified-Since/If-Range; undefined: none. */
  lastModifiedMs: number | undefined;
  /** A strong entity-tag, quoted. */
  etag: string;
  contentType: string;
  /** Extra headers (Cache-Control, X-Ferry-Snapshot). */
  headers: Record<string, string>;
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
};

/** Bodies up to this size are read in one call and sent with res.end (no stream set-up). */
const SMALL_BODY = 64 * 1024;
/** Read size for streamed bodies: large reads cut the thread-pool round trips per MiB. */
const STREAM_CHUNK = 512 * 1024;

/**
 * Writes the whole answer. The request's lifetime is the socket's: when the client goes away,
 * the pipeline rejects with a premature close and destroys the file stream (no AbortSignal).
 */
export async function sendFile(options: { req: IncomingMessage; res: ServerResponse; file: FileToSend }): Promise<void> {
  const { req, res, file } = options;
  try {
    for (const [k, v] of Object.entries(file.headers)) res.setHeader(k, v);
    res.setHeader('ETag', file.etag);
    if (file.lastModifiedMs !== undefined) res.setHeader('Last-Modified', new Date(file.lastModifiedMs).toUTCString());
    res.setHeader('Accept-Ranges', 'bytes');
    const validators = { etag: file.etag, lastModifiedMs: file.lastModifiedMs };
    if (isNotModified({ ...validators, ifNoneMatch: header(req, 'if-none-match'), ifModifiedSince: header(req, 'if-modified-since') })) {
      res.statusCode = 304;
      res.end();
      return;
    }
    res.setHeader('Content-Type', file.contentType);
    const range =
      req.method === 'GET' && ifRangeAllows({ ...validators, ifRange: header(req, 'if-range') })
        ? parseRange(header(req, 'range'), file.size)
        : { kind: 'full' as const };
    if (range.kind === 'unsatisfiable') {
      res.statusCode = 416;
      res.setHeader('Content-Range', `bytes */${file.size}`);
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.end('range not satisfiable\n');
      return;
    }
    const start = range.kind === 'partial' ? range.start : 0;
    const end = range.kind === 'partial' ? range.end : file.size - 1;
    res.statusCode = range.kind === 'partial' ? 206 : 200;
    if (range.kind === 'partial') res.setHeader('Content-Range', `bytes ${start}-${end}/${file.size}`);
    res.setHeader('Content-Length', String(end - start + 1));
    if (req.method === 'HEAD' || end < start) {
      res.end();
      return;
    }
    const length = end - start + 1;
    if (length <= SMALL_BODY) {
      const body = Buffer.allocUnsafe(length);
      let filled = 0;
      while (filled < length) {
        const { bytesRead } = await file.handle.read(body, filled, length - filled, start + filled);
        if (bytesRead === 0) throw new Error(`file shrank while being served: ${filled} of ${length} bytes`);
        filled += bytesRead;
      }
      res.end(body);
      return;
    }
    await pipeline(file.handle.createReadStream({ start, end, autoClose: false, highWaterMark: STREAM_CHUNK }), res);
  } finally {
    await file.handle.close();
  }
}
