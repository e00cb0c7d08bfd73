// The packaged app's smoke test, with Playwright's Electron launcher. It needs an Electron binary:
// node_modules/electron with its dist/, or ELECTRON_OVERRIDE_DIST_PATH pointing at an unpacked
// Electron. Where there is none (these machines: ELECTRON_SKIP_BINARY_DOWNLOAD) it skips, and says
// so on stdout so that CI logs show it.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { verbs } from '../../preload/contract/verbs';
import type { RecentDocument } from '../../preload/contract/schemas';
import type { ParapheApi } from '../../preload/contract/verbs';
import { findElectron } from '../../main/tools/electron-runtime.mjs';
import { simplePdf } from '../unit/helpers/pdf-build';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Why the smoke test cannot run here, or null when it can. */
function skipReason(): string | null {
  const electron = findElectron();
  if (!electron.ok) return `no Electron binary: ${electron.reason}`;
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return 'no display (DISPLAY and WAYLAND_DISPLAY are unset; run under xvfb-run)';
  }
  return null;
}

type Paraphe = Pick<ParapheApi, 'getAppInfo' | 'listRecent'>;

it('starts the app hardened, exposes window.paraphe and opens a PDF from the command line', { timeout: 120_000 }, async (t) => {
  const reason = skipReason();
  if (reason) {
    console.log(`SKIPPED electron smoke test: ${reason}`);
    t.skip(reason);
    return;
  }
  const electron = findElectron();
  assert.ok(electron.ok);
  assert.ok(existsSync(join(root, 'dist', 'main.cjs')), 'dist/main.cjs is missing: run npm run build first');

  const dir = mkdtempSync(join(tmpdir(), 'paraphe-smoke-'));
  const pdf = join(dir, 'one page.pdf');
  writeFileSync(pdf, simplePdf({ pages: 1 }));
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && key !== 'ELECTRON_RUN_AS_NODE') env[key] = value;
  env.PARAPHE_USER_DATA_DIR = join(dir, 'profile');

  const { _electron } = await import('playwright');
  // The app path is the project folder: Electron reads package.json ("main": "dist/main.cjs"),
  // so the app name and version are Paraphe's, not Electron's.
  const app = await _electron.launch({ executablePath: electron.executable, args: [root, pdf], env, cwd: dir, timeout: 60_000 });
  try {
    const page = await app.firstWindow();
    await page.waitForLoadState('domcontentloaded');
    assert.ok(page.url().startsWith('paraphe://app/'), page.url());

    const title = await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]?.getTitle() ?? '');
    assert.match(title, /Paraphe/);

    const exposed = await page.evaluate(() => {
      const g = globalThis as unknown as Record<string, unknown>;
      return {
        paraphe: typeof g.paraphe === 'object' && g.paraphe !== null ? Object.keys(g.paraphe).sort() : null,
        require: typeof g.require,
        process: typeof g.process,
        module: typeof g.module,
      };
    });
    assert.deepEqual(exposed.paraphe, [...Object.keys(verbs), 'handleRequest', 'onEvent', 'pathForFile'].sort());
    assert.equal(exposed.require, 'undefined');
    assert.equal(exposed.process, 'undefined');
    assert.equal(exposed.module, 'undefined');

    // A real call through ipcMain: the sender check accepts the app's own window.
    const info = await page.evaluate(() => (globalThis as unknown as { paraphe: Paraphe }).paraphe.getAppInfo());
    assert.ok(info.ok, JSON.stringify(info));
    assert.equal(info.value.name, 'Paraphe');

    // The PDF given on the command line was opened (it is in the recent list with its page count).
    const deadline = Date.now() + 30_000;
    let recent: RecentDocument[] = [];
    while (Date.now() < deadline) {
      const listed = await page.evaluate(() => (globalThis as unknown as { paraphe: Paraphe }).paraphe.listRecent());
      recent = listed.ok ? listed.value : [];
      if (recent.some((r) => r.path === pdf)) break;
      await new Promise((done) => setTimeout(done, 250));
    }
    assert.deepEqual(recent.find((r) => r.path === pdf)?.pageCount, 1, `not opened: ${JSON.stringify(recent)}`);

    // Navigation away from the app origin is refused.
    await page.evaluate(() => {
      (globalThis as unknown as { location: { href: string } }).location.href = 'file:///etc/hosts';
    });
    await new Promise((done) => setTimeout(done, 500));
    assert.ok(page.url().startsWith('paraphe://app/'), page.url());
  } finally {
    await app.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
});
