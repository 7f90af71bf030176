/**
 * Store benchmark (issue 2): for 1k, 10k and 100k small files prints
 *   - snapshot build files/s (StateStore.build: mkdir once per folder, hard links, fsync of
 *     every folder, manifest written last) against `cp -al` of the same tree in the same run;
 *   - publish switch time (StateStore.publish: symlink, rename(2) over `current`, fsync, one
 *     history line), the median of several switches between two snapshots.
 * Blobs are generated beforehand (without fsync: setting up is not what is measured).
 * Run: npx tsx bench/store.ts [sizes…]   e.g. `npx tsx bench/store.ts 1000 10000`
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sha256Hex } from '../src/core/hash.js';
import { StateStore } from '../src/store/state-store.js';
import type { ManifestFile, SnapshotManifest } from '../src/store/types.js';

const run = promisify(execFile);
const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const SIZES = sizes.length > 0 ? sizes : [1_000, 10_000, 100_000];
const SWITCHES = 21;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** n files in a mirror-like layout: 100 top folders, 7 sub-folders each (700 folders). */
function makeFiles(store: StateStore, n: number): ManifestFile[] {
  const files: ManifestFile[] = [];
  for (let i = 0; i < n; i++) {
    const content = `package ${n}/${i}\n`;
    const sha256 = sha256Hex(content);
    writeFileSync(store.blobs.pathOf(sha256), content, { mode: 0o444 });
    files.push({ path: `pool/p${i % 100}/s${i % 7}/pkg-${i}_1.0_amd64.deb`, sha256, size: content.length });
  }
  return files;
}

async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function benchSize(n: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-bench-store-'));
  try {
    const store = await StateStore.open(join(dir, 'state'));
    const files = makeFiles(store, n);
    const input = { desiredHash: sha256Hex(`bench ${n}`), site: { name: 'bench', retention: 10 }, resources: [{ kind: 'file', name: 'bench', hash: 'h', root: 'file/bench', files }] };
    const rounds = n >= 100_000 ? 3 : 5;
    const ferryMs: number[] = [];
    const cpMs: number[] = [];
    const built: SnapshotManifest[] = [];
    for (let r = 0; r < rounds; r++) {
      let m: SnapshotManifest | undefined;
      ferryMs.push(await timeMs(async () => (m = await store.build(input))));
      built.push(m!);
      const copy = join(dir, `cp-al-${r}`);
      cpMs.push(await timeMs(() => run('cp', ['-al', store.treePath(built[0].id), copy])));
    }
    const switchMs: number[] = [];
    for (let s = 0; s < SWITCHES; s++) {
      const id = built[s % 2].id;
      switchMs.push(await timeMs(() => store.publish(id, { desiredHash: input.desiredHash, action: 'reuse' })));
    }
    const ferryRate = (n * 1000) / median(ferryMs);
    const cpRate = (n * 1000) / median(cpMs);
    console.log(
      `${fmt(n).padStart(7)} files | build ${fmt(ferryRate).padStart(7)} files/s (${median(ferryMs).toFixed(0)} ms) | cp -al ${fmt(cpRate).padStart(7)} files/s (${median(cpMs).toFixed(0)} ms) | ferry/cp ${(ferryRate / cpRate).toFixed(2)} | publish switch median ${median(switchMs).toFixed(2)} ms (min ${Math.min(...switchMs).toFixed(2)}, max ${Math.max(...switchMs).toFixed(2)})`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

console.log(`store bench: ${SIZES.join(', ')} small files in 700 folders, medians (build: 3 rounds at 100k, else 5, alternating with cp -al; ${SWITCHES} switches)`);
console.log('ferry build = plan + mkdir + hard links + one syncfs of the tree + manifest (fsynced); cp -al = mkdir + hard links, no fsync');
for (const n of SIZES) await benchSize(n);
