// readPkcs12 and writePkcs12 against files written by openssl: its modern defaults (PBES2 AES-256,
// HMAC-SHA256) and the legacy formats Windows and older tools export (3DES, RC2-40, SHA-1 MAC).
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, sign, verify, X509Certificate } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { isUserFacing } from '../../main/errors';
import { isSignerError, readPkcs12, writePkcs12 } from '../../main/signers';
import type { SignerErrorCode } from '../../main/signers';
import type { TestPki } from '../fixtures/pki';
import { createTestPki, freePort, missingTools, run } from '../fixtures/pki';
import { rejectsWith as rejectsWithError } from './helpers/errors';

const missing = missingTools('openssl');
const skip = missing.length > 0 ? `not installed: ${missing.join(', ')}` : false;

/** The public key of a private key and of a certificate are the same key. */
function assertKeyMatches(key: KeyObject, certDer: Uint8Array): void {
  const fromKey = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const fromCert = new X509Certificate(certDer).publicKey.export({ type: 'spki', format: 'der' });
  assert.ok(fromKey.equals(fromCert), 'the private key is the key of the certificate');
  const data = Buffer.from('proof of possession');
  const signature = sign('sha256', data, key);
  assert.ok(verify('sha256', data, new X509Certificate(certDer).publicKey, signature), 'a signature by the key verifies with the certificate');
}

const rejectsWith = (work: Promise<unknown> | (() => unknown), code: SignerErrorCode, check?: (message: string) => void): Promise<void> =>
  rejectsWithError(work, isSignerError, code, (message, error) => {
    assert.ok(isUserFacing(error), 'services show its message as it is');
    check?.(message);
  });

