/**
 * `current` switched over and over while requests resolve it (the controller publishes in the
 * process that serves): the resolver answers with one of the snapshots the link named, never an
 * error. Before, a link that changed during each of its five consistent-read tries was a 500
 * (seen in CI under load, in serve.test.ts's "never mixes two snapshots").
 */
import { describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { rename, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSnapshotResolver } from '../../../src/serve/snapshot-resolver.js';
import { silentLogger } from '../../../src/core/logger.js';

const IDS = ['20260101T000000000Z-aaaaaaaa', '20260101T000000001Z-bbbbbbbb'];

describe('the snapshot resolver while current flaps', () => {
  it('answers every request with a snapshot the link named', async () => {
    const state = mkdtempSync(join(tmpdir(), 'ferry-flap-'));
    let switching = true;
    let switcher: Promise<void> = Promise.resolve();
    try {
      for (const id of IDS) {
        mkdirSync(join(state, 'snapshots', id, 'tree'), { recursive: true });
        writeFileSync(join(state, 'snapshots', id, 'manifest.json'), JSON.stringify({ id, resources: [] }));
      }
      symlinkSync(`snapshots/${IDS[0]}`, join(state, 'current'));
      // Atomic switches back to back, as publishes and rollbacks make them.
      switcher = (async () => {
        for (let i = 0; switching; i++) {
          const tmp = join(state, `.current-${i}`);
          await symlink(`snapshots/${IDS[i % 2]}`, tmp);
          await rename(tmp, join(state, 'current'));
        }
      })();
      const resolver = createSnapshotResolver({ stateDir: state, logger: silentLogger });
      const seen = new Set<string>();
      let failures = 0;
      for (let round = 0; round < 200; round++) {
        for (const r of await Promise.allSettled([0, 1, 2, 3, 4, 5].map(() => resolver.current()))) {
          if (r.status === 'rejected' || r.value === null) failures++;
          else seen.add(r.value.snapshot.id);
        }
      }
      expect(failures).toBe(0);
      expect([...seen].sort()).toEqual(IDS);
    } finally {
      switching = false;
      await switcher;
      rmSync(state, { recursive: true, force: true });
    }
  }, 60_000);
});
