import { describe, it, expect } from '@jest/globals';
import { parseControlFile, parseStanzaFields, writeStanza, StanzaSyntaxError } from '../../../src/drivers/deb/format/control.js';
import { parseRelations, parseRelation } from '../../../src/drivers/deb/format/relations.js';
import { parseRelease, buildRelease } from '../../../src/drivers/deb/format/release.js';
import { parseQuery, matchQuery, type QueryTarget } from '../../../src/drivers/deb/format/query.js';
import { forEachStanza } from '../../../src/drivers/deb/format/stanza-stream.js';
import { parsePackageStanza } from '../../../src/drivers/deb/format/package.js';

describe('control stanzas (Policy §5.1)', () => {
  it('reads fields, continuation lines and round-trips', () => {
    const text = 'Package: a\nDescription: short\n line two\n .\n line four\nDepends: b,\n c\n';
    const [fields] = parseControlFile(text);
    expect(fields.map((f) => f.name)).toEqual(['Package', 'Description', 'Depends']);
    expect(fields[1].value).toBe('short\n line two\n .\n line four');
    expect(`${writeStanza(fields)}\n`).toBe(text);
  });

  it('splits stanzas on blank lines', () => {
    expect(parseControlFile('A: 1\n\n\nB: 2\n \nC: 3\n').map((s) => s.map((f) => f.name))).toEqual([['A'], ['B'], ['C']]);
  });

  it('names the line of a malformed field', () => {
    expect(() => parseStanzaFields('A: 1\nno colon here', 10)).toThrow(StanzaSyntaxError);
    try {
      parseStanzaFields('A: 1\nno colon here', 10);
    } catch (e) {
      expect((e as StanzaSyntaxError).line).toBe(11);
    }
    expect(() => parseStanzaFields(' leading continuation')).toThrow(/continuation/);
  });

  it('streams stanzas across chunk boundaries, with ordinals and line numbers', async () => {
    const text = 'Package: é\nV: 1\n\nPackage: b\nV: 2\n\n\nPackage: c\n';
    const bytes = Buffer.from(text);
    async function* chunks() {
      for (let i = 0; i < bytes.length; i += 3) yield bytes.subarray(i, i + 3);
    }
    const got: Array<{ text: string; ordinal: number; line: number }> = [];
    await forEachStanza(chunks(), (s) => void got.push(s));
    expect(got).toEqual([
      { text: 'Package: é\nV: 1', ordinal: 0, line: 1 },
      { text: 'Package: b\nV: 2', ordinal: 1, line: 4 },
      { text: 'Package: c', ordinal: 2, line: 8 },
    ]);
  });

  it('gives the same stanzas and line numbers whatever the chunking', async () => {
    const parts: string[] = [];
    const expected: Array<{ text: string; ordinal: number; line: number }> = [];
    let line = 1;
    for (let i = 0; i < 40; i++) {
      const blank = i % 3 === 0 ? '\n\n' : '\n';
      const stanza = `Package: p${i}\nDescription: x\n ü line ${i}${i % 4 === 0 ? '\n more' : ''}`;
      if (i > 0) {
        parts.push(blank);
        line += blank.length;
      }
      expected.push({ text: stanza, ordinal: i, line });
      parts.push(`${stanza}\n`);
      line += stanza.split('\n').length;
    }
    const bytes = Buffer.from(`\n${parts.join('')}\n\n`);
    for (const e of expected) e.line += 1;
    for (const size of [1, 2, 3, 7, 16, 64, 1000, bytes.length]) {
      async function* chunks() {
        for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
      }
      const got: Array<{ text: string; ordinal: number; line: number }> = [];
      await forEachStanza(chunks(), (st) => void got.push(st));
      expect(got).toEqual(expected);
    }
  });

  it('parses a Packages stanza on the fast path like the generic reader', () => {
    const text = 'Package: a\nVersion: 1:2.0-1\nArchitecture: amd64\nDescription: x\n more\ndepends: b,\n c (>= 1)\nFilename: pool/a.deb\nSize: 10\nSHA256: ' + 'A'.repeat(64);
    const all: Array<{ name: string; value: string }> = [];
    const p = parsePackageStanza(text, 1, { mirror: 'm', suite: 's', component: 'main', index: 'i', type: 'deb' }, 0, all);
    expect(p).toMatchObject({ name: 'a', version: '1:2.0-1', depends: 'b,\n c (>= 1)', size: 10, sha256: 'a'.repeat(64) });
    expect(all.map((f) => f.name)).toEqual(['Package', 'Version', 'Architecture', 'Description', 'depends', 'Filename', 'Size', 'SHA256']);
    expect(all[3].value).toBe('x\n more');
    expect(() => parsePackageStanza('Package: a\nbad line', 5, { mirror: 'm', suite: 's', component: 'main', index: 'i', type: 'deb' }, 0)).toThrow(expect.objectContaining({ line: 6 }));
    expect(() => parsePackageStanza('Package: a\nVersion: 1', 1, { mirror: 'm', suite: 's', component: 'main', index: 'i', type: 'deb' }, 0)).toThrow(/Architecture/);
  });
});

