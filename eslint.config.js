// Type-aware lint, plus the layering rule of DESIGN.md: the pure stages (model, validate,
// desired, plan) never reach for I/O; imports flow down the pipeline.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const io = ['node:fs', 'node:fs/promises', 'fs', 'fs/promises', 'node:child_process', 'node:net', 'node:http', 'undici', 'isomorphic-git'];
const pureStage = (folder, forbidden) => ({
  files: [`src/${folder}/**/*.ts`],
  rules: {
    'no-restricted-imports': ['error', {
      paths: io.map((name) => ({ name, message: `src/${folder} is a pure stage: do I/O at the edges (transport, store, controller).` })),
      patterns: forbidden.map((f) => ({ group: [`**/${f}/**`, `../${f}/*`], message: `src/${folder} must not import src/${f}: imports flow down the pipeline.` })),
    }],
  },
});
// An I/O layer may use I/O but imports only what lies below it.
const layer = (folder, forbidden) => ({
  files: [`src/${folder}/**/*.ts`],
  rules: {
    'no-restricted-imports': ['error', {
      patterns: forbidden.map((f) => ({ group: [`**/${f}/**`, `../${f}/*`], message: `src/${folder} must not import src/${f}: imports flow down the layers.` })),
    }],
  },
});
const upper = ['transport', 'store', 'serve', 'controller', 'cli', 'drivers', 'reconcile', 'source', 'pgp', 'compression'];

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
  { files: ['test/**/*.ts', 'bench/**/*.ts'], rules: { '@typescript-eslint/unbound-method': 'off' } },
  // Scripts other programs run (nginx's njs): plain JavaScript, linted without types.
  { files: ['share/**/*.js'], ...tseslint.configs.disableTypeChecked, languageOptions: { parserOptions: { projectService: false } }, rules: { ...tseslint.configs.disableTypeChecked.rules, '@typescript-eslint/no-unused-vars': ['error', { caughtErrors: 'none' }] } },
);
