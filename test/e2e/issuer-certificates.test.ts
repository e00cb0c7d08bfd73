// Issue 11, part 4 (the app): a chain nobody can verify is not signed in silence. The built
// renderer in Debian's Chromium over the real handlers (test/harness): a .p12 that holds the
// signer's certificate alone is imported, and the sign panel says before signing that validators
// will find no issuer; the user imports the issuer certificates in Settings (main's own dialog,
// stood in for by the harness; a bad file first, said in words), the notice goes, and the signed
// PDF's CMS carries the intermediate and the root (openssl pkcs7 -print_certs on its /Contents):
// pdfsig, trusting the test root only, trusts the signer. In French too.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Harness, openDocument, uiUnavailableReason } from '../harness/harness';
import { makeTestPdfs, qpdfCheck } from '../fixtures/pdfs';
import { PKCS12_PASSWORD, createTestPki, missingTools, run } from '../fixtures/pki';
import type { TestPki } from '../fixtures/pki';
import { verifyWithPdfsig } from '../fixtures/signed-by-poppler';

const missing = missingTools('openssl', 'qpdf', 'pdfsig', 'gs');
const unavailable = uiUnavailableReason() ?? (missing.length > 0 ? `not installed: ${missing.join(', ')}` : null);
if (unavailable) console.log(`SKIPPED issuer certificates UI tests: ${unavailable}`);

