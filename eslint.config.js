// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '**/out/**', 'server/.bench-build/**', '.data/**', 'coverage/**', 'desktop/test/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': ['error', { allow: ['warn', 'error'] }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['**/test/**/*.ts', '**/*.test.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    files: ['scripts/**/*.mjs', 'server/run.mjs', 'server/test/**/*.mjs', 'server/build.ts', 'server/bundle.ts', 'server/src/db/migrate-cli.ts', 'server/src/main.ts', 'server/src/cli/**/*.ts', 'server/bench/**/*.ts', 'desktop/bench/**/*.ts'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', fetch: 'readonly' } },
    rules: { 'no-console': 'off' },
  },
  {
    // CommonJS tools run by Node
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', process: 'readonly', console: 'readonly', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off', 'no-console': 'off' },
  },
  {
    // the web admin page runs in the browser: browser globals, and no HTML parsing of strings (data → text nodes)
    files: ['server/admin/**/*.ts'],
    languageOptions: {
      globals: {
        window: 'readonly',
        document: 'readonly',
        location: 'readonly',
        history: 'readonly',
        navigator: 'readonly',
        fetch: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        queueMicrotask: 'readonly',
        URL: 'readonly',
        URLSearchParams: 'readonly',
        FormData: 'readonly',
        Intl: 'readonly',
        HashChangeEvent: 'readonly',
      },
    },
    rules: {
      'no-restricted-properties': [
        'error',
        { property: 'innerHTML', message: 'Build elements and text nodes (dom.ts h()): data must never be parsed as HTML.' },
        { property: 'outerHTML', message: 'Build elements and text nodes (dom.ts h()): data must never be parsed as HTML.' },
        { property: 'insertAdjacentHTML', message: 'Build elements and text nodes (dom.ts h()): data must never be parsed as HTML.' },
        { object: 'document', property: 'write', message: 'Build elements and text nodes (dom.ts h()).' },
      ],
    },
  },
);