describe('relations (Policy §7.1)', () => {
  it('parses groups, versions, qualifiers and restrictions', () => {
    expect(parseRelations('libc6 (>= 2.36), python3:any, exim4 | mail-transport-agent, foo (<< 1:2.0~rc1) [amd64 !i386] <!nocheck>')).toEqual([
      [{ name: 'libc6', op: '>=', version: '2.36' }],
      [{ name: 'python3', archQualifier: 'any' }],
      [{ name: 'exim4' }, { name: 'mail-transport-agent' }],
      [{ name: 'foo', op: '<<', version: '1:2.0~rc1', archRestriction: ['amd64', '!i386'] }],
    ]);
    expect(parseRelation('old (< 1)').op).toBe('<=');
    expect(parseRelations('a,\n b')).toHaveLength(2);
    expect(() => parseRelation('Bad Name')).toThrow(/malformed/);
  });
});

describe('Release files', () => {
  it('parses checksum lists and writes them back', () => {
    const text = buildRelease({
      header: [['Origin', 'Debian'], ['Suite', 'stable'], ['Date', 'Sat, 21 Nov 2026 21:00:00 UTC'], ['Acquire-By-Hash', 'yes'], ['Skipped', undefined]],
      entries: [{ path: 'main/binary-amd64/Packages', size: 10, md5: 'a'.repeat(32), sha1: 'b'.repeat(40), sha256: 'c'.repeat(64), sha512: 'd'.repeat(128) }],
    });
    expect(text).not.toContain('Skipped');
    const r = parseRelease(text);
    expect(r.acquireByHash).toBe(true);
    expect(r.date?.toISOString()).toBe('2026-11-21T21:00:00.000Z');
    expect(r.entries.get('main/binary-amd64/Packages')).toEqual({ path: 'main/binary-amd64/Packages', size: 10, md5: 'a'.repeat(32), sha1: 'b'.repeat(40), sha256: 'c'.repeat(64), sha512: 'd'.repeat(128) });
    expect(() => parseRelease('SHA256:\n zz 1 x\n')).toThrow(/malformed sha256 line/);
  });
});

describe('aptly filter queries', () => {
  const target = (name: string, version: string, fields: Record<string, string> = {}, arch = 'amd64'): QueryTarget => ({
    name,
    version,
    arch,
    source: fields.Source ?? name,
    sourceVersion: version,
    type: 'deb',
    field: (f) => (f === 'Package' ? name : fields[f]),
  });
  const m = (q: string, t: QueryTarget) => matchQuery(parseQuery(q), t);

  it('matches names, versions and architectures', () => {
    expect(m('nginx', target('nginx', '1.22'))).toBe(true);
    expect(m('nginx (>= 1.22)', target('nginx', '1.21'))).toBe(false);
    expect(m('nginx (>= 1.22) {amd64}', target('nginx', '1.22.1'))).toBe(true);
    expect(m('nginx {arm64}', target('nginx', '1.22.1'))).toBe(false);
    expect(m('$Architecture (amd64)', target('x', '1'))).toBe(true);
    expect(m('$Version (<< 2~)', target('x', '1.9'))).toBe(true);
  });

  it('matches fields with equality, globs and regular expressions', () => {
    expect(m('Priority (required)', target('x', '1', { Priority: 'required' }))).toBe(true);
    expect(m('Name (% *-dbg)', target('foo-dbg', '1'))).toBe(true);
    expect(m('Name (% *-dbg)', target('foo-dbgsym', '1'))).toBe(false);
    expect(m('Section (~ ^de)', target('x', '1', { Section: 'debug' }))).toBe(true);
    expect(m('Essential', target('x', '1', { Essential: 'yes' }))).toBe(true);
    expect(m('Essential', target('x', '1'))).toBe(false);
  });

  it('combines with |, , and ! (! binds tightest, then , then |)', () => {
    const dbg = target('foo-dbg', '1', { Priority: 'optional', Section: 'debug' });
    expect(m('Priority (required) | Section (debug), !Name (% *-dbg)', dbg)).toBe(false);
    expect(m('(Priority (required) | Section (debug)), !Name (% *-dbg)', dbg)).toBe(false);
    expect(m('Priority (required) | Name (% *-dbg), Section (debug)', dbg)).toBe(true);
    expect(m('!!foo-dbg', dbg)).toBe(true);
  });

  it('reports syntax errors with a position', () => {
    expect(() => parseQuery('nginx (>= 1')).toThrow(/missing \)/);
    expect(() => parseQuery('a |')).toThrow(/position/);
    expect(() => parseQuery('a b')).toThrow(/unexpected/);
  });
});
