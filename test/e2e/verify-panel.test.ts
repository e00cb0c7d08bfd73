// The verification panel in Debian's Chromium through the real handlers: PDFs signed by
// `paraphe sign` with the test PKI (whose root is not among the system roots the app trusts), at
// B-B and at B-LT (TSA and OCSP responder of the signing bed), a copy with a byte flipped inside
// the signed range, and a copy whose page content was changed in an incremental update after
// signing. Trusting the test root from the panel, the signed version of a changed document, and
// "check online" against the OCSP responder. Screenshots go to test-results/screenshots/verify-*.png.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Harness, openDocument, uiUnavailableReason } from '../harness/harness';
import type { AppSession } from '../harness/harness';
import { missingTools, run } from '../fixtures/pki';
import { cli, startSigningBed } from '../fixtures/signing-bed';
import type { SigningBed } from '../fixtures/signing-bed';
import { changePageContentAfter, flipSignedByte } from '../fixtures/tamper';

const missing = missingTools('openssl', 'qpdf', 'gs');
const unavailable = uiUnavailableReason() ?? (missing.length > 0 ? `not installed: ${missing.join(', ')}` : null);
if (unavailable) console.log(`SKIPPED verify panel UI tests: ${unavailable}`);

describe('verification panel in Chromium through the real handlers', { skip: unavailable ?? false, timeout: 240_000 }, () => {
  let harness: Harness;
  let dir: string;
  let bed: SigningBed | undefined;
  let signedFile: string;
  let ltFile: string;

  const sign = async ({ pdfs, pki }: SigningBed, output: string, extra: string[] = []): Promise<void> => {
    await run(process.execPath, [cli, 'sign', pdfs.simple, '-o', output, '--p12', pki.p12.signer, '--password-env', 'P12_PASSWORD', ...extra], {
      env: { ...process.env, P12_PASSWORD: pki.password },
      timeoutMs: 120_000,
    });
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'paraphe-e2e-verify-'));
    const started = Harness.start().then((h) => (harness = h));
    const made = (async () => {
      bed = await startSigningBed(dir);
      signedFile = join(dir, 'signed.pdf');
      ltFile = join(dir, 'signed-lt.pdf');
      await Promise.all([sign(bed, signedFile), sign(bed, ltFile, ['--level', 'B-LT', '--tsa', bed.tsa.url])]);
    })();
    await Promise.all([started, made]);
  });

  after(async () => {
    await harness?.stop();
    await bed?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Opens `path` with the (stood-in) open dialog, then the panel from the badge; returns the card's status line. */
  async function openAndCheck(app: AppSession, path: string, openLabel: string): Promise<{ status: string; card: string }> {
    const { page } = app;
    await openDocument(app, path, openLabel);
    const badge = page.getByTestId('signature-badge');
    await badge.click();
    const card = page.getByTestId('signatures-panel').locator('.signature-card');
    await card.first().waitFor({ timeout: 60_000 });
    assert.equal(await card.count(), 1);
    assert.ok(app.calls.includes('document:validate'), 'the renderer asked main to validate');
    return { status: await card.first().getByTestId('signature-status').innerText(), card: await card.first().innerText() };
  }

  it('a signature from an untrusted root: cannot be confirmed, names the signer, details in plain words', async () => {
    await harness.withApp({ locale: 'en-US' }, async (app) => {
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
    await harness.withApp({ locale: 'en-US' }, async (app) => {
      const { status } = await openAndCheck(app, flipped, 'Open a PDF…');
      assert.equal(status, 'Invalid — the signed content was altered');
      assert.match(await app.page.getByTestId('signature-badge').innerText(), /· Invalid/);
      await app.screenshot('verify-invalid');
    });
  });

  it('page content changed in an update after signing: changed after signing, in English and in French', async () => {
    const changed = join(dir, 'changed.pdf');
    await changePageContentAfter(signedFile, changed);
    await harness.withApp({ locale: 'en-US' }, async (app) => {
      const { status, card } = await openAndCheck(app, changed, 'Open a PDF…');
      assert.equal(status, 'Invalid — the document was changed after signing');
      assert.match(card, /Since signing, the document was changed/);
      await app.screenshot('verify-changed');
    });
    await harness.withApp({ locale: 'fr-FR' }, async (app) => {
      const { status, card } = await openAndCheck(app, changed, 'Ouvrir un PDF…');
      assert.equal(status, 'Non valide — le document a été modifié après la signature');
      assert.match(card, /Signé par Élodie Signataire/);
      const details = app.page.locator('.signature-card details');
      await details.locator('summary').click();
      assert.match(await details.innerText(), /modifié après la signature d’une manière que le signataire n’a pas autorisée/);
      await app.screenshot('verify-changed-fr');
    });
  });

  /** The card's details opened, and the chain's certificates listed. */
  async function openDetails(app: AppSession): Promise<void> {
    await app.page.locator('.signature-card details summary').first().click();
    await app.page.getByTestId('chain-certificate').first().waitFor();
  }

  it('trusting the test root from the panel: a confirmation with the fingerprint, kept in settings, then valid', async () => {
    const userDataDir = await mkdtemp(join(tmpdir(), 'paraphe-e2e-trust-'));
    try {
      await harness.withApp({ locale: 'en-US', userDataDir }, async (app) => {
        const { status } = await openAndCheck(app, ltFile, 'Open a PDF…');
        assert.equal(status, "Cannot be confirmed — the signer's certificate is not trusted");
        await openDetails(app);
        const chain = app.page.getByTestId('chain-certificate');
        assert.equal(await chain.count(), 3, 'signer, intermediate CA, root CA');
        assert.match(await chain.nth(0).innerText(), /Signer: Élodie Signataire/);
        assert.match(await chain.nth(2).innerText(), /Top of the chain: Paraphe Test Root CA/);
        // Only the top of the chain offers trust.
        assert.equal(await chain.nth(0).getByRole('button', { name: 'Trust this certificate…' }).count(), 0);
        await chain.nth(2).getByRole('button', { name: 'Trust this certificate…' }).click();
        const confirm = app.page.locator('.trust-confirm');
        const rootPem = await readFile((bed as SigningBed).pki.root.certPem, 'utf8');
        const fingerprint = new X509Certificate(rootPem).fingerprint256;
        assert.equal((await confirm.locator('.fingerprint').innerText()).trim(), fingerprint, 'the fingerprint shown is the root certificate\'s');
        assert.match(await confirm.innerText(), /only if you know it really belongs/);
        await app.screenshot('verify-trust-confirm');
        app.confirmAnswers.push(true); // main's own confirmation, with the certificate's details
        await confirm.getByRole('button', { name: 'Trust it' }).click();
        const card = app.page.locator('.signature-card').first();
        await app.page.locator('.signature-card[data-status="VALID"]').waitFor({ timeout: 60_000 });
        assert.equal(await card.getByTestId('signature-status').innerText(), 'Valid');
        const asked = app.confirmRequests.at(-1);
        assert.equal(asked?.kind, 'trust-certificate');
        assert.equal(asked?.kind === 'trust-certificate' && asked.certificate.fingerprint, fingerprint.replace(/:/g, '').toLowerCase(), 'main showed the root\'s fingerprint');
        assert.match(asked?.kind === 'trust-certificate' ? asked.certificate.subject : '', /Paraphe Test Root CA/);
        assert.match(await app.page.getByTestId('signature-badge').innerText(), /· Valid/);
        assert.ok(app.calls.includes('trust:addFromSignature'));
        const trustPayload = app.payloads[app.calls.lastIndexOf('trust:addFromSignature')] ?? '';
        assert.doesNotMatch(trustPayload, /BEGIN CERTIFICATE|MII/, 'the renderer names the certificate by position, never sends certificate bytes');
        await openDetails(app);
        assert.match(await app.page.getByTestId('timestamp-detail').innerText(), /Certified time .* by /);
        const revocation = await app.page.getByTestId('revocation').innerText();
        assert.match(revocation, /Élodie Signataire: not revoked — OCSP answer kept in the document/);
        assert.match(revocation, /Paraphe Test TSA \(timestamp authority\): not revoked — OCSP answer kept in the document/);
        await app.screenshot('verify-trusted-valid');
      });
      const settings = JSON.parse(await readFile(join(userDataDir, 'settings.json'), 'utf8')) as { trustedCertificates?: { fingerprint: string; name: string }[] };
      assert.equal(settings.trustedCertificates?.length, 1);
      assert.equal(settings.trustedCertificates?.[0]?.name, 'Paraphe Test Root CA');

      // A new start with the same settings: valid at once; "stop trusting" takes it back.
      await harness.withApp({ locale: 'fr-FR', userDataDir }, async (app) => {
        const { status } = await openAndCheck(app, ltFile, 'Ouvrir un PDF…');
        assert.equal(status, 'Valide');
        await openDetails(app);
        assert.match(await app.page.getByTestId('revocation').innerText(), /Élodie Signataire : non révoqué — réponse OCSP conservée dans le document/);
        const root = app.page.getByTestId('chain-certificate').nth(2);
        assert.match(await root.innerText(), /Vous faites confiance à ce certificat/);
        await root.getByRole('button', { name: 'Ne plus lui faire confiance' }).click();
        await app.page.locator('.signature-card[data-status="INDETERMINATE"]').waitFor({ timeout: 60_000 });
      });
      const after = JSON.parse(await readFile(join(userDataDir, 'settings.json'), 'utf8')) as { trustedCertificates?: unknown[] };
      assert.deepEqual(after.trustedCertificates, []);
    } finally {
      await rm(userDataDir, { recursive: true, force: true });
    }
  });

  it('"view the signed version" shows what was signed, without the later change, and leads back', async () => {
    const changed = join(dir, 'changed-view.pdf');
    await changePageContentAfter(signedFile, changed);
    await harness.withApp({ locale: 'en-US' }, async (app) => {
      const { page } = app;
      await openAndCheck(app, changed, 'Open a PDF…');
      const textOfPage1 = () => page.locator('.page[data-page-number="1"] .textLayer').innerText();
      await page.locator('.page[data-page-number="1"] .textLayer span').first().waitFor();
      assert.match(await textOfPage1(), /Changed after signing/);
      await page.getByRole('button', { name: 'View the signed version' }).click();
      const banner = page.getByTestId('signed-version-banner');
      await banner.waitFor();
      assert.match(await banner.innerText(), /revision 2 of 3/);
      await page.locator('.page[data-page-number="1"] .textLayer span').first().waitFor();
      assert.doesNotMatch(await textOfPage1(), /Changed after signing/, 'the signed version does not show the later change');
      assert.ok(await page.getByRole('button', { name: 'Sign', exact: true }).isDisabled(), 'a signed version is for reading, not signing');
      // Its own check: the signature covers all of it, nothing changed since.
      await page.getByTestId('signature-badge').click();
      const card = page.getByTestId('signatures-panel').locator('.signature-card').first();
      await card.waitFor({ timeout: 60_000 });
      assert.match(await card.innerText(), /No change since signing\./);
      await app.screenshot('verify-signed-version');
      await banner.getByRole('button', { name: 'Back to the current version' }).click();
      await banner.waitFor({ state: 'detached' });
      await page.locator('.page[data-page-number="1"] .textLayer span').first().waitFor();
      assert.match(await textOfPage1(), /Changed after signing/);
      assert.equal(await page.getByTestId('signature-status').first().innerText(), 'Invalid — the document was changed after signing');
    });
  });

  it('"check online" asks the OCSP responder: revocation good, and where the answer came from', async () => {
    await harness.withApp({ locale: 'en-US' }, async (app) => {
      await openAndCheck(app, signedFile, 'Open a PDF…');
      await openDetails(app);
      assert.match(await app.page.getByTestId('revocation').innerText(), /Revocation: (unknown|not checked)/);
      app.confirmAnswers.push(true); // main's "contact these servers?" dialog
      await app.page.getByRole('button', { name: 'Check online' }).click();
      await app.page.getByTestId('checked-online').waitFor({ timeout: 60_000 });
      const asked = app.confirmRequests.at(-1);
      assert.deepEqual(asked?.kind === 'check-online' ? asked.hosts : null, ['127.0.0.1'], 'the hosts the certificates name were listed');
      await openDetails(app);
      const revocation = await app.page.getByTestId('revocation').innerText();
      assert.match(revocation, /Revocation: not revoked/);
      assert.match(revocation, /Élodie Signataire: not revoked — OCSP answer fetched now from the authority/);
      assert.ok(app.payloads.some((p) => p.includes('"online":true')), 'the renderer asked for an online check');
    });
  });
});
