/**
 * The validator of `parameters.ferry` as standalone CommonJS code (ajv's standalone mode),
 * for the build to write next to the compiled sources. The module exports the validate
 * function (also as `default`) and `key`, which schema.ts compares before using it.
 */
import type { Ajv, ValidateFunction } from 'ajv';
import standaloneModule from 'ajv/dist/standalone/index.js';
import { newAjv, validatorKey } from './schema.js';

export function ferryValidatorCode(schema: Record<string, unknown>): string {
  const ajv = newAjv({ source: true, lines: false });
  const validate = ajv.compile(schema);
  // ajv's standalone module is CommonJS: under NodeNext its default export arrives wrapped.
  const generate = ((standaloneModule as unknown as { default?: unknown }).default ?? standaloneModule) as (ajv: Ajv, validate: ValidateFunction) => string;
  return `${generate(ajv, validate)}\nmodule.exports.key = ${JSON.stringify(validatorKey(schema))};\n`;
}
