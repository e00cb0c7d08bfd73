// The software Signer (node:crypto keys), openPkcs12Signer, and the checks every signing
// certificate passes before anything is signed.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { constants, createHash, createPrivateKey, generateKeyPairSync, verify, webcrypto, X509Certificate } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as x509 from '@peculiar/x509';
import { checkSigningCertificate, createSoftwareSigner, describeCertificate, isSignerError, openPkcs12Signer } from '../../main/signers';
import type { HashAlgorithm, SignatureAlgorithm, Signer, SignerErrorCode, SignRequest } from '../../main/signers';
import type { TestPki } from '../fixtures/pki';
import { createTestPki, freePort, missingTools, run } from '../fixtures/pki';
import { rejectsWith as rejectsWithError } from './helpers/errors';

const missing = missingTools('openssl');
const skip = missing.length > 0 ? `not installed: ${missing.join(', ')}` : false;

const HASHES: HashAlgorithm[] = ['sha256', 'sha384', 'sha512'];
const DIGEST_LENGTH = { sha256: 32, sha384: 48, sha512: 64 } as const;

function request(hash: HashAlgorithm, algorithm: SignatureAlgorithm, text = 'signed attributes'): SignRequest {
  const data = new TextEncoder().encode(`${text} ${hash} ${algorithm}`);
  return { data, digest: createHash(hash).update(data).digest(), hash, algorithm };
}

/** Verifies a SignerInfo.signature value with the certificate's public key, as a validator does. */
function verifies(signer: Signer, req: SignRequest, signature: Uint8Array): boolean {
  const key = new X509Certificate(signer.certificate).publicKey;
  if (req.algorithm === 'ecdsa') return verify(req.hash, req.data, { key, dsaEncoding: 'der' }, signature);
  if (req.algorithm === 'rsa-pss') {
    // The salt must be exactly the digest length (what CMS RSASSA-PSS parameters will say).
    return verify(req.hash, req.data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: DIGEST_LENGTH[req.hash] }, signature);
  }
  return verify(req.hash, req.data, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
}

const rejectsWith = (work: Promise<unknown> | (() => unknown), code: SignerErrorCode, check?: (message: string) => void): Promise<void> =>
  rejectsWithError(work, isSignerError, code, (message) => {
    check?.(message);
  });

/** Self-signed test certificates with exactly the extensions a test needs (one P-256 key for all). */
let testKeys: CryptoKeyPair | undefined;
async function selfSigned(options: { cn?: string; keyUsage?: number; eku?: string[]; notBefore?: Date; notAfter?: Date }): Promise<Uint8Array> {
  const crypto = webcrypto as unknown as Crypto;
  testKeys ??= (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
  const extensions: x509.Extension[] = [];
  if (options.keyUsage !== undefined) extensions.push(new x509.KeyUsagesExtension(options.keyUsage, true));
  if (options.eku) extensions.push(new x509.ExtendedKeyUsageExtension(options.eku, false));
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      name: options.cn === undefined ? 'O=Paraphe Test, OU=No Common Name' : `CN=${options.cn}`,
      notBefore: options.notBefore ?? new Date(Date.now() - 3600_000),
      notAfter: options.notAfter ?? new Date(Date.now() + 86400_000),
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      keys: testKeys,
      extensions,
    },
    crypto,
  );
  return new Uint8Array(cert.rawData);
}

