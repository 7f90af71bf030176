import { describe, expect, it } from '@jest/globals';
import { parseTagPattern, selectTags, tagVersion } from '../../../src/drivers/oci/select-tags.js';
import { chooseChildren } from '../../../src/drivers/oci/platforms.js';
import type { Descriptor } from '../../../src/drivers/oci/manifest.js';

const D = `sha256:${'a'.repeat(64)}`;
const TAGS = ['latest', '1.0.0', '1.2.0', '1.2.7', 'v1.3', '1.9.9-rc.1', '2.0.0', '3.19', '3.19-alpine', '3.20', 'nightly-2024'];

describe('parseTagPattern', () => {
  it.each([
    ['3.19', 'tag'],
    ['latest', 'tag'],
    ['1.x', 'tag'],
    [D, 'digest'],
    ['/^3\\.1[0-9]$/', 'regex'],
    ['>=1.2 <2', 'range'],
    ['^1.2', 'range'],
    ['~1.2.0', 'range'],
  ])('%s is a %s', (text, kind) => {
    expect(parseTagPattern(text, 'img').kind).toBe(kind);
  });
  it.each([
    ['/[unclosed/', /not a valid regular expression/],
    ['sha512:abcd', /unsupported algorithm/],
    ['not a tag!', /neither a tag/],
  ])('refuses %s naming the image', (text, why) => {
    expect(() => parseTagPattern(text, 'library/alpine')).toThrow(why);
    expect(() => parseTagPattern(text, 'library/alpine')).toThrow(/image library\/alpine/);
  });
});

describe('tagVersion', () => {
  it.each([
    ['1.2.3', '1.2.3'],
    ['v1.2.3', '1.2.3'],
    ['1.2', '1.2.0'],
    ['1.2.3-rc.1', '1.2.3-rc.1'],
    ['3.19-alpine', '3.19.0-alpine'],
    ['latest', null],
    ['1', null],
  ])('%s -> %s', (tag, version) => {
    expect(tagVersion(tag)?.version ?? null).toBe(version);
  });
});

describe('selectTags', () => {
  const sel = (...patterns: string[]) => selectTags(patterns.map((p) => parseTagPattern(p, 'img')), TAGS, 'img');
  it('takes exact tags without checking the list, digests apart', () => {
    expect(sel('3.19', 'absent', D)).toEqual({ tags: ['3.19', 'absent'], digests: [D] });
  });
  it('matches a regex over the tag list', () => {
    expect(sel('/^3\\.[0-9]+$/').tags).toEqual(['3.19', '3.20']);
  });
  it('matches a semver range over version-like tags; pre-releases only when asked', () => {
    expect(sel('>=1.2 <2').tags).toEqual(['1.2.0', '1.2.7', 'v1.3']);
    expect(sel('>=1.9.9-rc.0 <2').tags).toEqual(['1.9.9-rc.1']);
    expect(sel('^2').tags).toEqual(['2.0.0']);
  });
  it('dedupes and sorts across patterns', () => {
    expect(sel('1.2.7', '>=1.2 <1.3', '/^1\\.2/').tags).toEqual(['1.2.0', '1.2.7']);
  });
  it('a pattern matching nothing names image and pattern', () => {
    expect(() => sel('>=9')).toThrow(/image img: no tag matches >=9/);
    expect(() => sel('/^nope$/')).toThrow(/no tag matches \/\^nope\$\//);
  });
});

describe('chooseChildren', () => {
  const child = (os: string, architecture: string, variant?: string): Descriptor => ({
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: D,
    sha256: 'a'.repeat(64),
    size: 1,
    platform: { os, architecture, ...(variant ? { variant } : {}) },
  });
  const all = [child('linux', 'amd64'), child('linux', 'arm64', 'v8'), child('linux', 'arm', 'v7')];
  const where = { image: 'img', tag: '1', url: 'http://r/v2/img/manifests/1' };
  it('keeps every child when no platform is asked', () => {
    expect(chooseChildren(all, [], where)).toHaveLength(3);
  });
  it('narrows to the platforms asked, variant optional', () => {
    expect(chooseChildren(all, ['linux/arm64'], where).map((c) => c.platform?.architecture)).toEqual(['arm64']);
    expect(chooseChildren(all, ['linux/arm/v7', 'linux/amd64'], where)).toHaveLength(2);
  });
  it('a missing platform names image, tag and platform', () => {
    expect(() => chooseChildren(all, ['linux/s390x'], where)).toThrow(/image img:1 has no platform linux\/s390x \(it offers linux\/amd64, linux\/arm64\/v8, linux\/arm\/v7\)/);
  });
});
