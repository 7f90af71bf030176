/**
 * `make torture`: runs every area's trials against the real CLI and prints a table of trials
 * and outcomes; exits 1 if any failed. `--quick` runs the small subset `make test` runs too
 * (test/torture/quick.test.ts). `--area NAME` runs one area. Seeded: TORTURE_SEED.
 */
import { AREAS } from './areas.js';
import { runTorture } from './runner.js';

const quick = process.argv.includes('--quick');
const only = process.argv.includes('--area') ? process.argv[process.argv.indexOf('--area') + 1] : undefined;
const { table, failed } = await runTorture({ quick, areas: AREAS.filter((a) => !only || a.name === only), seed: Number(process.env.TORTURE_SEED ?? 11) });
process.stdout.write(table);
process.exitCode = failed ? 1 : 0;
