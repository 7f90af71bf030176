/**
 * The JSON Schemas of schemas/, compiled once. Loaded through `require` so that the same code
 * runs from src/ (tsx, jest) and from dist/ (both sit one folder below the repository root).
 */
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsPlugin from 'ajv-formats';

const require = createRequire(import.meta.url);

// ajv-formats is CommonJS: under NodeNext its default export arrives wrapped.
const addFormats = ((addFormatsPlugin as unknown as { default?: unknown }).default ?? addFormatsPlugin) as (ajv: Ajv) => Ajv;

let compiled: ValidateFunction | undefined;

export function ferrySchema(): Record<string, unknown> {
  return require('../../schemas/ferry.schema.json') as Record<string, unknown>;
}

/** The compiled validator of `parameters.ferry`, with every error reported (allErrors). */
export function ferryValidator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, useDefaults: false, allowUnionTypes: true });
    addFormats(ajv);
    compiled = ajv.compile(ferrySchema());
  }
  return compiled;
}
