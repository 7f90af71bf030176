/**
 * The JSON Schema of `parameters.ferry` (schemas/ferry.schema.json) and its validator.
 *
 * Compiling the schema with ajv costs a CLI run a few hundred milliseconds, so the build
 * (scripts/build-validators.mjs) writes the compiled validator as standalone code to
 * dist/validate/ferry-schema-validate.cjs. It is used when present and made from this very
 * schema with these very options (its key matches); otherwise (a fresh checkout under tsx or
 * jest, or a schema edited since the build) the schema is compiled here, as before. Both give
 * the same validation and the same errors.
 *
 * Files (and ajv) are loaded through `require`, relative to the repository root: this module runs from
 * src/validate (tsx, jest), from dist/validate (tsc) and from a chunk in dist/cli (the
 * bundle), all two folders below it.
 */
import { createRequire } from 'node:module';
import type { Ajv, Options, ValidateFunction } from 'ajv';
import { hashValue } from '../core/hash.js';

const require = createRequire(import.meta.url);

/** Where the build writes the standalone validator, relative to this module. */
export const STANDALONE_VALIDATOR = '../../dist/validate/ferry-schema-validate.cjs';

/** The ajv options of the validator: every error reported (allErrors). */
export const AJV_OPTIONS: Options = { allErrors: true, strict: true, strictRequired: false, useDefaults: false, allowUnionTypes: true };

let compiled: ValidateFunction | undefined;

export function ferrySchema(): Record<string, unknown> {
  return require('../../schemas/ferry.schema.json') as Record<string, unknown>;
}

/** What a standalone validator must have been made from to stand in for compiling the schema. */
export function validatorKey(schema: Record<string, unknown> = ferrySchema()): string {
  return hashValue({ schema, options: AJV_OPTIONS, formats: 'ajv-formats full' });
}

/**
 * A new ajv with the validator's options and formats (`code` adds code-generation options).
 * ajv itself is loaded here, on first use: a run with a current standalone validator never is.
 */
export function newAjv(code?: Options['code']): Ajv {
  const { Ajv: AjvClass } = require('ajv') as { Ajv: new (options: Options) => Ajv };
  const addFormats = require('ajv-formats') as (ajv: Ajv) => Ajv;
  const ajv = new AjvClass({ ...AJV_OPTIONS, ...(code ? { code } : {}) });
  addFormats(ajv);
  return ajv;
}

/** The validator of `parameters.ferry`: the build's standalone code if it is current, else compiled now. */
export function ferryValidator(): ValidateFunction {
  return (compiled ??= loadStandalone(STANDALONE_VALIDATOR) ?? newAjv().compile(ferrySchema()));
}

/** Loads standalone validator code; undefined when the file is missing or made from another schema. */
export function loadStandalone(path: string): ValidateFunction | undefined {
  let mod: { default?: unknown; key?: unknown };
  try {
    mod = require(path) as typeof mod;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') return undefined;
    throw e;
  }
  return mod.key === validatorKey() && typeof mod.default === 'function' ? (mod.default as ValidateFunction) : undefined;
}
