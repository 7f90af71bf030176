import { describe, it, expect } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { loadYaml, plain } from '../../../src/model/yaml/yaml-load.js';
import { PosResolver } from '../../../src/model/yaml/lazy-pos.js';
import { readModelDir } from './model-files.js';

const fixtures = readModelDir(fileURLToPath(new URL('../../fixtures/reclass', import.meta.url)));

describe('YAML loading', () => {
  it('reads every fixture file the same on the fast path (js-yaml) and the slow path (yaml)', () => {
    const resolver = new PosResolver((f) => fixtures.get(f));
    let compared = 0;
    for (const [file, text] of fixtures) {
      const slow = loadYaml(file, text);
      const fast = loadYaml(file, text, resolver);
      expect({ file, errors: fast.errors.length > 0 }).toEqual({ file, errors: slow.errors.length > 0 });
      if (slow.errors.length) continue;
      expect({ file, value: fast.root ? plain(fast.root) : null }).toEqual({ file, value: slow.root ? plain(slow.root) : null });
      compared++;
    }
    expect(compared).toBeGreaterThan(100);
  });

  it('resolves PyYAML 1.1 scalars', () => {
    const r = loadYaml('x.yml', 'a: [yes, off, 0755, 1:30, 1e3, 1.5, ~, "yes", 0x1F, 2019.2.0]\n', new PosResolver(() => undefined));
    expect(plain(r.root!)).toEqual({ a: [true, false, 493, 90, '1e3', 1.5, null, 'yes', 31, '2019.2.0'] });
  });

  it('computes lines lazily, for keys and values, through lists', () => {
    const text = 'parameters:\n  a:\n    b: [1, {c: 2}]\n  d: |\n    text\n';
    const r = loadYaml('f.yml', text, new PosResolver(() => text));
    const root = r.root!;
    if (root.kind !== 'map') throw new Error('map expected');
    const params = root.entries[0].value;
    if (params.kind !== 'map') throw new Error('map expected');
    expect(params.entries[0].keyPos).toMatchObject({ file: 'f.yml', line: 2, column: 3 });
    const a = params.entries[0].value;
    if (a.kind !== 'map') throw new Error('map expected');
    const list = a.entries[0].value;
    if (list.kind !== 'seq') throw new Error('seq expected');
    expect(list.items[1].pos).toMatchObject({ line: 3, column: 12 });
    expect(params.entries[1].value.pos).toMatchObject({ line: 4 });
  });

  it('reports a syntax error with its line', () => {
    const r = loadYaml('bad.yml', 'a: [1, 2\nb: 3\n', new PosResolver(() => undefined));
    expect(r.errors[0]).toMatchObject({ code: 'FERRY_YAML_SYNTAX', data: { file: 'bad.yml' } });
    expect(r.errors[0].data.line).toBeGreaterThanOrEqual(1);
  });
});
