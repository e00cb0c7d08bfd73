// The personal digital ID with an in-memory keychain: the self-signed certificate Acrobat would
// make, the key only in the keychain, export to a .p12 that openssl opens, and deletion.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { constants, createHash, createPrivateKey, createPublicKey, verify, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as x509 from '@peculiar/x509';
import { isSignerError, PERSONAL_ID_SERVICE, PersonalIdStore, readPkcs12 } from '../../main/signers';
import type { KeychainAccess, PersonalIdInfo, SignerErrorCode } from '../../main/signers';
import { filesUnder } from '../fixtures/keyring';
import { missingTools, run } from '../fixtures/pki';
import { rejectsWith as rejectsWithError } from './helpers/errors';

const noOpenssl = missingTools('openssl').length > 0 ? 'not installed: openssl' : false;

/** The keychain as a Map, with a switch to make it unavailable like a missing Secret Service. */
class MemoryKeychain implements KeychainAccess {
  readonly secrets = new Map<string, string>();
  unavailable = false;
  private check(): void {
    if (this.unavailable) throw Object.assign(new Error('The system keychain (Secret Service) is not available: no D-Bus'), { code: 'unavailable' });
  }
  async get(service: string, account: string): Promise<string | null> {
    this.check();
    return this.secrets.get(`${service}\n${account}`) ?? null;
  }
  async set(service: string, account: string, secret: string): Promise<void> {
    this.check();
    this.secrets.set(`${service}\n${account}`, secret);
  }
  async delete(service: string, account: string): Promise<boolean> {
    this.check();
    return this.secrets.delete(`${service}\n${account}`);
  }
}

const rejectsWith = (work: Promise<unknown> | (() => unknown), code: SignerErrorCode, check?: (message: string) => void): Promise<void> =>
  rejectsWithError(work, isSignerError, code, (message) => {
    check?.(message);
  });

