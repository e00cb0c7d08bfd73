// UI tests of the sign flow: the built renderer in Debian's Chromium, window.paraphe over the real
// main-process handlers (test/harness), the REAL keychain (keytar over a private gnome-keyring
// started in this test process), a test PKI's .p12, and third-party verdicts on every output:
// qpdf --check, poppler's pdfsig and pdftotext. Screenshots go to test-results/screenshots/.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setKeychainTimeout } from '../../native/keychain';
import { Harness, openDocument, openViaDialog, uiUnavailableReason } from '../harness/harness';
import { startPrivateKeyring } from '../fixtures/keyring';
import type { PrivateKeyring } from '../fixtures/keyring';
import { PDF_USER_PASSWORD, makeTestPdfs, qpdfCheck } from '../fixtures/pdfs';
import { createTestPki, freePort, missingTools, run } from '../fixtures/pki';
import type { TestPki } from '../fixtures/pki';
import { verifyWithPdfsig } from '../fixtures/signed-by-poppler';
import { damagedCases } from '../fixtures/damaged';
import type { DamagedCase } from '../fixtures/damaged';

const missing = missingTools('dbus-daemon', 'dbus-send', 'gnome-keyring-daemon', 'openssl', 'qpdf', 'pdfsig', 'pdftotext', 'gs');
const unavailable = uiUnavailableReason() ?? (missing.length > 0 ? `not installed: ${missing.join(', ')}` : null);
if (unavailable) console.log(`SKIPPED sign UI tests: ${unavailable}`);

const sha256 = async (file: string) => createHash('sha256').update(await readFile(file)).digest('hex');


