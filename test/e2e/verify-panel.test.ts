// The verification panel in Debian's Chromium through the real handlers: PDFs signed by
// `paraphe sign` with the test PKI (whose root is not among the system roots the app trusts), a
// copy with a byte flipped inside the signed range, and a copy whose page content was changed in
// an incremental update after signing. Screenshots go to test-results/screenshots/verify-*.png.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Harness, uiUnavailableReason } from '../harness/harness';
import type { AppSession, HarnessOptions } from '../harness/harness';
import { makeTestPdfs } from '../fixtures/pdfs';
import { createTestPki, freePort, missingTools, run } from '../fixtures/pki';
import type { TestPki } from '../fixtures/pki';
import { buildCli, cli } from '../fixtures/signing-bed';
import { changePageContentAfter, flipSignedByte } from '../fixtures/tamper';

const missing = missingTools('openssl', 'qpdf', 'gs');
const unavailable = uiUnavailableReason() ?? (missing.length > 0 ? `not installed: ${missing.join(', ')}` : null);
if (unavailable) console.log(`SKIPPED verify panel UI tests: ${unavailable}`);


describe('verification panel in Chromium through the real handlers', { skip: unavailable ?? false, timeout: 240_000 }, () => {
  let harness: Harness;
  let dir: string;
  let pki: TestPki;
  let signedFile: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'paraphe-e2e-verify-'));
    await Promise.all([mkdir(join(dir, 'pki')), mkdir(join(dir, 'pdfs'))]);
    const started = Harness.start().then((h) => (harness = h));
    const made = (async () => {
      await buildCli();
      pki = await createTestPki(join(dir, 'pki'), { ocspPort: await freePort(), httpPort: await freePort() });
      const pdfs = await makeTestPdfs(join(dir, 'pdfs'));
      signedFile = join(dir, 'signed.pdf');
      await run(process.execPath, [cli, 'sign', pdfs.simple, '-o', signedFile, '--p12', pki.p12.signer, '--password-env', 'P12_PASSWORD'], {
        env: { ...process.env, P12_PASSWORD: 'test-password' },
        timeoutMs: 120_000,
      });
    })();
    await Promise.all([started, made]);
  });

  after(async () => {
    await harness?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const withApp = <T>(options: HarnessOptions, body: (app: AppSession) => Promise<T>): Promise<T> => harness.withApp(options, body);

  /** Opens `path` with the (stood-in) open dialog, then the panel from the badge; returns the card's status line. */
  async function openAndCheck(app: AppSession, path: string, openLabel: string): Promise<{ status: string; card: string }> {
    const { page } = app;
    app.dialogAnswers.push(path);
    await page.getByRole('button', { name: openLabel }).click();
    await page.locator('.page[data-page-number="1"] canvas').first().waitFor();
    const badge = page.getByTestId('signature-badge');
    await badge.click();
    const card = page.getByTestId('signatures-panel').locator('.signature-card');
    await card.first().waitFor({ timeout: 60_000 });
    assert.equal(await card.count(), 1);
    assert.ok(app.calls.includes('document:validate'), 'the renderer asked main to validate');
    return { status: await card.first().getByTestId('signature-status').innerText(), card: await card.first().innerText() };
  }

  it('a signature from an untrusted root: cannot be confirmed, names the signer, details in plain words', async () => {
    await withApp({ locale: 'en-US' }, async (app) => {
      const { status, card } = await openAndCheck(app, signedFile, 'Open a PDF…');
      assert.equal(status, "Cannot be confirmed — the signer's certificate is not trusted");
      assert.match(card, /Signed by Élodie Signataire/);
      assert.match(card, /not certified/);
      assert.match(card, /No change since signing\./);
      assert.match(await app.page.getByTestId('signature-badge').innerText(), /1 signature · Cannot be confirmed/);
      const details = app.page.locator('.signature-card details');
      await details.locator('summary').click();
      await details.locator('li[data-code="CHAIN_UNTRUSTED"]').waitFor();
      assert.match(await details.innerText(), /does not come from a trusted authority/);
      await app.screenshot('verify-untrusted');
    });
  });

  it('a byte flipped inside the signed range: invalid', async () => {
    const flipped = join(dir, 'flipped.pdf');
    await flipSignedByte(signedFile, flipped);
    await withApp({ locale: 'en-US' }, async (app) => {
      const { status } = await openAndCheck(app, flipped, 'Open a PDF…');
      assert.equal(status, 'Invalid — the signed content was altered');
      assert.match(await app.page.getByTestId('signature-badge').innerText(), /· Invalid/);
      await app.screenshot('verify-invalid');
    });
  });

  it('page content changed in an update after signing: changed after signing, in English and in French', async () => {
    const changed = join(dir, 'changed.pdf');
    await changePageContentAfter(signedFile, changed);
    await withApp({ locale: 'en-US' }, async (app) => {
      const { status, card } = await openAndCheck(app, changed, 'Open a PDF…');
      assert.equal(status, 'Invalid — the document was changed after signing');
      assert.match(card, /Since signing, the document was changed/);
      await app.screenshot('verify-changed');
    });
    await withApp({ locale: 'fr-FR' }, async (app) => {
      const { status, card } = await openAndCheck(app, changed, 'Ouvrir un PDF…');
      assert.equal(status, 'Non valide — le document a été modifié après la signature');
      assert.match(card, /Signé par Élodie Signataire/);
      const details = app.page.locator('.signature-card details');
      await details.locator('summary').click();
      assert.match(await details.innerText(), /modifié après la signature d’une manière que le signataire n’a pas autorisée/);
      await app.screenshot('verify-changed-fr');
    });
  });
});
