/** File names, requirements, markers, core metadata and requirements files (pypi kind). */
import { describe, expect, test } from '@jest/globals';
import { fitsPlatform, fitsPython, parseDistFilename, type WheelName } from '../../../src/drivers/pypi/filename.js';
import { parseCoreMetadata } from '../../../src/drivers/pypi/metadata.js';
import { normalizeName } from '../../../src/drivers/pypi/name.js';
import { evaluateMarker, markerEnvironment, parseRequirement } from '../../../src/drivers/pypi/requirement.js';
import { parseRequirementsFile } from '../../../src/drivers/pypi/requirements-file.js';
import { formatSpecifierSet } from '../../../src/drivers/pypi/specifier.js';
import { formatVersion } from '../../../src/drivers/pypi/version.js';

describe('file names', () => {
  test('wheels, with build tags and compressed tag sets', () => {
    const w = parseDistFilename('Foo_Bar-1.0.post1-2-py2.py3-none-any.whl', 'foo.bar') as WheelName;
    expect(w.kind).toBe('wheel');
    expect(formatVersion(w.version)).toBe('1.0.post1');
    expect(w.build).toBe('2');
    expect(w.pythons).toStrictEqual(['py2', 'py3']);
    expect(parseDistFilename('foo-1.0-x-py3-none-any.whl', 'foo')).toBeUndefined();
    expect(parseDistFilename('other-1.0-py3-none-any.whl', 'foo')).toBeUndefined();
  });

  test('sdists, names with dashes', () => {
    const s = parseDistFilename('zope.interface-5.4.0.tar.gz', 'zope-interface');
    expect(s && s.kind === 'sdist' && formatVersion(s.version)).toBe('5.4.0');
    expect(parseDistFilename('python-dateutil-2.8.2.tar.gz', 'python-dateutil')?.kind).toBe('sdist');
    expect(parseDistFilename('foo-1.0.exe', 'foo')).toBeUndefined();
  });

  const wheel = (name: string) => parseDistFilename(name, 'x') as WheelName;
  test.each([
    ['x-1-py3-none-any.whl', '3.11', true],
    ['x-1-py2-none-any.whl', '3.11', false],
    ['x-1-py312-none-any.whl', '3.11', false],
    ['x-1-cp311-cp311-manylinux_2_17_x86_64.whl', '3.11', true],
    ['x-1-cp311-cp311-manylinux_2_17_x86_64.whl', '3.12', false],
    ['x-1-cp38-abi3-manylinux_2_17_x86_64.whl', '3.12', true],
    ['x-1-cp313-abi3-manylinux_2_17_x86_64.whl', '3.12', false],
    ['x-1-pp39-pypy39_pp73-manylinux_2_17_x86_64.whl', '3.9', false],
  ])('%s runs on CPython %s: %s', (name, py, want) => {
    const [maj, min] = py.split('.').map(Number);
    expect(fitsPython(wheel(name), [maj, min])).toBe(want);
  });

  test.each([
    ['x-1-py3-none-any.whl', ['manylinux_2_17_x86_64'], true],
    ['x-1-cp311-cp311-manylinux2014_x86_64.whl', ['manylinux_2_28_x86_64'], true],
    ['x-1-cp311-cp311-manylinux_2_34_x86_64.whl', ['manylinux_2_28_x86_64'], false],
    ['x-1-cp311-cp311-manylinux_2_17_aarch64.whl', ['manylinux_2_28_x86_64'], false],
    ['x-1-cp311-cp311-musllinux_1_1_x86_64.whl', ['manylinux_2_28_x86_64'], false],
    ['x-1-cp311-cp311-musllinux_1_1_x86_64.whl', ['musllinux_1_2_x86_64'], true],
    ['x-1-cp311-cp311-win_amd64.whl', ['win_*'], true],
    ['x-1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', ['manylinux*'], true],
  ])('%s fits %j: %s', (name, platforms, want) => {
    expect(fitsPlatform(wheel(name), platforms)).toBe(want);
  });
});

describe('requirements and markers', () => {
  test('a full requirement', () => {
    const r = parseRequirement('Requests[Security,socks] (>=2.8.1, ==2.8.*) ; python_version < "3.12" and extra == "Tests"');
    expect(r.name).toBe('Requests');
    expect(r.extras).toStrictEqual(['security', 'socks']);
    expect(formatSpecifierSet(r.specifier)).toBe('==2.8.*,>=2.8.1');
    const env = markerEnvironment('3.11', { system: 'Linux', machine: 'x86_64' });
    expect(evaluateMarker(r.marker!, { ...env, extra: 'tests' })).toBe(true);
    expect(evaluateMarker(r.marker!, env)).toBe(false);
  });

  test('URL requirements and errors with a column', () => {
    expect(parseRequirement('pip @ https://example.org/pip-23.0-py3-none-any.whl ; os_name == "posix"').url).toBe('https://example.org/pip-23.0-py3-none-any.whl');
    expect(() => parseRequirement('foo >= ')).toThrow(/specifier/);
    expect(() => parseRequirement('foo ; python_version ~ "3"')).toThrow(/column/);
  });

  test('names normalize per PEP 503', () => {
    expect(normalizeName('Foo.Bar__baz-Qux')).toBe('foo-bar-baz-qux');
  });
});

