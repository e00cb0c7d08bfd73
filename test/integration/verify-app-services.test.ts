// What the verification panel asks of main, below the interface: the real services (createServices)
// on a PDF signed by `paraphe sign` with the test PKI and changed afterwards. Trusting a
// certificate of a signature's chain (kept in settings, used by every later check), and "view the
// signed version" (the revision a signature covers, opened as a document of its own).
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createServices, SettingsService } from '../../main/services';
import { SignRequest } from '../../preload/contract/schemas';
import type { Services } from '../../main/services';
import { makeTestPdfs } from '../fixtures/pdfs';
import { createTestPki, freePort, missingTools, run } from '../fixtures/pki';
import type { TestPki } from '../fixtures/pki';
import { requireCliBundle, cli, root } from '../fixtures/signing-bed';
import { changePageContentAfter } from '../fixtures/tamper';
import { errorCode } from '../unit/helpers/errors';

const missing = missingTools('openssl', 'gs', 'qpdf');
const skip = missing.length > 0 ? `not installed: ${missing.join(', ')}` : false;
if (skip) console.log(`SKIPPED verification services tests: ${skip}`);


describe('verification services: trust from a signature, the signed version', { skip, timeout: 120_000 }, () => {
  let dir = '';
  let pki: TestPki;
  let changed = '';
  let userDataDir = '';
  let services: Services;

  before(async () => {
    if (skip) return;
    requireCliBundle();
    dir = await mkdtemp(join(tmpdir(), 'paraphe-verify-services-'));
    await Promise.all([mkdir(join(dir, 'pki')), mkdir(join(dir, 'pdfs')), mkdir(join(dir, 'data'))]);
    const [made, pdfs] = await Promise.all([
      createTestPki(join(dir, 'pki'), { ocspPort: await freePort(), httpPort: await freePort() }),
      makeTestPdfs(join(dir, 'pdfs')),
    ]);
    pki = made;
    const signed = join(dir, 'signed.pdf');
    await run(process.execPath, [cli, 'sign', pdfs.simple, '-o', signed, '--p12', pki.p12.signer, '--password-env', 'P12_PASSWORD'], {
      env: { ...process.env, P12_PASSWORD: 'test-password' },
      timeoutMs: 60_000,
    });
    changed = join(dir, 'changed.pdf');
    await changePageContentAfter(signed, changed);
    userDataDir = join(dir, 'data');
    services = createServices({
      userDataDir,
      appRoot: root,
      env: { appName: 'Paraphe', version: 'test', platform: process.platform, systemLocale: 'en-US' },
      dialogs: { chooseDocument: async () => null, chooseCertificateFile: async () => null, chooseModuleFile: async () => null, chooseSavePath: async () => null },
    });
  });

  after(async () => {
    await services?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('describes the chain of a signature, signer first, and trusts its root only after a check', async () => {
    const doc = await services.documents.openPath(changed);
    assert.equal(await errorCode(() => services.documents.certificateToTrust(doc.docId, 0, 2)), 'not-validated');
    const first = await services.documents.validate(doc.docId);
    const sig = first.signatures[0];
    assert.ok(sig);
    assert.equal(sig.trusted, false);
    assert.deepEqual(sig.chain.map((c) => c.name), ['Élodie Signataire', 'Paraphe Test Issuing CA', 'Paraphe Test Root CA']);
    assert.deepEqual(sig.chain.map((c) => c.selfSigned), [false, false, true]);
    const rootX509 = new X509Certificate(await readFile(pki.root.certPem));
    assert.equal(sig.chain[2]?.fingerprint, rootX509.fingerprint256.replace(/:/g, '').toLowerCase());
    assert.equal(sig.revision, 2);
    assert.equal(first.online, false);
    assert.equal(await errorCode(() => services.documents.certificateToTrust(doc.docId, 0, 3)), 'no-such-certificate');
    assert.equal(await errorCode(() => services.documents.certificateToTrust(doc.docId, 1, 0)), 'no-such-certificate');

    const trusted = await services.settings.addTrustedCertificate(services.documents.certificateToTrust(doc.docId, 0, 2));
    assert.equal(trusted.length, 1);
    assert.equal(Buffer.from(trusted[0]?.der ?? '', 'base64').equals(rootX509.raw), true, 'the DER kept is the root certificate');
    const again = await services.documents.validate(doc.docId);
    assert.equal(again.signatures[0]?.trusted, true);
    assert.deepEqual(again.signatures[0]?.chain.map((c) => c.trustedByUser), [false, false, true]);
    // Still not valid: the page content changed after signing.
    assert.equal(again.signatures[0]?.status, 'INVALID');

    // Kept on disk: a new settings service over the same folder has the anchor.
    const reread = new SettingsService(userDataDir);
    assert.equal((await reread.trustAnchors()).length, 1);
    assert.deepEqual(await services.settings.removeTrustedCertificate(trusted[0]?.fingerprint ?? ''), []);
    assert.equal((await services.documents.validate(doc.docId)).signatures[0]?.trusted, false);
    await services.documents.close(doc.docId);
  });

  it('opens the signed version: exactly the covered bytes, its own check clean, closed with its document', async () => {
    const doc = await services.documents.openPath(changed);
    const version = await services.documents.openSignedVersion(doc.docId, 0);
    assert.deepEqual(version.signedVersion, { of: doc.docId, field: 'Signature1', revision: 2, revisionCount: 3 });
    assert.ok(version.size < doc.size);
    const file = await readFile(changed);
    const bytes = await services.documents.readRange(version.docId, 0, version.size);
    assert.equal(
      createHash('sha256').update(bytes).digest('hex'),
      createHash('sha256').update(file.subarray(0, version.size)).digest('hex'),
      'the signed version is a prefix of the file',
    );
    const check = await services.documents.validate(version.docId);
    assert.equal(check.signatures[0]?.coversWholeFile, true);
    assert.equal(check.signatures[0]?.modifications, 'none');
    assert.equal(check.signatures[0]?.intact, true);
    assert.equal(await errorCode(services.documents.openSignedVersion(doc.docId, 5)), 'no-such-signature');
    // A signed version is for reading: signing it is refused before any dialog.
    const signRefused = await errorCode(
      services.signing.sign(
        SignRequest.parse({ docId: version.docId, identityId: `p12-${'0'.repeat(64)}`, password: 'x', placement: { kind: 'invisible' }, level: 'B-B' }),
      ),
    );
    assert.equal(signRefused, 'signed-version');
    await services.documents.close(doc.docId);
    assert.equal(await errorCode(services.documents.readRange(version.docId, 0, 10)), 'unknown-document', 'closed with its document');
  });
});
