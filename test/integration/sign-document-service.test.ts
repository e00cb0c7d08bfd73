// The app's sign flow below the interface: the real services (createServices) with stand-in
// dialogs, the REAL keychain (keytar over a private gnome-keyring), the test PKI's .p12 files and
// Ghostscript's PDFs; outputs checked by qpdf --check and poppler (pdfsig, pdftotext, pdfinfo).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { findAccounts, setKeychainTimeout } from '../../native/keychain';
import { createServices } from '../../main/services';
import type { SaveRequest, Services } from '../../main/services';
import { defaultOutputPath, refuseInputAsOutput } from '../../main/services/sign-document';
import { PERSONAL_ID_SERVICE, openPkcs12Signer } from '../../main/signers';
import { startPrivateKeyring } from '../fixtures/keyring';
import type { PrivateKeyring } from '../fixtures/keyring';
import { PDF_OWNER_PASSWORD, PDF_USER_PASSWORD, makeTestPdfs, qpdfCheck } from '../fixtures/pdfs';
import { createTestPki, freePort, missingTools, run } from '../fixtures/pki';
import type { TestPki } from '../fixtures/pki';
import { verifyWithPdfsig } from '../fixtures/signed-by-poppler';
import { startTsa } from '../fixtures/tsa';
import { errorCode } from '../unit/helpers/errors';
import { NO_AUTHORIZER } from '../../main/services/signing';

const missing = missingTools('dbus-daemon', 'dbus-send', 'gnome-keyring-daemon', 'openssl', 'qpdf', 'pdfsig', 'pdftotext', 'pdfinfo', 'gs');
const skip = missing.length > 0 ? `not installed: ${missing.join(', ')}` : false;
const root = fileURLToPath(new URL('../..', import.meta.url));
const sha256 = async (file: string) => createHash('sha256').update(await readFile(file)).digest('hex');


