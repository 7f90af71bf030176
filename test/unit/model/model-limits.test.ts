import { describe, it, expect } from '@jest/globals';
import { renderNode } from '../../../src/model/index.js';
import { loadYaml } from '../../../src/model/yaml/yaml-load.js';
import { PosResolver } from '../../../src/model/yaml/lazy-pos.js';
import { FerryErrors } from '../../../src/core/ferry-error.js';
import { MAX_FILE_BYTES, MAX_RENDERED_NODES, MAX_VALUE_CHARS } from '../../../src/model/limits.js';
import { dictReferenceBomb, stringReferenceBomb, yamlAliasBomb } from '../../helpers/model-bombs.js';

function renderErrors(nodeText: string): Array<{ code: string; message: string; data: Record<string, unknown> }> {
  const files = new Map([['nodes/n1.yml', nodeText]]);
  const started = Date.now();
  try {
    renderNode(files, 'n1');
  } catch (e) {
    expect(Date.now() - started).toBeLessThan(10_000);
    if (e instanceof FerryErrors) return e.errors;
    if (e instanceof Error && 'code' in e) return [e as never];
    throw e;
  }
  throw new Error('rendered without an error');
}

describe('model size limits (issue 11: bombs)', () => {
  it('an alias bomb of ~250 bytes is refused by every YAML reader, naming the file', () => {
    const bomb = yamlAliasBomb();
    expect(bomb.length).toBeLessThan(500);
    for (const resolver of [undefined, new PosResolver(() => bomb)]) {
      const { root, errors } = loadYaml('nodes/n1.yml', bomb, resolver);
      expect(root).toBeNull();
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ code: 'FERRY_MODEL_TOO_LARGE', data: { file: 'nodes/n1.yml' } });
      expect(errors[0].message).toMatch(/alias bomb/);
    }
    expect(renderErrors(bomb)[0]).toMatchObject({ code: 'FERRY_MODEL_TOO_LARGE', data: { file: 'nodes/n1.yml' } });
  });

  it('aliases used as people use them (a few shared blocks) still load', () => {
    const text = 'parameters:\n  base: &base {a: 1, b: [x, y]}\n  one: *base\n  two:\n    <<: *base\n    c: 3\n';
    for (const resolver of [undefined, new PosResolver(() => text)]) {
      const { root, errors } = loadYaml('c.yml', text, resolver);
      expect(errors).toEqual([]);
      expect(root?.kind).toBe('map');
    }
  });

  it(`a file over ${MAX_FILE_BYTES} bytes is refused before it is parsed`, () => {
    const { errors } = loadYaml('big.yml', `a: "${'x'.repeat(MAX_FILE_BYTES)}"\n`);
    expect(errors[0]).toMatchObject({ code: 'FERRY_MODEL_TOO_LARGE', data: { file: 'big.yml' } });
  });

  it(`a string doubled by references stops at ${MAX_VALUE_CHARS} characters, with file and line`, () => {
    const errors = renderErrors(stringReferenceBomb());
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toMatchObject({ code: 'FERRY_MODEL_TOO_LARGE', data: { file: 'nodes/n1.yml' } });
    expect(errors[0].data.line).toBeGreaterThan(2);
  });

  it(`dictionaries copied by references stop at ${MAX_RENDERED_NODES} values`, () => {
    const errors = renderErrors(dictReferenceBomb());
    expect(errors[0]).toMatchObject({ code: 'FERRY_MODEL_TOO_LARGE' });
    expect(errors[0].message).toMatch(/copies more than/);
  });
});
