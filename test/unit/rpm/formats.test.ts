import { describe, it, expect } from '@jest/globals';
import { parseRepomd, RepomdError } from '../../../src/drivers/rpm/format/repomd.js';
import { readXmlRecords, writeElement, XmlSyntaxError, type XmlElement } from '../../../src/drivers/rpm/format/xml-records.js';
import { parsePackage, PackageError } from '../../../src/drivers/rpm/format/primary.js';
import { parseRich, RichDepError } from '../../../src/drivers/rpm/format/relations.js';
import { safeHref } from '../../../src/drivers/rpm/format/href.js';
import { primaryXml } from '../../helpers/rpm-metadata.js';

const repomd = (data: string) => Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>
<repomd xmlns="http://linux.duke.edu/metadata/repo" xmlns:rpm="http://linux.duke.edu/metadata/rpm">
  <revision>1700000000</revision>
${data}
</repomd>
`);
const data = (type: string, href: string, extra = '') => `  <data type="${type}">
    <checksum type="sha256">${'ab'.repeat(32)}</checksum>
    <open-checksum type="sha256">${'cd'.repeat(32)}</open-checksum>
    <location href="${href}"${extra}/>
    <timestamp>1700000000</timestamp>
    <size>690</size>
    <open-size>2068</open-size>
  </data>`;

async function records(xml: string, record = 'package'): Promise<XmlElement[]> {
  const out: XmlElement[] = [];
  await readXmlRecords([Buffer.from(xml)], record, { onRecord: (el) => void out.push(el) });
  return out;
}

describe('repomd.xml', () => {
  it('reads data entries with checksums, sizes and hrefs', async () => {
    const md = await parseRepomd(repomd(data('primary', 'repodata/ab-primary.xml.gz') + data('modules', './repodata/m-modules.yaml.gz')));
    expect(md.revision).toBe('1700000000');
    expect(md.data.map((d) => [d.type, d.href, d.checksum.type, d.size, d.openSize, d.openChecksum?.value.slice(0, 4)])).toEqual([
      ['primary', 'repodata/ab-primary.xml.gz', 'sha256', 690, 2068, 'cdcd'],
      ['modules', 'repodata/m-modules.yaml.gz', 'sha256', 690, 2068, 'cdcd'],
    ]);
  });

  it.each([
    ['../../etc/passwd', /contains \.\./],
    ['/etc/passwd', /absolute/],
    ['http://elsewhere.example/primary.xml.gz', /a URL/],
    ['//elsewhere.example/primary.xml.gz', /a URL/],
    ['repodata/a?b', /\?/],
  ])('refuses the hostile href %s', async (href, why) => {
    const e = await parseRepomd(repomd(data('primary', href))).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RepomdError);
    expect((e as RepomdError).message).toMatch(why);
    expect((e as RepomdError).line).toBe(4);
  });

  it('refuses xml:base (files on another host)', async () => {
    await expect(parseRepomd(repomd(data('primary', 'repodata/p.xml.gz', ' xml:base="http://other.example/"')))).rejects.toThrow(/xml:base/);
  });

  it('refuses a document that is not repomd, malformed XML, and duplicate types', async () => {
    await expect(parseRepomd(Buffer.from('<metadata/>'))).rejects.toThrow(/not <repomd>/);
    await expect(parseRepomd(Buffer.from('<repomd><data type="primary"></repomd>'))).rejects.toBeInstanceOf(XmlSyntaxError);
    await expect(parseRepomd(repomd(data('primary', 'a.gz') + data('primary', 'b.gz')))).rejects.toThrow(/two <data type="primary">/);
  });
});

describe('XML records', () => {
  it('refuses a DOCTYPE: the billion-laughs entity bomb never expands', async () => {
    const bomb = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<metadata><package><name>&lol9;</name></package></metadata>`;
    const e = await records(bomb).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(XmlSyntaxError);
    expect((e as Error).message).toMatch(/DOCTYPE is refused/);
  });

  it('refuses undeclared entities and external entities', async () => {
    await expect(records('<metadata><package><name>&xxe;</name></package></metadata>')).rejects.toThrow(/undefined entity/);
    await expect(records('<!DOCTYPE m [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><metadata/>')).rejects.toThrow(/DOCTYPE/);
  });

  it('reports malformed XML with its line', async () => {
    const e = (await records('<metadata>\n<package>\n<name>a</nam>\n</package></metadata>').catch((x: unknown) => x)) as XmlSyntaxError;
    expect(e).toBeInstanceOf(XmlSyntaxError);
    expect(e.line).toBe(3);
    await expect(records('')).rejects.toThrow(/no root element|document/);
    await expect(records('<metadata><package>')).rejects.toBeInstanceOf(XmlSyntaxError);
  });

  it('keeps one record at a time and writes it back as createrepo_c indents it', async () => {
    const xml = primaryXml([{ name: 'a & b', requires: ['(x or y)'], description: 'line 1\n  <line 2>' }]);
    const [el] = await records(xml);
    const text = writeElement(el, 0);
    expect(text).toContain('<description>line 1\n  &lt;line 2&gt;</description>');
    expect(text).toContain('<rpm:entry name="(x or y)"/>');
    // Written back, read again: the same tree.
    const [again] = await records(`<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm">\n${text}</metadata>`);
    expect(writeElement(again, 0)).toBe(text);
  });

  it('reads across chunk boundaries, multi-byte characters included', async () => {
    const xml = Buffer.from(primaryXml([{ name: 'ünïcode', description: '日本語 ✓' }, { name: 'b' }]));
    const chunks = Array.from({ length: xml.length }, (_, i) => xml.subarray(i, i + 1));
    const out: string[] = [];
    await readXmlRecords(chunks, 'package', { onRecord: (el) => void out.push(parsePackage(el, 0, 'rpm/x').name) });
    expect(out).toEqual(['ünïcode', 'b']);
  });
});

