import { describe, it, expect } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareEvr, parseEvr, rangesOverlap, rpmvercmp, type Flags } from '../../../src/drivers/rpm/format/vercmp.js';
import { rng } from '../../helpers/rng.js';

// Expected values are rpm 4.18's (rpm --eval '%{lua: print(rpm.vercmp(a, b))}').
const table: Array<[string, string, number]> = [
  ['1.0', '1.0', 0],
  ['1.0', '2.0', -1],
  ['2.0.1', '2.0', 1],
  ['2.0.1a', '2.0.1', 1],
  ['5.5p1', '5.5p2', -1],
  ['5.5p10', '5.5p1', 1],
  ['10xyz', '10.1xyz', -1],
  ['xyz10', 'xyz10.1', -1],
  ['a', '1', -1],
  ['1.0', '1.0a', -1],
  ['2_0', '2.0', 0],
  ['1.0~rc1', '1.0', -1],
  ['1.0~rc1', '1.0~rc2', -1],
  ['1.0~rc1~git1', '1.0~rc1', -1],
  ['1.0^', '1.0', 1],
  ['1.0^git1', '1.0', 1],
  ['1.0^git1', '1.0.1', -1],
  ['1.0^git1', '1.0~rc1', 1],
  ['1.0^git1~pre', '1.0^git1', -1],
  ['001', '1', 0],
  ['1.01', '1.1', 0],
  ['+', '_', 0],
  ['fc4', 'fc.4', 0],
  ['FC5', 'fc4', -1],
  ['20101121', '20101122', -1],
  ['99999999999999999999', '100000000000000000000', -1],
];

describe('rpmvercmp (rpm 4.18 rpmio/rpmvercmp.c)', () => {
  it.each(table)('%s vs %s', (a, b, want) => {
    expect(rpmvercmp(a, b)).toBe(want);
    expect(rpmvercmp(b, a)).toBe(-want || 0);
  });
});

describe('EVR', () => {
  it('parses as rpmverParse does', () => {
    expect(parseEvr('1:2.0-3.el9')).toEqual({ epoch: '1', version: '2.0', release: '3.el9' });
    expect(parseEvr('2.0')).toEqual({ epoch: undefined, version: '2.0', release: undefined });
    expect(parseEvr(':2.0-1')).toEqual({ epoch: '0', version: '2.0', release: '1' });
    expect(parseEvr('2.0-1-2')).toEqual({ epoch: undefined, version: '2.0-1', release: '2' });
    expect(parseEvr('12-3')).toEqual({ epoch: undefined, version: '12', release: '3' });
  });
  it('compares epoch, version, then release (one with a release is newer)', () => {
    expect(compareEvr(parseEvr('1:1.0'), parseEvr('2.0'))).toBe(1);
    expect(compareEvr(parseEvr('0:1.0'), parseEvr('1.0'))).toBe(0);
    expect(compareEvr(parseEvr('1.0-1'), parseEvr('1.0'))).toBe(1);
    expect(compareEvr(parseEvr('1.0-'), parseEvr('1.0'))).toBe(1);
    expect(compareEvr(parseEvr('1.0-1'), parseEvr('1.0-2'))).toBe(-1);
  });
});

describe('rangesOverlap (rpmverOverlap)', () => {
  const r = (flags: Flags, evr: string) => ({ flags, evr: parseEvr(evr) });
  it.each([
    [r('EQ', '1.0-1'), r('GE', '1.0'), true],
    [r('EQ', '0.9-1'), r('GE', '1.0'), false],
    [r('EQ', '1.0-1'), r('EQ', '1.0'), true],
    [r('EQ', '1.0-1'), r('GT', '1.0'), false],
    [r('EQ', '1.0-2'), r('GT', '1.0-1'), true],
    [r('EQ', '1:0.1-1'), r('GE', '2.0'), true],
    [r('EQ', '0.1-1'), r('GE', '1:0.1'), false],
    [r('EQ', '2.0-1'), r('LT', '2.0-1'), false],
    [r('LT', '3.0'), r('GT', '2.0'), true],
    [r('GE', '3.0'), r('LT', '2.0'), false],
  ])('%j vs %j', (a, b, want) => {
    expect(rangesOverlap(a, b)).toBe(want);
    expect(rangesOverlap(b, a)).toBe(want);
  });
  it('an unversioned side always overlaps', () => {
    expect(rangesOverlap({}, r('GE', '9'))).toBe(true);
    expect(rangesOverlap(r('EQ', '1'), {})).toBe(true);
  });
});

