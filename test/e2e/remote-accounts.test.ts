// Settings → Accounts in Chromium, through the real renderer, IPC handlers and services: the remote
// signing accounts of the settings (RemoteAccountService), their refresh tokens in a real
// gnome-keyring (keytar, private D-Bus session), against the local CSC server of test/fixtures.
// The test plays the system browser: main's openBrowser port is handed the service's consent page,
// which redirects to Paraphe's loopback listener. Added, signed in (the form refuses what is
// wrong first), its credential picked and signed with (the PIN the service describes, in the PIN
// dialog), signed out (the token revoked and gone from the keychain), a sign-in cancelled, the
// account removed after main's confirmation.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Harness, openDocument, uiUnavailableReason } from '../harness/harness';
import { makeTestPdfs, qpdfCheck } from '../fixtures/pdfs';
import { createTestPki, freePort, missingTools } from '../fixtures/pki';
import type { TestPki } from '../fixtures/pki';
import { verifyWithPdfsig } from '../fixtures/signed-by-poppler';
import { startCscServer } from '../fixtures/csc-server';
import type { CscServer } from '../fixtures/csc-server';
import { startPrivateKeyring } from '../fixtures/keyring';
import type { PrivateKeyring } from '../fixtures/keyring';
import { keychainPort } from '../../main/services/paths';
import { REMOTE_KEYCHAIN_SERVICE } from '../../main/services/remote-accounts';
import { setKeychainTimeout } from '../../native/keychain';

const missing = missingTools('openssl', 'qpdf', 'pdfsig', 'gs', 'dbus-daemon', 'gnome-keyring-daemon');
const unavailable = uiUnavailableReason() ?? (missing.length > 0 ? `not installed: ${missing.join(', ')}` : null);
if (unavailable) console.log(`SKIPPED remote-accounts UI test: ${unavailable}`);

function browse(url: string): Promise<{ status: number; location: string | undefined }> {
  return new Promise((resolve, reject) => {
    httpRequest(url, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location }));
    })
      .on('error', reject)
      .end();
  });
}