describe('primary packages', () => {
  it('reads name, EVR, checksum, href, relations and files', async () => {
    const [el] = await records(primaryXml([{ name: 'tool', epoch: '2', version: '1.2', release: '3.el9', requires: ['libfoo >= 1.0-1', '/bin/sh', '(a or b)'], provides: ['webserver'], obsoletes: ['oldtool < 2.0'], files: ['/usr/bin/tool'] }]));
    const p = parsePackage(el, 7, 'rpm/x');
    expect(p).toMatchObject({ name: 'tool', epoch: '2', version: '1.2', release: '3.el9', arch: 'x86_64', ordinal: 7, mirror: 'rpm/x', checksumType: 'sha256', href: 'Packages/tool-1.2-3.el9.x86_64.rpm', size: 1000, files: ['/usr/bin/tool'] });
    expect(p.requires).toEqual([{ name: 'libfoo', flags: 'GE', evr: { epoch: '0', version: '1.0', release: '1' } }, { name: '/bin/sh' }, { name: '(a or b)' }]);
    expect(p.provides.map((r) => r.name)).toEqual(['tool', 'webserver']);
    expect(p.obsoletes[0]).toMatchObject({ name: 'oldtool', flags: 'LT' });
  });

  it.each([
    ['../../../etc/shadow', /contains \.\./],
    ['/etc/shadow', /absolute/],
    ['https://evil.example/x.rpm', /a URL/],
  ])('refuses the package href %s naming the package', async (href, why) => {
    const [el] = await records(primaryXml([{ name: 'evil', href }]));
    expect(() => parsePackage(el, 0, 'rpm/x')).toThrow(PackageError);
    expect(() => parsePackage(el, 0, 'rpm/x')).toThrow(why);
    expect(() => parsePackage(el, 0, 'rpm/x')).toThrow(/evil-1.0-1.x86_64: location href/);
  });

  it('refuses a package href with xml:base', async () => {
    const [el] = await records(primaryXml([{ name: 'p' }]).replace('<location href=', '<location xml:base="http://other.example/" href='));
    expect(() => parsePackage(el, 0, 'rpm/x')).toThrow(/xml:base/);
  });

  it('safeHref accepts ordinary paths', () => {
    expect(safeHref('Packages/a/a-1.0-1.x86_64.rpm')).toBeUndefined();
    expect(safeHref('./x86_64/a+b~c-1.0^g1.rpm')).toBeUndefined();
  });
});

describe('rich dependencies', () => {
  it.each([
    ['(a or b)', { op: 'or', items: [{ op: 'rel', rel: { name: 'a' } }, { op: 'rel', rel: { name: 'b' } }] }],
    ['(a >= 1.0 and b)', { op: 'and', items: [{ op: 'rel', rel: { name: 'a', flags: 'GE', evr: { version: '1.0' } } }, { op: 'rel', rel: { name: 'b' } }] }],
    ['(a if b else c)', { op: 'if', then: { op: 'rel', rel: { name: 'a' } }, cond: { op: 'rel', rel: { name: 'b' } }, else: { op: 'rel', rel: { name: 'c' } } }],
    ['(perl(Foo::Bar) or (x with y))', { op: 'or', items: [{ op: 'rel', rel: { name: 'perl(Foo::Bar)' } }, { op: 'with', items: [{ op: 'rel', rel: { name: 'x' } }, { op: 'rel', rel: { name: 'y' } }] }] }],
    ['(a unless b)', { op: 'unless', then: { op: 'rel', rel: { name: 'a' } }, cond: { op: 'rel', rel: { name: 'b' } }, else: undefined }],
  ])('parses %s', (text, want) => {
    expect(parseRich(text)).toEqual(want);
  });
  it.each(['(a or)', '(a b)', '(a or b', '(a or b) c', '(a and b or c)', '(>= 1)'])('refuses %s', (text) => {
    expect(() => parseRich(text)).toThrow(RichDepError);
  });
});