function run(cmd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { maxBuffer: 64 << 20 }, (e, out, err) => {
      if (e && (e as NodeJS.ErrnoException).code === 'ENOENT') reject(new Error(`${cmd} is missing: run scripts/install-rpm.sh`));
      else if (e) reject(new Error(`${cmd} failed: ${err}`));
      else resolve(out);
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

function rpmEval(args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('rpm', args, { maxBuffer: 64 << 20 }, (e, out, err) => {
      if (e && (e as NodeJS.ErrnoException).code === 'ENOENT') reject(new Error('rpm is missing: run scripts/install-rpm.sh'));
      else if (e) reject(new Error(`rpm failed: ${err}`));
      else resolve(out);
    }),
  );
}

/** Random version strings over the characters that matter to rpmvercmp. */
function generated(seed: number, count: number, alphabet: string[]): Array<[string, string]> {
  const next = rng(seed);
  const pick = () => {
    const n = 1 + Math.floor(next() * 6);
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(next() * alphabet.length)];
    return s;
  };
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i < count; i++) {
    const a = pick();
    // Half the pairs share a prefix, so that later segments decide.
    const b = next() < 0.5 ? a.slice(0, Math.floor(next() * a.length)) + pick() : pick();
    pairs.push([a, b]);
  }
  return pairs;
}

describe('differential against rpm itself (rpm.vercmp in rpm --eval lua)', () => {
  it('agrees on generated version and EVR pairs', async () => {
    const segments = ['0', '1', '2', '9', '10', '007', 'a', 'b', 'Z', 'rc', '.', '_', '+', '~', '^', '~~', '^^'];
    const versions = generated(18, 3000, segments);
    const evrs = generated(1818, 1500, [...segments, ':', '1:', '-', '-1', '2:']);
    const pairs = [...versions, ...evrs].filter(([a, b]) => a.length > 0 && b.length > 0);
    const dir = await mkdtemp(join(tmpdir(), 'ferry-vercmp-'));
    try {
      await writeFile(join(dir, 'pairs.txt'), pairs.map(([a, b]) => `${a}\t${b}\n`).join(''));
      await writeFile(
        join(dir, 'cmp.lua'),
        `local out = {}\nfor l in io.lines(${JSON.stringify(join(dir, 'pairs.txt'))}) do\n  local a, b = l:match("^(.-)\\t(.*)$")\n  out[#out + 1] = tostring(rpm.vercmp(a, b))\nend\nprint(table.concat(out, "\\n"))\n`,
      );
      const got = (await rpmEval(['--eval', `%{lua: dofile(${JSON.stringify(join(dir, 'cmp.lua'))})}`])).trim().split('\n');
      expect(got).toHaveLength(pairs.length);
      const mismatches = pairs.flatMap(([a, b], i) => {
        const ours = compareEvr(parseEvr(a), parseEvr(b));
        const theirs = Math.sign(Number(got[i]));
        return ours === theirs ? [] : [`${a} vs ${b}: rpm ${theirs}, ours ${ours}`];
      });
      expect(mismatches).toEqual([]);
      // The pairs without ':' and '-' are plain rpmvercmp: make sure the set exercises every outcome.
      const outcomes = new Set(got.map((g) => Math.sign(Number(g))));
      expect([...outcomes].sort()).toEqual([-1, 0, 1]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('differential against rpm itself (rpmds Compare in python3-rpm)', () => {
  it('agrees on the overlap of generated versioned relations', async () => {
    const evrs = ['1', '1.0', '1.0-1', '1.0-2', '1:1.0', '0:1.0-1', '2.0', '1.0~rc1-1', '1.0^g1', '0.9-9'];
    const flags: Flags[] = ['EQ', 'LT', 'LE', 'GT', 'GE'];
    const rels = evrs.flatMap((evr) => flags.map((f) => ({ flags: f, evr })));
    const pairs = rels.flatMap((a) => rels.map((b) => [a, b] as const));
    const script = [
      'import json, sys, rpm',
      "S = {'EQ': rpm.RPMSENSE_EQUAL, 'LT': rpm.RPMSENSE_LESS, 'LE': rpm.RPMSENSE_LESS | rpm.RPMSENSE_EQUAL, 'GT': rpm.RPMSENSE_GREATER, 'GE': rpm.RPMSENSE_GREATER | rpm.RPMSENSE_EQUAL}",
      "ds = lambda r, t: rpm.ds(('x', S[r['flags']], r['evr']), t)",
      "print(json.dumps([bool(ds(a, rpm.RPMTAG_PROVIDENAME).Compare(ds(b, rpm.RPMTAG_REQUIRENAME))) for a, b in json.load(sys.stdin)]))",
    ].join('\n');
    const theirs = JSON.parse(await run('/usr/bin/python3', ['-c', script], JSON.stringify(pairs))) as boolean[];
    const mismatches = pairs.flatMap(([a, b], i) => {
      const ours = rangesOverlap({ flags: a.flags, evr: parseEvr(a.evr) }, { flags: b.flags, evr: parseEvr(b.evr) });
      return ours === theirs[i] ? [] : [`${a.flags} ${a.evr} vs ${b.flags} ${b.evr}: rpm ${theirs[i]}, ours ${ours}`];
    });
    expect(mismatches).toEqual([]);
    expect(new Set(theirs).size).toBe(2);
  });
});
