/**
 * Concurrent writers on one state directory, through the real CLI: two `ferry apply` at once
 * (without --wait one refuses clearly with FERRY_LOCKED naming the holder, or waits with
 * --wait), apply during gc, rollback during apply. After each: fsck passes, `current` is the
 * snapshot of a writer that succeeded, every history line parses, and nothing refused left a
 * trace (a refused writer publishes nothing).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { currentSnapshot, ferry, firstLine, generated, listen, sha256, startFerry, Temp, writeFileModel, type Run } from './kit.js';
import type { Area, Trial, TrialResult } from './trial.js';

const FILES = 30;

export const concurrentArea: Area = {
  name: 'concurrent',
  async trials({ quick, random }) {
    const temp = new Temp('concurrent');
    const server = await listen((req, res) => {
      const m = /^\/c\/(\d+)\/(\d+)$/.exec(req.url ?? '');
      if (!m) return void res.writeHead(404).end();
      const data = generated(`concurrent ${m[1]} ${m[2]}`, 60_000 + Number(m[2]) * 500);
      res.writeHead(200, { 'content-length': data.length }).end(data);
    });
    const state = join(temp.root, 'state');
    let version = 0;
    /** A model folder of its own per version (two writers at once read different models). */
    const model = (v: number) => {
      const dir = temp.dir(`model-${v}`);
      writeFileModel(dir, { retention: 6, files: Array.from({ length: FILES }, (_, i) => ({ url: `${server.url}/c/${v}/${i}`, sha256: sha256(generated(`concurrent ${v} ${i}`, 60_000 + i * 500)), path: `f${i}` })) });
      return dir;
    };
    const apply = (v: number, wait: boolean) => ['apply', '--model', model(v), '--state', state, ...(wait ? ['--wait'] : [])];
    const first = await ferry(apply(version, false));
    if (first.code !== 0) throw new Error(`concurrent area: the first apply: ${firstLine(first)}`);

    /** The store after the writers: fsck, history, current's content is a writer's version. */
    const consistent = async (versions: number[]): Promise<string | undefined> => {
      const fsck = await ferry(['fsck', '--state', state]);
      if (fsck.code !== 0) return `fsck exit ${fsck.code}: ${firstLine(fsck)}`;
      for (const line of readFileSync(join(state, 'history.jsonl'), 'utf8').split('\n').filter(Boolean)) {
        try {
          JSON.parse(line);
        } catch {
          return `a history line does not parse: ${line.slice(0, 80)}`;
        }
      }
      const served = readFileSync(join(state, 'current', 'tree', 'file', 'media', 'f3'));
      const which = versions.find((v) => sha256(served) === sha256(generated(`concurrent ${v} 3`, 60_000 + 3 * 500)));
      if (which === undefined) return `current serves none of versions ${versions.join(', ')}`;
      return undefined;
    };
    const together = async (runs: Array<{ args: string[]; delayMs: number }>): Promise<Run[]> =>
      Promise.all(
        runs.map(async ({ args, delayMs }) => {
          await new Promise((r) => setTimeout(r, delayMs));
          return startFerry(args, { timeoutMs: 240_000 }).done;
        }),
      );
    const lockedClearly = (r: Run) => r.code === 1 && /FERRY_LOCKED|lock/i.test(r.stderr) && /pid \d+/.test(r.stderr);

    const trials: Trial[] = [];
    const counts = { bothApplies: { published: 0, refused: 0 } };
    const twoApplies = (n: number): Trial => ({
      area: 'concurrent',
      name: 'two ferry apply at once (no --wait): one publishes, the other refuses naming the holder',
      run: async (): Promise<TrialResult> => {
        const a = ++version;
        const b = ++version;
        const before = currentSnapshot(state);
        const [ra, rb] = await together([
          { args: apply(a, false), delayMs: 0 },
          { args: apply(b, false), delayMs: Math.floor(random() * 300) },
        ]);
        const ok = [ra, rb].filter((r) => r.code === 0);
        const refused = [ra, rb].filter((r) => r.code !== 0);
        counts.bothApplies.published += ok.length;
        counts.bothApplies.refused += refused.length;
        if (ok.length === 0) return { ok: false, detail: `neither published: ${firstLine(ra)} / ${firstLine(rb)}` };
        const unclear = refused.find((r) => !lockedClearly(r));
        if (unclear) return { ok: false, detail: `a refusal does not name the lock and its holder: exit ${unclear.code}: ${firstLine(unclear)}` };
        const problem = await consistent([a, b].filter((_, i) => [ra, rb][i].code === 0));
        if (problem) return { ok: false, detail: problem };
        if (currentSnapshot(state) === before) return { ok: false, detail: 'current did not move' };
        const line = refused[0] ? firstLine(refused[0]).replace(/\d{4,}/g, 'N') : 'both finished, one after the other';
        return { ok: true, detail: `trial ${n}: ${ok.length} published, ${refused.length} refused: ${line}`, figure: `over all: ${counts.bothApplies.published} published, ${counts.bothApplies.refused} refused clearly` };
      },
    });
    const perCase = quick ? 1 : 8;
    for (let i = 0; i < perCase; i++) trials.push(twoApplies(i + 1));
    if (!quick) {
      for (let i = 0; i < 4; i++) {
        trials.push({
          area: 'concurrent',
          name: 'two ferry apply --wait at once: both publish, one after the other',
          run: async () => {
            const a = ++version;
            const b = ++version;
            const lines = readFileSync(join(state, 'history.jsonl'), 'utf8').split('\n').filter(Boolean).length;
            const [ra, rb] = await together([
              { args: apply(a, true), delayMs: 0 },
              { args: apply(b, true), delayMs: Math.floor(random() * 300) },
            ]);
            if (ra.code !== 0 || rb.code !== 0) return { ok: false, detail: `exit ${ra.code} / ${rb.code}: ${firstLine(ra.code ? ra : rb)}` };
            const problem = await consistent([a, b]);
            const added = readFileSync(join(state, 'history.jsonl'), 'utf8').split('\n').filter(Boolean).length - lines;
            if (problem) return { ok: false, detail: problem };
            if (added !== 2) return { ok: false, detail: `${added} history lines for two publishes` };
            return { ok: true, detail: `both exit 0, 2 history lines, fsck ok`, figure: `${Math.max(ra.ms, rb.ms)} ms for both` };
          },
        });
      }
    }
    const mixed = (name: string, other: () => string[], otherMustSucceed: boolean): Trial => ({
      area: 'concurrent',
      name,
      run: async () => {
        const v = ++version;
        const [ro, ra] = await together([
          { args: other(), delayMs: 0 },
          { args: apply(v, true), delayMs: Math.floor(random() * 400) },
        ]);
        if (ra.code !== 0) return { ok: false, detail: `apply exit ${ra.code}: ${firstLine(ra)}` };
        if (otherMustSucceed && ro.code !== 0) return { ok: false, detail: `${other()[0]} exit ${ro.code}: ${firstLine(ro)}` };
        if (!otherMustSucceed && ro.code !== 0 && !lockedClearly(ro) && !/nothing to roll back|no (previous|other) snapshot/i.test(ro.stderr)) return { ok: false, detail: `${other()[0]} exit ${ro.code}: ${firstLine(ro)}` };
        const problem = await consistent([v, v - 1, v - 2, v - 3, v - 4, 0].filter((x) => x >= 0));
        if (problem) return { ok: false, detail: problem };
        return { ok: true, detail: `apply exit 0, ${other()[0]} exit ${ro.code}; fsck ok, history parses` };
      },
    });
    const gcRuns = quick ? 1 : 4;
    for (let i = 0; i < gcRuns; i++) trials.push(mixed('ferry apply --wait during ferry gc --keep 1 --wait', () => ['gc', '--state', state, '--keep', '1', '--wait'], true));
    if (!quick) for (let i = 0; i < 4; i++) trials.push(mixed('ferry apply --wait during ferry rollback --wait', () => ['rollback', '--state', state, '--wait', '--no-suspend'], false));
    return {
      trials,
      cleanup: async () => {
        await server.close();
        temp.remove();
      },
    };
  },
};
