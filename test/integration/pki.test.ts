// The generated test PKI is a real one: openssl verifies its chains, its extensions are what
// signing, timestamping and OCSP need, and its PKCS#12 files open with the known password.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestPki } from '../fixtures/pki';
import { createTestPki, run, skipWithout } from '../fixtures/pki';

const skip = skipWithout('openssl');

describe('test PKI (openssl)', { timeout: 60_000 }, () => {
  let dir = '';
  let pki: TestPki;

  before(async () => {
    if (skip) return;
    dir = mkdtempSync(join(tmpdir(), 'paraphe-pki-'));
    pki = await createTestPki(dir);
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const verify = (...certs: string[]) =>
    run('openssl', ['verify', '-CAfile', pki.root.certPem, '-untrusted', pki.intermediate.certPem, ...certs], { allowFailure: true });
  const ext = async (cert: string, names: string): Promise<string> =>
    (await run('openssl', ['x509', '-in', cert, '-noout', '-ext', names])).stdout.toString('utf8');

  it('verifies the signer, EC signer, revoked signer, TSA and OCSP certificates up to the root', { skip }, async () => {
    const { signer, ecSigner, revokedSigner, tsa, ocsp } = pki;
    const r = await verify(signer.certPem, ecSigner.certPem, revokedSigner.certPem, tsa.certPem, ocsp.certPem);
    assert.equal(r.code, 0, r.output);
    for (const c of [signer, ecSigner, revokedSigner, tsa, ocsp]) assert.match(r.output, new RegExp(`${c.certPem}: OK`));
  });

  it('rejects the expired signer as expired', { skip }, async () => {
    const r = await verify(pki.expiredSigner.certPem);
    assert.notEqual(r.code, 0);
    assert.match(r.output, /certificate has expired/);
    const x = new X509Certificate(readFileSync(pki.expiredSigner.certPem));
    assert.ok(new Date(x.validTo) < new Date(), `validTo ${x.validTo} should be in the past`);
  });

  it('does not verify the signer against a root it was not issued under', { skip }, async () => {
    const r = await run('openssl', ['verify', '-CAfile', pki.intermediate.certPem, pki.signer.certPem], { allowFailure: true });
    assert.notEqual(r.code, 0, r.output);
  });

  it('gives the signer a critical keyUsage with digitalSignature and nonRepudiation, and a UTF-8 common name', { skip }, async () => {
    const ku = await ext(pki.signer.certPem, 'keyUsage');
    assert.match(ku, /Key Usage: critical/);
    assert.match(ku, /Digital Signature, Non Repudiation/);
    assert.match(pki.signer.subject, /CN=Élodie Signataire/);
    const parsed = (await run('openssl', ['asn1parse', '-in', pki.signer.certPem])).stdout.toString('utf8');
    assert.match(parsed, /UTF8STRING\s+:Élodie Signataire/);
    assert.match(await ext(pki.signer.certPem, 'extendedKeyUsage'), /E-mail Protection/);
  });

  it('makes the EC signer a P-256 key with nonRepudiation', { skip }, async () => {
    const x = new X509Certificate(readFileSync(pki.ecSigner.certPem));
    assert.equal(x.publicKey.asymmetricKeyType, 'ec');
    assert.equal(x.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.match(await ext(pki.ecSigner.certPem, 'keyUsage'), /Non Repudiation/);
  });

  it('marks the TSA extendedKeyUsage critical with timeStamping only', { skip }, async () => {
    const eku = await ext(pki.tsa.certPem, 'extendedKeyUsage');
    assert.match(eku, /Extended Key Usage: critical\s+Time Stamping\s*$/);
  });

  it('gives the OCSP responder OCSPSigning and id-pkix-ocsp-nocheck', { skip }, async () => {
    const text = await ext(pki.ocsp.certPem, 'extendedKeyUsage,noCheck');
    assert.match(text, /OCSP Signing/);
    assert.match(text, /OCSP No Check/);
  });

  it('puts the OCSP, caIssuers and CRL URLs with the chosen ports in end-entity and intermediate certificates', { skip }, async () => {
    const ee = await ext(pki.signer.certPem, 'authorityInfoAccess,crlDistributionPoints');
    assert.match(ee, new RegExp(`OCSP - URI:http://127\\.0\\.0\\.1:${pki.ocspPort}`));
    assert.match(ee, new RegExp(`CA Issuers - URI:http://127\\.0\\.0\\.1:${pki.httpPort}/intermediate\\.crt`));
    assert.match(ee, new RegExp(`URI:http://127\\.0\\.0\\.1:${pki.httpPort}/intermediate\\.crl`));
    const ca = await ext(pki.intermediate.certPem, 'authorityInfoAccess,crlDistributionPoints,basicConstraints');
    assert.match(ca, new RegExp(`CA Issuers - URI:http://127\\.0\\.0\\.1:${pki.httpPort}/root\\.crt`));
    assert.match(ca, new RegExp(`URI:http://127\\.0\\.0\\.1:${pki.httpPort}/root\\.crl`));
    assert.match(ca, /CA:TRUE, pathlen:0/);
  });

  it('lists the revoked signer, and only it, in the issuing CA CRL signed by the intermediate', { skip }, async () => {
    const r = await run('openssl', ['crl', '-inform', 'DER', '-in', pki.crl.intermediate.der, '-CAfile', pki.chain.caChainPem, '-noout', '-text']);
    assert.match(r.output, /verify OK/);
    assert.match(r.output, new RegExp(`Serial Number: ${pki.revokedSigner.serial}`));
    assert.match(r.output, /Key Compromise/);
    assert.doesNotMatch(r.output, new RegExp(pki.signer.serial));
    const check = await run(
      'openssl',
      ['verify', '-crl_check', '-CRLfile', pki.crl.intermediate.pem, '-CAfile', pki.root.certPem, '-untrusted', pki.intermediate.certPem, pki.revokedSigner.certPem],
      { allowFailure: true },
    );
    assert.notEqual(check.code, 0);
    assert.match(check.output, /certificate revoked/);
  });

  it('writes DER copies identical to the PEM certificates', { skip }, () => {
    for (const c of [pki.root, pki.intermediate, pki.signer, pki.tsa]) {
      assert.deepEqual(readFileSync(c.certDer), new X509Certificate(readFileSync(c.certPem)).raw);
    }
  });

  it('opens every PKCS#12 with the known password: AES-256/PBKDF2 by default, 3DES for the legacy one', { skip }, async () => {
    for (const p12 of [pki.p12.signer, pki.p12.ecSigner, pki.p12.revokedSigner, pki.p12.expiredSigner]) {
      const r = await run('openssl', ['pkcs12', '-in', p12, '-info', '-noout', '-passin', `pass:${pki.password}`]);
      assert.match(r.output, /Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC/, p12);
      assert.match(r.output, /MAC: sha256/, p12);
    }
    const legacy = await run('openssl', ['pkcs12', '-in', pki.p12.signerLegacy, '-info', '-noout', '-passin', `pass:${pki.password}`]);
    assert.match(legacy.output, /pbeWithSHA1And3-KeyTripleDES-CBC/);
    const wrong = await run('openssl', ['pkcs12', '-in', pki.p12.signer, '-noout', '-passin', 'pass:wrong'], { allowFailure: true });
    assert.notEqual(wrong.code, 0);
  });

  it('bundles the signer certificate and the CA chain in the signer PKCS#12', { skip }, async () => {
    const r = await run('openssl', ['pkcs12', '-in', pki.p12.signer, '-nokeys', '-passin', `pass:${pki.password}`]);
    const subjects = [...r.output.matchAll(/^subject=(.*)$/gm)].map((m) => m[1] ?? '');
    assert.equal(subjects.length, 3);
    assert.ok(subjects.some((s) => s.includes('Issuing CA')));
    assert.ok(subjects.some((s) => s.includes('Root CA')));
  });
});
