// Type-aware lint, plus the layering rule of DESIGN.md: the pure stages (model, validate,
// desired, plan) never reach for I/O; imports flow down the pipeline.
import { readdirSync } from 'node:fs';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const io = ['node:fs', 'node:fs/promises', 'fs', 'fs/promises', 'node:child_process', 'node:net', 'node:http', 'undici', 'isomorphic-git'];
// A kind's MCP translator (src/drivers/<kind>/mcp.ts, mcp/) is reached only through its Kind
// (Kind.mcp, run by src/drivers/mcp.ts with the registry's hooks), never imported by name.
const kindMcp = (from) => ({
  group: ['**/drivers/*/mcp.js', '**/drivers/*/mcp/**', '**/drivers/*/*/mcp.js', ...(from === 'drivers' ? ['./*/mcp.js', './*/mcp/**', './*/*/mcp.js'] : [])],
  message: `src/${from} must not import a kind's MCP module: it is the kind's hook (Kind.mcp), reached through src/drivers/mcp.ts.`,
});
const pureStage = (folder, forbidden) => ({
  files: [`src/${folder}/**/*.ts`],
  rules: {
    'no-restricted-imports': ['error', {
      paths: io.map((name) => ({ name, message: `src/${folder} is a pure stage: do I/O at the edges (transport, store, controller).` })),
      patterns: [kindMcp(folder), ...forbidden.map((f) => ({ group: [`**/${f}/**`, `../${f}/*`], message: `src/${folder} must not import src/${f}: imports flow down the pipeline.` }))],
    }],
  },
});
// An I/O layer may use I/O but imports only what lies below it.
const layer = (folder, forbidden) => ({
  files: [`src/${folder}/**/*.ts`],
  rules: {
    'no-restricted-imports': ['error', {
      patterns: [kindMcp(folder), ...forbidden.map((f) => ({ group: [`**/${f}/**`, `../${f}/*`], message: `src/${folder} must not import src/${f}: imports flow down the layers.` }))],
    }],
  },
});
const upper = ['transport', 'store', 'serve', 'controller', 'cli', 'drivers', 'reconcile', 'source', 'pgp', 'compression', 'transfer'];
const forbid = (folder, forbidden, why = 'imports flow down the layers') =>
  forbidden.map((f) => ({ group: [`**/${f}/**`, `../${f}/*`], message: `src/${folder} must not import src/${f}: ${why}.` }));
// The kinds: one folder each under src/drivers (docs/ARCHITECTURE.md "Resources and kinds").
const kinds = readdirSync(new URL('./src/drivers/', import.meta.url), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
const driversMayNot = ['serve', 'source', 'reconcile', 'controller', 'cli', 'transfer'];
// A kind's folder: the drivers' layer, and no other kind (kinds share code only through pgp/,
// compression/, transport/ and core/; a kind reaches another only through the registry).
const kindFolder = (kind) => ({
  files: [`src/drivers/${kind}/**/*.ts`],
  rules: {
    'no-restricted-imports': ['error', {
      patterns: [
        ...forbid(`drivers/${kind}`, driversMayNot),
        ...kinds.filter((k) => k !== kind).map((k) => ({ group: [`../${k}/*`, `**/drivers/${k}/**`], message: `kind ${kind} must not import kind ${k}: move what they share to a folder no kind owns (pgp, compression, transport, core).` })),
      ],
    }],
  },
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.demo/**', 'jest.config.js', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/ban-ts-comment': 'error',
    },
  },
  pureStage('model', [...upper, 'validate', 'desired', 'plan']),
  pureStage('validate', [...upper, 'desired', 'plan']),
  pureStage('desired', [...upper, 'plan']),
  pureStage('plan', upper.filter((f) => f !== 'drivers')),
  // Shared by kinds, owned by none: no kind, no pipeline.
  layer('pgp', ['drivers', 'store', 'serve', 'controller', 'cli', 'reconcile', 'source', 'compression']),
  layer('compression', ['drivers', 'store', 'serve', 'controller', 'cli', 'reconcile', 'source', 'pgp']),
  // The model source and the one-shot pipeline sit under the daemon and the CLI.
  layer('source', ['drivers', 'store', 'serve', 'controller', 'cli', 'reconcile', 'desired', 'plan']),
  layer('reconcile', ['controller', 'cli', 'serve']),
  // The edges: the transport and the store know no kind and nothing above them.
  layer('transport', ['drivers', 'store', 'serve', 'source', 'reconcile', 'controller', 'cli', 'transfer', 'pgp', 'compression']),
  layer('store', ['drivers', 'transport', 'serve', 'source', 'reconcile', 'controller', 'cli', 'transfer']),
  layer('transfer', ['drivers', 'serve', 'source', 'reconcile', 'controller', 'cli']),
  // The drivers: the registry and the shared boundary files, then each kind's folder.
  layer('drivers', driversMayNot),
  ...kinds.map(kindFolder),
  // A kind.ts is what `ferry validate` loads for every kind: no I/O there (types aside).
  {
    files: ['src/drivers/*/kind.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: io.map((name) => ({ name, allowTypeImports: true, message: 'a kind.ts is light and pure: load I/O in its driver (driver(), serving.handler()).' })),
      }],
    },
  },
  // serve reaches the kinds only through the registry and the Kind interface, never a kind's folder.
  {
    files: ['src/serve/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          ...forbid('serve', ['transport', 'source', 'reconcile', 'controller', 'cli', 'transfer']),
          kindMcp('serve'),
          { group: ['**/drivers/*/**', '../drivers/*/*'], message: 'src/serve reaches a kind only through src/drivers/registry.ts and src/drivers/kind.ts (Kind.serving).' },
        ],
      }],
    },
  },
  // The daemon and the CLI sit on top of everything, but reach a kind's MCP module only through its Kind too.
  ...['cli', 'controller'].map((folder) => ({ files: [`src/${folder}/**/*.ts`], rules: { 'no-restricted-imports': ['error', { patterns: [kindMcp(folder)] }] } })),
  { files: ['test/**/*.ts', 'bench/**/*.ts'], rules: { '@typescript-eslint/unbound-method': 'off' } },
  // Scripts other programs run (nginx's njs): plain JavaScript, linted without types.
  { files: ['share/**/*.js'], ...tseslint.configs.disableTypeChecked, languageOptions: { parserOptions: { projectService: false } }, rules: { ...tseslint.configs.disableTypeChecked.rules, '@typescript-eslint/no-unused-vars': ['error', { caughtErrors: 'none' }] } },
);
