/** `ferry nginx-config`: an nginx server block serving the state directory's snapshots, as `ferry serve` does. */
import type { Command } from 'commander';
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { action, addStateOption } from '../common.js';

export function register(program: Command): void {
  addStateOption(program.command('nginx-config').description('print an nginx server block that serves the snapshots (put it inside http {})').option('--listen <port>', 'nginx listen directive value', '8080').option('--server-name <name>', 'server_name', '_').option('--fcgiwrap <socket>', "fcgiwrap's socket, for git smart HTTP (git http-backend)", 'unix:/run/fcgiwrap.socket').option('--no-njs', "without nginx's JavaScript module: the registry's tag lists ignore n/last, no /v2/_catalog, plain 404s")).action(
    action(async (opts: { state: string; listen: string; serverName: string; fcgiwrap: string; njs: boolean }) => {
      const { NJS_SCRIPTS, renderNginxServerBlock } = await import('../../serve/nginx-config.js');
      process.stdout.write(renderNginxServerBlock({ stateDir: realpathSync(resolve(opts.state)), listen: opts.listen, serverName: opts.serverName, fcgiwrap: opts.fcgiwrap, njsScripts: opts.njs ? NJS_SCRIPTS : undefined }) + '\n');
    }),
  );
}
