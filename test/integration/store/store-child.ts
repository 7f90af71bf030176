/**
 * A second process for the store's integration tests (run with `node --import tsx`):
 *   hold-lock <state> <purpose>      takes the lock, prints `locked <pid>`, holds it until killed or stdin ends
 *   build <state> <files> <hash>     builds a snapshot of generatedFiles(<files>, CRASH_BLOBS) (blobs written by the parent)
 *                                    one link at a time (slow on purpose, to be killed midway),
 *                                    prints `building`, then `built <id>`
 *   publish <state> <id,id…> <n>     prints `publishing`, publishes the ids in turn, n times in all
 */
import { StateStore } from '../../../src/store/state-store.js';
import type { ManifestFile } from '../../../src/store/types.js';
import { CRASH_BLOBS, generatedFiles } from './fixtures.js';

const [mode, state, a, b] = process.argv.slice(2);
const store = await StateStore.open(state);

if (mode === 'hold-lock') {
  const lock = await store.lock({ purpose: a });
  process.stdout.write(`locked ${process.pid}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => {
    void lock.release().then(() => process.exit(0));
  });
} else if (mode === 'build') {
  const files: ManifestFile[] = generatedFiles(Number(a), { distinct: CRASH_BLOBS }).map(({ path, sha256, size }) => ({ path, sha256, size }));
  process.stdout.write('building\n');
  const m = await store.build({ desiredHash: b, site: { name: 'kill', retention: 5 }, resources: [{ kind: 'file', name: 'many', hash: 'h', root: 'file/many', files }] }, { batch: 1 });
  process.stdout.write(`built ${m.id}\n`);
} else if (mode === 'publish') {
  const ids = a.split(',');
  process.stdout.write('publishing\n');
  for (let i = 0; i < Number(b); i++) await store.publish(ids[i % ids.length], { desiredHash: 'x', action: 'reuse' });
  process.stdout.write('published\n');
} else {
  process.stderr.write(`unknown mode ${mode}\n`);
  process.exit(2);
}
