// Flat config: typescript-eslint's recommended rules, zero warnings, and the one-way dependency rule
// from STYLE.md (apps -> packages -> core; only store/ imports zustand).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const restrict = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

export default tseslint.config(
  { ignores: ['**/node_modules/**', 'dist/**', 'public/wasm/**', 'test-results/**', 'playwright-report/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['packages/core/**/*.ts'],
    rules: restrict([
      { group: ['@chemveil/*'], message: 'core depends on no other package.' },
      { group: ['node:*'], message: 'core has no Node APIs: it runs in browsers too.' },
    ]),
  },
  {
    files: ['packages/*/src/**/*.ts'],
    ignores: ['packages/cli/**'],
    rules: restrict([
      { group: ['@chemveil/server', '@chemveil/web', '@chemveil/cli'], message: 'packages never import apps.' },
    ]),
  },
  {
    files: ['apps/web/**/*.{ts,tsx}'],
    ignores: ['apps/web/src/store/**'],
    rules: restrict([
      { group: ['@chemveil/server', '@chemveil/server/*'], message: 'web never imports server code.' },
      { group: ['zustand', 'zustand/*'], message: 'only store/ imports zustand.' },
    ]),
  },
  {
    // Every browser test runs under the network and CSP audits: specs take `test` from the fixture that attaches them.
    files: ['e2e/**/*.spec.ts'],
    rules: restrict([
      {
        group: ['@playwright/test'],
        message: "import { test, expect } from './fixtures/test.ts' (the network and CSP audits).",
      },
    ]),
  },
);
