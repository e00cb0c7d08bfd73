// What a compromised or confused renderer cannot make main do, in Debian's Chromium through the
// real handlers: open a file main did not receive (by path: /etc/passwd, a PDF never chosen, a
// path that does not exist — one neutral refusal for all), trust a certificate, remove a digital
// ID, or go online without the user's "yes" in main's own dialog (the harness's stand-in records
// what main asked and answers as the test says).
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setKeychainTimeout } from '../../native/keychain';
import { Harness, openDocument, uiUnavailableReason } from '../harness/harness';
import type { AppSession } from '../harness/harness';
import { startPrivateKeyring } from '../fixtures/keyring';
import type { PrivateKeyring } from '../fixtures/keyring';
import { missingTools, run } from '../fixtures/pki';
import { cli, startSigningBed } from '../fixtures/signing-bed';
import type { SigningBed } from '../fixtures/signing-bed';
import { NO_AUTHORIZER } from '../../main/services/signing';

const missing = missingTools('openssl', 'qpdf', 'gs', 'dbus-daemon', 'dbus-send', 'gnome-keyring-daemon');
const unavailable = uiUnavailableReason() ?? (missing.length > 0 ? `not installed: ${missing.join(', ')}` : null);
if (unavailable) console.log(`SKIPPED security UI tests: ${unavailable}`);

type Envelope = { ok: true; value: unknown } | { ok: false; error: { code: string; message: string } };

/** Calls a verb of window.paraphe from the page, as a compromised renderer could. */
function callFromPage(app: AppSession, verb: string, request: unknown): Promise<Envelope> {
  return app.page.evaluate(
    ([v, r]) => (window as unknown as { paraphe: Record<string, (x: unknown) => Promise<unknown>> }).paraphe[v as string]?.(r) as Promise<Envelope>,
    [verb, request] as const,
  );
}

