/** The commander program: one command per file in ./commands. */
import { Command, CommanderError } from 'commander';
import { createRequire } from 'node:module';
import { commands } from './commands/index.js';
import { REPORTED } from './common.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

export async function run(argv: string[]): Promise<void> {
  const program = new Command('ferry')
    .description('GitOps controller for the artifact mirrors of offline clouds')
    .version(version)
    .exitOverride()
    .showHelpAfterError();
  // `ferry apply ...` needs only `apply` defined (a few ms less at every start); anything
  // else (--help, help, --version, a misspelt command) gets them all.
  const chosen = Object.hasOwn(commands, argv[2] ?? '') ? [commands[argv[2]]] : Object.values(commands);
  for (const c of chosen) c.register(program);
  try {
    await program.parseAsync(argv);
  } catch (e) {
    // A failure a hook already printed keeps its exit code; commander's own (bad flags) is 2.
    if (e instanceof CommanderError) process.exitCode = e.code === REPORTED ? e.exitCode : e.exitCode === 0 ? 0 : 2;
    else throw e;
  }
}