describe('PKCS#12 files: readPkcs12 and writePkcs12', { timeout: 60_000 }, () => {
  let dir = '';
  let pki: TestPki;
  const der = (path: string): Uint8Array => new Uint8Array(readFileSync(path));
  /** `openssl pkcs12 -export` of the signer with extra options. */
  const exportSigner = async (file: string, password: string, extra: string[]): Promise<string> => {
    const out = join(dir, file);
    await run('openssl', [
      'pkcs12', '-export', '-inkey', pki.signer.keyPem, '-in', pki.signer.certPem, '-certfile', pki.chain.caChainPem,
      '-passout', `pass:${password}`, '-out', out, ...extra,
    ]);
    return out;
  };

  before(async () => {
    if (skip) return;
    dir = mkdtempSync(join(tmpdir(), 'paraphe-p12-'));
    pki = await createTestPki(dir, { ocspPort: await freePort(), httpPort: await freePort() });
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reads an openssl 3 default file (PBES2 AES-256, HMAC-SHA256): the key of the signer certificate and its chain', { skip }, async () => {
    const info = (await run('openssl', ['pkcs12', '-in', pki.p12.signer, '-passin', `pass:${pki.password}`, '-info', '-noout'])).output;
    assert.match(info, /AES-256-CBC/, 'the fixture is the modern format');
    const p12 = await readPkcs12(der(pki.p12.signer), pki.password);
    assert.deepEqual(Buffer.from(p12.certificate), readFileSync(pki.signer.certDer));
    assertKeyMatches(p12.key, p12.certificate);
    const others = p12.others.map((c) => new X509Certificate(c).subject);
    assert.equal(others.length, 2);
    assert.ok(others.some((s) => s.includes('Paraphe Test Issuing CA')));
    assert.ok(others.some((s) => s.includes('Paraphe Test Root CA')));
  });

  it('reads an EC (P-256) key and its certificate', { skip }, async () => {
    const p12 = await readPkcs12(der(pki.p12.ecSigner), pki.password);
    assert.equal(p12.key.asymmetricKeyType, 'ec');
    assert.deepEqual(Buffer.from(p12.certificate), readFileSync(pki.ecSigner.certDer));
    assertKeyMatches(p12.key, p12.certificate);
  });

  it('reads the legacy fixture (pbeWithSHAAnd3-KeyTripleDES-CBC, SHA-1 MAC)', { skip }, async () => {
    const info = (await run('openssl', ['pkcs12', '-in', pki.p12.signerLegacy, '-passin', `pass:${pki.password}`, '-info', '-noout'])).output;
    assert.match(info, /TripleDES/);
    assert.match(info, /MAC: sha1/);
    const p12 = await readPkcs12(der(pki.p12.signerLegacy), pki.password);
    assert.deepEqual(Buffer.from(p12.certificate), readFileSync(pki.signer.certDer));
    assertKeyMatches(p12.key, p12.certificate);
    assert.equal(p12.others.length, 2);
  });

  it('reads what Windows exports: certificates under pbeWithSHAAnd40BitRC2-CBC (openssl -legacy)', { skip }, async () => {
    const file = await exportSigner('rc2-40.p12', pki.password, ['-legacy']);
    const info = (await run('openssl', ['pkcs12', '-legacy', '-in', file, '-passin', `pass:${pki.password}`, '-info', '-noout'])).output;
    assert.match(info, /40BitRC2/, 'the certificates really are RC2-40 encrypted');
    const p12 = await readPkcs12(der(file), pki.password);
    assert.deepEqual(Buffer.from(p12.certificate), readFileSync(pki.signer.certDer));
    assertKeyMatches(p12.key, p12.certificate);
    assert.equal(p12.others.length, 2);
  });

  it('reads RC2-128 certificates with a two-key 3DES key', { skip }, async () => {
    const file = await exportSigner('rc2-128.p12', pki.password, ['-legacy', '-certpbe', 'PBE-SHA1-RC2-128', '-keypbe', 'PBE-SHA1-2DES']);
    const p12 = await readPkcs12(der(file), pki.password);
    assertKeyMatches(p12.key, p12.certificate);
    assert.equal(p12.others.length, 2);
  });

  it('reads unencrypted certificates, an AES-128 key and a SHA-512 MAC', { skip }, async () => {
    const file = await exportSigner('aes128.p12', pki.password, ['-certpbe', 'NONE', '-keypbe', 'AES-128-CBC', '-macalg', 'sha512']);
    const p12 = await readPkcs12(der(file), pki.password);
    assertKeyMatches(p12.key, p12.certificate);
  });

  it('reads files protected by a non-ASCII password and by an empty password', { skip }, async () => {
    const password = 'Pâques-été-Ωμέγα';
    for (const extra of [[], ['-legacy']]) {
      const file = await exportSigner(`utf8-${extra.length}.p12`, password, extra);
      assertKeyMatches((await readPkcs12(der(file), password)).key, readFileSync(pki.signer.certDer));
    }
    const empty = await exportSigner('empty.p12', '', []);
    assertKeyMatches((await readPkcs12(der(empty), '')).key, readFileSync(pki.signer.certDer));
  });

  it('reads BER files (constructed, indefinite-length OCTET STRINGs) as Java and NSS write them', { skip }, async () => {
    for (const [file, chunks] of [[pki.p12.signer, 2], [pki.p12.signerLegacy, 7]] as const) {
      const pfx = pkijs.PFX.fromBER(new Uint8Array(der(file)));
      const content = new Uint8Array((pfx.authSafe.content as asn1js.OctetString).getValue());
      const size = Math.ceil(content.length / chunks);
      const pieces = Array.from({ length: chunks }, (_, i) => new asn1js.OctetString({ valueHex: content.slice(i * size, (i + 1) * size) }));
      const ber = new asn1js.OctetString({ isConstructed: true, isIndefiniteForm: true, value: pieces } as asn1js.OctetStringParams);
      pfx.authSafe = new pkijs.ContentInfo({ contentType: pkijs.ContentInfo.DATA, content: ber });
      const bytes = new Uint8Array(pfx.toSchema().toBER(false));
      assert.equal(bytes[1], 0x80, 'the PFX SEQUENCE has an indefinite length');
      const written = pkijs.PFX.fromBER(bytes).authSafe.content as asn1js.OctetString;
      assert.ok(written.idBlock.isConstructed && written.lenBlock.isIndefiniteForm, 'the file holds a constructed, indefinite-length OCTET STRING');
      assert.equal(written.valueBlock.value.length, chunks);
      const p12 = await readPkcs12(bytes, pki.password);
      assertKeyMatches(p12.key, p12.certificate);
      await rejectsWith(readPkcs12(bytes, 'wrong'), 'wrong-password');
    }
  });

  it('says the password is wrong (MAC check), naming the file and never the password', { skip }, async () => {
    const password = 'not-the-password-4711';
    for (const file of [pki.p12.signer, pki.p12.signerLegacy]) {
      await rejectsWith(readPkcs12(der(file), password, { name: 'signer.p12' }), 'wrong-password', (message) => {
        assert.equal(message, 'The password of signer.p12 is not correct.');
        assert.ok(!message.includes(password));
      });
    }
  });

  it('says the password is wrong for a file without a MAC (the decryption fails)', { skip }, async () => {
    const file = await exportSigner('nomac.p12', pki.password, ['-legacy', '-nomac']);
    assertKeyMatches((await readPkcs12(der(file), pki.password)).key, readFileSync(pki.signer.certDer));
    await rejectsWith(readPkcs12(der(file), 'wrong'), 'wrong-password');
  });

  it('refuses a text file, an empty file, a PEM file and a truncated file as bad-p12', { skip }, async () => {
    const text = new TextEncoder().encode('This is a shopping list, not a certificate.\n');
    await rejectsWith(readPkcs12(text, pki.password, { name: 'notes.txt' }), 'bad-p12', (m) => assert.match(m, /notes\.txt is not a valid PKCS#12 file/));
    await rejectsWith(readPkcs12(new Uint8Array(0), pki.password), 'bad-p12');
    await rejectsWith(readPkcs12(der(pki.signer.certPem), pki.password), 'bad-p12', (m) => assert.match(m, /PEM/));
    const whole = der(pki.p12.signer);
    await rejectsWith(readPkcs12(whole.subarray(0, whole.length >> 1), pki.password), 'bad-p12');
    await rejectsWith(readPkcs12(der(pki.signer.certDer), pki.password), 'bad-p12');
  });

  it('refuses RC4 with unsupported-p12 naming the algorithm', { skip }, async () => {
    const file = await exportSigner('rc4.p12', pki.password, ['-legacy', '-keypbe', 'PBE-SHA1-RC4-128']);
    await rejectsWith(readPkcs12(der(file), pki.password, { name: 'old.pfx' }), 'unsupported-p12', (m) => assert.match(m, /pbeWithSHAAnd128BitRC4/));
  });

  it('says no-private-key for a file of certificates and no-certificate for a key alone', { skip }, async () => {
    const certsOnly = join(dir, 'certs-only.p12');
    await run('openssl', ['pkcs12', '-export', '-nokeys', '-in', pki.signer.certPem, '-passout', `pass:${pki.password}`, '-out', certsOnly]);
    await rejectsWith(readPkcs12(der(certsOnly), pki.password), 'no-private-key');
    const keyOnly = join(dir, 'key-only.p12');
    await run('openssl', ['pkcs12', '-export', '-nocerts', '-inkey', pki.signer.keyPem, '-passout', `pass:${pki.password}`, '-out', keyOnly]);
    await rejectsWith(readPkcs12(der(keyOnly), pki.password), 'no-certificate');
    // A key with someone else's certificate only.
    const key = createPrivateKey(readFileSync(pki.signer.keyPem));
    const mismatched = await writePkcs12({ key, certificate: new Uint8Array(readFileSync(pki.ecSigner.certDer)) }, pki.password, { iterations: 1000 });
    await rejectsWith(readPkcs12(mismatched, pki.password), 'no-certificate');
  });

  const password = 'export-pässword';

  it('writes PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) with an HMAC-SHA256 MAC that openssl and readPkcs12 open', { skip }, async () => {
    const key = createPrivateKey(readFileSync(pki.signer.keyPem));
    const certificate = new Uint8Array(readFileSync(pki.signer.certDer));
    const chain = [new Uint8Array(readFileSync(pki.intermediate.certDer))];
    const bytes = await writePkcs12({ key, certificate, chain, friendlyName: 'Élodie Signataire' }, password, { iterations: 4096 });
    const file = join(dir, 'written.p12');
    writeFileSync(file, bytes);

    const info = (await run('openssl', ['pkcs12', '-in', file, '-passin', `pass:${password}`, '-info', '-noout'])).output;
    assert.match(info, /MAC: sha256, Iteration 4096/);
    assert.match(info, /PBES2, PBKDF2, AES-256-CBC, Iteration 4096, PRF hmacWithSHA256/);
    assert.doesNotMatch(info, /RC2|3DES|TripleDES/);
    const pem = (await run('openssl', ['pkcs12', '-in', file, '-passin', `pass:${password}`, '-nodes'])).output;
    // assert.ok with a message: a failing match must not print the key into the test log.
    assert.ok(pem.includes('-----BEGIN PRIVATE KEY-----'), 'openssl decrypts the private key');
    // openssl 3.0 prints a BMPString friendly name one byte per character: match around the É.
    assert.ok(/friendlyName: .{1,2}lodie Signataire/.test(pem), 'the friendly name is in the bag attributes');
    assert.equal((pem.match(/-----BEGIN CERTIFICATE-----/g) ?? []).length, 2, 'the certificate and its chain are there');
    const wrong = await run('openssl', ['pkcs12', '-in', file, '-passin', 'pass:wrong', '-nodes'], { allowFailure: true });
    assert.notEqual(wrong.code, 0, 'openssl refuses a wrong password');

    const back = await readPkcs12(bytes, password);
    assert.deepEqual(Buffer.from(back.certificate), Buffer.from(certificate));
    assertKeyMatches(back.key, back.certificate);
    assert.equal(back.others.length, 1);
    await rejectsWith(readPkcs12(bytes, 'wrong'), 'wrong-password');
  });
});
