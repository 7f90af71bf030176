/** Runs areas' trials one after the other and tabulates them (area, trial, count, ok, outcome). */
import type { Area, TrialResult } from './trial.js';

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

export async function runTorture(o: { quick: boolean; areas: Area[]; seed: number }): Promise<{ table: string; failed: number; results: Array<TrialResult & { area: string; name: string }> }> {
  const random = mulberry32(o.seed);
  const results: Array<TrialResult & { area: string; name: string }> = [];
  for (const area of o.areas) {
    const { trials, cleanup } = await area.trials({ quick: o.quick, random });
    try {
      for (const t of trials) {
        const r = await t.run().catch((e: unknown) => ({ ok: false, detail: `threw: ${(e as Error).message}` }));
        results.push({ ...r, area: t.area, name: t.name });
      }
    } finally {
      await cleanup();
    }
  }
  const rows = new Map<string, { area: string; name: string; n: number; ok: number; last: string }>();
  for (const r of results) {
    const key = `${r.area}\u0000${r.name}`;
    const row = rows.get(key) ?? { area: r.area, name: r.name, n: 0, ok: 0, last: '' };
    row.n++;
    if (r.ok) row.ok++;
    if (!r.ok || !row.last) row.last = r.detail;
    rows.set(key, row);
  }
  const lines = ['| area | trial | trials | passed | outcome (a failure, else the first) |', '|---|---|---|---|---|'];
  for (const r of rows.values()) lines.push(`| ${r.area} | ${r.name} | ${r.n} | ${r.ok} | ${r.last.replace(/\|/g, '/')} |`);
  const failed = results.filter((r) => !r.ok).length;
  lines.push(`\n${results.length} trials, ${results.length - failed} passed, ${failed} failed`);
  return { table: lines.join('\n') + '\n', failed, results };
}
