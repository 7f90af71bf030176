/** Reading PEP 503 HTML and PEP 691 JSON pages, and writing Ferry's own (pypi kind). */
import { describe, expect, test } from '@jest/globals';
import { PageError, pageFormat, parseProjectList, parseProjectPage } from '../../../src/drivers/pypi/simple-index.js';
import { projectHtml, projectJson, rootHtml, rootJson, type ServedProject } from '../../../src/drivers/pypi/simple-pages.js';
import { compareVersions, version } from '../../../src/drivers/pypi/version.js';

const enc = (s: string) => new TextEncoder().encode(s);
const PAGE = 'https://pypi.example/simple/app/';

describe('reading', () => {
  test('HTML: relative URLs, hash fragments, entities, yanked, requires-python, metadata', () => {
    const html = `<!DOCTYPE html><html><body>
      <a href="../../packages/app-1.0-py3-none-any.whl#sha256=ABCD" data-requires-python="&gt;=3.8" data-dist-info-metadata="sha256=ef01">app-1.0-py3-none-any.whl</a><br>
      <a href=https://files.example/app-0.9.tar.gz#md5=00 data-yanked>app-0.9.tar.gz</a>
      <a href="app-0.8.tar.gz" data-yanked="broken &amp; bad" data-core-metadata="true">app-0.8.tar.gz</a>
    </body></html>`;
    const page = parseProjectPage(enc(html), PAGE, 'html');
    expect(page.files).toStrictEqual([
      { filename: 'app-1.0-py3-none-any.whl', url: 'https://pypi.example/packages/app-1.0-py3-none-any.whl', hashes: { sha256: 'abcd' }, requiresPython: '>=3.8', yanked: false, coreMetadata: { sha256: 'ef01' } },
      { filename: 'app-0.9.tar.gz', url: 'https://files.example/app-0.9.tar.gz', hashes: { md5: '00' }, yanked: true, coreMetadata: false },
      { filename: 'app-0.8.tar.gz', url: 'https://pypi.example/simple/app/app-0.8.tar.gz', hashes: {}, yanked: 'broken & bad', coreMetadata: {} },
    ]);
  });

  test('HTML: a <base href> moves relative links', () => {
    const page = parseProjectPage(enc('<html><head><base href="https://cdn.example/x/"></head><a href="app-1.0.tar.gz">a</a></html>'), PAGE, 'html');
    expect(page.files[0].url).toBe('https://cdn.example/x/app-1.0.tar.gz');
  });

  test('JSON: hashes, yanked reasons, core-metadata and the older dist-info-metadata', () => {
    const doc = {
      meta: { 'api-version': '1.1' },
      name: 'app',
      files: [
        { filename: 'app-1.0.tar.gz', url: '/files/app-1.0.tar.gz', hashes: { sha256: 'AA' }, yanked: 'oops', 'dist-info-metadata': { sha256: 'bb' }, size: 10 },
        { filename: 'app-1.1.tar.gz', url: 'https://f.example/app-1.1.tar.gz', hashes: {}, 'requires-python': '>=3.9', 'core-metadata': true },
      ],
    };
    const page = parseProjectPage(enc(JSON.stringify(doc)), PAGE, 'json');
    expect(page.files).toStrictEqual([
      { filename: 'app-1.0.tar.gz', url: 'https://pypi.example/files/app-1.0.tar.gz', hashes: { sha256: 'aa' }, yanked: 'oops', coreMetadata: { sha256: 'bb' }, size: 10 },
      { filename: 'app-1.1.tar.gz', url: 'https://f.example/app-1.1.tar.gz', hashes: {}, requiresPython: '>=3.9', yanked: false, coreMetadata: {} },
    ]);
  });

  test('pages that are not what they claim', () => {
    expect(() => parseProjectPage(enc('{"meta": {"api-version": "1.0"}, "files": []}'), PAGE, 'html')).toThrow(PageError);
    expect(() => parseProjectPage(new Uint8Array([0x1f, 0x8b, 0xff, 0x00]), PAGE, 'html')).toThrow(/not UTF-8|NUL/);
    expect(() => parseProjectPage(enc('<html>'), PAGE, 'json')).toThrow(/not JSON/);
    expect(() => parseProjectPage(enc('{"meta": {"api-version": "2.0"}, "files": []}'), PAGE, 'json')).toThrow(/not 1.x/);
    expect(() => parseProjectPage(enc('<a href="javascript:alert(1)">x</a>'), PAGE, 'html')).toThrow(/javascript/);
  });

  test('content types and the project list', () => {
    expect(pageFormat('application/vnd.pypi.simple.v1+json')).toBe('json');
    expect(pageFormat('text/html; charset=utf-8')).toBe('html');
    expect(pageFormat('application/octet-stream')).toBeUndefined();
    expect(parseProjectList(enc('<html><a href="a/">A</a><a href="b-c/">B.C</a></html>'), 'https://x/simple/', 'html')).toStrictEqual(['A', 'B.C']);
    expect(parseProjectList(enc('{"meta":{"api-version":"1.0"},"projects":[{"name":"A"}]}'), 'https://x/simple/', 'json')).toStrictEqual(['A']);
  });
});

describe('writing', () => {
  const project: ServedProject = {
    name: 'My.App',
    normalized: 'my-app',
    files: [
      { filename: 'My.App-1.0-py3-none-any.whl', sha256: 'a'.repeat(64), size: 3, version: '1.0', requiresPython: '>=3.8', yanked: false, metadataSha256: 'b'.repeat(64) },
      { filename: 'My.App-0.9.tar.gz', sha256: 'c'.repeat(64), size: 4, version: '0.9', yanked: 'bad <build>' },
    ],
  };
  const order = (a: string, b: string) => compareVersions(version(a), version(b));

  test('our HTML pages read back as what they say', () => {
    const page = parseProjectPage(projectHtml(project), 'http://m/pypi/x/simple/my-app/', 'html');
    expect(page.files).toStrictEqual([
      { filename: 'My.App-0.9.tar.gz', url: 'http://m/pypi/x/files/my-app/My.App-0.9.tar.gz', hashes: { sha256: 'c'.repeat(64) }, yanked: 'bad <build>', coreMetadata: false },
      { filename: 'My.App-1.0-py3-none-any.whl', url: 'http://m/pypi/x/files/my-app/My.App-1.0-py3-none-any.whl', hashes: { sha256: 'a'.repeat(64) }, requiresPython: '>=3.8', yanked: false, coreMetadata: { sha256: 'b'.repeat(64) } },
    ]);
    expect(parseProjectList(rootHtml([project]), 'http://m/pypi/x/simple/', 'html')).toStrictEqual(['My.App']);
  });

  test('our JSON pages read back alike, with versions in PEP 440 order', () => {
    const json = projectJson(project, order);
    expect(JSON.parse(new TextDecoder().decode(json)).versions).toStrictEqual(['0.9', '1.0']);
    const page = parseProjectPage(json, 'http://m/pypi/x/simple/my-app/', 'json');
    expect(page.files.map((f) => [f.filename, f.yanked, f.size, f.coreMetadata])).toStrictEqual([
      ['My.App-0.9.tar.gz', 'bad <build>', 4, false],
      ['My.App-1.0-py3-none-any.whl', false, 3, { sha256: 'b'.repeat(64) }],
    ]);
    expect(parseProjectList(rootJson([project]), 'http://m/pypi/x/simple/', 'json')).toStrictEqual(['My.App']);
  });
});