describe('core metadata', () => {
  test('Requires-Dist, Requires-Python, continuation lines, body ignored', () => {
    const m = parseCoreMetadata('Metadata-Version: 2.1\nName: app\nVersion: 1.0\nRequires-Python: >=3.8\nRequires-Dist: lib (>=1.0)\nRequires-Dist: extra-only ; extra == "test"\nSummary: a\n  long summary\n\nRequires-Dist: not-a-header\n');
    expect(m.name).toBe('app');
    expect(m.requiresPythonText).toBe('>=3.8');
    expect(m.requiresDist.map((r) => r.name)).toStrictEqual(['lib', 'extra-only']);
  });

  test('a malformed Requires-Dist names the field', () => {
    expect(() => parseCoreMetadata('Name: a\nRequires-Dist: lib (>=\n')).toThrow(/Requires-Dist/);
  });
});

describe('requirements files', () => {
  test('comments, continuations, includes, options, hashes, errors by line', () => {
    const f = parseRequirementsFile(['# top', '-c constraints.txt', '--index-url https://x/simple', 'six==1.16.0 \\', '   --hash=sha256:abc', 'attrs>=21 # why', '-r other.txt', 'bad (>=', ''].join('\n'));
    expect(f.requirements.map((r) => [r.requirement.name, formatSpecifierSet(r.requirement.specifier), r.line])).toStrictEqual([
      ['six', '==1.16.0', 4],
      ['attrs', '>=21', 6],
    ]);
    expect(f.includes).toStrictEqual([
      { kind: 'constraints', path: 'constraints.txt', line: 2 },
      { kind: 'requirements', path: 'other.txt', line: 7 },
    ]);
    expect(f.ignored.map((i) => i.line)).toStrictEqual([3]);
    expect(f.errors.map((e) => e.line)).toStrictEqual([8]);
  });

  test('pip syntax handled or refused by name', () => {
    const sha = 'a'.repeat(64);
    const f = parseRequirementsFile(
      [
        '--pre',
        '--prefer-binary',
        'Six[Extra1, extra2] >=1.0 ; python_version >= "3.8" --hash=sha256:' + sha.toUpperCase() + ' --hash sha512:' + 'b'.repeat(128),
        '-e git+https://example.org/x.git#egg=x',
        'pkg @ https://example.org/pkg-1.0.whl',
        './local/pkg',
        'https://example.org/pkg-1.0-py3-none-any.whl',
        'tool==${VERSION}',
        '--frobnicate',
        'ok==1 --hash=md5:abc',
        'ok2==1 --config-settings=a=b',
        '-rnested.txt',
        '--constraint=c.txt',
      ].join('\n'),
    );
    expect(f.pre).toBe(true);
    expect(f.requirements.map((r) => [r.requirement.name, r.requirement.extras, formatSpecifierSet(r.requirement.specifier), !!r.requirement.marker, r.hashes, r.line])).toStrictEqual([
      ['Six', ['extra1', 'extra2'], '>=1.0', true, { sha256: [sha], sha512: ['b'.repeat(128)] }, 3],
      ['ok2', [], '==1', false, {}, 11],
    ]);
    expect(f.ignored.map((i) => [i.option, i.line])).toStrictEqual([
      ['--prefer-binary', 2],
      ['--config-settings', 11],
    ]);
    expect(f.includes).toStrictEqual([
      { kind: 'requirements', path: 'nested.txt', line: 12 },
      { kind: 'constraints', path: 'c.txt', line: 13 },
    ]);
    expect(f.errors.map((e) => [e.line, e.message.split(':')[0].split(' ')[0]])).toStrictEqual([
      [4, '-e'],
      [5, 'pkg'],
      [6, '"./local/pkg"'],
      [7, '"https'],
      [8, '${VERSION}'],
      [9, 'unknown'],
      [10, '--hash'],
    ]);
    expect(f.errors[0].message).toMatch(/editable requirement .* refused/);
    expect(f.errors[2].message).toMatch(/names a file, a folder or a URL/);
    expect(f.errors[4].message).toMatch(/environment variables are not expanded/);
    expect(f.errors[6].message).toMatch(/sha256, sha384, sha512/);
  });
});