describe('the sign flow services (createServices)', { skip, timeout: 120_000 }, () => {
  let keyring: PrivateKeyring | undefined;
  let dir = '';
  let pki: TestPki;
  let simple = '';
  let encrypted = '';
  let services: Services;
  const saveAnswers: (string | null)[] = [];
  const saveRequests: SaveRequest[] = [];
  const p12Answers: (string | null)[] = [];

  before(async () => {
    if (skip) return;
    dir = await mkdtemp(join(tmpdir(), 'paraphe-sign-service-'));
    await Promise.all([mkdir(join(dir, 'pki')), mkdir(join(dir, 'pdfs')), mkdir(join(dir, 'docs'))]);
    keyring = await startPrivateKeyring();
    setKeychainTimeout(10_000);
    const [made, pdfs] = await Promise.all([
      createTestPki(join(dir, 'pki'), { ocspPort: await freePort(), httpPort: await freePort() }),
      makeTestPdfs(join(dir, 'pdfs')),
    ]);
    pki = made;
    simple = join(dir, 'docs', 'lease.pdf');
    await copyFile(pdfs.simple, simple);
    await mkdir(join(dir, 'encrypted'));
    encrypted = join(dir, 'encrypted', 'payslip.pdf');
    await copyFile(pdfs.encrypted, encrypted);
    services = createServices({
      userDataDir: join(dir, 'profile'),
      appRoot: root,
      env: { appName: 'Paraphe', version: 'test', platform: process.platform, systemLocale: 'en-US' },
      dialogs: {
        chooseDocument: async () => null,
        chooseModuleFile: async () => null,
        chooseCertificateFile: async () => p12Answers.shift() ?? null,
        chooseSavePath: async (request) => {
          saveRequests.push(request);
          return saveAnswers.shift() ?? null;
        },
      },
    });
  });

  after(async () => {
    await services?.dispose();
    await keyring?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function importSigner(file = pki.p12.signer) {
    p12Answers.push(file);
    const chosen = await services.identities.chooseP12File();
    assert.ok(chosen);
    return services.identities.importP12(chosen.path, pki.password);
  }

  it('proposes "<name>-signed.pdf" beside the input, then -signed-2 when it exists', async () => {
    assert.equal(await defaultOutputPath(simple, 'lease.pdf'), join(dir, 'docs', 'lease-signed.pdf'));
    await writeFile(join(dir, 'docs', 'lease-signed.pdf'), 'taken');
    try {
      assert.equal(await defaultOutputPath(simple, 'lease.pdf'), join(dir, 'docs', 'lease-signed-2.pdf'));
    } finally {
      await rm(join(dir, 'docs', 'lease-signed.pdf'));
    }
    assert.equal(await defaultOutputPath(null, 'dropped.PDF', '/somewhere'), '/somewhere/dropped-signed.pdf');
  });

  it('refuses the input as the output, also through a symbolic link', async () => {
    const link = join(dir, 'docs', 'link-to-lease.pdf');
    await symlink(simple, link);
    assert.equal(await errorCode(refuseInputAsOutput(simple, simple)), 'output-is-input');
    assert.equal(await errorCode(refuseInputAsOutput(simple, join(dir, 'docs', '.', 'lease.pdf'))), 'output-is-input');
    assert.equal(await errorCode(refuseInputAsOutput(simple, link)), 'output-is-input');
    assert.equal(await errorCode(refuseInputAsOutput(simple, join(dir, 'docs', 'other.pdf'))), 'no error');
    await rm(link);
  });

  it('says a wrong .p12 password at import, and remembers nothing', async () => {
    p12Answers.push(pki.p12.signer);
    const chosen = await services.identities.chooseP12File();
    assert.deepEqual(chosen, { path: pki.p12.signer, name: 'signer.p12' });
    assert.equal(await errorCode(services.identities.importP12(pki.p12.signer, 'wrong')), 'wrong-password');
    assert.equal(await errorCode(services.identities.importP12(pki.p12.expiredSigner, pki.password)), 'expired');
    assert.deepEqual(await services.identities.list(), []);
  });

  it('refuses the input path answered in the save dialog, and signs to another path', async () => {
    const identity = await importSigner();
    const doc = await services.documents.openPath(simple);
    const before = await sha256(simple);
    const request = { docId: doc.docId, identityId: identity.id, password: pki.password, placement: { kind: 'invisible' as const }, level: 'B-B' as const };

    saveRequests.length = 0;
    saveAnswers.push(simple);
    assert.equal(await errorCode(services.signing.sign(request)), 'output-is-input');
    assert.deepEqual(saveRequests, [{ kind: 'signed-pdf', defaultPath: join(dir, 'docs', 'lease-signed.pdf') }]);
    assert.equal(await sha256(simple), before);

    saveAnswers.push(null);
    assert.equal(await services.signing.sign(request), null, 'cancelled: nothing signed');
    assert.deepEqual((await readdir(join(dir, 'docs'))).sort(), ['lease.pdf'], 'no output, no temp file');

    const output = join(dir, 'docs', 'lease-signed.pdf');
    saveAnswers.push(output);
    const signed = await services.signing.sign({ ...request, reason: 'Read and approved', location: 'Paris', certify: 'form-filling' });
    assert.ok(signed);
    assert.equal(signed.output, output);
    assert.equal(signed.document.path, output);
    assert.equal(signed.document.signatureCount, 1);
    assert.deepEqual(signed.document.signatures, [{ field: 'Signature1', kind: 'signature', subFilter: 'ETSI.CAdES.detached' }]);
    assert.equal(await sha256(simple), before, 'the input is unchanged');
    const report = await verifyWithPdfsig(output, { pki });
    assert.equal(report.signatures[0]?.signatureValidation, 'Signature is Valid.', report.output);
    assert.equal(report.signatures[0]?.certificateValidation, 'Certificate is Trusted.', report.output);
    await qpdfCheck(output);
    const settings = await readFile(join(dir, 'profile', 'settings.json'), 'utf8');
    assert.ok(!settings.includes(pki.password), 'the password is not in the settings');
  });

  it('says a wrong password, a page the document lacks and a replaced .p12 before asking where to save', async () => {
    const identity = await importSigner();
    const doc = await services.documents.openPath(simple);
    saveRequests.length = 0;
    const base = { docId: doc.docId, identityId: identity.id, password: pki.password, placement: { kind: 'invisible' as const }, level: 'B-B' as const };
    assert.equal(await errorCode(services.signing.sign({ ...base, password: 'wrong' })), 'wrong-password');
    assert.equal(await errorCode(services.signing.sign({ ...base, placement: { kind: 'visible', page: 5, rect: [10, 10, 200, 80] } })), 'page-out-of-range');
    // The file now holds another certificate than the one imported.
    const moved = join(dir, 'replaced.p12');
    await copyFile(pki.p12.signer, moved);
    const replaced = await services.identities.importP12(moved, pki.password);
    await copyFile(pki.p12.ecSigner, moved);
    assert.equal(await errorCode(services.signing.sign({ ...base, identityId: replaced.id })), 'identity-changed');
    assert.deepEqual(saveRequests, [], 'the save dialog was never shown');
    await services.identities.remove(replaced.id);
  });

  it('signs an encrypted document with the password typed to open it, and it stays encrypted', async () => {
    const identity = await importSigner();
    const doc = await services.documents.openPath(encrypted);
    assert.equal(doc.encrypted, true);
    const before = await sha256(encrypted);
    const base = { docId: doc.docId, identityId: identity.id, password: pki.password, placement: { kind: 'visible' as const, page: 1, rect: [300, 60, 540, 140] as [number, number, number, number] }, level: 'B-B' as const };
    // A missing or wrong password, before the identity is opened or the save dialog shown.
    saveRequests.length = 0;
    assert.equal(await errorCode(services.signing.sign(base)), 'needs-password');
    assert.equal(await errorCode(services.signing.sign({ ...base, documentPassword: 'wrong' })), 'bad-password');
    assert.deepEqual(saveRequests, [], 'the save dialog was never shown');

    const output = join(dir, 'payslip-signed.pdf');
    saveAnswers.push(output);
    const signed = await services.signing.sign({ ...base, documentPassword: PDF_USER_PASSWORD });
    assert.equal(signed?.document.signatureCount, 1, 'the signed copy is read with the same password');
    assert.equal(signed?.document.encrypted, true);
    assert.equal(await sha256(encrypted), before, 'the input is unchanged');
    await qpdfCheck(output, PDF_USER_PASSWORD);
    assert.match((await run('qpdf', ['--show-encryption', `--password=${PDF_OWNER_PASSWORD}`, output])).stdout.toString('utf8'), /^R = 6$/m);
    const report = await verifyWithPdfsig(output, { pki, password: PDF_USER_PASSWORD });
    assert.equal(report.signatures[0]?.signatureValidation, 'Signature is Valid.', report.output);
    const page1 = (await run('pdftotext', ['-upw', PDF_USER_PASSWORD, '-f', '1', '-l', '1', '-enc', 'UTF-8', output, '-'])).stdout.toString('utf8');
    assert.match(page1, /Élodie\s+Signataire/);
    // The check of the signed copy reads its signature with the password.
    const checked = await services.documents.validate(signed.document.docId, { password: PDF_USER_PASSWORD });
    assert.equal(checked.signatures.length, 1);
    assert.equal(checked.signatures[0]?.intact, true);
    const settings = await readFile(join(dir, 'profile', 'settings.json'), 'utf8');
    assert.ok(!settings.includes(PDF_USER_PASSWORD), 'the document password is not in the settings');
  });

  it('signs a dropped document (bytes, no path) from a private copy', async () => {
    const identity = await importSigner();
    const doc = await services.documents.openBytes('dropped.pdf', new Uint8Array(await readFile(simple)));
    const output = join(dir, 'dropped-signed.pdf');
    const scratch = async () => (await readdir(tmpdir())).filter((n) => n.startsWith('paraphe-dropped-')).sort();
    const scratchBefore = await scratch();
    saveRequests.length = 0;
    saveAnswers.push(output);
    const signed = await services.signing.sign({ docId: doc.docId, identityId: identity.id, password: pki.password, placement: { kind: 'visible', page: 2, rect: [300, 700, 540, 780] }, level: 'B-B' });
    assert.equal(signed?.document.signatureCount, 1);
    assert.match(saveRequests[0]?.defaultPath ?? '', /dropped-signed\.pdf$/);
    const report = await verifyWithPdfsig(output, { pki });
    assert.equal(report.signatures[0]?.signatureValidation, 'Signature is Valid.', report.output);
    const page2 = (await run('pdftotext', ['-f', '2', '-l', '2', '-enc', 'UTF-8', output, '-'])).stdout.toString('utf8');
    assert.match(page2, /Élodie Signataire/);
    assert.deepEqual(await scratch(), scratchBefore, 'the private copy is removed');
  });

  it('signs at B-T with the timestamp server, and says so in words when it is down (nothing written)', async () => {
    const identity = await importSigner();
    const doc = await services.documents.openPath(simple);
    const tsa = await startTsa(pki);
    const output = join(dir, 'timestamped.pdf');
    try {
      saveAnswers.push(output);
      const request = { docId: doc.docId, identityId: identity.id, password: pki.password, placement: { kind: 'invisible' as const }, level: 'B-T' as const, tsaUrl: tsa.url };
      assert.equal((await services.signing.sign(request))?.document.signatureCount, 1);
      const report = await verifyWithPdfsig(output, { pki });
      assert.equal(report.signatures[0]?.signatureValidation, 'Signature is Valid.', report.output);
      assert.ok(tsa.requests > 0, 'the timestamp server was asked');
    } finally {
      await tsa.stop();
    }
    const down = join(dir, 'never-written.pdf');
    saveAnswers.push(down);
    const url = `http://127.0.0.1:${await freePort()}/tsa`;
    const code = await errorCode(services.signing.sign({ docId: doc.docId, identityId: identity.id, password: pki.password, placement: { kind: 'invisible' }, level: 'B-T', tsaUrl: url }));
    assert.equal(code, 'tsa-unreachable');
    assert.ok(!(await readdir(dir)).includes('never-written.pdf'), 'nothing written');
    saveAnswers.length = 0;
  });

  it('previews the appearance as a valid one-page PDF of the rectangle size', async () => {
    const identity = await importSigner();
    const bytes = await services.signing.preview({ identityId: identity.id, width: 240, height: 72.5, reason: 'Approved', location: 'Lyon' });
    const file = join(dir, 'preview.pdf');
    await writeFile(file, bytes);
    await qpdfCheck(file);
    const info = (await run('pdfinfo', [file])).stdout.toString('utf8');
    assert.match(info, /Pages:\s+1\b/);
    assert.match(info, /Page size:\s+240 x 72\.5 pts/);
    const text = (await run('pdftotext', ['-enc', 'UTF-8', file, '-'])).stdout.toString('utf8');
    assert.match(text, /Élodie Signataire/);
    assert.match(text, /Reason: Approved/);
    assert.match(text, /Location: Lyon/);
    assert.ok(bytes.length < 64 * 1024, `a small file (${bytes.length} bytes)`);
  });

  it('writes the signature\'s words in the interface language (French when chosen)', async () => {
    const identity = await importSigner();
    await services.settings.setLocale('fr');
    try {
      const bytes = await services.signing.preview({ identityId: identity.id, width: 260, height: 80, reason: 'Approuvé', location: 'Lyon' });
      const file = join(dir, 'preview-fr.pdf');
      await writeFile(file, bytes);
      const text = (await run('pdftotext', ['-enc', 'UTF-8', file, '-'])).stdout.toString('utf8').replace(/\s+/g, ' ');
      assert.match(text, /Signé numériquement par/);
      assert.match(text, /Motif\s*: Approuvé/);
      assert.match(text, /Lieu\s*: Lyon/);
    } finally {
      await services.settings.setLocale('system');
    }
  });

  it('creates the personal ID in the real keychain, exports it as a .p12, signs with it, and deletes it', async () => {
    const created = await services.identities.createPersonal({ name: 'Zoë Personnelle', email: 'zoe@paraphe.invalid', keyType: 'p256' });
    assert.equal(created.kind, 'personal');
    // Its key is in the keychain: the contract's shape takes no password for it, and has no file, no token.
    assert.equal(created.holder, 'keychain');
    assert.equal(created.keyType, 'p256');
    assert.equal(created.needsPassword, false);
    assert.deepEqual(Object.keys(created).filter((k) => ['file', 'token', 'service'].includes(k)), []);
    assert.deepEqual(await findAccounts(PERSONAL_ID_SERVICE), [created.fingerprint]);

    const exported = join(dir, 'zoe.p12');
    saveRequests.length = 0;
    saveAnswers.push(exported);
    assert.deepEqual(await services.identities.exportPersonal(created.id, 'export-password'), { path: exported });
    assert.equal(saveRequests[0]?.kind, 'p12');
    const reopened = await openPkcs12Signer(exported, 'export-password');
    assert.equal(createHash('sha256').update(reopened.certificate).digest('hex'), created.fingerprint);
    await reopened.close();

    const doc = await services.documents.openPath(simple);
    const output = join(dir, 'personal-signed.pdf');
    saveAnswers.push(output);
    const signed = await services.signing.sign({ docId: doc.docId, identityId: created.id, placement: { kind: 'visible', page: 1, rect: [60, 60, 300, 130] }, level: 'B-B' });
    assert.equal(signed?.document.signatureCount, 1);
    const report = await verifyWithPdfsig(output);
    assert.equal(report.signatures[0]?.signatureValidation, 'Signature is Valid.', report.output);

    const left = await services.identities.remove(created.id);
    assert.ok(!left.some((i) => i.id === created.id));
    assert.deepEqual(await findAccounts(PERSONAL_ID_SERVICE), [], 'the key left the keychain');
    assert.equal(await errorCode(services.identities.openSigner(created.id, NO_AUTHORIZER)), 'identity-not-found');
  });
});
