// The import boundaries of DESIGN.md are enforced by lint: these tests prove each rule fires, for
// every form an import takes (folder, explicit index, file, `export ... from`, `import type`,
// dynamic import()), and that the imports each layer is allowed stay clean. The snippets are linted
// as files inside the repository, so the resolver resolves them against the real tree.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { ESLint } from 'eslint';
import type { Linter } from 'eslint';
import { fileURLToPath } from 'node:url';

const cwd = fileURLToPath(new URL('../..', import.meta.url));
const eslint = new ESLint({ cwd });

async function lint(filePath: string, code: string): Promise<Linter.LintMessage[]> {
  const [result] = await eslint.lintText(code, { filePath: join(cwd, filePath) });
  return result?.messages ?? [];
}

/** A specifier from `importer` to `target` (repository paths, target without extension). */
function specifier(importer: string, target: string): string {
  const rel = relative(dirname(importer), target);
  return rel.startsWith('.') ? rel : `./${rel}`;
}

/** Every form of import of `file` (inside the folder `folder`), as [form, code]. */
function importForms(importer: string, folder: string, file: string): [string, string][] {
  const toFile = specifier(importer, `${folder}/${file}`);
  const forms: [string, string][] = [
    ['file', `import { a } from '${toFile}';\nexport const b = a;`],
    ['export from', `export { a } from '${toFile}';`],
    ['export * from', `export * from '${toFile}';`],
    ['import type', `import type { A } from '${toFile}';\nexport type B = A;`],
    ['dynamic import() of the file', `export const b = () => import('${toFile}');`],
  ];
  if (existsSync(join(cwd, folder, 'index.ts'))) {
    const toFolder = specifier(importer, folder);
    forms.push(
      ['folder', `import { a } from '${toFolder}';\nexport const b = a;`],
      ['explicit index', `import { a } from '${toFolder}/index';\nexport const b = a;`],
      ['dynamic import() of the folder', `export const b = () => import('${toFolder}');`],
    );
  }
  return forms;
}

const layeringRules = new Set(['import-x/no-restricted-paths', '@typescript-eslint/no-restricted-imports', 'import-x/no-unresolved', 'no-restricted-syntax']);

async function assertRefused(importer: string, code: string, rule = 'import-x/no-restricted-paths'): Promise<void> {
  const messages = await lint(importer, code);
  // A refusal must come from the layering rule, on a path that resolved (else it proves nothing).
  assert.deepEqual(messages.filter((m) => m.ruleId === 'import-x/no-unresolved').map((m) => m.message), [], 'the import must resolve');
  assert.ok(messages.some((m) => m.ruleId === rule), `expected ${rule}, got ${JSON.stringify(messages.map((m) => `${m.ruleId}: ${m.message}`))}`);
}

async function assertAllowed(importer: string, code: string): Promise<void> {
  const messages = await lint(importer, code);
  assert.deepEqual(messages.filter((m) => m.ruleId === null || layeringRules.has(m.ruleId)).map((m) => `${m.ruleId}: ${m.message}`), []);
}

/** Rows [importer, folder, file]: `importer` may not import any of `targets` ([folder, a file in it]). */
function refusing(importer: string, ...targets: [folder: string, file: string][]): [string, string, string][] {
  return targets.map(([folder, file]) => [importer, folder, file]);
}

