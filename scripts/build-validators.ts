/**
 * Build step: writes the validator of parameters.ferry as standalone code to
 * dist/validate/ferry-schema-validate.cjs, so that a ferry run does not compile the schema.
 * src/validate/schema.ts says when it is used. Run by `npm run build` (tsx).
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { STANDALONE_VALIDATOR } from '../src/validate/schema.js';
import { ferryValidatorCode } from '../src/validate/standalone-code.js';

const out = fileURLToPath(new URL(STANDALONE_VALIDATOR, new URL('../src/validate/schema.ts', import.meta.url)));
mkdirSync(dirname(out), { recursive: true });
writeFileSync(`${out}.tmp`, ferryValidatorCode());
renameSync(`${out}.tmp`, out);
console.log(`wrote ${join('dist', 'validate', 'ferry-schema-validate.cjs')}`);
