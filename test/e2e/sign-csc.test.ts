// A remote CSC credential in the app: the CSC provider (main/services/providers/csc.ts) over the
// local CSC server of test/fixtures, registered with createServices; in Chromium, through the real
// renderer and IPC handlers, the credential is listed by its account, the sign panel asks nothing,
// the OTP dialog asks the code the service sent, a wrong one is asked again (a new code sent), and
// the signature is valid.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
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
import { CscProvider } from '../../main/services/providers/csc';
import { accountAccess } from '../../main/services/remote-accounts';

const missing = missingTools('openssl', 'qpdf', 'pdfsig', 'gs');
const unavailable = uiUnavailableReason() ?? (missing.length > 0 ? `not installed: ${missing.join(', ')}` : null);
if (unavailable) console.log(`SKIPPED sign-csc UI test: ${unavailable}`);

describe('a remote CSC credential in the app', { skip: unavailable ?? false, timeout: 180_000 }, () => {
  let harness: Harness;
  let dir: string;
  let pki: TestPki;
  let simple: string;
  let server: CscServer;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'paraphe-e2e-csc-'));
    await Promise.all([mkdir(join(dir, 'pki')), mkdir(join(dir, 'pdfs')), mkdir(join(dir, 'docs'))]);
    const started = Harness.start().then((h) => (harness = h));
    await Promise.all([
      started,
      (async () => (pki = await createTestPki(join(dir, 'pki'), { ocspPort: await freePort(), httpPort: await freePort() })))(),
      makeTestPdfs(join(dir, 'pdfs')).then((pdfs) => (simple = pdfs.simple)),
    ]);
    const caChain = (await readFile(pki.chain.caChainPem, 'utf8')).split(/(?=-----BEGIN CERTIFICATE-----)/).filter((p) => p.includes('BEGIN')).map((p) => new Uint8Array(new X509Certificate(p).raw));
    server = await startCscServer({
      prefix: '/documentmanager',
      clients: [{ id: 'robot', secret: 'robot-secret-0001' }],
      credentials: [{ id: 'dtm-1', keyPem: await readFile(pki.signer.keyPem, 'utf8'), chain: [new Uint8Array(await readFile(pki.signer.certDer)), ...caChain], authMode: 'explicit', scal: '1', multisign: 5, otp: { type: 'online' } }],
    });
  });
  after(async () => {
    await harness?.stop();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('lists the credential by its account, asks the OTP the service sent (a wrong one again, a new code), and signs', async () => {
    const account = { name: 'DTM demo', url: server.url, clientId: 'robot', grant: 'client_credentials' as const, clientSecretEnv: 'CSC_SECRET', addedAt: new Date().toISOString() };
    const keychain = new Map<string, string>();
    const provider = new CscProvider(async () => [
      accountAccess(account, { env: { CSC_SECRET: 'robot-secret-0001' }, secrets: { get: async (a) => keychain.get(a) ?? null, set: async (a, s) => void keychain.set(a, s), delete: async (a) => keychain.delete(a) } }),
    ]);
    const input = join(dir, 'docs', 'contract.pdf');
    await copyFile(simple, input);
    const output = join(dir, 'docs', 'contract-dtm.pdf');
    await harness.withApp({ providers: [provider] }, async (app) => {
      const { page } = app;
      await openDocument(app, input);
      await page.getByRole('button', { name: 'Sign', exact: true }).click();
      const panel = page.getByTestId('sign-panel');
      const radio = panel.getByRole('radio', { name: /Élodie Signataire/ });
      await radio.waitFor({ timeout: 30_000 });
      await radio.check();
      assert.equal(await panel.locator('[data-identity-kind="csc"]').count(), 1);
      assert.match(await panel.locator('label.identity[data-identity-holder="remote"] .identity-detail').innerText(), /^DTM demo · valid until /);
      assert.equal(await panel.getByLabel(/^Password of /).count(), 0, 'nothing to type in the panel');
      app.saveDialogAnswers.push(output);
      await page.getByRole('button', { name: 'Sign and save as…' }).click();
      const dialog = page.getByTestId('otp-dialog');
      await dialog.waitFor({ timeout: 30_000 });
      assert.match(await dialog.innerText(), /DTM demo sent you a one-time password to sign as Élodie Signataire \(1 document\)/);
      const first = server.sentOtps.at(-1)?.otp ?? '';
      await dialog.getByLabel('One-time password').fill(first === '000000' ? '111111' : '000000');
      await dialog.getByRole('button', { name: 'Sign' }).click();
      await dialog.getByText('That one-time password was not accepted.').waitFor({ timeout: 30_000 });
      await app.screenshot('sign-csc-otp-wrong');
      const second = server.sentOtps.at(-1)?.otp ?? '';
      assert.notEqual(second, first, 'a new code was sent for the new try');
      await dialog.getByLabel('One-time password').fill(second);
      await dialog.getByRole('button', { name: 'Sign' }).click();
      await page.getByTestId('signatures-panel').waitFor({ timeout: 60_000 });
      assert.match(await page.getByTestId('signature-badge').innerText(), /^1 signature\b/);
      await app.screenshot('signed-with-csc');
    });
    assert.equal(server.signatureCount('dtm-1'), 1);
    await qpdfCheck(output);
    const report = await verifyWithPdfsig(output, { pki });
    assert.equal(report.signatures[0]?.signatureValidation, 'Signature is Valid.', report.output);
  });
});
