/**
 * Runs areas' trials one after the other and tabulates them: area, trial, count, passed, the
 * time a trial took (median and slowest), its outcome (a failure's, else the first) and its
 * figure (a failure's, else the last). An area whose setup throws is one failed row.
 */
import type { Area, TrialResult } from './trial.js';
import { median } from './kit.js';

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type TrialRow = TrialResult & { area: string; name: string; ms: number };

const seconds = (ms: number) => (ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`);
const cell = (s: string) => s.replace(/\|/g, '/').replace(/\n/g, ' ');

export async function runTorture(o: { quick: boolean; areas: Area[]; seed: number; log?: (line: string) => void; trial?: (name: string) => boolean }): Promise<{ table: string; failed: number; results: TrialRow[] }> {
  const random = mulberry32(o.seed);
  const results: TrialRow[] = [];
  for (const area of o.areas) {
    const t0 = Date.now();
    let setup: Awaited<ReturnType<Area['trials']>>;
    try {
      setup = await area.trials({ quick: o.quick, random });
    } catch (e) {
      results.push({ ok: false, area: area.name, name: 'setup', detail: `threw: ${(e as Error).message}`, ms: Date.now() - t0 });
      continue;
    }
    try {
      for (const t of setup.trials.filter((x) => o.trial?.(x.name) ?? true)) {
        const started = Date.now();
        const r = await t.run().catch((e: unknown): TrialResult => ({ ok: false, detail: `threw: ${(e as Error).message}` }));
        const row = { ...r, area: t.area, name: t.name, ms: Date.now() - started };
        results.push(row);
        o.log?.(`${row.ok ? 'ok  ' : 'FAIL'} ${row.area} / ${row.name} (${seconds(row.ms)}): ${row.detail}${row.figure ? ` [${row.figure}]` : ''}`);
      }
    } finally {
      await setup.cleanup();
    }
  }
  const rows = new Map<string, { area: string; name: string; n: number; ok: number; ms: number[]; outcome: string; figure: string; failedSeen: boolean }>();
  for (const r of results) {
    const key = `${r.area}\u0000${r.name}`;
    const row = rows.get(key) ?? { area: r.area, name: r.name, n: 0, ok: 0, ms: [], outcome: '', figure: '', failedSeen: false };
    row.n++;
    row.ms.push(r.ms);
    if (r.ok) row.ok++;
    if (!row.failedSeen && (!r.ok || !row.outcome)) row.outcome = r.detail;
    if (!row.failedSeen && r.figure !== undefined) row.figure = r.figure;
    if (!r.ok) row.failedSeen = true;
    rows.set(key, row);
  }
  const lines = ['| area | trial | trials | passed | time (median / max) | outcome (a failure, else the first) | figure |', '|---|---|---|---|---|---|---|'];
  for (const r of rows.values()) {
    lines.push(`| ${r.area} | ${cell(r.name)} | ${r.n} | ${r.ok} | ${seconds(median(r.ms))} / ${seconds(Math.max(...r.ms))} | ${cell(r.outcome)} | ${cell(r.figure)} |`);
  }
  const failed = results.filter((r) => !r.ok).length;
  lines.push(`\n${results.length} trials, ${results.length - failed} passed, ${failed} failed`);
  return { table: lines.join('\n') + '\n', failed, results };
}
