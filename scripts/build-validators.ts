/**
 * Build step: writes the validator of parameters.ferry (the base schema with every registered
 * kind's fragment, src/drivers/registry.ts) as standalone code to
 * dist/validate/ferry-schema-validate.cjs, so that a ferry run does not compile the schema.
 * The code and the few ajv/ajv-formats helpers it requires are bundled and minified into that
 * one file (half the load time). src/validate/schema.ts says when it is used.
 * Run by `make build` (tsx).
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { ferrySchema } from '../src/drivers/registry.js';
import { STANDALONE_VALIDATOR } from '../src/validate/schema.js';
import { ferryValidatorCode } from '../src/validate/standalone-code.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = fileURLToPath(new URL(STANDALONE_VALIDATOR, new URL('../src/validate/schema.ts', import.meta.url)));
const bundled = await build({
  stdin: { contents: ferryValidatorCode(ferrySchema()), resolveDir: root, sourcefile: 'ferry-schema-validate.cjs', loader: 'js' },
  bundle: true,
  minify: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  write: false,
  logLevel: 'warning',
});
mkdirSync(dirname(out), { recursive: true });
writeFileSync(`${out}.tmp`, bundled.outputFiles[0].contents);
renameSync(`${out}.tmp`, out);
console.log(`wrote ${out.slice(root.length)}`);
