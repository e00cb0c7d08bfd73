// UI tests: the built renderer in Debian's Chromium, window.paraphe being the real preload API
// over the real main-process handlers (see test/harness). Screenshots of each main screen go to
// test-results/screenshots/ for a person to look at.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Harness, openViaDialog, uiUnavailableReason } from '../harness/harness';
import { makeTestPdfs, PDF_USER_PASSWORD } from '../fixtures/pdfs';

const unavailable = uiUnavailableReason();
if (unavailable) console.log(`SKIPPED UI tests: ${unavailable}`);

describe('viewer in Chromium through the real handlers', { skip: unavailable ?? false, timeout: 240_000 }, () => {
  let harness: Harness;
  let dir: string;
  let pdfs: Awaited<ReturnType<typeof makeTestPdfs>>;
  let fiveHundred: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'paraphe-e2e-'));
    [harness, pdfs] = await Promise.all([Harness.start(), makeTestPdfs(dir)]);
    fiveHundred = await pdfs.manyPages(500);
  });

  after(async () => {
    await harness?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('shows the start screen in English with an empty recent list', async () => {
    await harness.withApp({ locale: 'en-US' }, async (app) => {
      await app.page.getByRole('heading', { name: 'Paraphe' }).waitFor();
      assert.equal(await app.page.getByRole('button', { name: 'Open a PDF…' }).isVisible(), true);
      assert.equal(await app.page.getByText('Documents you open will be listed here.').isVisible(), true);
      assert.equal(await app.page.evaluate(() => document.documentElement.lang), 'en');
      await app.screenshot('start-en');
    });
  });

  it('exposes verbs only: no ipcRenderer, no generic invoke, no Node', async () => {
    await harness.withApp({}, async (app) => {
      const surface = await app.page.evaluate(() => ({
        keys: Object.keys((window as unknown as { paraphe: object }).paraphe).sort(),
        frozen: Object.isFrozen((window as unknown as { paraphe: object }).paraphe),
        require: typeof (window as unknown as { require?: unknown }).require,
        process: typeof (window as unknown as { process?: unknown }).process,
      }));
      assert.ok(surface.keys.includes('openDocumentPath'));
      assert.ok(!surface.keys.includes('invoke') && !surface.keys.includes('send') && !surface.keys.includes('ipcRenderer'));
      assert.equal(surface.frozen, true);
      assert.equal(surface.require, 'undefined');
      assert.equal(surface.process, 'undefined');
    });
  });

  it('opens a PDF from the dialog and shows its page count, text layer and thumbnails', async () => {
    await harness.withApp({}, async (app) => {
      await openViaDialog(app, pdfs.simple);
      const { page } = app;
      await page.getByTestId('page-count').filter({ hasText: 'of 2' }).waitFor();
      await page.locator('.page[data-page-number="1"] canvas').first().waitFor();
      await page.locator('.page[data-page-number="1"] .textLayer span').first().waitFor();
      const text = await page.locator('.page[data-page-number="1"] .textLayer').innerText();
      assert.match(text, /Paraphe test document/);
      await page.locator('.page[data-page-number="1"] .textLayer span', { hasText: 'quick brown fox' }).first().selectText();
      assert.match(await page.evaluate(() => window.getSelection()?.toString() ?? ''), /quick brown fox/, 'the text can be selected');
      await page.locator('.thumb[data-page-number="2"][data-rendered="true"]').waitFor();
      assert.equal(await page.title(), `${pdfs.simple.split('/').pop()} — Paraphe`);
      await app.screenshot('viewer');
      assert.ok(app.calls.includes('document:readRange'), 'the viewer reads the document through main');
    });
  });

  it('navigates with buttons, the page field and the keyboard', async () => {
    await harness.withApp({}, async (app) => {
      const { page } = app;
      await openViaDialog(app, pdfs.simple);
      await page.getByTestId('page-count').filter({ hasText: 'of 2' }).waitFor();
      await page.locator('.page[data-page-number="1"] canvas').first().waitFor();
      const pageField = page.getByRole('textbox', { name: 'Page' });
      await page.getByRole('button', { name: 'Next page' }).click();
      await assertValue(pageField, '2');
      assert.equal(await page.getByRole('button', { name: 'Next page' }).isDisabled(), true);
      await page.getByRole('button', { name: 'Previous page' }).click();
      await assertValue(pageField, '1');
      await pageField.fill('2');
      await pageField.press('Enter');
      await assertValue(pageField, '2');
      await page.getByTestId('viewer').focus();
      await page.keyboard.press('Home');
      await assertValue(pageField, '1');
      await page.keyboard.press('End');
      await assertValue(pageField, '2');
      await page.keyboard.press('PageUp');
      await assertValue(pageField, '1');
    });
  });

  it('zooms to fit width, fit page, a percentage, and with Ctrl+plus', async () => {
    await harness.withApp({}, async (app) => {
      const { page } = app;
      await openViaDialog(app, pdfs.simple);
      await page.locator('.page[data-page-number="1"] canvas').first().waitFor();
      const zoom = page.getByRole('combobox', { name: 'Zoom' });
      const pageWidth = () => page.locator('.page[data-page-number="1"]').evaluate((el) => el.getBoundingClientRect().width);
      const paneWidth = await page.getByTestId('viewer').evaluate((el) => el.clientWidth);

      await zoom.selectOption('page-width');
      await waitFor(async () => Math.abs((await pageWidth()) - paneWidth) < 60, 'page fills the pane width');

      await zoom.selectOption('page-fit');
      const paneHeight = await page.getByTestId('viewer').evaluate((el) => el.clientHeight);
      await waitFor(async () => (await page.locator('.page[data-page-number="1"]').evaluate((el) => el.getBoundingClientRect().height)) <= paneHeight, 'whole page visible');

      await zoom.selectOption('2');
      await page.getByTestId('scale').filter({ hasText: '200 %' }).waitFor();
      const at200 = await pageWidth();
      await zoom.selectOption('1');
      await page.getByTestId('scale').filter({ hasText: '100 %' }).waitFor();
      const at100 = await pageWidth();
      assert.ok(Math.abs(at200 / at100 - 2) < 0.05, `200 % is twice 100 % (${at200} vs ${at100})`);

      await page.getByTestId('viewer').focus();
      await page.keyboard.press('Control+Equal');
      await page.getByTestId('scale').filter({ hasText: '125 %' }).waitFor();
      await app.screenshot('viewer-zoomed');
    });
  });

  it('renders a 500-page document lazily and jumps to its last page', async () => {
    await harness.withApp({}, async (app) => {
      const { page } = app;
      await openViaDialog(app, fiveHundred);
      await page.getByTestId('page-count').filter({ hasText: 'of 500' }).waitFor({ timeout: 30_000 });
      await page.locator('.page[data-page-number="1"] canvas').first().waitFor();
      const pageField = page.getByRole('textbox', { name: 'Page' });
      await pageField.fill('500');
      await pageField.press('Enter');
      await page.locator('.page[data-page-number="500"] canvas').first().waitFor({ timeout: 30_000 });
      await page.locator('.page[data-page-number="500"] .textLayer span').first().waitFor();
      assert.match(await page.locator('.page[data-page-number="500"] .textLayer').innerText(), /500/);
      const rendered = await page.locator('.pdfViewer .page canvas').count();
      assert.ok(rendered < 20, `only pages near the view are rendered (${rendered} canvases for 500 pages)`);
      const thumbs = await page.locator('.thumb[data-rendered="true"]').count();
      assert.ok(thumbs < 40, `only visible thumbnails are rendered (${thumbs})`);
      const read = app.calls.filter((c) => c === 'document:readRange').length;
      assert.ok(read > 0);
      await app.screenshot('viewer-500-pages');
    });
  });

  it('shows a specific error banner for a file that is not a PDF, and stays usable', async () => {
    await harness.withApp({}, async (app) => {
      const { page } = app;
      await openViaDialog(app, pdfs.notPdf);
      const banner = page.getByRole('alert');
      await banner.waitFor();
      assert.equal(await banner.getAttribute('data-error-code'), 'not-pdf');
      assert.match(await banner.innerText(), /This file is not a PDF\./);
      await app.screenshot('error-not-pdf');
      await page.getByRole('button', { name: 'Dismiss' }).click();
      assert.equal(await page.getByRole('alert').count(), 0);
      await openViaDialog(app, pdfs.simple);
      await page.getByTestId('page-count').filter({ hasText: 'of 2' }).waitFor();
    });
  });

  it('reports a truncated PDF and a missing file in words', async () => {
    await harness.withApp({}, async (app) => {
      const { page } = app;
      await openViaDialog(app, pdfs.truncatedBeyondRepair);
      await page.locator('[role="alert"][data-error-code="truncated"]').waitFor();
      await page.getByRole('button', { name: 'Dismiss' }).click();
      await openViaDialog(app, join(dir, 'does-not-exist.pdf'));
      const banner = page.locator('[role="alert"][data-error-code="not-found"]');
      await banner.waitFor();
      assert.match(await banner.innerText(), /cannot be found/);
    });
  });

  it('words main’s errors in French in the French interface: code and params cross IPC, main’s English does not show', async () => {
    await harness.withApp({ locale: 'fr-FR' }, async (app) => {
      const { page } = app;
      const answerTo = (count: number) => app.answers.filter((a) => a.channel === 'document:chooseAndOpen')[count];

      await openViaDialog(app, pdfs.truncatedBeyondRepair, 'Ouvrir un PDF…');
      const truncated = page.locator('[role="alert"][data-error-code="truncated"]');
      await truncated.waitFor();
      const name = basename(pdfs.truncatedBeyondRepair);
      assert.deepEqual(answerTo(0)?.envelope, {
        ok: false,
        error: {
          code: 'truncated',
          key: 'error.pdf.repair-no-catalog',
          params: { name, cause: 'error.pdf.truncated', 'cause.name': name },
          message: `${name} is damaged and cannot be repaired: no document catalog was found in it. The damage: ${name} is truncated: no %%EOF/startxref at its end`,
        },
      }, 'main sends the code, the catalog key and its params (and the English sentence as a fallback)');
      const truncatedText = await truncated.innerText();
      assert.match(truncatedText, /Le fichier est incomplet/, 'the headline');
      assert.ok(truncatedText.includes(`${name} est endommagé et ne peut pas être réparé : aucun catalogue de document n’y a été trouvé. Le dommage : ${name} est tronqué : pas de %%EOF/startxref à sa fin`), `main’s detail, in French: ${truncatedText}`);
      assert.doesNotMatch(truncatedText, /is truncated|cannot be repaired|at its end/);
      await page.getByRole('button', { name: 'Fermer' }).click();

      await openViaDialog(app, join(dir, 'introuvable.pdf'), 'Ouvrir un PDF…');
      const missing = page.locator('[role="alert"][data-error-code="not-found"]');
      await missing.waitFor();
      const error = (answerTo(1)?.envelope as { error?: { key?: string; params?: unknown } } | undefined)?.error;
      assert.equal(error?.key, 'error.app.not-found');
      assert.deepEqual(error?.params, { name: 'introuvable.pdf' });
      const missingText = await missing.innerText();
      assert.match(missingText, /introuvable\.pdf est introuvable \(il a peut-être été déplacé ou supprimé\)\./);
      assert.doesNotMatch(missingText, /cannot be found|moved or deleted/);
      await app.screenshot('error-fr-detail');

      // The same error, the interface switched to English: worded again from the same key and params.
      await page.getByRole('combobox', { name: 'Langue' }).selectOption('en');
      await page.locator('[role="alert"][data-error-code="not-found"]').filter({ hasText: 'introuvable.pdf cannot be found (it may have been moved or deleted).' }).waitFor();
    });
  });

  it('opens a PDF dropped on the window', async () => {
    await harness.withApp({}, async (app) => {
      const { page } = app;
      const bytes = await readFile(pdfs.simple);
      await page.evaluate(async (b64) => {
        const bin = atob(b64);
        const data = new Uint8Array(bin.length);
        for (let i = 0; i < bin.length; i += 1) data[i] = bin.charCodeAt(i);
        const transfer = new DataTransfer();
        transfer.items.add(new File([data], 'dropped.pdf', { type: 'application/pdf' }));
        window.dispatchEvent(new DragEvent('dragenter', { dataTransfer: transfer, bubbles: true }));
        window.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
      }, bytes.toString('base64'));
      await page.getByTestId('page-count').filter({ hasText: 'of 2' }).waitFor();
      assert.equal(await page.title(), 'dropped.pdf — Paraphe');
      assert.ok(app.calls.includes('document:openBytes'));
    });
  });

  it('lists recent documents on the start screen and reopens one', async () => {
    await harness.withApp({}, async (app) => {
      const { page } = app;
      await openViaDialog(app, pdfs.simple);
      await page.getByTestId('page-count').filter({ hasText: 'of 2' }).waitFor();
      await page.getByRole('button', { name: 'Close the document' }).click();
      const recent = page.getByRole('list', { name: 'Recent documents' });
      await recent.waitFor();
      const name = pdfs.simple.split('/').pop() ?? '';
      assert.match(await recent.innerText(), new RegExp(name.replace('.', '\\.')));
      assert.match(await recent.innerText(), /2 pages/);
      await app.screenshot('start-recent');
      await recent.getByRole('button', { name: new RegExp(name.replace('.', '\\.')) }).first().click();
      await page.getByTestId('page-count').filter({ hasText: 'of 2' }).waitFor();
      const settings = JSON.parse(await readFile(join(app.userDataDir, 'settings.json'), 'utf8')) as { recent: { path: string }[] };
      assert.equal(settings.recent[0]?.path, pdfs.simple);
    });
  });

  it('follows a French system locale and switches to English on request', async () => {
    await harness.withApp({ locale: 'fr-FR' }, async (app) => {
      const { page } = app;
      await page.getByRole('button', { name: 'Ouvrir un PDF…' }).waitFor();
      assert.equal(await page.evaluate(() => document.documentElement.lang), 'fr');
      assert.equal(await page.getByText('Documents récents').isVisible(), true);
      await app.screenshot('start-fr');
      await openViaDialog(app, pdfs.simple, 'Ouvrir un PDF…');
      await page.getByTestId('page-count').filter({ hasText: 'sur 2' }).waitFor();
      assert.equal(await page.getByRole('button', { name: 'Page suivante' }).isVisible(), true);
      await app.screenshot('viewer-fr');
      await page.getByRole('combobox', { name: 'Langue' }).selectOption('en');
      await page.getByTestId('page-count').filter({ hasText: 'of 2' }).waitFor();
      assert.equal(await page.getByRole('button', { name: 'Next page' }).isVisible(), true);
      const saved = JSON.parse(await readFile(join(app.userDataDir, 'settings.json'), 'utf8')) as { locale: string };
      assert.equal(saved.locale, 'en');
    });
  });

  it('asks for the password of an encrypted PDF, says when it is wrong, and opens it with the right one', async () => {
    await harness.withApp({}, async (app) => {
      const { page } = app;
      await openViaDialog(app, pdfs.encrypted);
      const dialog = page.getByRole('dialog', { name: 'This document is protected by a password' });
      await dialog.waitFor();
      await dialog.getByLabel('Password').fill('not-the-password');
      await dialog.getByRole('button', { name: 'Open' }).click();
      await dialog.getByText('That password is not correct. Try again.').waitFor();
      await app.screenshot('password-incorrect');
      await dialog.getByLabel('Password').fill(PDF_USER_PASSWORD);
      await dialog.getByRole('button', { name: 'Open' }).click();
      await page.locator('.page[data-page-number="1"] canvas').first().waitFor();
      assert.equal(await page.getByRole('dialog').count(), 0);
      assert.ok(app.payloads.length > 0);
      assert.ok(!app.payloads.some((p) => p.includes(PDF_USER_PASSWORD)), 'the password never reaches main');
      const settings = await readFile(join(app.userDataDir, 'settings.json'), 'utf8');
      assert.ok(!settings.includes(PDF_USER_PASSWORD), 'the password is not written to the settings');
    });
  });

  it('returns to the start screen with a banner when the password prompt is cancelled', async () => {
    await harness.withApp({}, async (app) => {
      const { page } = app;
      await openViaDialog(app, pdfs.encrypted);
      const dialog = page.getByRole('dialog');
      await dialog.waitFor();
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await page.locator('[role="alert"][data-error-code="password-required"]').waitFor();
      await page.getByRole('button', { name: 'Open a PDF…' }).waitFor();
    });
  });

  it('opens a document that main asks it to open (command line, open with)', async () => {
    await harness.withApp({}, async (app) => {
      assert.equal(app.requestOpen(pdfs.simple), true);
      await app.page.getByTestId('page-count').filter({ hasText: 'of 2' }).waitFor();
    });
  });
});

async function assertValue(locator: { inputValue(): Promise<string> }, expected: string): Promise<void> {
  await waitFor(async () => (await locator.inputValue()) === expected, `value becomes ${expected}`);
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