// [importing file, folder it may not import, a file in that folder]
const refusedFolders: [string, string, string][] = [
  // pdf: no crypto, no outer layer
  ...refusing('main/pdf/x.ts',
    ['main/cms', 'tsp'], ['main/signers', 'signer'], ['main/remote', 'tsa'], ['main/validation', 'reasons'], ['main/services', 'locale'],
    ['main/ipc', 'dispatch'], ['main/app', 'csp'],
  ),
  // cms: no PDF, no network, no outer layer
  ...refusing('main/cms/x.ts',
    ['main/pdf', 'objects'], ['main/remote', 'tsa'], ['main/validation', 'reasons'], ['main/services', 'locale'], ['main/ipc', 'dispatch'],
    ['main/app', 'csp'],
  ),
  // signers: signature values only
  ...refusing('main/signers/x.ts',
    ['main/pdf', 'objects'], ['main/cms', 'tsp'], ['main/remote', 'tsa'], ['main/validation', 'reasons'], ['main/services', 'locale'],
    ['main/ipc', 'dispatch'], ['main/app', 'csp'],
  ),
  // signers reach the keychain only through the `keychain` port given to PersonalIdStore
  ...refusing('main/signers/x.ts', ['native/keychain', 'index']),
  // remote: HTTP with cms/ types
  ...refusing('main/remote/x.ts', ['main/pdf', 'objects'], ['main/signers', 'signer'], ['main/validation', 'reasons'], ['main/services', 'locale']),
  // validation: pdf, cms, remote only
  ...refusing('main/validation/x.ts', ['main/signers', 'signer'], ['main/services', 'locale'], ['main/ipc', 'dispatch']),
  // x509: shared by signers, cms and validation, so it imports none of them; pdf has no crypto
  ...refusing('main/x509/x.ts',
    ['main/cms', 'tsp'], ['main/signers', 'signer'], ['main/pdf', 'objects'], ['main/validation', 'reasons'], ['preload/contract', 'domain'],
  ),
  ...refusing('main/pdf/x.ts', ['main/x509', 'names']),
  // services never ipc, app or the CLI
  ...refusing('main/services/x.ts', ['main/ipc', 'dispatch'], ['main/app', 'csp'], ['main/cli', 'args']),
  // ipc calls services, nothing deeper; app wires ipc and services
  ...refusing('main/ipc/x.ts', ['main/app', 'csp'], ['main/pdf', 'objects']),
  ...refusing('main/app/x.ts', ['main/pdf', 'objects'], ['main/cli', 'args']),
  // the CLI: services and below, never ipc or app
  ...refusing('main/cli/x.ts', ['main/ipc', 'dispatch'], ['main/app', 'csp']),
  // main never imports the renderer or the preload entry
  ...refusing('main/services/x.ts', ['renderer/src/store', 'index']),
  ...refusing('main/app/x.ts', ['preload', 'api']),
  // native is innermost
  ...refusing('native/pkcs11/x.ts',
    ['main/signers', 'signer'], ['main/services', 'locale'], ['preload/contract', 'schemas'], ['renderer/src/store', 'index'],
  ),
  // the contract imports zod only
  ...refusing('preload/contract/x.ts',
    ['main/services', 'locale'], ['native/keychain', 'index'], ['renderer/src/store', 'index'], ['preload', 'api'],
  ),
  // the preload: the contract and electron
  ...refusing('preload/api.ts', ['main/services', 'locale']),
  ...refusing('preload/index.ts', ['main/ipc', 'dispatch'], ['native/pkcs11', 'index']),
  // the IPC contract (schemas, verbs) is for services, ipc, app and the CLI; inner layers get domain.ts only
  ...refusing('main/pdf/x.ts', ['preload/contract', 'schemas']),
  ...refusing('main/cms/x.ts', ['preload/contract', 'verbs']),
  ...refusing('main/signers/x.ts', ['preload/contract', 'schemas']),
  ...refusing('main/remote/x.ts', ['preload/contract', 'schemas']),
  ...refusing('main/validation/x.ts', ['preload/contract', 'schemas']),
  ...refusing('native/keychain/x.ts', ['preload/contract', 'domain']),
  // the schemas, one file per domain under preload/contract/schemas, are the contract too
  ...refusing('main/pdf/x.ts', ['preload/contract/schemas', 'signing']),
  ...refusing('main/signers/x.ts', ['preload/contract/schemas', 'identities']),
  ...refusing('native/pkcs11/x.ts', ['preload/contract/schemas', 'common']),
  ...refusing('preload/contract/schemas/x.ts', ['main/services', 'locale'], ['renderer/src/store', 'index'], ['preload', 'api']),
  // the renderer: nothing of main/, native/ or the preload
  ...refusing('renderer/src/x.ts', ['main/services', 'locale'], ['main/pdf', 'objects'], ['native/keychain', 'index'], ['preload', 'api']),
];

