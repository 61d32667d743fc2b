import js from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/*
 * The direction of imports in lib/ (see docs and README, "Development"): facts and types at the bottom, then
 * the vocabulary between threads (protocol/), the main-thread supervisor and the worker thread beside each
 * other, and the Nest layer on top. Facts (errors/, interfaces/, *.enum.ts, *.constants.ts) may be imported
 * from anywhere. A type-only import of Nest is fine everywhere: it is gone at run time.
 */
const FACTS = '(errors|interfaces)(/|$)|[^/]+\\.(enum|constants)$';
const nestAtRunTime = (where) => ({
  regex: '^@nestjs/',
  allowTypeImports: true,
  message: `${where} runs without Nest: import Nest types only (import type), or move the code to the Nest layer.`,
});
const layer = (files, patterns) => ({
  files,
  rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns }] },
});

export default tseslint.config(
  { ignores: ['**/dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    // Decorator metadata needs some type-only-looking imports at run time (constructor injection).
    languageOptions: { parserOptions: { emitDecoratorMetadata: true, experimentalDecorators: true } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unsafe-function-type': 'off',
      '@typescript-eslint/no-require-imports': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['lib/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      // The cycle rule follows only files it can parse: TypeScript, with the project's parser.
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js'] })],
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  layer(
    ['lib/protocol/**/*.ts'],
    [
      nestAtRunTime('protocol/ (the vocabulary between threads)'),
      {
        regex: `^\\.\\./(?!protocol/|${FACTS})|^\\.\\.$`,
        message: 'protocol/ is the vocabulary both threads share: it imports only facts (errors/, interfaces/, enums).',
      },
    ],
  ),
  layer(
    ['lib/supervisor/**/*.ts'],
    [
      nestAtRunTime('supervisor/ (the main thread, below the Nest layer)'),
      {
        regex: `^\\.\\./(?!supervisor/|protocol/|${FACTS})|^\\.\\.$`,
        message:
          'supervisor/ imports only protocol/ and facts: not worker/ (another thread), jobs/ or the Nest layer above it.',
      },
    ],
  ),
  layer(
    ['lib/worker/**/*.ts'],
    [
      {
        regex: '^\\.\\.(/(supervisor(/.*)?|pool|pool\\.module|index))?$',
        message:
          'worker/ runs in the worker thread: it never loads the supervisor or the pool module (see worker-pools.module.ts).',
      },
    ],
  ),
  layer(
    ['lib/interfaces/**/*.ts', 'lib/errors/**/*.ts'],
    [
      {
        regex: `^\\.\\./(?!${FACTS})|^\\.\\.$`,
        message:
          'interfaces/ and errors/ are facts: they import nothing of ours beyond errors/, interfaces/ and enums.',
      },
    ],
  ),
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        module: 'writable',
        require: 'readonly',
        process: 'readonly',
        __dirname: 'readonly',
        console: 'readonly',
      },
    },
  },
);
