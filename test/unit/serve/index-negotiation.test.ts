/** Folder index by Accept (PEP 691 content negotiation as ferry serve and nginx apply it). */
import { describe, expect, test } from '@jest/globals';
import { chooseIndex } from '../../../src/serve/index-negotiation.js';

const json = { file: 'index.pypi-json', types: ['application/vnd.pypi.simple.v1+json', 'application/vnd.pypi.simple.latest+json'] };

describe('chooseIndex', () => {
  test.each([
    // pip 23 and later
    ['application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01', 'index.pypi-json'],
    ['application/vnd.pypi.simple.latest+json', 'index.pypi-json'],
    ['APPLICATION/VND.PYPI.SIMPLE.V1+JSON;q=1.0', 'index.pypi-json'],
    // older pip, browsers, curl
    ['text/html', 'index.html'],
    ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'index.html'],
    ['*/*', 'index.html'],
    [undefined, 'index.html'],
    ['application/vnd.pypi.simple.v1+html', 'index.html'],
    // JSON asked below q=1: HTML when HTML is listed at all, else JSON; never at q=0
    ['application/vnd.pypi.simple.v1+json;q=0.5', 'index.pypi-json'],
    ['text/html;q=0.1, application/vnd.pypi.simple.v1+json;q=0.5', 'index.html'],
    ['application/vnd.pypi.simple.v1+json;q=0', 'index.html'],
    ['application/vnd.pypi.simple.v1+json;q=0.0, text/html', 'index.html'],
    ['application/vnd.pypi.simple.v1+jsonx', 'index.html'],
  ])('%j -> %s', (accept, file) => {
    expect(chooseIndex(accept, [json])[0]).toBe(file);
  });

  test('a chosen variant falls back to index.html when the folder lacks it', () => {
    expect(chooseIndex('application/vnd.pypi.simple.v1+json', [json])).toStrictEqual(['index.pypi-json', 'index.html']);
    expect(chooseIndex('text/html', [])).toStrictEqual(['index.html']);
  });
});

describe('the nginx side of the rule', () => {
  test('a map from $http_accept feeds `index`, regexes in the rule order', async () => {
    const { renderNginxServerBlock } = await import('../../../src/serve/nginx-config.js');
    const text = renderNginxServerBlock({ stateDir: '/srv/ferry', serving: { prefixes: [], headers: [], indexes: [json] } });
    const map = /map \$http_accept (\$ferry_[0-9a-f]{8}_index) \{\n([^}]*)\}/.exec(text);
    expect(map).not.toBeNull();
    const lines = map![2].trim().split('\n').map((l) => l.trim());
    expect(lines.map((l) => l.replace(/^"~\*.*" /, '<re> '))).toStrictEqual(['default "index.html";', '<re> "index.pypi-json";', '<re> "index.html";', '<re> "index.pypi-json";']);
    expect(text).toContain(`    index ${map![1]} index.html;`);
    // nginx reads the same regular expressions as ferry serve (PCRE, case-insensitive).
    const res = lines.slice(1).map((l) => new RegExp(/^"~\*(.*)" "[^"]+";$/.exec(l)![1], 'i'));
    const accept = 'application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01';
    expect(res.findIndex((re) => re.test(accept))).toBe(0);
    expect(res.findIndex((re) => re.test('text/html'))).toBe(1);
  });
});
