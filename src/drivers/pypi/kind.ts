/** The `pypi` kind: PyPI-style indexes (PEP 503/691) mirrored for pip, served as both (by Accept). */
import type { Kind } from '../kind.js';
import { pypiSchema } from './schema.js';
import { JSON_EXTENSION, JSON_INDEX } from './simple-pages.js';
import { isUrlInclude, parseRequirementsFile } from './requirements-file.js';
import { namedRequirementsFiles, parsePypiSpec, withPypiDefaults, type PypiSpec } from './spec.js';

export const pypiKind: Kind<PypiSpec> = {
  kind: 'pypi',
  schema: pypiSchema,
  withDefaults: withPypiDefaults,
  parseSpec: parsePypiSpec,
  contentTypes: {
    byExtension: { [JSON_EXTENSION]: 'application/vnd.pypi.simple.v1+json', metadata: 'text/plain; charset=utf-8' },
  },
  modelFiles: {
    named: namedRequirementsFiles,
    read(text) {
      const parsed = parseRequirementsFile(text);
      return { includes: parsed.includes.filter((i) => !isUrlInclude(i.path)), errors: parsed.errors };
    },
  },
  serving: { indexes: [{ file: JSON_INDEX, types: ['application/vnd.pypi.simple.v1+json', 'application/vnd.pypi.simple.latest+json'] }] },
  driver: async () => (await import('./driver.js')).pypiDriver,
};
