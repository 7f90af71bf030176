/**
 * kill -9 (the whole process group) at random points of `ferry apply`, `ferry gc`,
 * `ferry rollback` and `ferry import`. After each kill the served snapshot must be whole
 * (`ferry fsck` exit 0, the current file answers with its content) and the next command must
 * succeed: the next apply, or for import the same import again, into the same state, with the
 * snapshot it served before the kill still current.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { currentSnapshot, ferry, firstLine, generated, listen, sha256, startFerry, Temp, writeFileModel, type Run } from './kit.js';
import type { Area, Trial } from './trial.js';

const FILES = 40;
const body = (v: number, i: number) => generated(`version ${v} file ${i}`, 40_000 + i * 700);
/** The bundle's files: large enough that an import takes a while to verify and write. */
const BIG = 1000;
const BIG_FILES = { quick: 8, full: FILES };
const bigBody = (i: number) => generated(`bundle file ${i}`, 1_000_000 + i * 1000);

export const crashArea: Area = {
  name: 'crash',
  async trials({ quick, random }) {
    const temp = new Temp('crash');
    const server = await listen((req, res) => {
      const m = /^\/v(\d+)\/f(\d+)$/.exec(req.url ?? '');
      if (!m) return void res.writeHead(404).end();
      const data = Number(m[1]) === BIG ? bigBody(Number(m[2])) : body(Number(m[1]), Number(m[2]));
      res.writeHead(200, { 'content-length': data.length }).end(data);
    });
    const model = temp.dir('model');
    const state = join(temp.root, 'state');
    let version = 0;
    const modelFiles = (v: number) => Array.from({ length: v === BIG ? BIG_FILES[quick ? 'quick' : 'full'] : FILES }, (_, i) => ({ url: `${server.url}/v${v}/f${i}`, sha256: sha256(v === BIG ? bigBody(i) : body(v, i)), path: `f${i}` }));
    const writeModel = (v: number) => writeFileModel(model, { files: modelFiles(v) });
    const apply = (s = state) => ferry(['apply', '--model', model, '--state', s, '--wait']);
    const must = (what: string, r: Run) => {
      if (r.code !== 0) throw new Error(`crash area: ${what} exited ${r.code}: ${firstLine(r)}`);
      return r;
    };
    writeModel(version);
    must('the first apply', await apply());

    /** The served tree is whole: fsck passes and the current file reads. */
    const whole = async (s: string): Promise<string | undefined> => {
      const fsck = await ferry(['fsck', '--state', s]);
      if (fsck.code !== 0) return `fsck exit ${fsck.code}: ${firstLine(fsck)}`;
      const served = readFileSync(join(s, 'current', 'tree', 'file', 'media', 'f1'));
      if (!served.toString().startsWith('version ')) return 'current f1 unreadable';
      return undefined;
    };
    /** Whole, and the next apply (of a new version) works. */
    const check = async (): Promise<string | undefined> => {
      const problem = await whole(state);
      if (problem) return problem;
      version++;
      writeModel(version);
      const next = await apply();
      if (next.code !== 0) return `next apply exit ${next.code}: ${firstLine(next)}`;
      return undefined;
    };
    const killAt = async (args: string[], delayMs: number): Promise<string> => {
      const started = startFerry(args);
      await new Promise((r) => setTimeout(r, delayMs));
      started.kill('SIGKILL');
      const run = await started.done;
      return run.signal === 'SIGKILL' ? 'killed' : `exited ${run.code} first`;
    };

    // import: a connected site exports a bundle of BIG's snapshot; each trial imports it into a
    // copy of an offline state that serves version 0, killed at a random point of the import.
    const connected = join(temp.root, 'connected');
    writeModel(BIG);
    must('the connected apply', await apply(connected));
    writeModel(version);
    const keyFile = join(temp.root, 'connected.asc');
    writeFileSync(keyFile, must('export --public-key', await ferry(['export', '--public-key', '--state', connected])).stdout);
    const bundle = join(temp.root, 'bundle');
    must('export', await ferry(['export', '--state', connected, '-o', bundle, '--volume-size', '8M']));
    const template = join(temp.root, 'offline-template');
    must('the offline apply', await apply(template));
    const servedBefore = currentSnapshot(template);
    let importN = 0;
    const importInto = (s: string) => ['import', bundle, '--key', keyFile, '--state', s, '--wait', '--json'];
    const freshOffline = () => {
      const s = join(temp.root, `offline-${importN++}`);
      execFileSync('cp', ['-a', template, s]);
      return s;
    };
    // How long an uninterrupted import takes here (process start included): kills spread over it.
    // (The quick subset skips the measurements and guesses.)
    const importTimed = async () => {
      const calibration = freshOffline();
      const r = must('a calibration import', await ferry(importInto(calibration)));
      rmSync(calibration, { recursive: true, force: true });
      return r.ms;
    };
    const importRunMs = quick ? 1500 : await importTimed();
    const importMs = Math.max(800, Math.round(importRunMs * 1.2));

    const importTrial = async (delay: number) => {
      const s = freshOffline();
      try {
        const how = await killAt(importInto(s), delay);
        const problem = await whole(s);
        if (problem) return { ok: false, detail: `${how} at ${delay} ms: ${problem}` };
        if (currentSnapshot(s) !== servedBefore) return { ok: false, detail: `${how} at ${delay} ms: current moved to ${currentSnapshot(s)}` };
        const again = await ferry(importInto(s));
        if (again.code !== 0) return { ok: false, detail: `${how} at ${delay} ms: re-import exit ${again.code}: ${firstLine(again)}` };
        const outcome = (JSON.parse(again.stdout) as { outcome: string }).outcome;
        const after = await whole(s);
        if (after) return { ok: false, detail: `after the re-import: ${after}` };
        if (currentSnapshot(s) !== servedBefore) return { ok: false, detail: 'the re-import published' };
        return { ok: true, detail: `${how} at ${delay} ms; old snapshot served, fsck ok, re-import ${outcome}` };
      } finally {
        rmSync(s, { recursive: true, force: true });
      }
    };

    // export: each trial exports BIG's snapshot into a fresh folder, killed at a random point, then
    // runs the same export again (it resumes: finished volumes are kept). The volumes must be byte
    // for byte those of an uninterrupted export, and the bundle must import.
    let exportN = 0;
    const exportTo = (dir: string) => ['export', '--state', connected, '-o', dir, '--volume-size', '8M', '--json'];
    const exportRunMs = quick ? 1500 : must('a calibration export', await ferry(exportTo(join(temp.root, 'export-calibration')))).ms;
    // Most of a short export is the process start: kills go to its last 45 %, where volumes are written.
    const exportFrom = Math.round(exportRunMs * 0.6);
    const exportMs = Math.max(800, Math.round(exportRunMs * 1.05));
    const volumesOf = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.ferry')).sort();
    const exportTrial = async (delay: number) => {
      const out = join(temp.root, `export-${exportN++}`);
      const s = freshOffline();
      try {
        const how = await killAt(exportTo(out), delay);
        const again = await ferry(exportTo(out));
        if (again.code !== 0) return { ok: false, detail: `${how} at ${delay} ms: the resumed export exit ${again.code}: ${firstLine(again)}` };
        const expected = volumesOf(bundle);
        const got = volumesOf(out);
        if (got.join() !== expected.join()) return { ok: false, detail: `${how} at ${delay} ms: volumes ${got.join(', ')}, expected ${expected.join(', ')}` };
        const differs = expected.find((v) => !readFileSync(join(out, v)).equals(readFileSync(join(bundle, v))));
        if (differs) return { ok: false, detail: `${how} at ${delay} ms: ${differs} differs from an uninterrupted export's` };
        const imported = await ferry(['import', out, '--key', keyFile, '--state', s, '--wait', '--json']);
        if (imported.code !== 0) return { ok: false, detail: `${how} at ${delay} ms: import of the resumed bundle exit ${imported.code}: ${firstLine(imported)}` };
        const problem = await whole(s);
        if (problem) return { ok: false, detail: `after the import: ${problem}` };
        const { written } = JSON.parse(again.stdout) as { written: string[] };
        return { ok: true, detail: `${how} at ${delay} ms; the resumed export wrote ${written.length} of ${expected.length} volumes, identical, imported` };
      } finally {
        rmSync(out, { recursive: true, force: true });
        rmSync(s, { recursive: true, force: true });
      }
    };

    // Kill points spread over the time an uninterrupted run of the command takes here (process
    // start included), measured once: a kill past the end would test nothing.
    const KILLED: Array<[string, () => string[]]> = [
      ['apply', () => (writeModel(++version), ['apply', '--model', model, '--state', state, '--wait'])],
      ['gc', () => ['gc', '--state', state, '--keep', '1', '--wait']],
      ['rollback', () => ['rollback', '--state', state, '--wait', '--no-suspend']],
    ];
    const perCommand = quick ? 1 : 26;
    const trials: Trial[] = [];
    // The quick subset kills apply and import once each.
    for (const [command, args] of quick ? KILLED.slice(0, 1) : KILLED) {
      const calibrate = async () => {
        const calibrated = must(`a calibration ${command}`, await ferry(args()));
        const after = await check();
        if (after) throw new Error(`crash area: after a calibration ${command}: ${after}`);
        return calibrated.ms;
      };
      const runMs = quick ? 1200 : await calibrate();
      const spreadMs = Math.round(runMs * 1.1);
      const seen = { killed: 0, n: 0 };
      for (let i = 0; i < perCommand; i++) {
        trials.push({
          area: 'crash',
          name: `kill -9 during ${command}`,
          run: async () => {
            const delay = Math.floor(random() * spreadMs);
            const how = await killAt(args(), delay);
            seen.n++;
            if (how === 'killed') seen.killed++;
            const problem = await check();
            return { ok: !problem, detail: problem ?? `${how} at ${delay} ms; served tree whole, next apply ok`, figure: `killed mid-run in ${seen.killed}/${seen.n}; kills over 0–${spreadMs} ms (a ${command}: ${runMs} ms)` };
          },
        });
      }
    }
    // Full runs only: the quick subset (in `make test`) kills import, which exercises export's files too.
    const exportsSeen = { killed: 0, n: 0 };
    for (let i = 0; i < (quick ? 0 : 12); i++) {
      trials.push({
        area: 'crash',
        name: 'kill -9 during export',
        run: async () => {
          const r = await exportTrial(exportFrom + Math.floor(random() * (exportMs - exportFrom)));
          exportsSeen.n++;
          if (r.detail.startsWith('killed')) exportsSeen.killed++;
          return { ...r, figure: `killed mid-run in ${exportsSeen.killed}/${exportsSeen.n}; kills over ${exportFrom}–${exportMs} ms (an export: ${exportRunMs} ms)` };
        },
      });
    }
    const imports = { killed: 0, n: 0 };
    for (let i = 0; i < perCommand; i++) {
      trials.push({
        area: 'crash',
        name: 'kill -9 during import',
        run: async () => {
          const r = await importTrial(Math.floor(random() * importMs));
          imports.n++;
          if (r.detail.startsWith('killed')) imports.killed++;
          return { ...r, figure: `killed mid-run in ${imports.killed}/${imports.n}; kills over 0–${importMs} ms (an import: ${importRunMs} ms)` };
        },
      });
    }
    return {
      trials,
      cleanup: async () => {
        await server.close();
        temp.remove();
      },
    };
  },
};
