/** `ferry serve`: serve the current snapshot at / and every retained one at /snapshots/<id>/. */
import type { Command } from 'commander';
import { action, addStateOption } from '../common.js';

export function register(program: Command): void {
  addStateOption(program.command('serve').description('serve the published snapshots over HTTP').option('-l, --listen <host:port>', 'address to listen on', '127.0.0.1:8080')).action(
    action(async (opts: { state: string; listen: string }) => {
      const [host, port] = splitListen(opts.listen);
      const { startServer } = await import('../../serve/server.js');
      const { createLogger } = await import('../log.js');
      const logger = createLogger();
      const server = await startServer({ stateDir: opts.state, host, port, logger });
      process.stdout.write(`serving ${opts.state} at ${server.url}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => void server.close().then(resolve);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    }),
  );
}

function splitListen(listen: string): [string, number] {
  const i = listen.lastIndexOf(':');
  if (i < 0) return ['127.0.0.1', Number(listen)];
  return [listen.slice(0, i).replace(/^\[|\]$/g, '') || '0.0.0.0', Number(listen.slice(i + 1))];
}