describe('security of main against the renderer, in Chromium through the real handlers', { skip: unavailable ?? false, timeout: 240_000 }, () => {
  let harness: Harness;
  let dir: string;
  let bed: SigningBed | undefined;
  let keyring: PrivateKeyring | undefined;
  let signedFile: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'paraphe-e2e-security-'));
    keyring = await startPrivateKeyring();
    setKeychainTimeout(10_000);
    const started = Harness.start().then((h) => (harness = h));
    const made = (async () => {
      bed = await startSigningBed(dir);
      signedFile = join(dir, 'signed.pdf');
      await run(process.execPath, [cli, 'sign', bed.pdfs.simple, '-o', signedFile, '--p12', bed.pki.p12.signer, '--password-env', 'P12_PASSWORD'], {
        env: { ...process.env, P12_PASSWORD: bed.pki.password },
        timeoutMs: 120_000,
      });
    })();
    await Promise.all([started, made]);
  });

  after(async () => {
    await harness?.stop();
    await bed?.stop();
    await keyring?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('refuses paths main did not receive with one neutral error, and never quotes a file', async () => {
    const pdf = join(dir, 'never-chosen.pdf');
    await copyFile((bed as SigningBed).pdfs.simple, pdf);
    await harness.withApp({}, async (app) => {
      const refusals: Envelope[] = [];
      for (const path of ['/etc/passwd', pdf, join(dir, 'does-not-exist.pdf'), dir, '/etc/../etc/passwd']) {
        refusals.push(await callFromPage(app, 'openDocumentPath', { path }));
      }
      for (const [i, result] of refusals.entries()) {
        assert.equal(result.ok, false, `refusal ${i}`);
        assert.equal(!result.ok && result.error.code, 'path-not-granted', `refusal ${i}`);
      }
      const messages = new Set(refusals.map((r) => (r.ok ? '' : r.error.message)));
      assert.equal(messages.size, 1, 'the same sentence whether the file exists, is a PDF, a folder or nothing');
      assert.doesNotMatch([...messages][0] ?? '', /root|passwd|never-chosen|does-not-exist/);
      // A .p12 import by a path main never offered: the same refusal.
      const imported = await callFromPage(app, 'importP12', { path: (bed as SigningBed).pki.p12.signer, password: 'x' });
      assert.equal(!imported.ok && imported.error.code, 'path-not-granted');

      // Chosen in main's dialog: it opens; then it is in the recent list, and opens by path.
      await openDocument(app, pdf);
      const again = await callFromPage(app, 'openDocumentPath', { path: pdf });
      assert.equal(again.ok, true, JSON.stringify(again));
    });
    // A granted file that is not a PDF: said so, without quoting its first bytes.
    const notPdf = join(dir, 'secret.pdf');
    await copyFile('/etc/passwd', notPdf);
    await harness.withApp({}, async (app) => {
      app.dialogAnswers.push(notPdf);
      const result = await callFromPage(app, 'chooseAndOpenDocument', {});
      assert.equal(!result.ok && result.error.code, 'not-pdf');
      const firstLine = (await readFile('/etc/passwd', 'utf8')).split('\n')[0] ?? '';
      assert.ok(!result.ok && !result.error.message.includes(firstLine.slice(0, 8)), result.ok ? '' : result.error.message);
      assert.doesNotMatch(result.ok ? '' : result.error.message, /starts with/);
    });
  });

  it('trusting a certificate: main asks with its details; "no" changes nothing, quietly', async () => {
    await harness.withApp({}, async (app) => {
      await openDocument(app, signedFile);
      await app.page.getByTestId('signature-badge').click();
      await app.page.locator('.signature-card').first().waitFor({ timeout: 60_000 });
      await app.page.locator('.signature-card details summary').first().click();
      const chain = app.page.getByTestId('chain-certificate');
      await chain.nth(2).getByRole('button', { name: 'Trust this certificate…' }).click();
      // No answer queued: the stand-in says no.
      await app.page.locator('.trust-confirm').getByRole('button', { name: 'Trust it' }).click();
      await waitFor(() => app.confirmRequests.length === 1, 'main asked');
      const asked = app.confirmRequests[0];
      assert.equal(asked?.kind, 'trust-certificate');
      if (asked?.kind === 'trust-certificate') {
        assert.match(asked.certificate.subject, /Paraphe Test Root CA/);
        assert.match(asked.certificate.issuer, /Paraphe Test Root CA/);
        assert.match(asked.certificate.fingerprint, /^[0-9a-f]{64}$/);
      }
      await app.page.locator('.signature-card[data-status="INDETERMINATE"]').waitFor();
      assert.equal(await app.page.locator('[role="alert"]').count(), 0, 'no error shown for a "no"');
      assert.deepEqual((await app.services.settings.get()).trustedCertificates ?? [], []);
      // A renderer calling the verb directly gets the same "declined".
      const direct = await callFromPage(app, 'trustCertificate', { docId: (await firstDocId(app)), signatureIndex: 0, certificateIndex: 2 });
      assert.equal(!direct.ok && direct.error.code, 'declined');
      assert.deepEqual((await app.services.settings.get()).trustedCertificates ?? [], []);
    });
  });

  it('removing the personal digital ID: main asks; "no" keeps it and its key in the keychain', async () => {
    await harness.withApp({}, async (app) => {
      app.confirmAnswers.push(true);
      const created = await callFromPage(app, 'createPersonalId', { name: 'Néa Gardée', email: 'nea@paraphe.invalid', keyType: 'p256' });
      assert.equal(created.ok, true, JSON.stringify(created));
      assert.equal(app.confirmRequests[0]?.kind, 'create-personal-id');
      const id = created.ok ? (created.value as { id: string }).id : '';
      // Without a yes, nothing is created.
      const refused = await callFromPage(app, 'createPersonalId', { name: 'Non Voulu', email: 'non@paraphe.invalid', keyType: 'p256' });
      assert.equal(!refused.ok && refused.error.code, 'declined');

      await openDocument(app, (bed as SigningBed).pdfs.simple);
      await app.page.getByRole('button', { name: 'Sign', exact: true }).click();
      const panel = app.page.getByTestId('sign-panel');
      await panel.getByRole('radio', { name: /Néa Gardée/ }).check();
      await panel.getByRole('button', { name: 'Delete this ID' }).click();
      await panel.getByRole('group', { name: 'Remove the digital ID' }).getByRole('button', { name: 'Delete this ID' }).click();
      await waitFor(() => app.confirmRequests.length === 3, 'main asked to remove');
      const asked = app.confirmRequests[2];
      assert.equal(asked?.kind, 'remove-identity');
      if (asked?.kind === 'remove-identity') {
        assert.equal(asked.holder, 'keychain');
        assert.match(asked.certificate.subject, /Néa Gardée/);
        assert.equal(`personal-${asked.certificate.fingerprint}`, id);
      }
      await panel.getByRole('radio', { name: /Néa Gardée/ }).waitFor();
      assert.equal(await panel.locator('[role="alert"]').count(), 0, 'no error shown for a "no"');
      const identities = await app.services.identities.list();
      assert.deepEqual(identities.filter((i) => i.kind === 'personal').map((i) => i.name), ['Néa Gardée']);
      // Its key is still in the keychain: it can still sign.
      const signer = await app.services.identities.openSigner(id, NO_AUTHORIZER);
      await signer.close();
    });
  });

  it('"check online" contacts nobody until main\'s dialog listing the hosts gets a yes', async () => {
    await harness.withApp({}, async (app) => {
      await openDocument(app, signedFile);
      await app.page.getByTestId('signature-badge').click();
      await app.page.locator('.signature-card').first().waitFor({ timeout: 60_000 });
      await app.page.getByRole('button', { name: 'Check online' }).click();
      await waitFor(() => app.confirmRequests.length === 1, 'main asked');
      const asked = app.confirmRequests[0];
      assert.equal(asked?.kind, 'check-online');
      assert.deepEqual(asked?.kind === 'check-online' ? asked.hosts : null, ['127.0.0.1']);
      // "No": the offline result stays, no error, nothing says it was checked online.
      await app.page.locator('.signature-card').first().waitFor();
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(await app.page.getByTestId('checked-online').count(), 0);
      assert.equal(await app.page.locator('[role="alert"]').count(), 0);
      // A renderer asking directly: declined too.
      const direct = await callFromPage(app, 'validateDocument', { docId: await firstDocId(app), online: true });
      assert.equal(!direct.ok && direct.error.code, 'declined');
      // "Yes": checked online.
      app.confirmAnswers.push(true);
      await app.page.getByRole('button', { name: 'Check online' }).click();
      await app.page.getByTestId('checked-online').waitFor({ timeout: 60_000 });
    });
  });
});

async function firstDocId(app: AppSession): Promise<string> {
  const recentOpen = app.payloads.map((p) => /"docId":"(doc-[0-9a-f]{16})"/.exec(p)?.[1]).filter(Boolean);
  const id = recentOpen.at(-1);
  assert.ok(id, 'a document handle was used by the page');
  return id;
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
