/**
 * Air-gap transfer benchmark (issue 17): `ferry export` and `ferry import` throughput next to
 * tar of the same files and the disk's own rate, same bytes, same run.
 *
 *   export: exportBundle of a snapshot (every blob into one volume, fsynced; TOC signed)
 *           vs `tar -cf` of the same blob files + fsync of the archive
 *           vs `dd bs=1M conv=fsync` copying the same number of bytes (one sequential file)
 *   import: importBundle into an empty state (signature, sha256 of every blob as it is read,
 *           temp file, fsync, rename into the store, the snapshot tree of hard links)
 *           vs `tar -xf` of the archive + fsync of every file it wrote
 *           vs the same dd copy
 *
 * Goal: at least 80 % of the slower peer (tar or the disk). The blobs are random bytes (half in
 * 4 MiB files, half in 64 KiB files, as a deb mirror's pool and indexes mix them), written
 * beforehand; every reader finds them in the page cache alike. Medians of 3 rounds, run in turn.
 * Run: npx tsx bench/transfer.ts [MiB]   (default 256)
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sha256Hex } from '../src/core/hash.js';
import { siteSigningKey } from '../src/pgp/site-key.js';
import { StateStore } from '../src/store/state-store.js';
import type { ManifestFile } from '../src/store/types.js';
import { exportBundle } from '../src/transfer/export-bundle.js';
import { importBundle } from '../src/transfer/import-bundle.js';

const run = promisify(execFile);
const MIB = 1024 * 1024;
const totalMiB = Number(process.argv[2] ?? 256) || 256;
const ROUNDS = 3;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

/** Random blobs, half the bytes in 4 MiB files and half in 64 KiB files, in the store. */
function makeBlobs(store: StateStore, bytes: number): ManifestFile[] {
  const files: ManifestFile[] = [];
  const add = (size: number, i: number, dir: string) => {
    const data = randomBytes(size);
    const sha256 = sha256Hex(data);
    writeFileSync(store.blobs.pathOf(sha256), data, { mode: 0o444 });
    files.push({ path: `${dir}/f-${i}`, sha256, size });
  };
  for (let i = 0; i < Math.max(1, Math.round(bytes / 2 / (4 * MIB))); i++) add(4 * MIB, i, 'large');
  for (let i = 0; i < Math.max(1, Math.round(bytes / 2 / (64 * 1024))); i++) add(64 * 1024, i, `small/${i % 64}`);
  return files;
}

/** fsync of every regular file under `dir` (what Ferry's store does for each blob). */
async function fsyncTree(dir: string): Promise<void> {
  const files: string[] = [];
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(d, e.name));
      else if (e.isFile()) files.push(join(d, e.name));
    }
  };
  await walk(dir);
  for (let i = 0; i < files.length; i += 500) await run('sync', files.slice(i, i + 500));
}

const work = await mkdtemp(join(tmpdir(), 'ferry-bench-transfer-'));
try {
  const store = await StateStore.open(join(work, 'connected'));
  const files = makeBlobs(store, totalMiB * MIB);
  const bytes = files.reduce((n, f) => n + f.size, 0);
  const mib = bytes / MIB;
  const snapshot = await store.build({ desiredHash: sha256Hex('bench transfer'), site: { name: 'bench', retention: 10 }, resources: [{ kind: 'file', name: 'bench', hash: 'h', root: 'file/bench', files }] });
  const key = await siteSigningKey({ stateDir: store.root, siteName: 'bench' });
  const list = join(work, 'blobs.txt');
  const blobDir = join(store.blobs.pathOf(files[0].sha256), '..', '..');
  const relative = files.map((f) => store.blobs.pathOf(f.sha256).slice(blobDir.length + 1));
  writeFileSync(list, `${relative.join('\n')}\n`);

  const times = { export: [] as number[], tarC: [] as number[], ddExport: [] as number[], import: [] as number[], tarX: [] as number[], ddImport: [] as number[] };
  for (let r = 0; r < ROUNDS; r++) {
    const out = join(work, `bundle-${r}`);
    times.export.push(await timed(() => exportBundle({ store, to: snapshot.id, out, volumeSize: 64 * 1024 * MIB })));
    const tarFile = join(work, `blobs-${r}.tar`);
    times.tarC.push(await timed(async () => {
      await run('tar', ['-cf', tarFile, '-C', blobDir, '-T', list]);
      await run('sync', [tarFile]);
    }));
    times.ddExport.push(await timed(() => run('dd', [`if=${join(out, 'vol-0000.ferry')}`, `of=${join(work, `dd-${r}`)}`, 'bs=1M', 'conv=fsync'])));

    const offline = await StateStore.open(join(work, `offline-${r}`));
    times.import.push(await timed(() => importBundle({ store: offline, paths: [out], trustedKeys: [key.publicArmored] })));
    const untar = join(work, `untar-${r}`);
    await mkdir(untar);
    times.tarX.push(await timed(async () => {
      await run('tar', ['-xf', tarFile, '-C', untar]);
      await fsyncTree(untar);
    }));
    times.ddImport.push(await timed(() => run('dd', [`if=${tarFile}`, `of=${join(work, `dd-import-${r}`)}`, 'bs=1M', 'conv=fsync'])));
    for (const p of [out, tarFile, untar, join(work, `dd-${r}`), join(work, `dd-import-${r}`), join(work, `offline-${r}`)]) await rm(p, { recursive: true, force: true });
  }

  const rate = (s: number[]) => mib / median(s);
  const line = (what: string, ferry: number, tar: number, disk: number) => {
    const floor = Math.min(tar, disk);
    const ratio = ferry / floor;
    console.log(
      `${what.padEnd(6)} ferry ${ferry.toFixed(0).padStart(4)} MiB/s | tar ${tar.toFixed(0).padStart(4)} MiB/s | disk (dd) ${disk.toFixed(0).padStart(4)} MiB/s | ferry / slower peer ${ratio.toFixed(2)} (goal >= 0.80: ${ratio >= 0.8 ? 'met' : 'NOT met'})`,
    );
  };
  console.log(`transfer bench: ${files.length} blobs, ${mib.toFixed(0)} MiB (half 4 MiB files, half 64 KiB), medians of ${ROUNDS} rounds; every writer fsyncs what it wrote`);
  line('export', rate(times.export), rate(times.tarC), rate(times.ddExport));
  line('import', rate(times.import), rate(times.tarX), rate(times.ddImport));
} finally {
  await rm(work, { recursive: true, force: true });
}
