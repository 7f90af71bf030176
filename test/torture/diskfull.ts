/**
 * A full disk, for real: the state lives on a small tmpfs (`mount -t tmpfs -o size=...`, as
 * root). An apply that needs more than the space left must fail with one FERRY_DISK_FULL (not
 * one error per file), the snapshot served before stays current and whole, `ferry gc` removes
 * what the failed run left in objects/partial/ and gives the space back, and the next apply
 * that fits succeeds. The same with the inodes exhausted (nr_inodes). Where mounting is not
 * permitted the area is one failed row that says so: an ENOSPC-injecting double would not run
 * the real write path.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { currentSnapshot, ferry, firstLine, generated, listen, sha256, Temp, writeFileModel, type FileEntry, type Run } from './kit.js';
import type { Area, Trial, TrialResult } from './trial.js';

const KIB = 1024;
const MIB = 1024 * KIB;

function errorsOf(r: Run): Array<{ code: string; message: string }> {
  try {
    return (JSON.parse(r.stdout) as { errors?: Array<{ code: string; message: string }> }).errors ?? [];
  } catch {
    return [];
  }
}

const freeBytes = (dir: string) => {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
};
const mib = (b: number) => `${(b / MIB).toFixed(1)} MiB`;

export const diskfullArea: Area = {
  name: 'diskfull',
  async trials({ quick }) {
    const temp = new Temp('diskfull');
    const server = await listen((req, res) => {
      const m = /^\/d\/(\w+)\/(\d+)\/(\d+)$/.exec(req.url ?? '');
      if (!m) return void res.writeHead(404).end();
      const data = generated(`${m[1]} ${m[2]}`, Number(m[3]));
      res.writeHead(200, { 'content-length': data.length }).end(data);
    });
    const mounts: string[] = [];
    const mount = (name: string, options: string) => {
      const dir = temp.dir(name);
      execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'pipe' });
      mounts.push(dir);
      return dir;
    };
    const files = (label: string, count: number, size: number): FileEntry[] =>
      Array.from({ length: count }, (_, i) => ({ url: `${server.url}/d/${label}/${i}/${size}`, sha256: sha256(generated(`${label} ${i}`, size)), size, path: `${label}-${i}` }));
    const cleanup = async () => {
      await server.close();
      for (const m of mounts) execFileSync('umount', ['-l', m], { stdio: 'pipe' });
      temp.remove();
    };

    let mountProblem: string | undefined;
    try {
      mount('probe', 'size=1m');
    } catch (e) {
      mountProblem = `mount -t tmpfs is not permitted here (${String((e as { stderr?: Buffer }).stderr ?? (e as Error).message).trim()}): run make torture as root on a machine that allows it`;
    }
    if (mountProblem) {
      const problem = mountProblem;
      return { trials: [{ area: 'diskfull', name: 'disk full on a small tmpfs', run: async () => ({ ok: false, detail: problem }) }], cleanup };
    }

    /**
     * One scenario on its own tmpfs: v0 published, then `big` that cannot fit, then gc, then
     * `fits`. Each step is a trial; a step after a failed one reports that it did not run.
     */
    const scenario = (title: string, options: string, v0: FileEntry[], big: FileEntry[], fits: FileEntry[]): Trial[] => {
      let fs = '';
      let state = '';
      let model = '';
      let broken: string | undefined;
      let freeAfterV0 = 0;
      const step = (name: string, run: () => Promise<TrialResult>): Trial => ({
        area: 'diskfull',
        name: `${title}: ${name}`,
        run: async () => {
          if (broken) return { ok: false, detail: `not run: ${broken}` };
          const r = await run().catch((e: unknown): TrialResult => ({ ok: false, detail: `threw: ${(e as Error).message}` }));
          if (!r.ok) broken = `${name} failed`;
          return r;
        },
      });
      const servedWhole = () => v0.every((f) => sha256(readFileSync(join(state, 'current', 'tree', 'file', 'media', f.path))) === f.sha256);
      return [
        step('one FERRY_DISK_FULL, the old snapshot still served', async () => {
          fs = mount(`fs-${title.replace(/\W+/g, '-')}`, options);
          state = join(fs, 'state');
          model = temp.dir(`model-${title.replace(/\W+/g, '-')}`);
          writeFileModel(model, { files: v0 });
          const first = await ferry(['apply', '--model', model, '--state', state]);
          if (first.code !== 0) return { ok: false, detail: `the first apply: exit ${first.code}: ${firstLine(first)}` };
          const before = currentSnapshot(state);
          freeAfterV0 = freeBytes(fs);
          writeFileModel(model, { files: [...v0, ...big] });
          const r = await ferry(['apply', '--model', model, '--state', state, '--json'], { timeoutMs: 180_000 });
          const errors = errorsOf(r);
          const full = errors.filter((e) => e.code === 'FERRY_DISK_FULL');
          const problems: string[] = [];
          if (r.code !== 1) problems.push(`exit ${r.code}`);
          if (options.includes('nr_inodes') && !/no inodes left/.test(full[0]?.message ?? '')) problems.push('the error does not say the inodes ran out');
          if (errors.length !== 1 || full.length !== 1) problems.push(`${errors.length} error(s): ${errors.map((e) => e.code).join(', ') || firstLine(r)}`);
          if (currentSnapshot(state) !== before) problems.push('current moved');
          if (!servedWhole()) problems.push('the served files changed');
          const fsck = await ferry(['fsck', '--state', state]);
          if (fsck.code !== 0) problems.push(`fsck exit ${fsck.code}: ${firstLine(fsck)}`);
          const message = (full[0]?.message ?? '').replace(fs, '<tmpfs>');
          return problems.length
            ? { ok: false, detail: problems.join('; ') }
            : { ok: true, detail: `exit 1, one error: ${message.slice(0, 170)}`, figure: `${mib(freeAfterV0)} free before, ${mib(freeBytes(fs))} after the failed run` };
        }),
        step('ferry gc removes what the failed run left', async () => {
          const partialBefore = readdirSync(join(state, 'objects', 'partial')).length;
          const gc = await ferry(['gc', '--state', state]);
          const partialAfter = readdirSync(join(state, 'objects', 'partial')).length;
          // What the failed run left: partial downloads, and blobs it finished that no snapshot holds.
          const m = /removed (\d+) blobs \(([^)]+)\) and (\d+) partial downloads and leftovers \(([^)]+)\)/.exec(gc.stdout);
          const problems: string[] = [];
          if (gc.code !== 0) problems.push(`gc exit ${gc.code}: ${firstLine(gc)}`);
          if (!m || (partialBefore > 0 && Number(m[3]) === 0) || Number(m[1]) + Number(m[3]) === 0) problems.push(`gc says: ${gc.stdout.trim()}`);
          if (partialAfter !== 0) problems.push(`${partialAfter} entries left in objects/partial`);
          if (freeBytes(fs) < freeAfterV0 - 256 * KIB) problems.push(`only ${mib(freeBytes(fs))} free after gc (${mib(freeAfterV0)} before the failed run)`);
          if (!servedWhole()) problems.push('the served files changed');
          return problems.length
            ? { ok: false, detail: problems.join('; ') }
            : { ok: true, detail: `gc removed ${m![3]} partial downloads and leftovers (${m![4]}) and ${m![1]} unreferenced blobs (${m![2]}); objects/partial had ${partialBefore} entries, now 0`, figure: `${mib(freeBytes(fs))} free after gc (${mib(freeAfterV0)} before the failed run)` };
        }),
        step('the next apply that fits succeeds', async () => {
          writeFileModel(model, { files: [...v0, ...fits] });
          const r = await ferry(['apply', '--model', model, '--state', state]);
          const ok = r.code === 0 && fits.every((f) => sha256(readFileSync(join(state, 'current', 'tree', 'file', 'media', f.path))) === f.sha256);
          return { ok, detail: ok ? `published ${currentSnapshot(state)}` : `exit ${r.code}: ${firstLine(r)}` };
        }),
      ];
    };

    const trials: Trial[] = [
      // Files under 1 MiB are not resumable, so gc may remove every partial the run left.
      ...scenario('bytes (24 MiB tmpfs, 60 files of 700 KiB)', 'size=24m', files('v0', 10, 200 * KIB), files('big', 60, 700 * KIB), files('fits', 5, 200 * KIB)),
    ];
    if (!quick) trials.push(...scenario('inodes (tmpfs of 600 inodes, 900 files)', 'size=64m,nr_inodes=600', files('i0', 20, 4 * KIB), files('many', 900, 2 * KIB), files('few', 10, 4 * KIB)));
    return { trials, cleanup };
  },
};
