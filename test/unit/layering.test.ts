// The import boundaries of DESIGN.md are enforced by lint: these tests prove each rule fires.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';

const cwd = fileURLToPath(new URL('../..', import.meta.url));
const eslint = new ESLint({ cwd });

async function restrictedImportErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports').map((m) => m.message);
}

describe('layering lint', () => {
  const cases: [string, string, boolean][] = [
    ['renderer/src/x.ts', "import { ipcRenderer } from 'electron';\nexport const a = ipcRenderer;", true],
    ['renderer/src/x.ts', "import { readFile } from 'node:fs';\nexport const a = readFile;", true],
    ['renderer/src/x.ts', "import { dispatch } from '../../main/ipc/dispatch';\nexport const a = dispatch;", true],
    ['renderer/src/x.ts', "import { channels } from '../../preload/contract/schemas';\nexport const a = channels;", true],
    ['renderer/src/x.ts', "import type { AppInfo } from '../../preload/contract/schemas';\nexport type A = AppInfo;", false],
    ['renderer/src/x.ts', "import { format } from '../../preload/contract/messages';\nexport const a = format;", false],
    ['renderer/src/x.ts', "import { verbs } from '../../preload/contract/verbs';\nexport const a = verbs;", true],
    ['renderer/src/x.ts', "import { x } from '../../preload/contract/messages-extra';\nexport const a = x;", true],
    ['main/services/x.ts', "import { app } from 'electron';\nexport const a = app;", true],
    ['main/app/x.ts', "import { app } from 'electron';\nexport const a = app;", false],
    ['main/services/x.ts', "import keytar from 'keytar';\nexport const a = keytar;", true],
    ['native/keychain/x.ts', "import keytar from 'keytar';\nexport const a = keytar;", false],
    ['main/pdf/x.ts', "import { x } from '../cms/index';\nexport const a = x;", true],
    ['main/cms/x.ts', "import { x } from '../pdf/index';\nexport const a = x;", true],
    ['main/signers/x.ts', "import { x } from '../cms/index';\nexport const a = x;", true],
    ['main/signers/x.ts', "import { x } from '../../native/pkcs11';\nexport const a = x;", false],
    ['main/services/x.ts', "import { x } from '../ipc/dispatch';\nexport const a = x;", true],
    ['preload/contract/x.ts', "import { readFile } from 'node:fs';\nexport const a = readFile;", true],
    ['preload/contract/x.ts', "import { z } from 'zod';\nexport const a = z;", false],
  ];
  for (const [file, code, refused] of cases) {
    const firstLine = code.split('\n')[0];
    it(`${refused ? 'refuses' : 'allows'} in ${file}: ${firstLine}`, async () => {
      const errors = await restrictedImportErrors(file, code);
      if (refused) assert.ok(errors.length > 0, 'expected a restricted-import error');
      else assert.deepEqual(errors, []);
    });
  }
});
