/**
 * The HTTP server of `ferry serve` and of the controller: one node:http server that offers each
 * request to the extra handlers first (webhooks, status, metrics), then to the snapshot tree,
 * and answers 404 when none claims it. `port: 0` picks an ephemeral port (default 8080, host
 * 127.0.0.1); an address that cannot be bound is FERRY_USAGE. `close()` stops listening and
 * drops open connections, so tests and the CLI exit promptly.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FerryError } from '../core/ferry-error.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { createServeHandler } from './serve-handler.js';
import type { Handler } from './types.js';

export interface RunningServer {
  /** `http://host:port` with the bound port (IPv6 hosts in brackets). */
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startServer(options: {
  stateDir: string;
  host?: string;
  port?: number;
  logger?: Logger;
  extraHandlers?: Handler[];
}): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const logger = options.logger ?? silentLogger;
  const handlers: Handler[] = [...(options.extraHandlers ?? []), createServeHandler({ stateDir: options.stateDir, logger })];

  const onRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      for (const handler of handlers) {
        if (await handler(req, res)) return;
      }
      res.statusCode = 404;
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.end(req.method === 'HEAD' ? undefined : 'not found\n');
    } catch (e) {
      logger.error('serve: handler failed', { path: (req.url ?? '').replace(/\?.*$/, ''), error: String(e) });
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end();
      } else {
        res.destroy();
      }
    }
  };

  const server = createServer((req, res) => void onRequest(req, res));
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        new FerryError('FERRY_USAGE', `cannot listen on ${host}:${options.port ?? 8080}: ${e.code ?? e.message}`, { actual: `${host}:${options.port ?? 8080}` }, e),
      ),
    );
    server.listen({ host, port: options.port ?? 8080 }, () => {
      server.removeAllListeners('error');
      resolve();
    });
  });
  server.on('error', (e) => logger.error('serve: server error', { error: String(e) }));
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  logger.info('serve: listening', { url, stateDir: options.stateDir });

  return {
    url,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections();
      }),
  };
}