describe('software signers and certificate checks', { timeout: 60_000 }, () => {
  let dir = '';
  let pki: TestPki;
  let rsaKey: KeyObject;
  let ecKey: KeyObject;
  const der = (path: string): Uint8Array => new Uint8Array(readFileSync(path));

  before(async () => {
    if (skip) return;
    dir = mkdtempSync(join(tmpdir(), 'paraphe-signers-'));
    pki = await createTestPki(dir, { ocspPort: await freePort(), httpPort: await freePort() });
    rsaKey = createPrivateKey(readFileSync(pki.signer.keyPem));
    ecKey = createPrivateKey(readFileSync(pki.ecSigner.keyPem));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe('createSoftwareSigner', () => {
    it('describes an RSA key: keyType rsa, 2048 bits, PKCS#1 v1.5 then PSS', { skip }, () => {
      const signer = createSoftwareSigner({ key: rsaKey, certificate: der(pki.signer.certDer), chain: [], label: 'Élodie' });
      assert.equal(signer.keyType, 'rsa');
      assert.equal(signer.keyBits, 2048);
      assert.deepEqual(signer.algorithms, ['rsa-pkcs1', 'rsa-pss']);
      assert.equal(signer.label, 'Élodie');
    });

    it('describes an EC key: keyType ec, 256 bits, ECDSA', { skip }, () => {
      const signer = createSoftwareSigner({ key: ecKey, certificate: der(pki.ecSigner.certDer), chain: [], label: 'Zoë' });
      assert.equal(signer.keyType, 'ec');
      assert.equal(signer.keyBits, 256);
      assert.deepEqual(signer.algorithms, ['ecdsa']);
    });

    it('makes RSA PKCS#1 v1.5 and RSA-PSS (salt = digest length) signatures that verify, with SHA-256/384/512', { skip }, async () => {
      const signer = createSoftwareSigner({ key: rsaKey, certificate: der(pki.signer.certDer), chain: [], label: 'Élodie' });
      for (const algorithm of ['rsa-pkcs1', 'rsa-pss'] as const) {
        for (const hash of HASHES) {
          const req = request(hash, algorithm);
          const signature = await signer.sign(req);
          assert.equal(signature.length, 256, `${algorithm}/${hash}: a 2048-bit signature`);
          assert.ok(verifies(signer, req, signature), `${algorithm}/${hash} verifies`);
          assert.ok(!verifies(signer, request(hash, algorithm, 'other data'), signature), `${algorithm}/${hash} does not verify other data`);
        }
      }
    });

    it('makes DER-encoded ECDSA signatures that verify, with SHA-256/384/512', { skip }, async () => {
      const signer = createSoftwareSigner({ key: ecKey, certificate: der(pki.ecSigner.certDer), chain: [], label: 'Zoë' });
      for (const hash of HASHES) {
        const req = request(hash, 'ecdsa');
        const signature = await signer.sign(req);
        assert.equal(signature[0], 0x30, 'an Ecdsa-Sig-Value SEQUENCE, not r||s');
        assert.ok(verifies(signer, req, signature), `ecdsa/${hash} verifies`);
      }
    });

    it('signs a batch with signMany, each signature over its own data', { skip }, async () => {
      const signer = createSoftwareSigner({ key: ecKey, certificate: der(pki.ecSigner.certDer), chain: [], label: 'Zoë' });
      const requests = Array.from({ length: 5 }, (_, i) => request('sha256', 'ecdsa', `document ${i}`));
      const signatures = await (signer.signMany as NonNullable<Signer['signMany']>)(requests);
      assert.equal(signatures.length, 5);
      requests.forEach((req, i) => assert.ok(verifies(signer, req, signatures[i] as Uint8Array), `signature ${i}`));
    });

    it('refuses an algorithm the key cannot do', { skip }, async () => {
      const rsa = createSoftwareSigner({ key: rsaKey, certificate: der(pki.signer.certDer), chain: [], label: 'Élodie' });
      await rejectsWith(rsa.sign(request('sha256', 'ecdsa')), 'unsupported-algorithm', (m) => assert.match(m, /ECDSA/));
      const ec = createSoftwareSigner({ key: ecKey, certificate: der(pki.ecSigner.certDer), chain: [], label: 'Zoë' });
      await rejectsWith(ec.sign(request('sha256', 'rsa-pss')), 'unsupported-algorithm');
    });

    it('refuses a digest that is not the hash of the data', { skip }, async () => {
      const signer = createSoftwareSigner({ key: ecKey, certificate: der(pki.ecSigner.certDer), chain: [], label: 'Zoë' });
      const req = request('sha256', 'ecdsa');
      await assert.rejects(signer.sign({ ...req, digest: new Uint8Array(32) }), /not the hash/);
    });

    it('forgets the key on close(): signing afterwards fails with signer-closed', { skip }, async () => {
      const signer = createSoftwareSigner({ key: ecKey, certificate: der(pki.ecSigner.certDer), chain: [], label: 'Zoë' });
      await signer.sign(request('sha256', 'ecdsa'));
      await signer.close();
      await rejectsWith(signer.sign(request('sha256', 'ecdsa')), 'signer-closed');
    });

    it('refuses a key that does not belong to the certificate', { skip }, async () => {
      await rejectsWith(
        () => createSoftwareSigner({ key: rsaKey, certificate: der(pki.revokedSigner.certDer), chain: [], label: 'x' }),
        'key-certificate-mismatch',
      );
    });

    it('refuses an Ed25519 key with unsupported-key', { skip }, async () => {
      const { privateKey } = generateKeyPairSync('ed25519');
      await rejectsWith(() => createSoftwareSigner({ key: privateKey, certificate: der(pki.signer.certDer), chain: [], label: 'x' }), 'unsupported-key', (m) =>
        assert.match(m, /ED25519/),
      );
    });

    it('signs with an RSA-PSS-only key (id-RSASSA-PSS) and offers PSS only', { skip }, async () => {
      const keyFile = join(dir, 'pss.key');
      const certFile = join(dir, 'pss.crt');
      await run('openssl', ['req', '-x509', '-newkey', 'rsa-pss', '-pkeyopt', 'rsa_keygen_bits:2048', '-nodes', '-subj', '/CN=PSS only', '-days', '2', '-keyout', keyFile, '-out', certFile]);
      const certificate = new Uint8Array(new X509Certificate(readFileSync(certFile)).raw);
      const signer = createSoftwareSigner({ key: createPrivateKey(readFileSync(keyFile)), certificate, chain: [], label: 'PSS only' });
      assert.deepEqual(signer.algorithms, ['rsa-pss']);
      const req = request('sha384', 'rsa-pss');
      assert.ok(verifies(signer, req, await signer.sign(req)));
      await rejectsWith(signer.sign(request('sha256', 'rsa-pkcs1')), 'unsupported-algorithm');
    });
  });

  describe('openPkcs12Signer', () => {
    it('opens signer.p12: label "CN (file)", the certificate, the chain issuer first, and signs', { skip }, async () => {
      const signer = await openPkcs12Signer(pki.p12.signer, pki.password);
      assert.equal(signer.label, 'Élodie Signataire (signer.p12)');
      assert.deepEqual(Buffer.from(signer.certificate), readFileSync(pki.signer.certDer));
      assert.deepEqual(
        signer.chain.map((c) => Buffer.from(c)),
        [readFileSync(pki.intermediate.certDer), readFileSync(pki.root.certDer)],
      );
      assert.deepEqual(signer.warnings, []);
      const req = request('sha256', 'rsa-pkcs1');
      assert.ok(verifies(signer, req, await signer.sign(req)));
      await signer.close();
    });

    it('opens the legacy (3DES) file as well', { skip }, async () => {
      const signer = await openPkcs12Signer(pki.p12.signerLegacy, pki.password);
      assert.equal(signer.label, 'Élodie Signataire (signer-legacy.p12)');
      assert.equal(signer.chain.length, 2);
    });

    it('refuses the expired signer before anything is signed, and accepts it at a date when it was valid', { skip }, async () => {
      await rejectsWith(openPkcs12Signer(pki.p12.expiredSigner, pki.password), 'expired', (m) =>
        assert.equal(m, 'The certificate of Expiré Signataire expired on 2021-01-01.'),
      );
      const then = await openPkcs12Signer(pki.p12.expiredSigner, pki.password, { at: new Date(Date.UTC(2020, 5, 1)) });
      assert.equal(then.label, 'Expiré Signataire (expiredSigner.p12)');
    });

    it('says wrong-password naming the file', { skip }, async () => {
      await rejectsWith(openPkcs12Signer(pki.p12.signer, 'guess'), 'wrong-password', (m) => assert.equal(m, 'The password of signer.p12 is not correct.'));
    });

    it('says not-found for a missing file and not-readable for a folder', { skip }, async () => {
      await rejectsWith(openPkcs12Signer(join(dir, 'nope.p12'), pki.password), 'not-found', (m) => assert.match(m, /nope\.p12 does not exist/));
      const folder = join(dir, 'folder.p12');
      mkdirSync(folder);
      await rejectsWith(openPkcs12Signer(folder, pki.password), 'not-readable', (m) => assert.match(m, /folder/));
    });

    it('says bad-p12 for a certificate file given instead of a .p12', { skip }, async () => {
      await rejectsWith(openPkcs12Signer(pki.signer.certPem, pki.password), 'bad-p12', (m) => assert.match(m, /signer\.crt/));
    });
  });

  describe('checkSigningCertificate', () => {
    const now = (): { at: Date } => ({ at: new Date() });

    it('accepts the signer (digitalSignature + nonRepudiation, emailProtection) without warnings', { skip }, () => {
      assert.deepEqual(checkSigningCertificate(der(pki.signer.certDer), now()), { warnings: [] });
      assert.deepEqual(checkSigningCertificate(der(pki.ecSigner.certDer), now()), { warnings: [] });
    });

    it('says expired for the expired signer, with the date', { skip }, async () => {
      await rejectsWith(() => checkSigningCertificate(der(pki.expiredSigner.certDer), now()), 'expired', (m) => assert.match(m, /Expiré Signataire expired on 2021-01-01/));
    });

    it('says not-yet-valid for a certificate that starts tomorrow', { skip }, async () => {
      const cert = await selfSigned({ cn: 'Future', notBefore: new Date(Date.now() + 86400_000), notAfter: new Date(Date.now() + 2 * 86400_000) });
      await rejectsWith(() => checkSigningCertificate(cert, now()), 'not-yet-valid', (m) => assert.match(m, /Future is not valid before/));
    });

    it('says no-signing-key-usage for keyEncipherment only, and for a CA certificate (keyCertSign, cRLSign)', { skip }, async () => {
      const cert = await selfSigned({ cn: 'Encryption Only', keyUsage: x509.KeyUsageFlags.keyEncipherment });
      await rejectsWith(() => checkSigningCertificate(cert, now()), 'no-signing-key-usage', (m) => assert.match(m, /Encryption Only/));
      await rejectsWith(() => checkSigningCertificate(der(pki.intermediate.certDer), now()), 'no-signing-key-usage');
    });

    it('accepts nonRepudiation alone, and no key usage extension at all', { skip }, async () => {
      assert.deepEqual(checkSigningCertificate(await selfSigned({ cn: 'NR', keyUsage: x509.KeyUsageFlags.nonRepudiation }), now()).warnings, []);
      assert.deepEqual(checkSigningCertificate(await selfSigned({ cn: 'None' }), now()).warnings, []);
    });

    it('says wrong-extended-key-usage for the TSA certificate and a TLS server certificate', { skip }, async () => {
      await rejectsWith(() => checkSigningCertificate(der(pki.tsa.certDer), now()), 'wrong-extended-key-usage', (m) => assert.match(m, /time stamping/));
      const server = await selfSigned({ cn: 'www', eku: ['1.3.6.1.5.5.7.3.1'] });
      await rejectsWith(() => checkSigningCertificate(server, now()), 'wrong-extended-key-usage', (m) => assert.match(m, /TLS server authentication/));
    });

    it('accepts document-signing purposes (Adobe, Microsoft, id-kp-documentSigning, anyExtendedKeyUsage)', { skip }, async () => {
      for (const oid of ['1.2.840.113583.1.1.5', '1.3.6.1.4.1.311.10.3.12', '1.3.6.1.5.5.7.3.36', '2.5.29.37.0']) {
        const cert = await selfSigned({ cn: oid, keyUsage: x509.KeyUsageFlags.digitalSignature, eku: ['1.3.6.1.5.5.7.3.1', oid] });
        assert.deepEqual(checkSigningCertificate(cert, now()).warnings, [], oid);
      }
    });

    it('accepts TLS client authentication alone, with a warning', { skip }, async () => {
      const cert = await selfSigned({ cn: 'Client', keyUsage: x509.KeyUsageFlags.digitalSignature, eku: ['1.3.6.1.5.5.7.3.2'] });
      const { warnings } = checkSigningCertificate(cert, now());
      assert.equal(warnings.length, 1);
      assert.match(warnings[0] ?? '', /client authentication/);
    });
  });

  describe('describeCertificate', () => {
    it('gives the subject and issuer common names, serial, dates and SHA-256 fingerprint', { skip }, () => {
      const bytes = der(pki.signer.certDer);
      const d = describeCertificate(bytes);
      assert.equal(d.subject, 'Élodie Signataire');
      assert.equal(d.issuer, 'Paraphe Test Issuing CA');
      assert.match(d.subjectDn, /OU=Signataires/);
      assert.equal(d.serial, pki.signer.serial);
      assert.equal(d.fingerprintSha256, createHash('sha256').update(bytes).digest('hex'));
      const node = new X509Certificate(bytes);
      assert.equal(d.notAfter.getTime(), new Date(node.validTo).getTime());
      assert.equal(d.notBefore.getTime(), new Date(node.validFrom).getTime());
    });

    it('falls back to the whole DN when there is no common name', { skip }, async () => {
      const d = describeCertificate(await selfSigned({}));
      assert.match(d.subject, /O=Paraphe Test/);
      assert.match(d.subject, /OU=No Common Name/);
    });

    it('says bad-certificate for bytes that are not a certificate', async () => {
      await rejectsWith(() => describeCertificate(new TextEncoder().encode('not a certificate')), 'bad-certificate');
    });
  });
});
