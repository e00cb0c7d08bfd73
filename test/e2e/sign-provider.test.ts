// A new signing backend in the app: the test-only provider (test/fixtures/test-provider.ts) is
// registered with createServices, listed in the sign panel, and signs through the real renderer
// in Chromium and the real IPC handlers. No production file knows it.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Harness, openDocument, uiUnavailableReason } from '../harness/harness';
import { makeTestPdfs, qpdfCheck } from '../fixtures/pdfs';
import { createTestPki, freePort, missingTools } from '../fixtures/pki';
import type { TestPki } from '../fixtures/pki';
import { verifyWithPdfsig } from '../fixtures/signed-by-poppler';
import { testProvider } from '../fixtures/test-provider';

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
});