describe('PersonalIdStore (in-memory keychain)', { timeout: 60_000 }, () => {
  let dir = '';
  const keychain = new MemoryKeychain();
  let store: PersonalIdStore;
  let rsa: PersonalIdInfo;
  let ec: PersonalIdInfo;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'paraphe-personal-id-'));
    store = new PersonalIdStore({ dir, keychain });
    // One RSA-3072 generation for the whole file (a second or two).
    rsa = await store.create({ name: 'Élodie "Lo" Signataire, Jr.', email: 'elodie@paraphe.invalid', keyType: 'rsa-3072' });
    ec = await store.create({ name: 'Zoë Courbe', email: 'zoe@paraphe.invalid', keyType: 'p256' });
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('makes a self-signed certificate as Acrobat does: CN and E, signing key usages, Adobe EKU, 5 years, 16-byte serial, SKI', () => {
    const cert = new x509.X509Certificate(new Uint8Array(rsa.certificate));
    assert.deepEqual(cert.subjectName.getField('CN'), ['Élodie "Lo" Signataire, Jr.']);
    assert.deepEqual(cert.subjectName.getField('E'), ['elodie@paraphe.invalid']);
    assert.equal(cert.subject, cert.issuer, 'self-signed');
    const node = new X509Certificate(rsa.certificate);
    assert.ok(node.verify(node.publicKey), 'the signature verifies with its own key');

    const ku = cert.getExtension(x509.KeyUsagesExtension);
    assert.ok(ku?.critical, 'keyUsage is critical');
    assert.equal(ku?.usages, x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation);
    assert.deepEqual([...(cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? [])].map(String), ['1.3.6.1.5.5.7.3.4', '1.2.840.113583.1.1.5']);
    assert.ok(cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId, 'a subject key identifier');

    const years = (cert.notAfter.getTime() - cert.notBefore.getTime()) / (365.25 * 86400_000);
    assert.ok(Math.abs(years - 5) < 0.01, `valid for 5 years, not ${years}`);
    assert.ok(cert.notBefore.getTime() <= Date.now());
    assert.equal(Buffer.from(cert.serialNumber, 'hex').length, 16, `16-byte serial, got ${cert.serialNumber}`);
    assert.equal(rsa.serial, node.serialNumber.toUpperCase());

    assert.equal(rsa.id, createHash('sha256').update(rsa.certificate).digest('hex'));
    assert.equal(rsa.keyType, 'rsa-3072');
    assert.equal(node.publicKey.asymmetricKeyDetails?.modulusLength, 3072);
    assert.equal(new X509Certificate(ec.certificate).publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.equal(rsa.label, 'Élodie "Lo" Signataire, Jr. (personal digital ID)');
  });

  it('keeps the PKCS#8 key in the keychain under its fingerprint, and only there', () => {
    for (const info of [rsa, ec]) {
      const secret = keychain.secrets.get(`${PERSONAL_ID_SERVICE}\n${info.id}`);
      assert.ok(secret, 'the keychain holds the key');
      const pkcs8 = Buffer.from(secret, 'base64');
      const key = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
      assert.ok(
        createPublicKey(key).export({ type: 'spki', format: 'der' }).equals(new X509Certificate(info.certificate).publicKey.export({ type: 'spki', format: 'der' })),
        'it is the key of the certificate',
      );
      const needles = [pkcs8, Buffer.from(secret), Buffer.from('PRIVATE KEY'), pkcs8.subarray(pkcs8.length - 48)];
      const files = filesUnder(dir);
      assert.ok(files.length >= 2, 'the certificates are on disk');
      for (const file of files) {
        const bytes = readFileSync(file);
        for (const needle of needles) assert.equal(bytes.indexOf(needle), -1, `${file} holds private key bytes`);
      }
    }
  });

  it('lists the IDs, oldest first, from the folder', async () => {
    const list = await store.list();
    assert.deepEqual(list.map((i) => i.id), [rsa.id, ec.id]);
    assert.equal(list[0]?.name, 'Élodie "Lo" Signataire, Jr.');
    assert.equal(list[1]?.email, 'zoe@paraphe.invalid');
    assert.deepEqual(Buffer.from(list[0]?.certificate ?? []), Buffer.from(rsa.certificate));
    // A second store over the same folder sees the same IDs (the CLI and the app share them).
    assert.deepEqual((await new PersonalIdStore({ dir, keychain }).list()).map((i) => i.id), [rsa.id, ec.id]);
  });

  it('gives signers whose signatures verify with the certificate (RSA PKCS#1, PSS; ECDSA)', async () => {
    const data = new TextEncoder().encode('signed attributes');
    const rsaSigner = await store.signer(rsa.id);
    assert.equal(rsaSigner.label, rsa.label);
    assert.equal(rsaSigner.keyBits, 3072);
    assert.deepEqual(rsaSigner.chain, []);
    const pub = new X509Certificate(rsa.certificate).publicKey;
    const pkcs1 = await rsaSigner.sign({ data, digest: createHash('sha256').update(data).digest(), hash: 'sha256', algorithm: 'rsa-pkcs1' });
    assert.ok(verify('sha256', data, { key: pub, padding: constants.RSA_PKCS1_PADDING }, pkcs1));
    const pss = await rsaSigner.sign({ data, digest: createHash('sha512').update(data).digest(), hash: 'sha512', algorithm: 'rsa-pss' });
    assert.ok(verify('sha512', data, { key: pub, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 }, pss));
    await rsaSigner.close();

    const ecSigner = await store.signer(ec.id);
    assert.equal(ecSigner.keyType, 'ec');
    const sig = await ecSigner.sign({ data, digest: createHash('sha384').update(data).digest(), hash: 'sha384', algorithm: 'ecdsa' });
    assert.ok(verify('sha384', data, { key: new X509Certificate(ec.certificate).publicKey, dsaEncoding: 'der' }, sig));
  });

  it('exports a .p12 (PBES2 AES-256, HMAC-SHA256) that openssl pkcs12 and readPkcs12 open', { skip: noOpenssl }, async () => {
    const password = 'export-pässwörd';
    for (const info of [rsa, ec]) {
      const bytes = await store.exportPkcs12(info.id, password);
      const file = join(tmpdir(), `paraphe-export-${process.pid}-${info.keyType}.p12`);
      writeFileSync(file, bytes, { mode: 0o600 });
      try {
        const infoOut = (await run('openssl', ['pkcs12', '-in', file, '-passin', `pass:${password}`, '-info', '-noout'])).output;
        assert.match(infoOut, /MAC: sha256/);
        assert.match(infoOut, /PBES2, PBKDF2, AES-256-CBC/);
        const pem = (await run('openssl', ['pkcs12', '-in', file, '-passin', `pass:${password}`, '-nodes'])).output;
        assert.ok(pem.includes('-----BEGIN PRIVATE KEY-----'), 'openssl decrypts the key'); // no match dump: it is a key
        assert.ok(pem.includes('-----BEGIN CERTIFICATE-----'), 'and reads the certificate');
      } finally {
        rmSync(file, { force: true });
      }
      const back = await readPkcs12(bytes, password);
      assert.deepEqual(Buffer.from(back.certificate), Buffer.from(info.certificate));
      assert.ok(
        createPublicKey(back.key).export({ type: 'spki', format: 'der' }).equals(new X509Certificate(info.certificate).publicKey.export({ type: 'spki', format: 'der' })),
      );
    }
  });

  it('refuses to export without a password', async () => {
    await rejectsWith(store.exportPkcs12(ec.id, ''), 'empty-password');
  });

  it('refuses names and emails that cannot go in a certificate', async () => {
    await rejectsWith(store.create({ name: '   ', email: 'a@b.org', keyType: 'p256' }), 'invalid-personal-id');
    await rejectsWith(store.create({ name: 'x'.repeat(65), email: 'a@b.org', keyType: 'p256' }), 'invalid-personal-id');
    await rejectsWith(store.create({ name: 'Ann', email: 'not an email', keyType: 'p256' }), 'invalid-personal-id');
    await rejectsWith(store.create({ name: 'Ann', email: 'anné@exemple.fr', keyType: 'p256' }), 'invalid-personal-id');
  });

  it('says personal-id-not-found for an unknown or malformed id', async () => {
    await rejectsWith(store.signer('0'.repeat(64)), 'personal-id-not-found');
    await rejectsWith(store.signer('../../etc/passwd'), 'personal-id-not-found');
  });

  it('says personal-id-key-missing when the keychain lost the key', async () => {
    const id = await store.create({ name: 'Lost Key', email: 'lost@paraphe.invalid', keyType: 'p256' });
    keychain.secrets.delete(`${PERSONAL_ID_SERVICE}\n${id.id}`);
    await rejectsWith(store.signer(id.id), 'personal-id-key-missing', (m) => assert.match(m, /Lost Key/));
    await store.delete(id.id);
  });

  it('fails with keychain-unavailable and writes nothing when there is no keychain (no file fallback)', async () => {
    const emptyDir = mkdtempSync(join(tmpdir(), 'paraphe-no-keychain-'));
    const noKeychain = new MemoryKeychain();
    noKeychain.unavailable = true;
    try {
      const s = new PersonalIdStore({ dir: emptyDir, keychain: noKeychain });
      await rejectsWith(s.create({ name: 'Nobody', email: 'nobody@paraphe.invalid', keyType: 'p256' }), 'keychain-unavailable');
      assert.deepEqual(filesUnder(emptyDir), [], 'no file was written');
      assert.deepEqual(await s.list(), []);
      keychain.unavailable = true;
      await rejectsWith(store.signer(ec.id), 'keychain-unavailable');
    } finally {
      keychain.unavailable = false;
      rmSync(emptyDir, { recursive: true, force: true });
    }
  });

  it('removes the key from the keychain when the certificate cannot be saved', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'paraphe-unwritable-'));
    const blocked = join(parent, 'app-data');
    writeFileSync(blocked, 'a file where the folder should be');
    const k = new MemoryKeychain();
    try {
      await rejectsWith(new PersonalIdStore({ dir: blocked, keychain: k }).create({ name: 'Ann', email: 'ann@paraphe.invalid', keyType: 'p256' }), 'personal-id-not-saved');
      assert.equal(k.secrets.size, 0, 'no orphan key in the keychain');
      assert.ok(statSync(blocked).isFile());
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });

  it('deletes an ID: the key leaves the keychain and the certificate the folder', async () => {
    await store.delete(ec.id);
    assert.equal(keychain.secrets.has(`${PERSONAL_ID_SERVICE}\n${ec.id}`), false, 'the key is gone from the keychain');
    assert.ok(!filesUnder(dir).some((f) => f.includes(ec.id)), 'the certificate file is gone');
    assert.deepEqual((await store.list()).map((i) => i.id), [rsa.id]);
    await rejectsWith(store.signer(ec.id), 'personal-id-not-found');
    assert.ok(keychain.secrets.has(`${PERSONAL_ID_SERVICE}\n${rsa.id}`), 'the other ID keeps its key');
  });
});
