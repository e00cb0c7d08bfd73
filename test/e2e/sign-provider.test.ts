// A new signing backend in the app: the test-only provider (test/fixtures/test-provider.ts) is
// registered with createServices, listed in the sign panel, and signs through the real renderer
// in Chromium and the real IPC handlers. No production file knows it.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Harness, openDocument, uiUnavailableReason } from '../harness/harness';
import { makeTestPdfs, qpdfCheck } from '../fixtures/pdfs';
import { createTestPki, freePort, missingTools } from '../fixtures/pki';
import type { TestPki } from '../fixtures/pki';
import { verifyWithPdfsig } from '../fixtures/signed-by-poppler';
import { testOtpProvider, testProvider } from '../fixtures/test-provider';

const missing = missingTools('openssl', 'qpdf', 'pdfsig', 'gs');
const unavailable = uiUnavailableReason() ?? (missing.length > 0 ? `not installed: ${missing.join(', ')}` : null);
if (unavailable) console.log(`SKIPPED sign-provider UI test: ${unavailable}`);

describe('a new signing backend in the app', { skip: unavailable ?? false, timeout: 180_000 }, () => {
  let harness: Harness;
  let dir: string;
  let pki: TestPki;
  let simple: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'paraphe-e2e-provider-'));
    await Promise.all([mkdir(join(dir, 'pki')), mkdir(join(dir, 'pdfs')), mkdir(join(dir, 'docs'))]);
    const started = Harness.start().then((h) => (harness = h));
    await Promise.all([
      started,
      (async () => (pki = await createTestPki(join(dir, 'pki'), { ocspPort: await freePort(), httpPort: await freePort() })))(),
      makeTestPdfs(join(dir, 'pdfs')).then((pdfs) => (simple = pdfs.simple)),
    ]);
  });
  after(async () => {
    await harness?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('lists the test KMS identity, refuses a wrong account secret, then signs with the right one', async () => {
    const provider = await testProvider(pki.p12.signer, pki.password, 'the-account-secret');
    const input = join(dir, 'docs', 'order.pdf');
    await copyFile(simple, input);
    const output = join(dir, 'docs', 'order-kms.pdf');
    await harness.withApp({ providers: [provider] }, async (app) => {
      const { page } = app;
      await openDocument(app, input);
      await page.getByRole('button', { name: 'Sign', exact: true }).click();
      const panel = page.getByTestId('sign-panel');
      const radio = panel.getByRole('radio', { name: /Élodie Signataire/ });
      await radio.waitFor();
      await radio.check();
      assert.equal(await panel.locator('[data-identity-kind="testkms"]').count(), 1, 'shown as its own kind');
      // A key held by a service: shown by the service's name, with nothing to export, delete or forget.
      const shown = panel.locator('label.identity[data-identity-holder="remote"]');
      assert.equal(await shown.count(), 1);
      assert.match(await shown.locator('.identity-detail').innerText(), /^test KMS · valid until /);
      for (const name of ['Export as .p12…', 'Delete this ID', 'Remove from the list']) {
        assert.equal(await panel.getByRole('button', { name }).count(), 0, `no "${name}" for a remote identity`);
      }
      const secret = panel.getByLabel(/^Password of /);
      await secret.fill('not-the-secret');
      app.saveDialogAnswers.push(output);
      await page.getByRole('button', { name: 'Sign and save as…' }).click();
      const error = panel.locator('[role="alert"][data-error-code="wrong-password"]');
      await error.waitFor();
      assert.match(await error.innerText(), /test KMS refused the account secret/);
      await secret.fill('the-account-secret');
      await page.getByRole('button', { name: 'Sign and save as…' }).click();
      await page.getByTestId('signatures-panel').waitFor();
      assert.match(await page.getByTestId('signature-badge').innerText(), /^1 signature\b/);
      await app.screenshot('signed-with-test-provider');
    });
    assert.equal(provider.asks, 2, 'the provider asked its secret for each attempt');
    await qpdfCheck(output);
    const report = await verifyWithPdfsig(output, { pki });
    assert.equal(report.signatures[0]?.signatureValidation, 'Signature is Valid.', report.output);
  });

  it('asks a one-time password in the app when the backend signs with one: a wrong one again with the tries left, in French too, and cancelling signs nothing', async () => {
    const base = await testProvider(pki.p12.signer, pki.password, 'the-account-secret');
    const provider = await testOtpProvider(base, 'the-account-secret', { code: '246810', tries: 3 });
    const input = join(dir, 'docs', 'otp.pdf');
    await copyFile(simple, input);
    const output = join(dir, 'docs', 'otp-signed.pdf');
    await harness.withApp({ providers: [provider] }, async (app) => {
      const { page } = app;
      await openDocument(app, input);
      await page.getByRole('button', { name: 'Sign', exact: true }).click();
      const panel = page.getByTestId('sign-panel');
      await panel.getByRole('radio', { name: /Élodie Signataire/ }).check();
      assert.equal(await panel.getByLabel(/^Password of /).count(), 0, 'nothing to type in the panel: the OTP is asked when signing');
      app.saveDialogAnswers.push(output);
      await page.getByRole('button', { name: 'Sign and save as…' }).click();
      const dialog = page.getByTestId('otp-dialog');
      await dialog.waitFor({ timeout: 30_000 });
      assert.match(await dialog.innerText(), /test OTP service sent you a one-time password to sign as Élodie Signataire \(1 document\)/);
      assert.equal(await dialog.getByRole('button', { name: 'Sign' }).isDisabled(), true, 'nothing to send yet');
      await dialog.getByLabel('One-time password').fill('111 111');
      await dialog.getByRole('button', { name: 'Sign' }).click();
      await dialog.getByText('That one-time password was not accepted.').waitFor({ timeout: 30_000 });
      assert.equal(await dialog.getByTestId('otp-warning').innerText(), '2 tries left.');
      assert.equal(await dialog.getByLabel('One-time password').inputValue(), '', 'the refused password is not kept in the field');
      await app.screenshot('sign-otp-wrong');
      await dialog.getByLabel('One-time password').fill('246810');
      await dialog.getByRole('button', { name: 'Sign' }).click();
      await page.getByTestId('signatures-panel').waitFor({ timeout: 60_000 });
      assert.equal(await dialog.count(), 0);
      assert.match(await page.getByTestId('signature-badge').innerText(), /^1 signature\b/);
      const settings = await readdir(app.userDataDir);
      for (const name of settings) assert.doesNotMatch(name, /246810|111111/);
    });
    assert.deepEqual(provider.otps, ['111111', '246810'], 'spaces typed in the code are not sent');
    assert.deepEqual(
      provider.requests.map((r) => [r.documents, r.retry, r.triesLeft]),
      [[1, false, null], [1, true, 2]],
    );
    await qpdfCheck(output);
    const report = await verifyWithPdfsig(output, { pki });
    assert.equal(report.signatures[0]?.signatureValidation, 'Signature is Valid.', report.output);

    // In French, the same dialog; Cancel ends the signing with nothing written.
    const cancelled = join(dir, 'docs', 'otp-cancelled.pdf');
    await harness.withApp({ providers: [provider], locale: 'fr-FR' }, async (app) => {
      const { page } = app;
      await openDocument(app, input, 'Ouvrir un PDF…');
      await page.getByRole('button', { name: 'Signer', exact: true }).click();
      const panel = page.getByTestId('sign-panel');
      await panel.getByRole('radio', { name: /Élodie Signataire/ }).check();
      app.saveDialogAnswers.push(cancelled);
      await panel.locator('button.primary').click();
      const dialog = page.getByTestId('otp-dialog');
      await dialog.waitFor({ timeout: 30_000 });
      assert.match(await dialog.innerText(), /test OTP service vous a envoyé un code à usage unique pour signer en tant que Élodie Signataire \(1 document\)/);
      assert.match(await dialog.getByRole('heading').innerText(), /^Code à usage unique$/);
      await app.screenshot('sign-otp-fr');
      await dialog.getByRole('button', { name: 'Annuler' }).click();
      await panel.locator('[role="alert"][data-error-code="otp-required"]').waitFor({ timeout: 30_000 });
      assert.equal(await dialog.count(), 0);
    });
    assert.ok(!(await readdir(join(dir, 'docs'))).some((name) => name.startsWith('otp-cancelled') || name.includes('.tmp')), 'no output, no temporary file');
  });
});