describe('Settings → Accounts', { skip: unavailable ?? false, timeout: 240_000 }, () => {
  let harness: Harness;
  let dir: string;
  let pki: TestPki;
  let simple: string;
  let server: CscServer;
  let keyring: PrivateKeyring | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'paraphe-e2e-remote-'));
    await Promise.all([mkdir(join(dir, 'pki')), mkdir(join(dir, 'pdfs')), mkdir(join(dir, 'docs'))]);
    keyring = await startPrivateKeyring();
    setKeychainTimeout(10_000);
    await Promise.all([
      Harness.start().then((h) => (harness = h)),
      (async () => (pki = await createTestPki(join(dir, 'pki'), { ocspPort: await freePort(), httpPort: await freePort() })))(),
      makeTestPdfs(join(dir, 'pdfs')).then((pdfs) => (simple = pdfs.simple)),
    ]);
    const caChain = (await readFile(pki.chain.caChainPem, 'utf8')).split(/(?=-----BEGIN CERTIFICATE-----)/).filter((p) => p.includes('BEGIN')).map((p) => new Uint8Array(new X509Certificate(p).raw));
    server = await startCscServer({
      prefix: '/documentmanager',
      clients: [{ id: 'paraphe-desktop', redirectUris: ['http://127.0.0.1/callback'] }],
      users: [{ name: 'elodie', password: 'unused-here' }],
      credentials: [{
        id: 'dtm-pin', description: 'Élodie, document signing', keyPem: await readFile(pki.signer.keyPem, 'utf8'), chain: [new Uint8Array(await readFile(pki.signer.certDer)), ...caChain],
        authMode: 'explicit', scal: '1', multisign: 1, pin: { value: '4711', format: 'N', label: 'Signing PIN', description: 'The PIN of your DigiCert signing credential' },
      }],
    });
  });
  after(async () => {
    await harness?.stop();
    await server?.close();
    await keyring?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('adds an account, signs in through the browser, signs with its credential, signs out, cancels a sign-in and removes it', async () => {
    const input = join(dir, 'docs', 'contract.pdf');
    await copyFile(simple, input);
    const output = join(dir, 'docs', 'contract-remote.pdf');
    // The browser: held until the test lets it answer (the app shows that it waits), or never.
    let browserAnswers = true;
    let letBrowserGo: () => void = () => undefined;
    const opened: string[] = [];
    const openBrowser = async (url: string) => {
      opened.push(url);
      if (!browserAnswers) return;
      await new Promise<void>((resolve) => (letBrowserGo = resolve));
      const consent = await browse(url);
      assert.equal(consent.status, 302);
      await browse(consent.location ?? '');
    };
    const keychain = keychainPort();
    await harness.withApp({ remote: { env: {}, openBrowser, loginTimeoutMs: 30_000 } }, async (app) => {
      const { page } = app;
      await page.getByRole('button', { name: 'Settings' }).click();
      const settings = page.getByRole('dialog', { name: 'Settings' });
      const section = settings.getByTestId('remote-accounts');
      await section.getByText('No remote signing account yet.').waitFor();

      // The form says what is wrong before main is asked.
      await section.getByRole('button', { name: 'Add an account…' }).click();
      const form = section.getByTestId('remote-add-form');
      await form.getByLabel('Another signing service (CSC API)').check();
      await form.getByLabel('Address of the service (before /csc/v1)').fill('http://signing.example.com/documentmanager');
      await form.getByLabel('Name of the account').fill('my account');
      await form.getByRole('button', { name: 'Add', exact: true }).click();
      const problems = await form.getByTestId('remote-form-problems').innerText();
      assert.match(problems, /The name: letters, digits/);
      assert.match(problems, /The address: an https address \(http only to this computer\)/);
      assert.match(problems, /The client ID the service gave you is needed/);
      await app.screenshot('remote-account-form-problems');
      assert.equal(app.calls.includes('remote:add'), false, 'nothing was sent to main');

      await form.getByLabel('Address of the service (before /csc/v1)').fill(server.url);
      await form.getByLabel('Name of the account').fill('acme-dtm');
      await form.getByLabel('Client ID (given by the service)').fill('paraphe-desktop');
      assert.equal(await form.getByLabel('How Paraphe signs in').inputValue(), 'code');
      await app.screenshot('remote-account-form');
      await form.getByRole('button', { name: 'Add', exact: true }).click();
      const row = section.locator('[data-testid="remote-account"][data-account="acme-dtm"]');
      await row.waitFor();
      assert.equal(await section.getByTestId('remote-add-form').count(), 0, 'the form closed');
      assert.match(await row.innerText(), new RegExp(`${server.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[\\s\\S]*Client ID paraphe-desktop[\\s\\S]*Not signed in`));
      const kept = JSON.parse(await readFile(join(app.userDataDir, 'settings.json'), 'utf8')) as { remoteAccounts?: { name: string; url: string; grant: string }[] };
      assert.deepEqual(kept.remoteAccounts?.map((a) => [a.name, a.url, a.grant]), [['acme-dtm', server.url, 'code']]);

      // The same name again is refused by main, in words.
      await section.getByRole('button', { name: 'Add an account…' }).click();
      await form.getByLabel('Another signing service (CSC API)').check();
      await form.getByLabel('Address of the service (before /csc/v1)').fill(server.url);
      await form.getByLabel('Name of the account').fill('acme-dtm');
      await form.getByLabel('Client ID (given by the service)').fill('other');
      await form.getByRole('button', { name: 'Add', exact: true }).click();
      const taken = section.locator('[data-testid="remote-error"][data-error-code="remote-account-exists"]');
      await taken.waitFor();
      assert.match(await taken.innerText(), /There is already a remote signing account named acme-dtm/);
      await form.getByRole('button', { name: 'Cancel' }).click();

      // Sign in: main opens the browser and waits; the row says so until the browser answers.
      await row.getByRole('button', { name: 'Sign in…' }).click();
      await row.getByTestId('remote-waiting').waitFor();
      await app.screenshot('remote-account-waiting-browser');
      assert.equal(opened.length, 1);
      const consentPage = new URL(opened[0] ?? '');
      assert.equal(consentPage.origin + consentPage.pathname, `${server.url}/oauth2/authorize`);
      assert.equal(consentPage.searchParams.get('code_challenge_method'), 'S256');
      assert.match(consentPage.searchParams.get('redirect_uri') ?? '', /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
      letBrowserGo();
      await row.getByText('Signed in', { exact: true }).waitFor({ timeout: 30_000 });
      assert.match(await section.getByTestId('remote-outcome').innerText(), /Signed in to acme-dtm/);
      const refresh = await keychain.get(REMOTE_KEYCHAIN_SERVICE, 'acme-dtm');
      assert.ok(refresh, 'the refresh token is in the keychain');
      assert.doesNotMatch(await readFile(join(app.userDataDir, 'settings.json'), 'utf8'), new RegExp(refresh), 'and not in settings');
      assert.equal(app.payloads.some((p) => p.includes(refresh)), false, 'nor sent by the renderer');
      assert.equal(JSON.stringify(app.answers).includes(refresh), false, 'nor sent to it');
      await app.screenshot('remote-account-signed-in');
      await settings.getByRole('button', { name: 'Close' }).click();

      // Its credential is among the identities; signing asks the PIN the service describes.
      await openDocument(app, input);
      await page.getByRole('button', { name: 'Sign', exact: true }).click();
      const panel = page.getByTestId('sign-panel');
      const radio = panel.getByRole('radio', { name: /Élodie Signataire/ });
      await radio.waitFor({ timeout: 30_000 });
      await radio.check();
      assert.match(await panel.locator('label.identity[data-identity-holder="remote"] .identity-detail').innerText(), /^acme-dtm · valid until /);
      app.saveDialogAnswers.push(output);
      await page.getByRole('button', { name: 'Sign and save as…' }).click();
      const pin = page.getByTestId('pin-dialog');
      await pin.waitFor({ timeout: 30_000 });
      await pin.getByLabel('PIN').fill('4711');
      await pin.getByRole('button', { name: 'Unlock' }).click();
      await page.getByTestId('signatures-panel').waitFor({ timeout: 60_000 });
      assert.equal(server.signatureCount('dtm-pin'), 1);

      // Sign out: revoked at the service, gone from the keychain.
      await page.getByRole('button', { name: 'Settings' }).click();
      await row.getByRole('button', { name: 'Sign out' }).click();
      await row.getByText('Not signed in: sign in to sign with it').waitFor();
      assert.equal(await keychain.get(REMOTE_KEYCHAIN_SERVICE, 'acme-dtm'), null);
      assert.ok(server.calls.some((c) => c.path === '/oauth2/revoke' || c.path === '/csc/v1/auth/revoke'), 'the token was revoked at the service');

      // A sign-in the user cancels while the browser never answers: nothing kept, nothing reported.
      browserAnswers = false;
      await row.getByRole('button', { name: 'Sign in…' }).click();
      await row.getByTestId('remote-waiting').waitFor();
      await row.getByRole('button', { name: 'Cancel' }).click();
      await row.getByRole('button', { name: 'Sign in…' }).waitFor();
      assert.equal(await section.getByTestId('remote-error').count(), 0);
      assert.equal(await keychain.get(REMOTE_KEYCHAIN_SERVICE, 'acme-dtm'), null);

      // Remove: main's own confirmation first; a "no" keeps it, a "yes" removes it.
      await row.getByRole('button', { name: 'Remove the account acme-dtm' }).click();
      for (let i = 0; i < 100 && app.confirmRequests.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      await row.getByRole('button', { name: 'Sign in…' }).and(page.locator(':enabled')).waitFor();
      assert.equal(await row.count(), 1, 'a "no" keeps the account');
      assert.equal(await section.getByTestId('remote-error').count(), 0, 'and says nothing');
      app.confirmAnswers.push(true);
      await row.getByRole('button', { name: 'Remove the account acme-dtm' }).click();
      await section.getByText('No remote signing account yet.').waitFor();
      assert.deepEqual(app.confirmRequests.map((r) => r.kind), ['remove-remote-account', 'remove-remote-account']);
      await app.screenshot('remote-account-removed');
    });
    await qpdfCheck(output);
    const report = await verifyWithPdfsig(output, { pki });
    assert.equal(report.signatures[0]?.signatureValidation, 'Signature is Valid.', report.output);
  });

  it('adds a DigiCert Document Trust Manager account by environment and region, in French', async () => {
    await harness.withApp({ locale: 'fr-FR', remote: { env: {}, openBrowser: async () => undefined } }, async (app) => {
      const { page } = app;
      await page.getByRole('button', { name: 'Paramètres' }).click();
      const section = page.getByTestId('remote-accounts');
      await section.getByText('Aucun compte de signature à distance pour l’instant.').waitFor();
      await section.getByRole('button', { name: 'Ajouter un compte…' }).click();
      const form = section.getByTestId('remote-add-form');
      assert.equal(await form.getByLabel('DigiCert Document Trust Manager').isChecked(), true, 'DTM is the default');
      await form.getByLabel('Région').selectOption('ch');
      assert.equal(await form.getByLabel('Nom du compte').getAttribute('placeholder'), 'dtm-demo-ch');
      await form.getByLabel('Identifiant client (donné par le service)').fill('paraphe');
      await form.getByRole('button', { name: 'Ajouter', exact: true }).click();
      const row = section.locator('[data-testid="remote-account"][data-account="dtm-demo-ch"]');
      await row.waitFor();
      assert.match(await row.innerText(), /DigiCert Document Trust Manager · démo · Suisse[\s\S]*Non connecté/);
      await app.screenshot('remote-account-dtm-fr');
      const kept = JSON.parse(await readFile(join(app.userDataDir, 'settings.json'), 'utf8')) as { remoteAccounts?: { url: string; dtm?: unknown }[] };
      assert.deepEqual(kept.remoteAccounts?.map((a) => [a.url, a.dtm]), [['https://demo.one.ch.digicert.com/documentmanager', { environment: 'demo', region: 'ch' }]]);
    });
  });
});
