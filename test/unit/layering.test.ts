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

// [importing file, folder it may not import, a file in that folder]
const refusedFolders: [string, string, string][] = [
  // pdf: no crypto, no outer layer
  ['main/pdf/x.ts', 'main/cms', 'tsp'],
  ['main/pdf/x.ts', 'main/signers', 'signer'],
  ['main/pdf/x.ts', 'main/remote', 'tsa'],
  ['main/pdf/x.ts', 'main/validation', 'reasons'],
  ['main/pdf/x.ts', 'main/services', 'locale'],
  ['main/pdf/x.ts', 'main/ipc', 'dispatch'],
  ['main/pdf/x.ts', 'main/app', 'csp'],
  // cms: no PDF, no network, no outer layer
  ['main/cms/x.ts', 'main/pdf', 'objects'],
  ['main/cms/x.ts', 'main/remote', 'tsa'],
  ['main/cms/x.ts', 'main/validation', 'reasons'],
  ['main/cms/x.ts', 'main/services', 'locale'],
  ['main/cms/x.ts', 'main/ipc', 'dispatch'],
  ['main/cms/x.ts', 'main/app', 'csp'],
  // signers: signature values only
  ['main/signers/x.ts', 'main/pdf', 'objects'],
  ['main/signers/x.ts', 'main/cms', 'tsp'],
  ['main/signers/x.ts', 'main/remote', 'tsa'],
  ['main/signers/x.ts', 'main/validation', 'reasons'],
  ['main/signers/x.ts', 'main/services', 'locale'],
  ['main/signers/x.ts', 'main/ipc', 'dispatch'],
  ['main/signers/x.ts', 'main/app', 'csp'],
  // signers reach the keychain only through the `keychain` port given to PersonalIdStore
  ['main/signers/x.ts', 'native/keychain', 'index'],
  // remote: HTTP with cms/ types
  ['main/remote/x.ts', 'main/pdf', 'objects'],
  ['main/remote/x.ts', 'main/signers', 'signer'],
  ['main/remote/x.ts', 'main/validation', 'reasons'],
  ['main/remote/x.ts', 'main/services', 'locale'],
  // validation: pdf, cms, remote only
  ['main/validation/x.ts', 'main/signers', 'signer'],
  ['main/validation/x.ts', 'main/services', 'locale'],
  ['main/validation/x.ts', 'main/ipc', 'dispatch'],
  // x509: shared by signers, cms and validation, so it imports none of them; pdf has no crypto
  ['main/x509/x.ts', 'main/cms', 'tsp'],
  ['main/x509/x.ts', 'main/signers', 'signer'],
  ['main/x509/x.ts', 'main/pdf', 'objects'],
  ['main/x509/x.ts', 'main/validation', 'reasons'],
  ['main/x509/x.ts', 'preload/contract', 'domain'],
  ['main/pdf/x.ts', 'main/x509', 'names'],
  // services never ipc, app or the CLI
  ['main/services/x.ts', 'main/ipc', 'dispatch'],
  ['main/services/x.ts', 'main/app', 'csp'],
  ['main/services/x.ts', 'main/cli', 'args'],
  // ipc calls services, nothing deeper; app wires ipc and services
  ['main/ipc/x.ts', 'main/app', 'csp'],
  ['main/ipc/x.ts', 'main/pdf', 'objects'],
  ['main/app/x.ts', 'main/pdf', 'objects'],
  ['main/app/x.ts', 'main/cli', 'args'],
  // the CLI: services and below, never ipc or app
  ['main/cli/x.ts', 'main/ipc', 'dispatch'],
  ['main/cli/x.ts', 'main/app', 'csp'],
  // main never imports the renderer or the preload entry
  ['main/services/x.ts', 'renderer/src/store', 'index'],
  ['main/app/x.ts', 'preload', 'api'],
  // native is innermost
  ['native/pkcs11/x.ts', 'main/signers', 'signer'],
  ['native/pkcs11/x.ts', 'main/services', 'locale'],
  ['native/pkcs11/x.ts', 'preload/contract', 'schemas'],
  ['native/pkcs11/x.ts', 'renderer/src/store', 'index'],
  // the contract imports zod only
  ['preload/contract/x.ts', 'main/services', 'locale'],
  ['preload/contract/x.ts', 'native/keychain', 'index'],
  ['preload/contract/x.ts', 'renderer/src/store', 'index'],
  ['preload/contract/x.ts', 'preload', 'api'],
  // the preload: the contract and electron
  ['preload/api.ts', 'main/services', 'locale'],
  ['preload/index.ts', 'main/ipc', 'dispatch'],
  ['preload/index.ts', 'native/pkcs11', 'index'],
  // the IPC contract (schemas, verbs) is for services, ipc, app and the CLI; inner layers get domain.ts only
  ['main/pdf/x.ts', 'preload/contract', 'schemas'],
  ['main/cms/x.ts', 'preload/contract', 'verbs'],
  ['main/signers/x.ts', 'preload/contract', 'schemas'],
  ['main/remote/x.ts', 'preload/contract', 'schemas'],
  ['main/validation/x.ts', 'preload/contract', 'schemas'],
  ['native/keychain/x.ts', 'preload/contract', 'domain'],
  // the schemas, one file per domain under preload/contract/schemas, are the contract too
  ['main/pdf/x.ts', 'preload/contract/schemas', 'signing'],
  ['main/signers/x.ts', 'preload/contract/schemas', 'identities'],
  ['native/pkcs11/x.ts', 'preload/contract/schemas', 'common'],
  ['preload/contract/schemas/x.ts', 'main/services', 'locale'],
  ['preload/contract/schemas/x.ts', 'renderer/src/store', 'index'],
  ['preload/contract/schemas/x.ts', 'preload', 'api'],
  // the renderer: nothing of main/, native/ or the preload
  ['renderer/src/x.ts', 'main/services', 'locale'],
  ['renderer/src/x.ts', 'main/pdf', 'objects'],
  ['renderer/src/x.ts', 'native/keychain', 'index'],
  ['renderer/src/x.ts', 'preload', 'api'],
];

