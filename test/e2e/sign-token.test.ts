// Signing with a hardware token in Debian's Chromium through the real handlers: SoftHSM2 tokens
// made for this run (token A: several identities; token B: one RSA-3072 identity), found by the
// app's own module discovery. The token picker lists them, a token appearing while the app runs
// is shown, a wrong PIN is refused and asked again with the token's warning, the right PIN signs,
// and a second document signs without asking the PIN again (one C_Login). Outputs: qpdf, pdfsig.
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadModule } from '../../native/pkcs11';
import { Harness, openDocument, uiUnavailableReason } from '../harness/harness';
import { makeTestPdfs, qpdfCheck } from '../fixtures/pdfs';
import { createTestPki, freePort, missingTools } from '../fixtures/pki';
import type { TestPki } from '../fixtures/pki';
import { verifyWithPdfsig } from '../fixtures/signed-by-poppler';
import type { SoftHsm } from '../fixtures/softhsm';
import { createSoftHsm, findSoftHsmModule, provisionTestTokens } from '../fixtures/softhsm';

const missing = missingTools('openssl', 'softhsm2-util', 'pkcs11-tool', 'qpdf', 'pdfsig', 'gs');
const moduleFound = await findSoftHsmModule();
const unavailable =
  uiUnavailableReason() ?? (missing.length > 0 ? `not installed: ${missing.join(', ')}` : moduleFound === undefined ? 'libsofthsm2.so not found' : null);
if (unavailable) console.log(`SKIPPED token sign UI tests: ${unavailable}`);

