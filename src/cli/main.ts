#!/usr/bin/env node
/** The `ferry` command. Exit codes: 0 ok, 1 failure, 2 usage or invalid model. */
import { Command, CommanderError } from 'commander';
import { createRequire } from 'node:module';
import { commands } from './commands/index.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

const program = new Command('ferry')
  .description('GitOps controller for the artifact mirrors of offline clouds')
  .version(version)
  .exitOverride()
  .showHelpAfterError();
for (const c of commands) c.register(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exitCode = e.exitCode === 0 ? 0 : 2;
  else throw e;
}
