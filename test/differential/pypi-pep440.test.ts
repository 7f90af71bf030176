/**
 * PEP 440 and PEP 508 against the reference: Debian's python3-packaging (23.0), spawned once with
 * a batch of generated versions, specifiers, markers and names; every answer compared strictly
 * (validity, normalized text, pre/post flags, the order and its ties, `contains` and `filter`
 * with and without pre-releases, marker values, normalized names).
 */
import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { normalizeName } from '../../src/drivers/pypi/name.js';
import { evaluateMarker, parseMarker } from '../../src/drivers/pypi/requirement.js';
import { filterVersions, parseSpecifierSet, setContains, setPrereleases, type SpecifierSet } from '../../src/drivers/pypi/specifier.js';
import { baseOf, compareVersions, formatVersion, isPostrelease, isPrerelease, parseVersion, publicOf, type Version } from '../../src/drivers/pypi/version.js';
import { rng } from '../helpers/rng.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./pypi-packaging.py', import.meta.url));

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)];
}

function genVersion(r: () => number): string {
  let s = '';
  if (r() < 0.05) s += pick(r, ['v', 'V', ' ', '']);
  if (r() < 0.1) s += `${pick(r, ['0', '1', '2', '01'])}!`;
  const n = 1 + Math.floor(r() * 4);
  s += Array.from({ length: n }, () => pick(r, ['0', '1', '2', '3', '10', '00', '01', '999999999999999999999'])).join('.');
  const sep = () => pick(r, ['', '', '.', '-', '_']);
  if (r() < 0.35) s += `${sep()}${pick(r, ['a', 'b', 'rc', 'c', 'alpha', 'beta', 'pre', 'preview', 'RC', 'A'])}${sep()}${pick(r, ['', '0', '1', '2', '11'])}`;
  if (r() < 0.25) s += r() < 0.3 ? `-${pick(r, ['0', '1', '3'])}` : `${sep()}${pick(r, ['post', 'rev', 'r', 'POST'])}${sep()}${pick(r, ['', '0', '1', '2'])}`;
  if (r() < 0.25) s += `${sep()}${pick(r, ['dev', 'DEV'])}${sep()}${pick(r, ['', '0', '1', '5'])}`;
  if (r() < 0.15) s += `+${Array.from({ length: 1 + Math.floor(r() * 3) }, () => pick(r, ['ubuntu', '1', '2', 'abc', '10', 'Z', '01'])).join(pick(r, ['.', '-', '_']))}`;
  if (r() < 0.05) s += pick(r, [' ', '.', '..', '+', '-', 'x', '*', '.*']);
  if (r() < 0.03) s = pick(r, ['', 'latest', '1.0-beta', '1..0', '1.0_', '.1', 'dev', '1.0+', '1.0+a..b', '1.0.*']);
  return s;
}

function genSpecifier(r: () => number, versions: readonly string[]): string {
  const one = () => {
    const op = pick(r, ['==', '!=', '<=', '>=', '<', '>', '~=', '===', '==', '>=']);
    let v = pick(r, versions).trim();
    // packaging 23.0 raises on `===` with a non-PEP 440 version (SpecifierSet.prereleases parses it).
    if (op === '===' && parseVersion(v) === undefined) v = '1.0';
    if ((op === '==' || op === '!=') && r() < 0.3) v = `${v.replace(/\+.*$/, '')}.*`;
    const ws = pick(r, ['', '', ' ']);
    return `${ws}${op}${ws}${v}${ws}`;
  };
  const n = r() < 0.1 ? 0 : 1 + Math.floor(r() * 3);
  return Array.from({ length: n }, one).join(',');
}

const ENV = {
  python_version: '3.11', python_full_version: '3.11.2', implementation_version: '3.11.2', os_name: 'posix', sys_platform: 'linux',
  platform_system: 'Linux', platform_machine: 'x86_64', platform_release: '6.1.0', platform_version: '#1 SMP', platform_python_implementation: 'CPython',
  implementation_name: 'cpython', extra: '',
};

function genMarker(r: () => number): { marker: string; env: Record<string, string> } {
  const atom = (): string => {
    const q = pick(r, ['"', "'"]);
    switch (Math.floor(r() * 6)) {
      case 0:
        return `python_version ${pick(r, ['<', '<=', '>=', '>', '==', '!=', '~='])} ${q}${pick(r, ['3', '3.8', '3.11', '3.12', '2.7', '3.11.*', '3.10'])}${q}`;
      case 1:
        return `sys_platform ${pick(r, ['==', '!='])} ${q}${pick(r, ['linux', 'win32', 'darwin'])}${q}`;
      case 2:
        return `extra == ${q}${pick(r, ['test', 'Test_Extra', 'test-extra', 'docs'])}${q}`;
      case 3:
        return `${q}${pick(r, ['linux', 'x86', 'arm'])}${q} ${pick(r, ['in', 'not in'])} ${pick(r, ['sys_platform', 'platform_machine'])}`;
      case 4:
        return `platform_machine ${pick(r, ['==', '!='])} ${q}${pick(r, ['x86_64', 'aarch64'])}${q}`;
      default:
        return `python_full_version ${pick(r, ['<', '>='])} ${q}${pick(r, ['3.11.1', '3.11.3', '3.8.0'])}${q}`;
    }
  };
  const expr = (depth: number): string => {
    const a = depth > 0 && r() < 0.3 ? `(${expr(depth - 1)})` : atom();
    return r() < 0.4 ? `${a} ${pick(r, ['and', 'or'])} ${expr(depth - 1)}` : a;
  };
  let marker = expr(2);
  if (r() < 0.05) marker = pick(r, ['python_version >=', 'foo == "1"', 'python_version = "3"', '(python_version < "3"', '"a" == "a"']);
  const env = { ...ENV, extra: pick(r, ['', 'test', 'Test.Extra', 'test_extra', 'docs']), python_version: pick(r, ['3.8', '3.11', '3.12']), sys_platform: pick(r, ['linux', 'win32']) };
  return { marker, env };
}

