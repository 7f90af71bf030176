/**
 * `make torture`: runs every area's trials against the real CLI and prints a table of trials,
 * outcomes and figures on stdout (each trial's line on stderr as it ends); exits 1 if any
 * failed. `--quick` runs the small subset `make test` runs too (test/torture/quick.test.ts).
 * `--area NAME` (repeatable) runs some areas, `--trial TEXT` (repeatable) only the trials whose
 * name holds TEXT (an area's setup still runs whole). Seeded: TORTURE_SEED.
 */
import { AREAS } from './areas.js';
import { runTorture } from './runner.js';

const quick = process.argv.includes('--quick');
const only = process.argv.flatMap((a, i) => (process.argv[i - 1] === '--area' ? [a] : []));
const trialsNamed = process.argv.flatMap((a, i) => (process.argv[i - 1] === '--trial' ? [a] : []));
const started = Date.now();
const { table, failed } = await runTorture({
  quick,
  areas: AREAS.filter((a) => only.length === 0 || only.includes(a.name)),
  seed: Number(process.env.TORTURE_SEED ?? 11),
  ...(trialsNamed.length > 0 ? { trial: (name: string) => trialsNamed.some((t) => name.includes(t)) } : {}),
  log: (line) => process.stderr.write(`${line}\n`),
});
process.stdout.write(table);
process.stdout.write(`(${Math.round((Date.now() - started) / 1000)} s)\n`);
process.exitCode = failed ? 1 : 0;