// [importing file, code] that must lint clean
const allowed: [string, string][] = [
  ['main/pdf/x.ts', "import type { DocMdpPermission } from '../../preload/contract/domain';\nexport type A = DocMdpPermission;"],
  ['main/cms/x.ts', "import { PADES_LEVELS } from '../../preload/contract/domain';\nexport const a = PADES_LEVELS;"],
  ['main/validation/x.ts', "import type { SignatureLevel } from '../../preload/contract/domain';\nexport type A = SignatureLevel;"],
  ['main/cli/x.ts', "import { CERTIFY_MODES } from '../../preload/contract/domain';\nexport const a = CERTIFY_MODES;"],
  ['preload/contract/x.ts', "import { PADES_LEVELS } from './domain';\nexport const a = PADES_LEVELS;"],
  ['renderer/src/x.ts', "import type { PadesLevel } from '../../preload/contract/domain';\nexport type A = PadesLevel;"],
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

// [importing file, code, the rule that refuses it]: package names and the renderer's values.
const refusedPackages: [string, string, string][] = [
  ['main/services/x.ts', "import { app } from 'electron';\nexport const a = app;", '@typescript-eslint/no-restricted-imports'],
  ['main/pdf/x.ts', "import { app } from 'electron';\nexport const a = app;", '@typescript-eslint/no-restricted-imports'],
  ['native/pkcs11/x.ts', "import { app } from 'electron';\nexport const a = app;", '@typescript-eslint/no-restricted-imports'],
  ['test/unit/x.ts', "import { app } from 'electron';\nexport const a = app;", '@typescript-eslint/no-restricted-imports'],
  ['main/services/x.ts', "import keytar from 'keytar';\nexport const a = keytar;", '@typescript-eslint/no-restricted-imports'],
  ['main/signers/x.ts', "import * as pkcs11js from 'pkcs11js';\nexport const a = pkcs11js;", '@typescript-eslint/no-restricted-imports'],
  ['main/app/x.ts', "import keytar from 'keytar';\nexport const a = keytar;", '@typescript-eslint/no-restricted-imports'],
  ['main/x509/x.ts', "import { z } from 'zod';\nexport const a = z;", '@typescript-eslint/no-restricted-imports'],
  ['main/x509/x.ts', "import keytar from 'keytar';\nexport const a = keytar;", '@typescript-eslint/no-restricted-imports'],
  ['preload/contract/x.ts', "import { readFile } from 'node:fs';\nexport const a = readFile;", '@typescript-eslint/no-restricted-imports'],
  ['preload/contract/x.ts', "import { app } from 'electron';\nexport const a = app;", '@typescript-eslint/no-restricted-imports'],
  ['preload/contract/x.ts', "import { create } from 'zustand';\nexport const a = create;", '@typescript-eslint/no-restricted-imports'],
  ['preload/api.ts', "import { readFile } from 'node:fs';\nexport const a = readFile;", '@typescript-eslint/no-restricted-imports'],
  ['preload/index.ts', "import keytar from 'keytar';\nexport const a = keytar;", '@typescript-eslint/no-restricted-imports'],
  ['renderer/src/x.ts', "import { ipcRenderer } from 'electron';\nexport const a = ipcRenderer;", '@typescript-eslint/no-restricted-imports'],
  ['renderer/src/x.ts', "import { readFile } from 'node:fs';\nexport const a = readFile;", '@typescript-eslint/no-restricted-imports'],
  ['renderer/src/x.ts', "import { readFile } from 'fs';\nexport const a = readFile;", '@typescript-eslint/no-restricted-imports'],
  ['renderer/src/x.ts', "import { channels } from '../../preload/contract/schemas';\nexport const a = channels;", '@typescript-eslint/no-restricted-imports'],
  ['renderer/src/x.ts', "export { channels } from '../../preload/contract/schemas';", '@typescript-eslint/no-restricted-imports'],
  ['renderer/src/x.ts', "export * from '../../preload/contract/verbs';", '@typescript-eslint/no-restricted-imports'],
  ['renderer/src/x.ts', "export const a = () => import('../../preload/contract/schemas');", 'no-restricted-syntax'],
  ['renderer/src/x.ts', "import { Identity } from '../../preload/contract/schemas/identities';\nexport const a = Identity;", '@typescript-eslint/no-restricted-imports'],
  ['renderer/src/x.ts', "export const a = () => import('../../preload/contract/schemas/channels');", 'no-restricted-syntax'],
  ['preload/contract/schemas/x.ts', "import { readFile } from 'node:fs';\nexport const a = readFile;", '@typescript-eslint/no-restricted-imports'],
  ['renderer/src/x.ts', "import { PADES_LEVELS } from '../../preload/contract/domain';\nexport const a = PADES_LEVELS;", '@typescript-eslint/no-restricted-imports'],
];

describe('layering lint', () => {
  for (const [importer, folder, file] of refusedFolders) {
    for (const [form, code] of importForms(importer, folder, file)) {
      it(`refuses ${folder} in ${importer} (${form})`, () => assertRefused(importer, code));
    }
  }
  for (const [importer, code, rule] of refusedPackages) {
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