// [importing file, code] that must lint clean
const allowed: [string, string][] = [
  ['main/pdf/x.ts', "import type { DocMdpPermission } from '../../preload/contract/domain';\nexport type A = DocMdpPermission;"],
  ['main/cms/x.ts', "import { PADES_LEVELS } from '../../preload/contract/domain';\nexport const a = PADES_LEVELS;"],
  ['main/validation/x.ts', "import type { SignatureLevel } from '../../preload/contract/domain';\nexport type A = SignatureLevel;"],
  ['main/cli/x.ts', "import { CERTIFY_MODES } from '../../preload/contract/domain';\nexport const a = CERTIFY_MODES;"],
  ['preload/contract/x.ts', "import { PADES_LEVELS } from './domain';\nexport const a = PADES_LEVELS;"],
  ['renderer/src/x.ts', "import type { PadesLevel } from '../../preload/contract/domain';\nexport type A = PadesLevel;"],
  // The domain's plain constants are values the renderer may use (no zod, no imports).
  ['renderer/src/x.ts', "import { PADES_LEVELS } from '../../preload/contract/domain';\nexport const a = PADES_LEVELS;"],
  ['main/signers/x.ts', "import { displayName } from '../x509';\nexport const a = displayName;"],
  ['main/cms/x.ts', "import { displayName } from '../x509/index';\nexport const a = displayName;"],
  ['main/validation/x.ts', "import { distinguishedName } from '../x509/names';\nexport const a = distinguishedName;"],
  ['main/remote/x.ts', "export const a = () => import('../x509');"],
  ['main/x509/x.ts', "import 'reflect-metadata';\nimport * as x509 from '@peculiar/x509';\nimport type * as pkijs from 'pkijs';\nimport { createHash } from 'node:crypto';\nexport type A = pkijs.Certificate;\nexport const b = [x509, createHash];"],
  ['main/pdf/x.ts', "import { a } from './objects';\nimport { b } from '../errors';\nexport const c = [a, b];"],
  ['main/cms/x.ts', "import type { HashAlgorithm } from '../signers/signer';\nimport { b } from '../errors';\nexport type A = HashAlgorithm;\nexport const c = b;"],
  ['main/signers/x.ts', "import { a } from '../../native/pkcs11';\nimport { c } from '../errors';\nimport { d } from '../atomic-write';\nexport const e = [a, c, d];"],
  ['main/services/x.ts', "import { a } from '../../native/keychain';\nimport { b } from '../../native/pkcs11/index';\nexport const c = [a, b];"],
  ['main/remote/x.ts', "import { a } from '../cms';\nimport { b } from '../cms/tsp';\nexport const c = [a, b];"],
  ['main/validation/x.ts', "import { a } from '../pdf';\nimport { b } from '../cms';\nimport { c } from '../remote';\nexport const d = () => import('../pdf/appearance');\nexport const e = [a, b, c];"],
  ['main/services/x.ts', "import { a } from '../pdf';\nimport { b } from '../cms';\nimport { c } from '../signers';\nimport { d } from '../remote';\nimport { e } from '../validation/validate';\nimport { f } from '../../native/pkcs11';\nimport type { AppInfo } from '../../preload/contract/schemas';\nexport const g = () => import('../pdf/appearance');\nexport type H = AppInfo;\nexport const i = [a, b, c, d, e, f];"],
  ['main/ipc/x.ts', "import { a } from '../services';\nimport { b } from '../../preload/contract/schemas';\nexport const c = [a, b];"],
  ['main/app/x.ts', "import { app } from 'electron';\nimport { a } from '../ipc/dispatch';\nimport { b } from '../services';\nexport const c = [app, a, b];"],
  ['main/cli/x.ts', "import { a } from '../services';\nimport { b } from '../pdf';\nimport { c } from '../validation/validate';\nexport const d = [a, b, c];"],
  ['native/keychain/x.ts', "import keytar from 'keytar';\nimport { a } from '../pkcs11';\nexport const b = [keytar, a];"],
  ['native/pkcs11/x.ts', "export const a = () => import('pkcs11js');"],
  ['preload/contract/x.ts', "import { z } from 'zod';\nimport { a } from './schemas';\nexport const b = [z, a];"],
  ['preload/contract/schemas/x.ts', "import { z } from 'zod';\nimport { PADES_LEVELS } from '../domain';\nimport { DocId } from './common';\nimport type { MessageKey } from '../messages';\nexport type A = MessageKey;\nexport const b = [z, PADES_LEVELS, DocId];"],
  ['main/services/x.ts', "import { IdentityId } from '../../preload/contract/schemas/identities';\nexport const a = IdentityId;"],
  ['renderer/src/x.ts', "import type { Identity } from '../../preload/contract/schemas/identities';\nexport type A = Identity;"],
  ['preload/index.ts', "import { contextBridge } from 'electron';\nimport { a } from './api';\nimport type { Envelope } from './contract/schemas';\nexport type B = Envelope<unknown>;\nexport const c = [contextBridge, a];"],
  ['renderer/src/x.ts', "import type { AppInfo } from '../../preload/contract/schemas';\nexport type { ParapheApi } from '../../preload/contract/verbs';\nimport { a } from './store';\nexport type B = AppInfo;\nexport const c = a;"],
  ['test/unit/x.ts', "import { a } from '../../main/cms';\nimport { b } from '../../main/pdf';\nexport const c = [a, b];"],
];

// Snippets several rows refuse.
const ELECTRON = "import { app } from 'electron';\nexport const a = app;";
const KEYTAR = "import keytar from 'keytar';\nexport const a = keytar;";
const NODE_FS = "import { readFile } from 'node:fs';\nexport const a = readFile;";

/** Rows refusing `code` in each of `importers`, by the default rule. */
function refusedIn(code: string, ...importers: string[]): [string, string][] {
  return importers.map((importer) => [importer, code]);
}

