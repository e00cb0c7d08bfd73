// Lint enforces the layering of ../shared/DESIGN.md: dependencies point inward, only main/app
// imports electron, only native/ imports native addons, the renderer sees nothing of Node.
//
// Folder rules go through import-x/no-restricted-paths, which resolves each specifier to a file
// before matching: '../cms', '../cms/index', '../cms/tsp', `export ... from`, `import type`,
// require() and a literal dynamic import('../pdf') all land on main/cms/... and are judged alike.
// Package names (electron, native addons, Node built-ins) stay with no-restricted-imports.
// test/unit/layering.test.ts proves every rule for each import form.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';

const root = import.meta.dirname;
const nodeBuiltins = ['node:*', 'fs', 'fs/*', 'path', 'os', 'child_process', 'crypto', 'http', 'https', 'net', 'url', 'util', 'stream', 'events', 'buffer', 'worker_threads', 'zlib'];
const nativeAddons = { group: ['pkcs11js', 'keytar'], message: 'Only native/ may import native addons (pkcs11js, keytar).' };
const electron = { group: ['electron', 'electron/*'], message: 'Only main/app (and the preload entry) may import electron.' };

/** @param {object[]} patterns */
const restrict = (...patterns) => ({
  '@typescript-eslint/no-restricted-imports': ['error', { patterns }],
});

// Everything under main/, by layer. A layer lists what it may import; every other entry is refused.
const mainEntries = {
  app: 'main/app', ipc: 'main/ipc', services: 'main/services', cli: ['main/cli', 'main/cli.ts'], tools: 'main/tools', bin: 'main/bin',
  pdf: 'main/pdf', cms: 'main/cms', signers: 'main/signers', remote: 'main/remote', validation: 'main/validation', x509: 'main/x509',
  errors: 'main/errors.ts', atomicWrite: 'main/atomic-write.ts',
};
const outside = {
  // native/, by module: main/signers may reach tokens (native/pkcs11) but not the keychain, which it
  // gets only through the `keychain` port (main/signers/README.md); `nativeOther` is the rest.
  pkcs11: 'native/pkcs11', keychain: 'native/keychain', nativeOther: 'native/!(pkcs11|keychain)/**', renderer: 'renderer', preloadEntry: ['preload/index.ts', 'preload/api.ts'], test: 'test',
  // The contract's schemas and verbs (the IPC surface), its zod-free domain constants, and the
  // message catalog every side words with.
  contract: ['preload/contract/!(domain|messages).ts', 'preload/contract/*/**'], domain: 'preload/contract/domain.ts', messages: 'preload/contract/messages.ts',
};
const allEntries = { ...mainEntries, ...outside };
const isGlob = (/** @type {string} */ p) => /[*!?{}()[\]]/.test(p);

/**
 * Files under `target` may import nothing of the repository but `allowed` (and themselves). One
 * zone for plain paths, one for globs: the rule refuses a zone that mixes them.
 * @param {string} name @param {string|string[]} target @param {string[]} allowed @param {string} message
 */
function layer(name, target, allowed, message) {
  const from = Object.entries(allEntries)
    .filter(([key]) => key !== name && !allowed.includes(key))
    .flatMap(([, paths]) => paths);
  return [from.filter((p) => !isGlob(p)), from.filter(isGlob)].filter((f) => f.length > 0).map((f) => ({ target, from: f, message }));
}