describe('sign flow in Chromium through the real handlers', { skip: unavailable ?? false, timeout: 180_000 }, () => {
  let harness: Harness;
  let keyring: PrivateKeyring | undefined;
  let dir: string;
  let pki: TestPki;
  let simple: string;
  let encrypted: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'paraphe-e2e-sign-'));
    await Promise.all([mkdir(join(dir, 'pki')), mkdir(join(dir, 'pdfs'))]);
    keyring = await startPrivateKeyring();
    setKeychainTimeout(10_000);
    // Each started thing is kept as soon as it exists, so `after` stops it even if another failed.
    const started = Harness.start().then((h) => (harness = h));
    const made = Promise.all([
      (async () => (pki = await createTestPki(join(dir, 'pki'), { ocspPort: await freePort(), httpPort: await freePort() })))(),
      makeTestPdfs(join(dir, 'pdfs')).then((pdfs) => {
        simple = pdfs.simple;
        encrypted = pdfs.encrypted;
      }),
    ]);
    await Promise.all([started, made]);
  });

  after(async () => {
    await harness?.stop();
    await keyring?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A fresh copy of the test PDF in a folder of its own (the signed copy is proposed beside it). */
  async function freshDocument(name: string): Promise<string> {
    const folder = join(dir, name);
    await mkdir(folder, { recursive: true });
    const path = join(folder, 'contract.pdf');
    await copyFile(simple, path);
    return path;
  }

  it('signs an encrypted PDF with the password typed to open it, and shows the encrypted signed copy without asking again', async () => {
    const folder = join(dir, 'encrypted');
    await mkdir(folder, { recursive: true });
    const input = join(folder, 'payslip.pdf');
    await copyFile(encrypted, input);
    const output = join(folder, 'payslip-signed.pdf');
    await harness.withApp({}, async (app) => {
      const { page } = app;
      await openViaDialog(app, input);
      const dialog = page.getByRole('dialog', { name: 'This document is protected by a password' });
      await dialog.getByLabel('Password').fill(PDF_USER_PASSWORD);
      await dialog.getByRole('button', { name: 'Open' }).click();
      await page.locator('.page[data-page-number="1"] canvas').first().waitFor();

      await page.getByRole('button', { name: 'Sign', exact: true }).click();
      const panel = page.getByTestId('sign-panel');
      app.p12DialogAnswers.push(pki.p12.signer);
      await panel.getByRole('button', { name: 'Import a .p12…' }).click();
      const importForm = panel.getByRole('form', { name: 'Import a certificate file' });
      await importForm.getByLabel('Password of the file').fill(pki.password);
      await importForm.getByRole('button', { name: 'Import' }).click();
      await panel.getByRole('radio', { name: /Élodie Signataire/ }).waitFor();

      app.saveDialogAnswers.push(output);
      await page.getByRole('button', { name: 'Sign and save as…' }).click();
      const signatures = page.getByTestId('signatures-panel');
      await signatures.waitFor();
      await page.locator('.page[data-page-number="1"] canvas').first().waitFor();
      assert.equal(await page.title(), `${basename(output)} — Paraphe`, 'the signed copy is the open document');
      assert.equal(await page.getByRole('dialog').count(), 0, 'the signed copy opened with the same password, not asked again');
      await signatures.locator('.signature-card').first().waitFor();
      assert.match(await page.getByTestId('signature-badge').innerText(), /^1 signature\b/);
      await app.screenshot('signed-encrypted-document');

      // The password crossed to main with the requests that need it, and no other.
      const carried = app.calls.filter((_, i) => app.payloads[i]?.includes(PDF_USER_PASSWORD));
      assert.ok(carried.includes('document:sign'), carried.join(', '));
      assert.deepEqual([...new Set(carried)].filter((c) => c !== 'document:sign' && c !== 'document:validate'), []);
      const settings = await readFile(join(app.userDataDir, 'settings.json'), 'utf8');
      assert.ok(!settings.includes(PDF_USER_PASSWORD), 'the password is not written to the settings');
    });
    await qpdfCheck(output, PDF_USER_PASSWORD);
    const report = await verifyWithPdfsig(output, { pki, password: PDF_USER_PASSWORD });
    assert.equal(report.signatures[0]?.signatureValidation, 'Signature is Valid.', report.output);
  });

  it('says before signing that a damaged PDF is signed as a repaired copy, and signs it', async () => {
    const folder = join(dir, 'damaged');
    await mkdir(folder, { recursive: true });
    const input = join(folder, 'scan.pdf');
    const damaged = (damagedCases(await readFile(simple), await readFile(simple)).find((c) => c.name === 'wrong-offsets') as DamagedCase).build();
    await writeFile(input, damaged);
    const output = join(folder, 'scan-signed.pdf');
    await harness.withApp({}, async (app) => {
      const { page } = app;
      await openDocument(app, input);
      await page.getByRole('button', { name: 'Sign', exact: true }).click();
      const panel = page.getByTestId('sign-panel');
      const notice = panel.getByTestId('damage-notice');
      await notice.waitFor();
      assert.equal(await notice.getAttribute('data-damage-code'), 'broken-xref');
      const words = await notice.innerText();
      assert.match(words, /This PDF is damaged/);
      assert.match(words, /scan\.pdf has a broken cross-reference table: object 1 0 is said to be at byte \d+, where there is no object\. Like Acrobat, Paraphe rebuilds it/);
      await app.screenshot('sign-damaged-notice');
      app.p12DialogAnswers.push(pki.p12.signer);
      await panel.getByRole('button', { name: 'Import a .p12…' }).click();
      const importForm = panel.getByRole('form', { name: 'Import a certificate file' });
      await importForm.getByLabel('Password of the file').fill(pki.password);
      await importForm.getByRole('button', { name: 'Import' }).click();
      await panel.getByRole('radio', { name: /Élodie Signataire/ }).waitFor();
      app.saveDialogAnswers.push(output);
      await page.getByRole('button', { name: 'Sign and save as…' }).click();
      await page.getByTestId('signatures-panel').waitFor();
      await page.getByTestId('signatures-panel').locator('.signature-card').first().waitFor();
    });
    assert.ok((await readFile(input)).equals(damaged), 'the damaged original is untouched');
    await qpdfCheck(output);
    const report = await verifyWithPdfsig(output, { pki });
    assert.equal(report.signatures[0]?.signatureValidation, 'Signature is Valid.', report.output);
    assert.match(report.output, /Total document signed/);
  });

  it('refuses a wrong .p12 password, then signs invisibly with the right one and shows the signed copy', async () => {
    const input = await freshDocument('p12');
    const before = await sha256(input);
    const output = join(dir, 'p12', 'contract signed by Élodie.pdf');
    await harness.withApp({}, async (app) => {
      const { page } = app;
      await openDocument(app, input);
      await page.getByRole('button', { name: 'Sign', exact: true }).click();
      const panel = page.getByTestId('sign-panel');
      await panel.getByText('You have no digital ID yet.', { exact: false }).waitFor();

      // Import: the OS dialog (stood in for) picks the file, then the password is checked by main.
      app.p12DialogAnswers.push(pki.p12.signer);
      await panel.getByRole('button', { name: 'Import a .p12…' }).click();
      const importForm = panel.getByRole('form', { name: 'Import a certificate file' });
      await importForm.getByLabel('Password of the file').fill('not-the-password');
      await importForm.getByRole('button', { name: 'Import' }).click();
      const error = panel.locator('[role="alert"][data-error-code="wrong-password"]');
      await error.waitFor();
      assert.match(await error.innerText(), /The password is wrong\./);
      assert.match(await error.innerText(), /signer\.p12/, 'the detail names the file');
      await app.screenshot('sign-p12-wrong-password');

      await importForm.getByLabel('Password of the file').fill(pki.password);
      await importForm.getByRole('button', { name: 'Import' }).click();
      await panel.getByRole('radio', { name: /Élodie Signataire/ }).waitFor();
      assert.equal(await panel.getByRole('radio', { name: /Élodie Signataire/ }).isChecked(), true);
      assert.equal(await panel.locator('[role="alert"]').count(), 0, 'the error is gone');
      assert.equal(await panel.getByLabel('Password of signer.p12').inputValue(), pki.password, 'the password just checked is kept for signing');
      await panel.getByLabel('Reason').fill('Approved for payment');
      await app.screenshot('sign-panel-p12');

      // The save dialog answered with the input itself: refused, nothing written.
      app.saveDialogAnswers.push(input);
      await page.getByRole('button', { name: 'Sign and save as…' }).click();
      await panel.locator('[role="alert"][data-error-code="output-is-input"]').waitFor();
      assert.equal(await sha256(input), before, 'the input is unchanged');

      app.saveDialogAnswers.push(output);
      const started = Date.now();
      await page.getByRole('button', { name: 'Sign and save as…' }).click();
      const signatures = page.getByTestId('signatures-panel');
      await signatures.waitFor();
      const signingMs = Date.now() - started;
      await page.locator('.page[data-page-number="1"] canvas').first().waitFor();
      assert.equal(await page.title(), `${basename(output)} — Paraphe`, 'the signed copy is the open document');
      assert.match(await page.getByTestId('signature-badge').innerText(), /^1 signature\b/);
      // The background check replaces the list with a card: the test root is not a trusted one.
      const items = signatures.locator('.signature-card');
      await items.first().waitFor();
      assert.equal(await items.count(), 1);
      assert.match(await items.first().innerText(), /Cannot be confirmed/);
      assert.match(await items.first().textContent() ?? '', /Signature1/);
      assert.match(await items.first().textContent() ?? '', /ETSI\.CAdES\.detached/);
      assert.match(await signatures.getByRole('status').innerText(), /Signed and saved as/);
      await app.screenshot('signed-document');
      console.log(`# invisible .p12 signature: ${signingMs} ms from the click to the signed copy on screen`);

      assert.deepEqual(app.saveDialogRequests.map((r) => r.kind), ['signed-pdf', 'signed-pdf']);
      assert.equal(app.saveDialogRequests[0]?.defaultPath, join(dir, 'p12', 'contract-signed.pdf'), 'proposed beside the input as <name>-signed.pdf');

      // The password went to main for the import check and the signature only, and was kept nowhere.
      const settings = await readFile(join(app.userDataDir, 'settings.json'), 'utf8');
      assert.ok(!settings.includes(pki.password), 'no password in the settings');
      assert.ok(settings.includes(pki.p12.signer), 'the .p12 path is remembered');
      const sent = app.calls.map((channel, i) => ({ channel, payload: app.payloads[i] ?? '' })).filter((c) => c.payload.includes(pki.password));
      assert.deepEqual([...new Set(sent.map((c) => c.channel))].sort(), ['document:sign', 'identity:importP12']);
    });

    assert.equal(await sha256(input), before, 'the input is unchanged');
    await qpdfCheck(output);
    const report = await verifyWithPdfsig(output, { pki });
    assert.equal(report.signatures.length, 1, report.output);
    assert.equal(report.signatures[0]?.signatureValidation, 'Signature is Valid.', report.output);
    assert.equal(report.signatures[0]?.certificateValidation, 'Certificate is Trusted.', report.output);
    assert.equal(report.signatures[0]?.totalDocumentSigned, true);
    assert.equal(report.signatures[0]?.type, 'ETSI.CAdES.detached');
  });

  it('creates the personal digital ID, draws the rectangle on page 1, previews and signs visibly', async () => {
    const input = await freshDocument('personal');
    const before = await sha256(input);
    const output = join(dir, 'personal', 'contract-visible.pdf');
    await harness.withApp({}, async (app) => {
      const { page } = app;
      await openDocument(app, input);
      await page.getByRole('button', { name: 'Sign', exact: true }).click();
      const panel = page.getByTestId('sign-panel');
      await panel.getByRole('button', { name: 'Create my digital ID' }).click();
      const form = panel.getByRole('form', { name: 'Create my digital ID' });
      await form.getByLabel('Name').fill('Zoë Personnelle');
      await form.getByLabel('Email address').fill('zoe@paraphe.invalid');
      await form.getByLabel('Key').selectOption('p256');
      app.confirmAnswers.push(true); // main's own "create this digital ID?" dialog
      await form.getByRole('button', { name: 'Create' }).click();
      const radio = panel.getByRole('radio', { name: /Zoë Personnelle/ });
      await radio.waitFor();
      assert.equal(await radio.isChecked(), true);
      assert.match(await panel.locator('.identity.selected').innerText(), /personal digital ID/);
      assert.equal(await panel.getByLabel(/^Password of/).count(), 0, 'the personal ID needs no password');

      // Draw: drag a rectangle over page 1 with the mouse.
      await panel.getByRole('radio', { name: 'Draw on the page' }).check();
      await panel.getByText('Drag a rectangle on the page').waitFor();
      const pageBox = await page.locator('.page[data-page-number="1"]').evaluate((el) => {
        const r = el.getBoundingClientRect();
        const e = el as HTMLElement;
        return { left: r.left + e.clientLeft, top: r.top + e.clientTop, width: e.clientWidth, height: e.clientHeight };
      });
      const from = { x: pageBox.left + pageBox.width * 0.1, y: pageBox.top + pageBox.height * 0.12 };
      const to = { x: pageBox.left + pageBox.width * 0.5, y: pageBox.top + pageBox.height * 0.2 };
      await page.mouse.move(from.x, from.y);
      await page.mouse.down();
      await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 4 });
      await page.getByTestId('signature-box').waitFor();
      await page.mouse.move(to.x, to.y, { steps: 4 });
      await page.mouse.up();
      await panel.getByTestId('signature-rect').waitFor();
      assert.match(await panel.getByTestId('signature-rect').innerText(), /^Page 1, \d+ × \d+ pt\./);
      const box = page.getByTestId('signature-box');
      assert.equal(await box.isVisible(), true, 'the drawn rectangle stays on the page');
      const drawn = await box.boundingBox();
      assert.ok(drawn && Math.abs(drawn.x - from.x) < 3 && Math.abs(drawn.width - (to.x - from.x)) < 3, `the box is where the mouse went (${JSON.stringify(drawn)})`);

      await panel.getByLabel('Location').fill('Lyon');
      const preview = panel.getByTestId('signature-preview');
      await panel.locator('.signature-preview[data-state="ready"]').waitFor();
      const ink = await preview.evaluate((canvas) => {
        const c = canvas as HTMLCanvasElement;
        const data = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? new Uint8ClampedArray();
        let dark = 0;
        for (let i = 0; i < data.length; i += 4) if ((data[i] ?? 255) < 128 && (data[i + 3] ?? 0) > 0) dark += 1;
        return { dark, width: c.width, height: c.height };
      });
      assert.ok(ink.width > 50 && ink.height > 10, `the preview has a size (${ink.width} x ${ink.height})`);
      assert.ok(ink.dark > 200, `the preview shows text (${ink.dark} dark pixels)`);
      assert.ok(app.calls.includes('signature:preview'));
      await app.screenshot('sign-panel-visible');

      app.saveDialogAnswers.push(output);
      await page.getByRole('button', { name: 'Sign and save as…' }).click();
      await page.getByTestId('signatures-panel').waitFor();
      assert.match(await page.getByTestId('signature-badge').innerText(), /^1 signature\b/);
      await page.locator('.page[data-page-number="1"] canvas').first().waitFor();
      await app.screenshot('signed-document-visible');

      // The rectangle sent to main is the one drawn, converted to PDF points (an A4 page: 595 x 842 pt).
      const sent = app.calls.lastIndexOf('document:sign');
      const request = JSON.parse(app.payloads[sent] ?? '{}') as { placement: { kind: string; page: number; rect: number[] } };
      assert.equal(request.placement.kind, 'visible');
      assert.equal(request.placement.page, 1);
      const [x1 = 0, y1 = 0, x2 = 0, y2 = 0] = request.placement.rect;
      const near = (a: number, b: number) => Math.abs(a - b) < 2;
      assert.ok(near(x1, 59.5) && near(x2, 297.5), `x from 10 % to 50 % of the width (${x1}, ${x2})`);
      assert.ok(near(y2, 842 * 0.88) && near(y1, 842 * 0.8), `y from 80 % to 88 % of the height, from the bottom (${y1}, ${y2})`);
    });

    assert.equal(await sha256(input), before, 'the input is unchanged');
    await qpdfCheck(output);
    const report = await verifyWithPdfsig(output);
    assert.equal(report.signatures[0]?.signatureValidation, 'Signature is Valid.', report.output);
    assert.equal(report.signatures[0]?.commonName, 'Zoë Personnelle');
    const text = (await run('pdftotext', ['-f', '1', '-l', '1', '-enc', 'UTF-8', output, '-'])).stdout.toString('utf8');
    assert.match(text, /Zoë Personnelle/, 'the signer’s name is on page 1');
    assert.match(text, /Location: Lyon/);
  });

  it('shows the sign panel in French', async () => {
    const input = await freshDocument('fr');
    await harness.withApp({ locale: 'fr-FR' }, async (app) => {
      const { page } = app;
      await openDocument(app, input, 'Ouvrir un PDF…');
      await page.getByRole('button', { name: 'Signer', exact: true }).click();
      const panel = page.getByTestId('sign-panel');
      await panel.getByRole('heading', { name: 'Signer ce document' }).waitFor();
      for (const label of ['Créer mon identifiant numérique', 'Importer un .p12…', 'Signer et enregistrer sous…']) {
        assert.equal(await panel.getByRole('button', { name: label }).isVisible(), true, label);
      }
      for (const label of ['Invisible', 'Dessiner sur la page']) assert.equal(await panel.getByRole('radio', { name: label }).isVisible(), true, label);
      for (const label of ['Motif', 'Lieu', 'Niveau de signature', 'Certifier le document']) assert.equal(await panel.getByLabel(label).isVisible(), true, label);
      await panel.getByLabel('Niveau de signature').selectOption('B-T');
      assert.equal(await panel.getByLabel('Serveur d’horodatage (URL)').isVisible(), true);
      await panel.getByLabel('Niveau de signature').selectOption('B-B');
      await app.screenshot('sign-panel-fr');
    });
  });
});
