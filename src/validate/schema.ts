/**
 * The JSON Schema of `parameters.ferry` (schemas/ferry.schema.json with each kind's fragment,
 * compose-schema.ts) and its validator.
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

/** Compiled (or standalone) validators by schema key: the registry's schema, and any a test composes. */
const compiled = new Map<string, ValidateFunction>();

/** schemas/ferry.schema.json: the site, what every mirror has, the shared definitions (compose-schema.ts adds the kinds). */
export function baseSchema(): Record<string, unknown> {
  return require('../../schemas/ferry.schema.json') as Record<string, unknown>;
}

/** What a standalone validator must have been made from to stand in for compiling the schema. */
export function validatorKey(schema: Record<string, unknown>): string {
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

/** The validator of a composed schema: the build's standalone code if it was made from it, else compiled now. */
export function ferryValidator(schema: Record<string, unknown>): ValidateFunction {
  const key = validatorKey(schema);
  let v = compiled.get(key);
  if (!v) {
    v = loadStandalone(STANDALONE_VALIDATOR, key) ?? newAjv().compile(schema);
    compiled.set(key, v);
  }
  return v;
}

/** Loads standalone validator code; undefined when the file is missing or made from another schema (its key is not `key`). */
export function loadStandalone(path: string, key: string): ValidateFunction | undefined {
  let mod: { default?: unknown; key?: unknown };
  try {
    mod = require(path) as typeof mod;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') return undefined;
    throw e;
  }
  return mod.key === key && typeof mod.default === 'function' ? (mod.default as ValidateFunction) : undefined;
}