const inward = 'Dependencies point inward: app -> ipc -> services -> {pdf, cms, signers, remote, validation} -> native (main/README.md).';
const zones = [
  // Every layer of main may import the domain constants but x509, errors and atomicWrite, the leaves
  // every layer imports (they import nothing of the repository but, for errors, the message
  // catalog); only services, ipc, app and the CLI the IPC contract.
  layer('app', 'main/app', ['ipc', 'services', 'contract', 'domain', 'messages', 'errors', 'atomicWrite'], `main/app wires ipc and services, nothing deeper. ${inward}`),
  layer('ipc', 'main/ipc', ['services', 'contract', 'domain', 'messages', 'errors'], `main/ipc calls services, nothing deeper. ${inward}`),
  layer('services', 'main/services', ['pdf', 'cms', 'signers', 'remote', 'validation', 'x509', 'pkcs11', 'keychain', 'contract', 'domain', 'messages', 'errors', 'atomicWrite'], `main/services never imports ipc, app or the CLI. ${inward}`),
  layer('cli', mainEntries.cli, ['services', 'pdf', 'cms', 'signers', 'remote', 'validation', 'x509', 'pkcs11', 'keychain', 'contract', 'domain', 'messages', 'errors', 'atomicWrite'], 'The CLI uses services and the layers below, never ipc or app.'),
  layer('pdf', 'main/pdf', ['domain', 'messages', 'errors'], 'main/pdf knows no crypto and no outer layer: no cms, signers, x509, remote, validation, services, ipc, app.'),
  layer('cms', 'main/cms', ['signers', 'x509', 'domain', 'messages', 'errors'], 'main/cms knows no PDF, no network and no outer layer (main/README.md).'),
  layer('signers', 'main/signers', ['pkcs11', 'x509', 'domain', 'messages', 'errors', 'atomicWrite'], 'main/signers produce signature values: no PDF, CMS, network or outer layer, and the keychain only through the `keychain` port (see main/signers/README.md).'),
  layer('remote', 'main/remote', ['cms', 'x509', 'domain', 'messages', 'errors'], 'main/remote speaks HTTP with cms/ types: no PDF, signers, validation or outer layer.'),
  layer('validation', 'main/validation', ['pdf', 'cms', 'remote', 'x509', 'domain', 'messages', 'errors'], 'main/validation reads pdf/, cms/ and remote/ only: no signers or outer layer.'),
  layer('messages', 'preload/contract/messages.ts', ['contract', 'domain'], 'The message catalog reads its JSON files and the contract\'s types only.'),
  layer('x509', 'main/x509', [], 'main/x509 is shared by signers, cms and validation: Node built-ins, pkijs, asn1js and @peculiar only.'),
  layer('errors', 'main/errors.ts', ['messages'], 'main/errors.ts is imported by every layer and imports only the message catalog.'),
  layer('atomicWrite', 'main/atomic-write.ts', [], 'main/atomic-write.ts is imported by every layer and imports none.'),
  layer('native', 'native', ['pkcs11', 'keychain', 'nativeOther'], 'native/ is the innermost layer: nothing of main/, renderer/ or preload/.'),
  layer('contract', 'preload/contract', ['domain', 'messages'], 'preload/contract is shared by every runtime: zod only.'),
  layer('preloadEntry', outside.preloadEntry, ['contract', 'domain', 'messages'], 'The preload sees only the contract and electron.'),
  // The contract's values are refused below (no-restricted-imports, allowTypeImports): types only.
  layer('renderer', 'renderer', ['contract', 'domain', 'messages'], 'The renderer never imports main/, native/ or the preload: it talks to main through window.paraphe.'),
].flat();
// main/tools and main/bin are build and launcher scripts, and test/ may reach every layer: no zone.

const layering = {
  'import-x/no-restricted-paths': ['error', { basePath: root, zones }],
  // A specifier the resolver cannot resolve escapes the zones above: refuse it. (Type-position
  // `import('../pdf')` is invisible to both; @typescript-eslint/consistent-type-imports refuses it.)
  'import-x/no-unresolved': ['error', { caseSensitiveStrict: true }],
};

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
  {
    files: ['main/**/*.ts', 'preload/**/*.ts', 'native/**/*.ts', 'renderer/**/*.ts', 'renderer/**/*.tsx', 'test/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.tsx', '.d.ts', '.js', '.mjs', '.cjs', '.json', '.node'] })],
    },
    rules: layering,
  },
  // Package names: only main/app imports electron, only native/ imports native addons.
  {
    files: ['test/**/*.ts'],
    rules: restrict(electron, nativeAddons),
  },
  {
    files: ['native/**/*.ts'],
    rules: restrict(electron),
  },
  {
    files: ['main/**/*.ts'],
    ignores: ['main/app/**'],
    rules: restrict(electron, nativeAddons),
  },
  {
    files: ['main/app/**/*.ts'],
    rules: restrict(nativeAddons),
  },
  // main/x509 is imported by signers, cms and validation: Node built-ins and the PKI libraries only.
  {
    files: ['main/x509/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [{ regex: '^(?!node:|pkijs$|asn1js$|@peculiar/|reflect-metadata$|\\.{1,2}/)', message: 'main/x509 imports Node built-ins, pkijs, asn1js and @peculiar only.' }],
      }],
    },
  },
  // The contract imports zod only; its message catalog (messages.ts) intl-messageformat and assets/locales.
  {
    files: ['preload/contract/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [{ regex: '^(?!zod(/|$)|intl-messageformat(/|$)|\\.{1,2}/)', message: 'preload/contract is shared by every runtime: zod (and intl-messageformat for messages.ts) only.' }],
      }],
    },
  },
  {
    files: ['preload/api.ts'],
    rules: restrict(electron, nativeAddons, { group: [...nodeBuiltins], message: 'preload/api builds verbs from the contract and a transport; nothing else.' }),
  },
  {
    files: ['preload/index.ts'],
    rules: restrict(nativeAddons),
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
          { group: ['pkcs11js', 'keytar'], message: 'The renderer never imports native addons.' },
          // Values from the contract stay in main, except the message catalog that both sides word
          // with and the domain's plain constants (no zod, no imports: DTM regions, the CSC URL rule).
          { regex: '(^|/)preload/+contract(/(?!messages$|domain$).*)?$', allowTypeImports: true, message: 'The renderer imports only types from preload/contract (and the message catalog, preload/contract/messages, and the domain words, preload/contract/domain).' },
        ],
      }],
      // A dynamic import() always yields values.
      'no-restricted-syntax': ['error', { selector: 'ImportExpression[source.value=/(^|\\/)preload\\/+contract(\\/|$)/]', message: 'The renderer imports only types from preload/contract.' }],
    },
  },
  {
    files: ['**/*.mjs', '**/*.cjs', '**/*.js'],
    languageOptions: { globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
