/**
 * `ferry run --config ferry.yaml`: the GitOps controller. Tracks one branch of the metadata
 * repository (or watches a local model folder), reconciles one commit at a time, serves the
 * snapshots, webhooks (/hooks/...), /status, /healthz, /readyz and /metrics on one port.
 * Stops cleanly on SIGINT/SIGTERM (a run in progress is aborted; nothing half-published).
 */
import type { Command } from 'commander';
import { action } from '../common.js';
import { DEFAULT_SITE_CONFIG, siteConfigPath } from '../site.js';

export function register(program: Command): void {
  program
    .command('run')
    .description('run the controller: follow a branch of the metadata repository and keep the mirrors reconciled')
    .requiredOption('-c, --config <file>', `controller configuration (see deploy/ferry.yaml; default: $FERRY_CONFIG, else ${DEFAULT_SITE_CONFIG} when present)`, siteConfigPath())
    .option('-l, --listen <host:port>', 'override listen address of ferry.yaml')
    .action(
      action(async (opts: { config: string; listen?: string }) => {
        const { loadControllerConfig } = await import('../../controller/config/ferry-config.js');
        const { startController } = await import('../../controller/controller.js');
        const { createWinstonLogger } = await import('../log.js');
        const config = await loadControllerConfig(opts.config);
        if (opts.listen) {
          const i = opts.listen.lastIndexOf(':');
          config.listen = { host: i > 0 ? opts.listen.slice(0, i).replace(/^\[|\]$/g, '') : config.listen.host, port: Number(opts.listen.slice(i + 1)) };
        }
        const logger = createWinstonLogger();
        const controller = await startController(config, { logger });
        process.stdout.write(`ferry controller at ${controller.url} (state ${config.stateDir})\n`);
        await new Promise<void>((resolve) => {
          const stop = () => void controller.close().then(resolve);
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
      }),
    );
}