describe('issuer certificates in the app, in Chromium through the real handlers', { skip: unavailable ?? false, timeout: 180_000 }, () => {
  let harness: Harness;
  let dir = '';
  let pki: TestPki;
  let simple = '';
  let leafP12 = '';

  before(async () => {
    if (unavailable) return;
    dir = await mkdtemp(join(tmpdir(), 'paraphe-e2e-issuers-'));
    await Promise.all([mkdir(join(dir, 'pki')), mkdir(join(dir, 'pdfs'))]);
    const started = Harness.start().then((h) => (harness = h));
    const made = Promise.all([
      createTestPki(join(dir, 'pki')).then((p) => (pki = p)),
      makeTestPdfs(join(dir, 'pdfs')).then((pdfs) => (simple = pdfs.simple)),
    ]);
    await Promise.all([started, made]);
    // As a token or a careless export gives it: the key and the signer's certificate, no issuer.
    leafP12 = join(dir, 'leaf-only.p12');
    await run('openssl', ['pkcs12', '-export', '-in', pki.signer.certPem, '-inkey', pki.signer.keyPem, '-out', leafP12, '-passout', `pass:${PKCS12_PASSWORD}`]);
  });

  after(async () => {
    await harness?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function freshDocument(name: string): Promise<string> {
    const folder = join(dir, name);
    await mkdir(folder, { recursive: true });
    const path = join(folder, 'contract.pdf');
    await copyFile(simple, path);
    return path;
  }

  /** The subjects (CN) of the certificates a signed PDF's CMS carries, by openssl on its last /Contents. */
  async function embeddedSubjects(file: string): Promise<string[]> {
    const text = (await readFile(file)).toString('latin1');
    const hex = [...text.matchAll(/\/Contents\s*<([0-9a-fA-F]+)>/g)].at(-1)?.[1] ?? '';
    const der = `${file}.p7s`;
    await writeFile(der, Buffer.from(hex, 'hex'));
    const printed = (await run('openssl', ['pkcs7', '-inform', 'DER', '-in', der, '-print_certs'])).stdout.toString('utf8');
    const pems = printed.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    return pems.map((pem) => /CN=([^\n]+)/.exec(new X509Certificate(pem).subject)?.[1] ?? '?');
  }

  it('warns before signing, the issuers imported in settings end the notice, and the signature carries them', async () => {
    const input = await freshDocument('en');
    const output = join(dir, 'en', 'contract-signed.pdf');
    await harness.withApp({}, async (app) => {
      const { page } = app;
      await openDocument(app, input);
      await page.getByRole('button', { name: 'Sign', exact: true }).click();
      const panel = page.getByTestId('sign-panel');
      app.p12DialogAnswers.push(leafP12);
      await panel.getByRole('button', { name: 'Import a .p12…' }).click();
      const importForm = panel.getByRole('form', { name: 'Import a certificate file' });
      await importForm.getByLabel('Password of the file').fill(PKCS12_PASSWORD);
      await importForm.getByRole('button', { name: 'Import' }).click();
      await panel.getByRole('radio', { name: /Élodie Signataire/ }).waitFor();

      // Before any click on Sign: main found no issuer for this certificate, and the panel says so.
      const notice = panel.getByTestId('chain-notice');
      await notice.waitFor();
      assert.equal(await notice.getAttribute('data-warning-code'), 'CHAIN_INCOMPLETE');
      assert.match(await notice.innerText(), /Validators will find no issuer for this certificate/);
      assert.match(await notice.innerText(), /The certificate of Élodie Signataire comes without the certificate of the authority that issued it: a signature made now may be rejected/);
      assert.match(await notice.innerText(), /Import the issuer certificates .* in Settings, under “Issuer certificates”/);
      await app.screenshot('issuers-notice');

      // The notice leads to Settings.
      await notice.getByRole('button', { name: 'Import issuer certificates…' }).click();
      const settings = page.getByRole('dialog', { name: 'Settings' });
      await settings.waitFor();
      const section = settings.getByTestId('issuer-certificates');
      await section.getByText('No issuer certificate imported.').waitFor();

      // A file that holds no certificate: refused in words, nothing kept.
      app.issuerDialogAnswers.push(simple);
      await section.getByRole('button', { name: 'Import issuer certificates…' }).click();
      const refused = section.locator('[role="alert"][data-error-code="bad-certificate"]');
      await refused.waitFor();
      assert.match(await refused.innerText(), /The file holds no certificate that can be imported\./);
      assert.match(await refused.innerText(), /simple\.pdf holds no certificate \(expected PEM, DER or a \.p7b bundle\)\./);
      assert.equal(await section.getByTestId('issuer-certificate').count(), 0);

      // The intermediate alone: kept, and the notice (behind) now says where the chain stops.
      app.issuerDialogAnswers.push(pki.intermediate.certDer);
      await section.getByRole('button', { name: 'Import issuer certificates…' }).click();
      await section.getByTestId('issuer-import-outcome').filter({ hasText: '1 certificate imported.' }).waitFor();
      await notice.filter({ hasText: 'stops at “Paraphe Test Issuing CA”, which is not a root certificate' }).waitFor();

      // The whole chain (PEM bundle): the root is new, the intermediate already there.
      app.issuerDialogAnswers.push(pki.chain.caChainPem);
      await section.getByRole('button', { name: 'Import issuer certificates…' }).click();
      await section.getByTestId('issuer-import-outcome').filter({ hasText: '1 certificate imported; 1 was already there.' }).waitFor();
      const listed = section.getByTestId('issuer-certificate');
      assert.equal(await listed.count(), 2);
      const rootItem = listed.filter({ hasText: 'Paraphe Test Root CA · root certificate' });
      assert.equal(await rootItem.count(), 1);
      const intermediate = listed.filter({ hasText: 'Paraphe Test Issuing CA' }).filter({ hasNotText: 'root certificate' });
      const intermediateText = await intermediate.innerText();
      assert.match(intermediateText, /Issued by .*CN=Paraphe Test Root CA/);
      assert.match(intermediateText, /valid until /);
      const expected = new X509Certificate(await readFile(pki.intermediate.certDer)).fingerprint256;
      assert.ok(intermediateText.includes(expected), `the fingerprint ${expected} is shown: ${intermediateText}`);
      await app.screenshot('issuers-settings');

      // Removed and imported again (a .p7b this time): the list follows.
      await section.getByRole('button', { name: 'Remove the issuer certificate Paraphe Test Root CA' }).click();
      await listed.nth(1).waitFor({ state: 'detached' });
      app.issuerDialogAnswers.push(null); // cancelled: nothing happens
      await section.getByRole('button', { name: 'Import issuer certificates…' }).click();
      const p7b = join(dir, 'chain.p7b');
      await run('openssl', ['crl2pkcs7', '-nocrl', '-certfile', pki.chain.caChainPem, '-outform', 'DER', '-out', p7b]);
      app.issuerDialogAnswers.push(p7b);
      await section.getByRole('button', { name: 'Import issuer certificates…' }).click();
      await section.getByTestId('issuer-import-outcome').filter({ hasText: '1 certificate imported; 1 was already there.' }).waitFor();
      assert.equal(await listed.count(), 2);

      await settings.getByRole('button', { name: 'Close' }).click();
      await settings.waitFor({ state: 'detached' });
      // Main completes the chain now: the notice is gone.
      await notice.waitFor({ state: 'detached' });

      app.saveDialogAnswers.push(output);
      await page.getByRole('button', { name: 'Sign and save as…' }).click();
      await page.getByTestId('signatures-panel').waitFor();
      await page.getByTestId('signatures-panel').getByRole('status').filter({ hasText: 'Signed and saved as' }).waitFor();

      // The renderer never named a certificate file: main's dialog did, and main read it.
      const imports = app.calls.map((channel, i) => ({ channel, payload: app.payloads[i] })).filter((c) => c.channel === 'issuers:import');
      assert.equal(imports.length, 5);
      assert.ok(imports.every((c) => c.payload === '{}' || c.payload === undefined || c.payload === 'null'), JSON.stringify(imports));
      const kept = await readFile(join(app.userDataDir, 'issuer-certificates.pem'), 'utf8');
      assert.equal(kept.match(/-----BEGIN CERTIFICATE-----/g)?.length, 2);
    });

    await qpdfCheck(output);
    assert.deepEqual(await embeddedSubjects(output), ['Élodie Signataire', 'Paraphe Test Issuing CA', 'Paraphe Test Root CA']);
    const report = await verifyWithPdfsig(output, { pki });
    assert.equal(report.signatures.length, 1, report.output);
    assert.equal(report.signatures[0]?.signatureValidation, 'Signature is Valid.', report.output);
    assert.equal(report.signatures[0]?.certificateValidation, 'Certificate is Trusted.', report.output);
  });

  it('says it in French, and the settings speak French too', async () => {
    const input = await freshDocument('fr');
    await harness.withApp({ locale: 'fr-FR' }, async (app) => {
      const { page } = app;
      await openDocument(app, input, 'Ouvrir un PDF…');
      await page.getByRole('button', { name: 'Signer', exact: true }).click();
      const panel = page.getByTestId('sign-panel');
      app.p12DialogAnswers.push(leafP12);
      await panel.getByRole('button', { name: 'Importer un .p12…' }).click();
      const importForm = panel.getByRole('form', { name: 'Importer un fichier de certificat' });
      await importForm.getByLabel('Mot de passe du fichier').fill(PKCS12_PASSWORD);
      await importForm.getByRole('button', { name: 'Importer' }).click();
      const notice = panel.getByTestId('chain-notice');
      await notice.waitFor();
      assert.match(await notice.innerText(), /Les validateurs ne trouveront pas l’émetteur de ce certificat/);
      assert.match(await notice.innerText(), /Le certificat de Élodie Signataire est seul, sans le certificat de l’autorité qui l’a émis/);

      await page.getByRole('button', { name: 'Paramètres' }).click();
      const settings = page.getByRole('dialog', { name: 'Paramètres' });
      const section = settings.getByTestId('issuer-certificates');
      await section.getByText('Aucun certificat émetteur importé.').waitFor();
      app.issuerDialogAnswers.push(pki.signer.certPem);
      await section.getByRole('button', { name: 'Importer des certificats émetteurs…' }).click();
      const refused = section.locator('[role="alert"][data-error-code="issuer-not-authority"]');
      await refused.waitFor();
      assert.match(await refused.innerText(), /Le fichier ne contient aucun certificat émetteur\./);
      assert.match(await refused.innerText(), /signer\.crt contient le certificat d’un signataire et aucun certificat d’autorité de certification/);
      app.issuerDialogAnswers.push(pki.chain.caChainPem);
      await section.getByRole('button', { name: 'Importer des certificats émetteurs…' }).click();
      await section.getByTestId('issuer-import-outcome').filter({ hasText: '2 certificats importés.' }).waitFor();
      assert.match(await section.innerText(), /Émis par .*CN=Paraphe Test Root CA/);
      await app.screenshot('issuers-settings-fr');
      await page.keyboard.press('Escape');
      await settings.waitFor({ state: 'detached' });
      await notice.waitFor({ state: 'detached' });
    });
  });
});