describe('signing with a hardware token in Chromium through the real handlers', { skip: unavailable ?? false, timeout: 240_000 }, () => {
  let harness: Harness;
  let dir = '';
  let pki: TestPki;
  let hsm: SoftHsm | undefined;
  let simple = '';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'paraphe-e2e-token-'));
    await Promise.all([mkdir(join(dir, 'pki')), mkdir(join(dir, 'pdfs'))]);
    const started = Harness.start().then((h) => (harness = h));
    const made = (async () => {
      pki = await createTestPki(join(dir, 'pki'), { ocspPort: await freePort(), httpPort: await freePort() });
      simple = (await makeTestPdfs(join(dir, 'pdfs'))).simple;
      // Tokens before any module load: SoftHSM reads its token folder at C_Initialize.
      hsm = await createSoftHsm();
      await provisionTestTokens(hsm, pki);
    })();
    await Promise.all([started, made]);
  });

  after(async () => {
    await harness?.stop();
    await hsm?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('picks the certificate on a token, refuses a wrong PIN then signs with the right one; the next document asks no PIN', async () => {
    const folder = join(dir, 'first');
    await mkdir(folder);
    const input = join(folder, 'contract.pdf');
    await copyFile(simple, input);
    const output = join(folder, 'contract signed with token.pdf');
    const second = join(folder, 'contract signed twice.pdf');
    await harness.withApp({ locale: 'en-US' }, async (app) => {
      const { page } = app;
      await openDocument(app, input);
      await page.getByRole('button', { name: 'Sign', exact: true }).click();
      const panel = page.getByTestId('sign-panel');
      const tokens = panel.getByTestId('token');
      await tokens.first().waitFor({ timeout: 30_000 });
      const labels = await tokens.locator('strong').allInnerTexts();
      assert.ok(labels.includes('Paraphe A') && labels.includes('Paraphe B'), `tokens shown: ${labels.join(', ')}`);
      const identity = panel.getByRole('radio', { name: /Trois Mille Soixante-Douze/ });
      await identity.waitFor();
      assert.match(await panel.locator('label.identity').filter({ hasText: 'Trois Mille Soixante-Douze' }).innerText(), /On the token Paraphe B/);
      await identity.check();
      assert.equal(await panel.getByLabel(/Password of/).count(), 0, 'a token identity needs no password field');
      await app.screenshot('sign-token-picker');

      // First a wrong PIN: refused, asked again with the token's warning.
      app.saveDialogAnswers.push(output);
      await page.getByRole('button', { name: 'Sign and save as…' }).click();
      const dialog = page.getByTestId('pin-dialog');
      await dialog.waitFor({ timeout: 30_000 });
      assert.match(await dialog.innerText(), /Enter the PIN of the token “Paraphe B” to sign as Trois Mille Soixante-Douze/);
      await dialog.getByLabel('PIN').fill('000000');
      await dialog.getByRole('button', { name: 'Unlock' }).click();
      await dialog.getByText('That PIN was not accepted.').waitFor({ timeout: 30_000 });
      assert.match(await dialog.getByTestId('pin-warning').innerText(), /only a few tries are left/);
      assert.equal(await dialog.getByLabel('PIN').inputValue(), '', 'the refused PIN is not kept in the field');
      await app.screenshot('sign-token-wrong-pin');
      await dialog.getByLabel('PIN').fill('5678');
      await dialog.getByRole('button', { name: 'Unlock' }).click();

      const signatures = page.getByTestId('signatures-panel');
      await signatures.waitFor({ timeout: 60_000 });
      assert.equal(await dialog.count(), 0);
      assert.match(await signatures.getByRole('status').innerText(), /Signed and saved as/);
      await page.locator('.signature-card').first().waitFor({ timeout: 60_000 });
      assert.match(await page.locator('.signature-card').first().innerText(), /Signed by Trois Mille Soixante-Douze/);
      assert.equal(app.services.tokens.stats().logins, 2, 'the wrong PIN and the right one');

      // The signed copy is now open: sign it again with the same token, no PIN asked.
      await page.getByRole('button', { name: 'Sign', exact: true }).click();
      await panel.getByRole('radio', { name: /Trois Mille Soixante-Douze/ }).check();
      app.saveDialogAnswers.push(second);
      await page.getByRole('button', { name: 'Sign and save as…' }).click();
      await page.getByTestId('signatures-panel').waitFor({ timeout: 60_000 });
      await page.locator('.signature-card').nth(1).waitFor({ timeout: 60_000 });
      assert.equal(app.services.tokens.stats().logins, 2, 'no second C_Login: the session is kept for the next document');
      assert.equal(app.calls.filter((c) => c === 'renderer:answer').length, 2, 'two PIN answers in all (wrong, right)');
      const settings = await readFile(join(app.userDataDir, 'settings.json'), 'utf8');
      assert.doesNotMatch(settings, /5678|000000/, 'no PIN in the settings');
    });
    for (const file of [output, second]) await qpdfCheck(file);
    const report = await verifyWithPdfsig(second, { pki });
    assert.equal(report.signatures.length, 2);
    for (const sig of report.signatures) assert.equal(sig.signatureValidation, 'Signature is Valid.', report.output);
  });

  it('shows a token that appears while the app runs', async () => {
    await harness.withApp({ locale: 'fr-FR', watchTokens: { intervalMs: 200 } }, async (app) => {
      const { page } = app;
      await openDocument(app, simple, 'Ouvrir un PDF…');
      await page.getByRole('button', { name: 'Signer', exact: true }).click();
      const section = page.getByTestId('token-section');
      await section.getByTestId('token').first().waitFor({ timeout: 30_000 });
      assert.equal(await section.getByText('Branché à chaud').count(), 0);
      // "Plug in" a token: initialise SoftHSM's blank slot through the module this process shares
      // with the app (another process's softhsm2-util would only be seen at the next C_Initialize).
      const mod = await loadModule((hsm as SoftHsm).modulePath);
      try {
        const blank = (await mod.slots()).find((s) => s.token?.flags.tokenInitialized === false);
        assert.ok(blank, 'SoftHSM offers a blank slot');
        await mod.initToken(blank.id, Buffer.from('11112222'), 'Branché à chaud');
      } finally {
        await mod.close();
      }
      await section.getByText('Branché à chaud').waitFor({ timeout: 15_000 });
      assert.ok(app.calls.includes('tokens:list'));
      await app.screenshot('sign-token-hotplug-fr');

      // A driver added by path that is not a PKCS#11 library: said in words, kept out, removable;
      // the tokens already shown stay (and are still watched).
      const bogus = join(dir, 'pilote-inutilisable.so');
      await writeFile(bogus, 'not a shared object');
      app.moduleDialogAnswers.push(bogus);
      await section.getByRole('button', { name: 'Ajouter un pilote de support…' }).click();
      const driverError = section.getByTestId('token-driver-error');
      await driverError.waitFor();
      assert.match(await driverError.innerText(), /pilote-inutilisable\.so est inutilisable/);
      await section.getByText('Branché à chaud').waitFor();
      const settings = JSON.parse(await readFile(join(app.userDataDir, 'settings.json'), 'utf8')) as { pkcs11Modules?: string[] };
      assert.deepEqual(settings.pkcs11Modules, [bogus]);
      await driverError.getByRole('button', { name: 'Le retirer' }).click();
      await driverError.waitFor({ state: 'detached' });
    });
  });

  it('the PIN dialog as main asks it: PIN-pad mode, last try, a per-signature PIN, cancel and withdrawal', async () => {
    await harness.withApp({ locale: 'en-US' }, async (app) => {
      const { page, bridge } = app;
      const base = { tokenLabel: 'eToken 5110', keyLabel: 'Anne Administratrice', triesLeft: null, pinCountLow: false, finalTry: false, retry: false, pinPad: false, contextSpecific: false };
      const dialog = page.getByTestId('pin-dialog');

      // A reader with a keypad: no field, the user types on the device; Cancel answers nothing.
      const padAnswer = bridge.ask('prompt:pin', { ...base, pinPad: true, finalTry: true });
      await dialog.waitFor();
      assert.match(await dialog.innerText(), /Enter your PIN on the reader's keypad/);
      assert.match(await dialog.getByTestId('pin-warning').innerText(), /Last try: one more wrong PIN locks the token/);
      assert.equal(await dialog.getByLabel('PIN').count(), 0);
      assert.equal(await dialog.getByRole('button', { name: 'Unlock' }).count(), 0);
      await app.screenshot('pin-dialog-pinpad');
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      assert.equal(await padAnswer, null);
      await dialog.waitFor({ state: 'detached' });

      // CKA_ALWAYS_AUTHENTICATE: labelled as the PIN for this signature.
      const contextAnswer = bridge.ask('prompt:pin', { ...base, contextSpecific: true });
      await dialog.waitFor();
      assert.match(await dialog.getByRole('heading').innerText(), /PIN for this signature/);
      assert.match(await dialog.innerText(), /asks for its PIN again for every signature/);
      await dialog.getByLabel('PIN').fill('4321');
      await dialog.getByRole('button', { name: 'Unlock' }).click();
      assert.deepEqual(await contextAnswer, { pin: '4321' });

      // Main withdraws its question (timeout, token pulled out): the dialog goes away by itself.
      const controller = new AbortController();
      const withdrawn = bridge.ask('prompt:pin', base, { signal: controller.signal });
      await dialog.waitFor();
      await dialog.getByLabel('PIN').fill('typed but not sent');
      controller.abort();
      assert.equal(await withdrawn, null);
      await dialog.waitFor({ state: 'detached' });
      assert.ok(!app.payloads.some((p) => p.includes('typed but not sent')), 'a withdrawn PIN is never sent');
    });
  });
});
