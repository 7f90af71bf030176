/** parsePypiSpec: defaults, requirement errors by field, nothing to mirror. */
import { describe, expect, test } from '@jest/globals';
import { FerryError, FerryErrors } from '../../../src/core/ferry-error.js';
import { parsePypiSpec, withPypiDefaults } from '../../../src/drivers/pypi/spec.js';

const ctx = { resource: 'pypi/wheels' };

describe('pypi spec', () => {
  test('defaults are written out and the index URL ends with a slash', () => {
    expect(withPypiDefaults({ index_url: 'https://x/simple', projects: ['six'] })).toStrictEqual({ index_url: 'https://x/simple/', projects: ['six'], with_deps: false, wheels: true, sdists: true, prereleases: false, all_projects: false });
    const spec = parsePypiSpec(withPypiDefaults({ index_url: 'https://x/simple', projects: ['Six>=1.16', 'attrs[tests]'] }), ctx);
    expect(spec.projects.map((p) => p.name)).toStrictEqual(['Six', 'attrs']);
    expect(spec.withDeps).toBe(false);
  });

  test('each bad requirement is an error at its field', () => {
    let err: unknown;
    try {
      parsePypiSpec({ index_url: 'https://x/simple/', projects: ['ok', 'bad >=', 'pip @ https://x/pip.whl'], requirements: [{ text: 'six\nnope (>=\n' }] }, ctx);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FerryErrors);
    const fields = (err as FerryErrors).errors.map((e) => e.data.field);
    expect(fields).toStrictEqual([['projects', 1], ['projects', 2], ['requirements', 0, 'text']]);
  });

  test('something must be mirrored', () => {
    expect(() => parsePypiSpec({ index_url: 'https://x/simple/' }, ctx)).toThrow(FerryError);
    expect(() => parsePypiSpec({ index_url: 'https://x/simple/', projects: ['a'], wheels: false, sdists: false }, ctx)).toThrow(/nothing would be mirrored/);
    expect(parsePypiSpec({ index_url: 'https://x/simple/', all_projects: true, deny: ['test-*'] }, ctx).allProjects).toBe(true);
  });
});