const hasReference = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import packaging.version'], { encoding: 'utf8' }).status === 0;

describe('PEP 440 / PEP 508 against python3-packaging', () => {
  const r = rng(440);
  const versionTexts = [...new Set(Array.from({ length: 700 }, () => genVersion(r)))];
  const validTexts = versionTexts.filter((t) => parseVersion(t) !== undefined);
  const specTexts = Array.from({ length: 300 }, () => genSpecifier(r, versionTexts));
  const markers = Array.from({ length: 600 }, () => genMarker(r));
  const names = Array.from({ length: 200 }, () => Array.from({ length: 1 + Math.floor(r() * 4) }, () => pick(r, ['Foo', 'bar', '_', '-', '.', '--', '__', 'Zope', '2', 'a.b'])).join(''));

  const ref = (() => {
    if (!hasReference) throw new Error(`${PYTHON} with python3-packaging is needed: run scripts/install-pypi.sh`);
    const out = spawnSync(PYTHON, [SCRIPT], { input: JSON.stringify({ versions: versionTexts, specifiers: specTexts, markers, names }), encoding: 'utf8', maxBuffer: 1 << 28 });
    if (out.status !== 0) throw new Error(`reference failed: ${out.stderr}`);
    return JSON.parse(out.stdout) as {
      versions: Array<{ ok: boolean; str?: string; pre?: boolean; post?: boolean; public?: string; base?: string }>;
      order: string[];
      rank: Record<string, number>;
      specifiers: Array<{ ok: boolean; prereleases?: boolean | null; contains?: boolean[]; containsPre?: boolean[]; filter?: string[]; filterPre?: string[] }>;
      markers: Array<{ ok: boolean; value?: boolean; error?: string }>;
      names: string[];
    };
  })();

  test('the batch exercises enough valid and invalid input', () => {
    expect(validTexts.length).toBeGreaterThan(400);
    expect(versionTexts.length - validTexts.length).toBeGreaterThan(20);
    expect(ref.specifiers.filter((s) => s.ok).length).toBeGreaterThan(180);
    expect(ref.specifiers.filter((s) => !s.ok).length).toBeGreaterThan(10);
  });

  test('validity, normalized text, flags, public and base versions', () => {
    const mine = versionTexts.map((t) => {
      const v = parseVersion(t);
      return v ? { ok: true, str: formatVersion(v), pre: isPrerelease(v), post: isPostrelease(v), public: formatVersion(publicOf(v)), base: formatVersion(baseOf(v)) } : { ok: false };
    });
    expect(mine).toStrictEqual(ref.versions);
  });

  test('order and ties', () => {
    const parsed = new Map(validTexts.map((t) => [t, parseVersion(t)!] as [string, Version]));
    // A stable sort by compareVersions gives Python's sorted() order exactly.
    const mine = [...validTexts].sort((a, b) => compareVersions(parsed.get(a)!, parsed.get(b)!));
    expect(mine).toStrictEqual(ref.order);
    for (let i = 1; i < mine.length; i++) {
      const tie = compareVersions(parsed.get(mine[i - 1])!, parsed.get(mine[i])!) === 0;
      expect([mine[i], tie]).toStrictEqual([mine[i], ref.rank[mine[i - 1]] === ref.rank[mine[i]]]);
    }
  });

  test('specifier validity, prereleases, contains and filter', () => {
    const vs = validTexts.map((t) => parseVersion(t)!);
    const mine = specTexts.map((s) => {
      let set: SpecifierSet;
      try {
        set = parseSpecifierSet(s);
      } catch {
        return { ok: false };
      }
      const items = validTexts.map((t, i) => ({ t, v: vs[i] }));
      return {
        ok: true,
        prereleases: setPrereleases(set) ?? null,
        contains: vs.map((v) => setContains(set, v)),
        containsPre: vs.map((v) => setContains(set, v, true)),
        filter: filterVersions(set, items, (x) => x.v).map((x) => x.t),
        filterPre: filterVersions(set, items, (x) => x.v, true).map((x) => x.t),
      };
    });
    mine.forEach((m, i) => expect([specTexts[i], m]).toStrictEqual([specTexts[i], ref.specifiers[i]]));
  });

  test('environment markers', () => {
    const mine = markers.map(({ marker, env }) => {
      try {
        const m = parseMarker(marker);
        try {
          return { ok: true, value: evaluateMarker(m, env) };
        } catch {
          return { ok: true, error: true };
        }
      } catch {
        return { ok: false };
      }
    });
    // An evaluation error is compared as such (packaging raises KeyError or UndefinedComparison).
    const theirs = ref.markers.map((m) => (m.error !== undefined ? { ok: true, error: true } : m));
    mine.forEach((m, i) => expect([markers[i], m]).toStrictEqual([markers[i], theirs[i]]));
  });

  test('PEP 503 names', () => {
    expect(names.map(normalizeName)).toStrictEqual(ref.names);
  });
});
