/** PEP 440 edge cases as tables (the differential test covers the bulk against packaging). */
import { describe, expect, test } from '@jest/globals';
import { filterVersions, parseSpecifierSet, setContains } from '../../../src/drivers/pypi/specifier.js';
import { compareVersions, formatVersion, parseVersion, version } from '../../../src/drivers/pypi/version.js';

describe('versions', () => {
  test.each([
    ['1.0', '1.0'],
    ['v1.0', '1.0'],
    ['1.0-alpha1', '1.0a1'],
    ['1.0.PREVIEW.2', '1.0rc2'],
    ['1.0c1', '1.0rc1'],
    ['1.0-1', '1.0.post1'],
    ['1.0.r', '1.0.post0'],
    ['1.0-dev', '1.0.dev0'],
    ['1!2.0+Ubuntu-1', '1!2.0+ubuntu.1'],
    ['00.01', '0.1'],
  ])('%s normalizes to %s', (text, normal) => {
    expect(formatVersion(version(text))).toBe(normal);
  });

  test.each(['', '1.0-foo', 'latest', '1..0', '1.0+', '1.0.*', '.1'])('%j is no version', (text) => {
    expect(parseVersion(text)).toBeUndefined();
  });

  test('the order of PEP 440 "Summary of permitted suffixes and relative ordering"', () => {
    const ordered = ['1.dev0', '1.0.dev456', '1.0a1', '1.0a2.dev456', '1.0a12.dev456', '1.0a12', '1.0b1.dev456', '1.0b2', '1.0b2.post345.dev456', '1.0b2.post345', '1.0rc1.dev456', '1.0rc1', '1.0', '1.0+abc.5', '1.0+abc.7', '1.0+5', '1.0.post456.dev34', '1.0.post456', '1.0.15', '1.1.dev1', '1!0.1'];
    const shuffled = [...ordered].reverse();
    expect(shuffled.sort((a, b) => compareVersions(version(a), version(b)))).toStrictEqual(ordered);
  });

  test('trailing zeros do not count; local labels do', () => {
    expect(compareVersions(version('1.0.0'), version('1'))).toBe(0);
    expect(compareVersions(version('1.0+1'), version('1.0'))).toBe(1);
    expect(compareVersions(version('1.0+a'), version('1.0+1'))).toBe(-1);
    expect(compareVersions(version('99999999999999999999999.1'), version('99999999999999999999998.2'))).toBe(1);
  });
});

describe('specifiers', () => {
  const holds = (spec: string, v: string, pre?: boolean) => setContains(parseSpecifierSet(spec), version(v), pre);
  test.each([
    ['~=2.2', '2.3', true],
    ['~=2.2', '3.0', false],
    ['~=1.4.5', '1.4.9', true],
    ['~=1.4.5', '1.5.0', false],
    ['==1.1.*', '1.1.post1', true],
    ['==1.1.*', '1.10', false],
    ['!=1.1.*', '1.2', true],
    ['==1.0', '1.0+local', true],
    ['==1.0+local', '1.0', false],
    ['>1.7', '1.7.1', true],
    ['>1.7', '1.7.post1', false],
    ['>1.7.post2', '1.7.post3', true],
    ['<1.7', '1.7rc1', false],
    ['>=1.0,<2', '1.5', true],
    ['===1.0', '1.0', true],
    ['>=1.0', '2.0a1', false],
  ])('%s contains %s: %s', (spec, v, want) => {
    expect(holds(spec, v)).toBe(want);
  });

  test('pre-releases only when asked, or named by the specifier', () => {
    expect(holds('>=1.0', '2.0a1', true)).toBe(true);
    expect(holds('>=2.0a1', '2.0a2')).toBe(true);
    const items = ['1.0', '2.0b1'].map((t) => ({ t, v: version(t) }));
    expect(filterVersions(parseSpecifierSet('>=1.0'), items, (x) => x.v).map((x) => x.t)).toStrictEqual(['1.0']);
    expect(filterVersions(parseSpecifierSet('>=1.0', true), items, (x) => x.v).map((x) => x.t)).toStrictEqual(['1.0', '2.0b1']);
    expect(filterVersions(parseSpecifierSet(''), [items[1]], (x) => x.v).map((x) => x.t)).toStrictEqual(['2.0b1']);
  });

  test.each(['~=1', '<1.0.*', '>=1.0+local', '=>1.0', '== 1.0 2', '~=1.0.*'])('%j is refused', (spec) => {
    expect(() => parseSpecifierSet(spec)).toThrow(/not a PEP 440 version specifier/);
  });
});
