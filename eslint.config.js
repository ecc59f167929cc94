// Lint: typescript-eslint with type-aware rules everywhere; lit, lit-a11y and wc rules for the elements.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { configs as litConfigs } from 'eslint-plugin-lit';
import { configs as wcConfigs } from 'eslint-plugin-wc';
import litA11y from 'eslint-plugin-lit-a11y';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'custom-elements.json', 'bench/.out/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.js', '*.mjs', 'scripts/*.mjs'] } },
      globals: { ...globals.browser, ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      'no-restricted-syntax': [
        'error',
        { selector: 'TSEnumDeclaration', message: 'No enums: use a union with `as const`.' },
        { selector: 'TSModuleDeclaration[kind="namespace"]', message: 'No namespaces.' },
      ],
    },
  },
  {
    // Config and script files in plain JavaScript: no type information to check against.
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // @open-wc/testing's chai assertions are typed as thenables; they are synchronous.
    files: ['test/**/*.browser.test.ts'],
    rules: { '@typescript-eslint/no-floating-promises': 'off' },
  },
  {
    files: ['src/elements/**/*.ts'],
    ...litConfigs['flat/recommended'],
  },
  {
    files: ['src/elements/**/*.ts'],
    ...wcConfigs['flat/recommended'],
  },
  {
    files: ['src/elements/**/*.ts'],
    plugins: { 'lit-a11y': litA11y },
    rules: litA11y.configs.recommended.rules,
  },
  {
    // Layer rules of design.md: arrows point down only.
    files: ['src/client/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['lit', 'lit/*', '@lit/*', '**/elements/**', '**/server/**', '**/sfu/**'] },
      ],
    },
  },
  {
    files: ['src/elements/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/server/**', '**/sfu/**'] }] },
  },
  {
    files: ['src/server/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['**/elements/**', '**/client/**', '**/sfu/**'] }],
    },
  },
  {
    files: ['src/sfu/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['**/elements/**', '**/client/**', '**/server/**'] }],
    },
  },
  {
    files: ['src/protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['**/elements/**', '**/client/**', '**/server/**', '**/sfu/**', 'lit', 'hono'] },
      ],
    },
  },
);
