// Lint enforces the layering of ../shared/DESIGN.md: dependencies point inward, only main/app
// imports electron, only native/ imports native addons, the renderer sees nothing of Node.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['node:*', 'fs', 'fs/*', 'path', 'os', 'child_process', 'crypto', 'http', 'https', 'net', 'url', 'util', 'stream', 'events', 'buffer', 'worker_threads', 'zlib'];
const nativeAddons = { group: ['pkcs11js', 'keytar'], message: 'Only native/ may import native addons (pkcs11js, keytar).' };
const electron = { group: ['electron', 'electron/*'], message: 'Only main/app (and the preload entry) may import electron.' };

/** @param {object[]} patterns */
const restrict = (...patterns) => ({
  '@typescript-eslint/no-restricted-imports': ['error', { patterns }],
});

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'node_modules/**', 'test-results/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  // Node side: main (except main/app), native, test may not import electron; nobody but native imports addons.
  {
    files: ['test/**/*.ts'],
    rules: restrict(electron, nativeAddons),
  },
  {
    files: ['main/**/*.ts'],
    ignores: ['main/app/**'],
    rules: restrict(electron, nativeAddons, { group: ['**/renderer/**'], message: 'main/ never imports the renderer.' }),
  },
  {
    files: ['main/app/**/*.ts'],
    rules: restrict(nativeAddons, { group: ['**/renderer/**'], message: 'main/ never imports the renderer.' }),
  },
  // Inner layers never import outer ones (the generic rule first: later blocks override it).
  {
    files: ['main/services/**/*.ts', 'main/pdf/**/*.ts', 'main/cms/**/*.ts', 'main/signers/**/*.ts', 'main/remote/**/*.ts', 'main/validation/**/*.ts'],
    ignores: ['main/services/**'],
    rules: restrict(electron, nativeAddons, { group: ['**/ipc/**', '**/app/**', '**/services/**'], message: 'Dependencies point inward: app -> ipc -> services -> {pdf, cms, signers, remote, validation} -> native.' }),
  },
  {
    files: ['main/pdf/**/*.ts'],
    rules: restrict(electron, nativeAddons, { group: ['**/cms/**', '**/services/**', '**/ipc/**', '**/app/**', '**/signers/**'], message: 'main/pdf knows no crypto and no outer layer.' }),
  },
  {
    files: ['main/cms/**/*.ts'],
    rules: restrict(electron, nativeAddons, { group: ['**/pdf/**', '**/services/**', '**/ipc/**', '**/app/**'], message: 'main/cms knows no PDF and no outer layer.' }),
  },
  {
    files: ['main/signers/**/*.ts'],
    rules: restrict(electron, nativeAddons, {
      group: ['**/pdf/**', '**/cms/**', '**/remote/**', '**/validation/**', '**/services/**', '**/ipc/**', '**/app/**'],
      message: 'main/signers produce signature values: no PDF, CMS, network or outer layer (see main/signers/README.md).',
    }),
  },
  {
    files: ['main/services/**/*.ts'],
    rules: restrict(electron, nativeAddons, { group: ['**/ipc/**', '**/app/**'], message: 'Dependencies point inward: services never import ipc or app.' }),
  },
  {
    files: ['native/**/*.ts'],
    rules: restrict(electron, { group: ['**/main/**', '**/renderer/**', '**/preload/**'], message: 'native/ is the innermost layer.' }),
  },
  // The contract imports zod only; its message catalog (messages.ts) intl-messageformat and assets/locales.
  {
    files: ['preload/contract/**/*.ts'],
    rules: restrict(
      electron, nativeAddons,
      { group: [...nodeBuiltins], message: 'preload/contract is shared by every runtime: zod (and intl-messageformat for messages.ts) only.' },
      { group: ['**/main/**', '**/renderer/**', '**/native/**'], message: 'preload/contract imports zod (and intl-messageformat for messages.ts) only.' },
    ),
  },
  {
    files: ['preload/api.ts'],
    rules: restrict(electron, nativeAddons, { group: [...nodeBuiltins, '**/main/**', '**/renderer/**', '**/native/**'], message: 'preload/api builds verbs from the contract and a transport; nothing else.' }),
  },
  {
    files: ['preload/index.ts'],
    rules: restrict(nativeAddons, { group: ['**/main/**', '**/renderer/**', '**/native/**'], message: 'The preload sees only the contract and electron.' }),
  },
  // The renderer: browser code only; types (never values) from the contract.
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [
          { group: ['electron', 'electron/*'], message: 'The renderer never imports electron: use window.paraphe.' },
          { group: [...nodeBuiltins], message: 'The renderer never imports Node built-ins.' },
          { group: ['**/main/**', '**/native/**', 'pkcs11js', 'keytar'], message: 'The renderer never imports main/ or native/.' },
          // Values from the contract stay in main, except the message catalog that both sides word with.
          { regex: '(^|/)preload/contract(/(?!messages$).*)?$', allowTypeImports: true, message: 'The renderer imports only types from preload/contract (and the message catalog, preload/contract/messages).' },
          { group: ['**/preload/index*', '**/preload/api*'], message: 'The renderer talks to main only through window.paraphe.' },
        ],
      }],
    },
  },
  {
    files: ['**/*.mjs', '**/*.cjs', '**/*.js'],
    languageOptions: { globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
