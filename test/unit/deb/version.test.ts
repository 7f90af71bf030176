import { describe, it, expect } from '@jest/globals';
import { execFile } from 'node:child_process';
import { compareVersions, parseVersion, versionSatisfies } from '../../../src/drivers/deb/format/version.js';
import { rng } from '../../helpers/rng.js';

const table: Array<[string, string, number]> = [
  ['1.0', '1.0', 0],
  ['1.0', '1.0-0', 0],
  ['1.0-1', '1.0-2', -1],
  ['1:1.0', '2.0', 1],
  ['0:1.0', '1.0', 0],
  ['1.0~rc1', '1.0', -1],
  ['1.0~~', '1.0~', -1],
  ['1.0~', '1.0', -1],
  ['1.0', '1.0a', -1],
  ['1.0a', '1.0+', -1],
  ['1.0+', '1.0.', -1],
  ['1.0.', '1.0', 1],
  ['1.002', '1.2', 0],
  ['1.10', '1.9', 1],
  ['2.0-1', '2.0-1ubuntu1', -1],
  ['1.0-1~bpo1', '1.0-1', -1],
  ['1:0.9', '0:9.9', 1],
  ['1.2.3-4+deb12u1', '1.2.3-4', 1],
  ['a', 'b', -1],
  ['10000000000000000000000000', '9999999999999999999999999', 1],
];

describe('compareVersions (Debian Policy §5.6.12)', () => {
  it.each(table)('%s vs %s', (a, b, want) => {
    expect(compareVersions(a, b)).toBe(want);
    expect(compareVersions(b, a)).toBe(want === 0 ? 0 : -want);
  });

  it('parses epoch, upstream and revision', () => {
    expect(parseVersion('2:1.0-1-2')).toEqual({ epoch: 2, upstream: '1.0-1', revision: '2' });
    expect(parseVersion('1.0')).toEqual({ epoch: 0, upstream: '1.0', revision: '' });
    expect(() => parseVersion('x:1.0')).toThrow(/epoch/);
    expect(() => parseVersion('1.0-')).toThrow(/invalid/);
    expect(() => parseVersion('1.0 2')).toThrow(/invalid/);
  });

  it('evaluates relations', () => {
    expect(versionSatisfies('1.2', '>=', '1.2')).toBe(true);
    expect(versionSatisfies('1.2', '>>', '1.2')).toBe(false);
    expect(versionSatisfies('1.2~b', '<<', '1.2')).toBe(true);
  });
});


function genVersion(r: () => number): string {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  const part = (first: boolean) => {
    let s = first ? String(Math.floor(r() * 12)) : '';
    const n = 1 + Math.floor(r() * 4);
    for (let i = 0; i < n; i++) {
      const k = r();
      if (k < 0.35) s += String(pick([0, 1, 2, 9, 10, 11, 99, 100, 2024]));
      else if (k < 0.5) s += pick(['0', '00', '01']);
      else if (k < 0.7) s += pick(['.', '+', '~']);
      else s += pick(['a', 'b', 'z', 'A', 'rc', 'dfsg', 'ubuntu', 'deb']);
    }
    return s;
  };
  const epoch = r() < 0.15 ? `${Math.floor(r() * 3)}:` : '';
  let upstream = part(true);
  if (r() < 0.1) upstream += `-${part(true)}`;
  const revision = r() < 0.7 || upstream.includes('-') ? `-${part(false) || '1'}` : '';
  return `${epoch}${upstream}${revision}`;
}

function dpkgAgrees(a: string, op: string, b: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    execFile('dpkg', ['--compare-versions', a, op, b], (err, _out, stderr) => {
      if (stderr && /error/i.test(stderr)) reject(new Error(`dpkg rejected ${a} ${op} ${b}: ${stderr}`));
      else if (!err) resolve(true);
      else if (typeof err.code === 'number' && err.code === 1) resolve(false);
      else reject(err instanceof Error ? err : new Error("dpkg failed"));
    });
  });
}

async function checkAll(pairs: Array<[string, string]>): Promise<string[]> {
  // One dpkg call per pair, asking whether our answer holds (lt/eq/gt exclude each other).
  const disagreements: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < pairs.length) {
      const [a, b] = pairs[next++];
      const c = compareVersions(a, b);
      const op = c < 0 ? 'lt' : c > 0 ? 'gt' : 'eq';
      if (!(await dpkgAgrees(a, op, b))) disagreements.push(`${a} ${op} ${b}`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return disagreements;
}

describe('compareVersions against dpkg --compare-versions', () => {
  // Batched: 1,000 generated versions sorted by our comparator; dpkg confirming each adjacent
  // pair confirms the whole order, i.e. all ~500,000 pairs (dpkg's order is total). Near-equal
  // variants (trailing digit bumped, `~` and `+` suffixes, epochs) sit next to each other.
  it('orders 1,000 generated versions exactly as dpkg (all pairs, by adjacent checks)', async () => {
    const r = rng(20261121);
    const set = new Set<string>();
    while (set.size < 1000) {
      const a = genVersion(r);
      set.add(a);
      if (r() < 0.3) set.add(a.replace(/[0-9]$/, (d) => String((Number(d) + 1) % 10)));
      if (r() < 0.1) set.add(`${a}~1`);
      if (r() < 0.1) set.add(`${a}+b1`);
    }
    const sorted = [...set].sort(compareVersions);
    const pairs = sorted.slice(1).map((b, i) => [sorted[i], b] as [string, string]);
    expect(await checkAll(pairs)).toEqual([]);
  }, 180_000);

  it('agrees on 300 random pairs', async () => {
    const r = rng(7);
    const pairs: Array<[string, string]> = Array.from({ length: 300 }, () => [genVersion(r), genVersion(r)]);
    expect(await checkAll(pairs)).toEqual([]);
  }, 120_000);
});
