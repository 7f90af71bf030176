/**
 * Runs a CGI program (RFC 3875) for one request, as nginx does through fcgiwrap: the request
 * body goes to its stdin, its answer (header lines, an empty line, the body) comes back on
 * stdout; a `Status:` header sets the status code. Streams both ways with backpressure; a client
 * that goes away kills the program. The program and its arguments are an array (no shell); the
 * environment is exactly what the caller gives (plus the request's CGI variables).
 */
import { spawn } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../core/logger.js';

export interface CgiOptions {
  command: string;
  args?: string[];
  /** The program's environment besides the request variables (PATH and the like). */
  env: Record<string, string>;
  /** Script-specific CGI variables (PATH_INFO, GIT_PROJECT_ROOT, …). */
  vars: Record<string, string>;
  /** Headers added to the answer (the program's own win). */
  headers?: Record<string, string>;
  logger: Logger;
}

const MAX_HEADER = 64 * 1024;

/** The request's RFC 3875 meta-variables (and HTTP_* for the headers CGI programs read). */
function requestVars(req: IncomingMessage, query: string): Record<string, string> {
  const vars: Record<string, string> = {
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
    REQUEST_METHOD: req.method ?? 'GET',
    QUERY_STRING: query,
    REMOTE_ADDR: req.socket.remoteAddress ?? '',
  };
  const h = req.headers;
  if (h['content-type']) vars.CONTENT_TYPE = h['content-type'];
  if (h['content-length']) vars.CONTENT_LENGTH = h['content-length'];
  for (const name of ['content-encoding', 'git-protocol', 'accept', 'accept-encoding', 'user-agent']) {
    const value = h[name];
    if (typeof value === 'string') vars[`HTTP_${name.toUpperCase().replaceAll('-', '_')}`] = value;
  }
  return vars;
}

function parseHead(head: string): { status: number; headers: Array<[string, string]> } {
  let status = 200;
  const headers: Array<[string, string]> = [];
  for (const line of head.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 500;
    else headers.push([name, value]);
  }
  return { status, headers };
}

/** Answers `req` with the program's output; resolves when the answer is complete (or abandoned). */
export function runCgi(req: IncomingMessage, res: ServerResponse, query: string, options: CgiOptions): Promise<void> {
  return new Promise<void>((resolve) => {
    const child = spawn(options.command, options.args ?? [], { env: { ...options.env, ...requestVars(req, query), ...options.vars }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    let head = Buffer.alloc(0);
    let started = false;
    const fail = (why: string) => {
      options.logger.warn('serve: CGI program failed', { command: options.command, path: options.vars.PATH_INFO, why, stderr: stderr.slice(-500) });
      if (!res.headersSent) {
        res.statusCode = 502;
        res.setHeader('Content-Type', 'text/plain; charset=utf-8');
        res.end('bad gateway\n');
      } else res.destroy();
    };
    child.stderr.on('data', (c: Buffer) => {
      stderr = (stderr + c.toString('utf8')).slice(-4096);
    });
    child.on('error', (e) => fail(e.message));
    child.stdin.on('error', () => undefined);
    req.pipe(child.stdin);
    res.on('close', () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    child.stdout.on('data', (chunk: Buffer) => {
      if (started) {
        if (req.method === 'HEAD') return;
        if (!res.write(chunk)) {
          child.stdout.pause();
          res.once('drain', () => child.stdout.resume());
        }
        return;
      }
      head = Buffer.concat([head, chunk]);
      const crlf = head.indexOf('\r\n\r\n');
      const lf = head.indexOf('\n\n');
      const end = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf : lf;
      if (end < 0) {
        if (head.length > MAX_HEADER) {
          child.kill('SIGKILL');
          fail('header too long');
        }
        return;
      }
      started = true;
      const parsed = parseHead(head.toString('latin1', 0, end));
      res.statusCode = parsed.status;
      for (const [k, v] of Object.entries(options.headers ?? {})) res.setHeader(k, v);
      for (const [k, v] of parsed.headers) res.setHeader(k, v);
      const rest = head.subarray(end + (end === crlf ? 4 : 2));
      if (req.method === 'HEAD') return;
      if (rest.length) res.write(rest);
    });
    child.on('close', (code) => {
      if (!started) fail(`exit ${code} before its headers`);
      else res.end();
      resolve();
    });
  });
}
