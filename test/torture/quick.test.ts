/** The quick subset of `make torture` (a few trials of every area, with their setups): part of make test. */
import { expect, it } from '@jest/globals';
import { AREAS } from './areas.js';
import { runTorture } from './runner.js';

it('torture, quick subset: every trial passes', async () => {
  const { table, failed } = await runTorture({ quick: true, areas: AREAS, seed: 11 });
  if (failed) throw new Error(table);
  expect(failed).toBe(0);
}, 400_000);
