/**
 * The build's standalone validator (ajv standalone code, scripts/build-validators.ts) gives
 * the same verdicts and the same errors as compiling the schema at run time, and is used only
 * when made from the current schema.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { ferrySchema } from '../../../src/drivers/registry.js';
import { loadStandalone, newAjv, validatorKey } from '../../../src/validate/schema.js';
import { ferryValidatorCode } from '../../../src/validate/standalone-code.js';
import { REPO_ROOT } from '../../helpers/run-ferry.js';

const sha = 'a'.repeat(64);
const inputs: unknown[] = [
  { site: { name: 'lab', retention: 5 }, mirrors: { images: { kind: 'file', files: [{ url: 'http://127.0.0.1/x.img', sha256: sha, size: 3 }] } } },
  { site: { name: 'Lab Site', retention: 'ten' }, mirrors: { images: { kind: 'file', files: [{ url: 'not a url', sha256: 'xyz' }] }, debian: { kind: 'deb', url: 'http://deb.example/debian', suits: ['bookworm'] }, what: { kind: 'floppy' } } },
  { site: { name: 'lab' }, mirrors: { m: { kind: 'deb', url: 42, suites: ['x'] }, 'Bad Name': { kind: 'file', files: [] } } },
  { site: { name: 'lab' }, mirrors: { reg: { kind: 'oci', registry: 'https://r.example', images: [{ name: 'UPPER/case', tags: [1] }] } } },
  { mirrors: [] },
  'not an object',
];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-standalone-'));
  // The generated code requires ajv's runtime and ajv-formats, as it does from dist/.
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, code: string): string {
  const path = join(dir, name);
  writeFileSync(path, code);
  return path;
}

describe('standalone validator', () => {
  it('gives the verdicts and errors of the runtime-compiled schema', () => {
    const standalone = loadStandalone(write('current.cjs', ferryValidatorCode(ferrySchema())), validatorKey(ferrySchema()));
    expect(standalone).toBeDefined();
    const compiled = newAjv().compile(ferrySchema());
    const run = (v: ValidateFunction, x: unknown) => ({ ok: v(x), errors: v.errors });
    for (const input of inputs) expect(run(standalone!, input)).toEqual(run(compiled, input));
    expect(run(compiled, inputs[1]).errors?.length).toBeGreaterThan(5);
  });

  it('as the build bundles it into dist/ (when built from this schema)', () => {
    const built = loadStandalone(join(REPO_ROOT, 'dist', 'validate', 'ferry-schema-validate.cjs'), validatorKey(ferrySchema()));
    if (!built) return; // not built, or built from another schema: schema.ts compiles instead
    const compiled = newAjv().compile(ferrySchema());
    const run = (v: ValidateFunction, x: unknown) => ({ ok: v(x), errors: v.errors });
    for (const input of inputs) expect(run(built, input)).toEqual(run(compiled, input));
  });

  it('is not used when made from another schema, nor when missing', () => {
    const other = { ...ferrySchema(), title: 'changed since the build' };
    expect(validatorKey(other)).not.toBe(validatorKey(ferrySchema()));
    expect(loadStandalone(write('stale.cjs', ferryValidatorCode(other)), validatorKey(ferrySchema()))).toBeUndefined();
    expect(loadStandalone(join(dir, 'missing.cjs'), validatorKey(ferrySchema()))).toBeUndefined();
  });
});