// [importing file, code, the rule that refuses it (no-restricted-imports unless said)]: package names and the renderer's values.
const refusedPackages: [importer: string, code: string, rule?: string][] = [
  ...refusedIn(ELECTRON, 'main/services/x.ts', 'main/pdf/x.ts', 'native/pkcs11/x.ts', 'test/unit/x.ts'),
  ...refusedIn(KEYTAR, 'main/services/x.ts', 'main/app/x.ts', 'main/x509/x.ts'),
  ['main/signers/x.ts', "import * as pkcs11js from 'pkcs11js';\nexport const a = pkcs11js;"],
  ['main/x509/x.ts', "import { z } from 'zod';\nexport const a = z;"],
  ['preload/contract/x.ts', NODE_FS],
  ['preload/contract/x.ts', ELECTRON],
  ['preload/contract/x.ts', "import { create } from 'zustand';\nexport const a = create;"],
  ['preload/api.ts', NODE_FS],
  ['preload/index.ts', KEYTAR],
  ['renderer/src/x.ts', "import { ipcRenderer } from 'electron';\nexport const a = ipcRenderer;"],
  ['renderer/src/x.ts', NODE_FS],
  ['renderer/src/x.ts', "import { readFile } from 'fs';\nexport const a = readFile;"],
  ['renderer/src/x.ts', "import { channels } from '../../preload/contract/schemas';\nexport const a = channels;"],
  ['renderer/src/x.ts', "export { channels } from '../../preload/contract/schemas';"],
  ['renderer/src/x.ts', "export * from '../../preload/contract/verbs';"],
  ['renderer/src/x.ts', "export const a = () => import('../../preload/contract/schemas');", 'no-restricted-syntax'],
  ['renderer/src/x.ts', "import { Identity } from '../../preload/contract/schemas/identities';\nexport const a = Identity;"],
  ['renderer/src/x.ts', "export const a = () => import('../../preload/contract/schemas/channels');", 'no-restricted-syntax'],
  ['preload/contract/schemas/x.ts', NODE_FS],
];

describe('layering lint', () => {
  for (const [importer, folder, file] of refusedFolders) {
    for (const [form, code] of importForms(importer, folder, file)) {
      it(`refuses ${folder} in ${importer} (${form})`, () => assertRefused(importer, code));
    }
  }
  for (const [importer, code, rule = '@typescript-eslint/no-restricted-imports'] of refusedPackages) {
    it(`refuses in ${importer}: ${code.split('\n')[0]}`, () => assertRefused(importer, code, rule));
  }
  for (const [importer, code] of allowed) {
    it(`allows in ${importer} what its layer may import`, () => assertAllowed(importer, code));
  }
  it('refuses an import the resolver cannot resolve (it would escape every zone)', async () => {
    const messages = await lint('main/pdf/x.ts', "import { a } from '../cms/no-such-file';\nexport const b = a;");
    assert.ok(messages.some((m) => m.ruleId === 'import-x/no-unresolved'));
  });
  it('covers every import form for a folder with an index', () => {
    assert.equal(importForms('main/pdf/x.ts', 'main/cms', 'tsp').length, 8);
  });
});

describe('layering lint: every schema file of the contract is in the contract\'s zone', () => {
  const folder = 'preload/contract/schemas';
  const files = readdirSync(join(cwd, folder)).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -'.ts'.length));
  it('finds the schema files, index included', () => {
    assert.ok(files.includes('index') && files.length > 1, files.join(', '));
  });
  for (const file of files) {
    it(`refuses ${folder}/${file} in main/pdf, and its values in the renderer`, async () => {
      await assertRefused('main/pdf/x.ts', `import { a } from '../../${folder}/${file}';\nexport const b = a;`);
      await assertRefused('renderer/src/x.ts', `import { a } from '../../${folder}/${file}';\nexport const b = a;`, '@typescript-eslint/no-restricted-imports');
    });
  }
});

describe('layering lint: the message catalog is the one value the renderer takes from the contract', () => {
  const restricted = async (file: string, code: string) =>
    (await lint(file, code)).filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports').map((m) => m.message);
  it('allows preload/contract/messages in the renderer', async () => {
    assert.deepEqual(await restricted('renderer/src/x.ts', "import { format } from '../../preload/contract/messages';\nexport const a = format;"), []);
  });
  it('refuses other contract values in the renderer (verbs, a look-alike name)', async () => {
    assert.ok((await restricted('renderer/src/x.ts', "import { verbs } from '../../preload/contract/verbs';\nexport const a = verbs;")).length > 0);
    assert.ok((await restricted('renderer/src/x.ts', "import { x } from '../../preload/contract/messages-extra';\nexport const a = x;")).length > 0);
  });
  it('lets the contract import intl-messageformat, and still not Node built-ins', async () => {
    assert.deepEqual(await restricted('preload/contract/x.ts', "import { IntlMessageFormat } from 'intl-messageformat';\nexport const a = IntlMessageFormat;"), []);
    assert.ok((await restricted('preload/contract/x.ts', "import { readFile } from 'node:fs';\nexport const a = readFile;")).length > 0);
  });
});
