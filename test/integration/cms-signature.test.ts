// CAdES detached signatures made by main/cms with software keys of the test PKI: openssl accepts
// them for RSA PKCS#1 v1.5, RSASSA-PSS and ECDSA with SHA-256/384/512, they carry exactly the
// PAdES signed attributes, and the size estimate bounds them closely.
import assert from 'node:assert/strict';
import { constants, createHash, createPrivateKey, sign as cryptoSign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { createCadesSignature, estimateCadesSize, isCmsError, signedAttributesFor, signedDataOf } from '../../main/cms';
import type { HashAlgorithm, SignatureAlgorithm, SignRequest } from '../../main/signers/signer';
import type { CertFiles, TestPki } from '../fixtures/pki';
import { createTestPki, run, skipWithout } from '../fixtures/pki';

const skip = skipWithout('openssl');

const HASH_BYTES: Record<HashAlgorithm, number> = { sha256: 32, sha384: 48, sha512: 64 };

/** A Signer.sign over `data` with a PEM key, as the software backend does. */
function softwareSign(keyPem: string) {
  const key = createPrivateKey(readFileSync(keyPem));
  return async ({ data, hash, algorithm }: SignRequest): Promise<Uint8Array> => {
    if (algorithm === 'rsa-pss') return new Uint8Array(cryptoSign(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: HASH_BYTES[hash] }));
    if (algorithm === 'ecdsa') return new Uint8Array(cryptoSign(hash, data, { key, dsaEncoding: 'der' }));
    return new Uint8Array(cryptoSign(hash, data, key));
  };
}

describe('CAdES detached signatures (main/cms)', { timeout: 60_000 }, () => {
  let dir = '';
  let pki: TestPki;
  let content = '';
  let n = 0;
  const der = (cert: CertFiles) => new Uint8Array(readFileSync(cert.certDer));

  before(async () => {
    if (skip) return;
    dir = mkdtempSync(join(tmpdir(), 'paraphe-cms-'));
    pki = await createTestPki(dir);
    content = join(dir, 'content.bin');
    writeFileSync(content, Buffer.concat([Buffer.from('%PDF-1.7 signed byte ranges, Élodie\n'), Buffer.alloc(10_000, 7)]));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function sign(cert: CertFiles, algorithm: SignatureAlgorithm, hash: HashAlgorithm, file = content): Promise<{ cms: Uint8Array; path: string }> {
    const cms = await createCadesSignature({
      contentDigest: new Uint8Array(createHash(hash).update(readFileSync(file)).digest()),
      hash,
      algorithm,
      signerCertificate: der(cert),
      chain: [der(pki.intermediate), der(pki.root)],
      sign: softwareSign(cert.keyPem),
    });
    const path = join(dir, `sig-${++n}.der`);
    writeFileSync(path, cms);
    return { cms, path };
  }

  const opensslVerify = (sig: string, file = content) =>
    run('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', sig, '-content', file, '-CAfile', pki.root.certPem, '-purpose', 'any', '-out', '/dev/null'], {
      allowFailure: true,
    });

  const cases: [SignatureAlgorithm, HashAlgorithm][] = [];
  for (const algorithm of ['rsa-pkcs1', 'rsa-pss', 'ecdsa'] as const) for (const hash of ['sha256', 'sha384', 'sha512'] as const) cases.push([algorithm, hash]);
  for (const [algorithm, hash] of cases) {
    it(`makes a ${algorithm} ${hash} signature that openssl cms -verify accepts for the content, up to the root`, { skip }, async () => {
      const { path } = await sign(algorithm === 'ecdsa' ? pki.ecSigner : pki.signer, algorithm, hash);
      const r = await opensslVerify(path);
      assert.equal(r.code, 0, r.output);
      assert.match(r.output, /Verification successful/);
    });
  }

  it('makes a signature that openssl refuses for other content', { skip }, async () => {
    const { path } = await sign(pki.signer, 'rsa-pkcs1', 'sha256');
    const other = join(dir, 'other.bin');
    writeFileSync(other, Buffer.concat([readFileSync(content), Buffer.from('x')]));
    const r = await opensslVerify(path, other);
    assert.notEqual(r.code, 0);
    assert.match(r.output, /Verification failure|digest failure/i);
  });

  it('signs content-type, message-digest and signing-certificate-v2 and no signing-time', { skip }, async () => {
    const { path } = await sign(pki.signer, 'rsa-pkcs1', 'sha256');
    const text = (await run('openssl', ['cms', '-cmsout', '-print', '-inform', 'DER', '-in', path])).output;
    assert.match(text, /id-smime-aa-signingCertificateV2/);
    assert.match(text, /contentType/);
    assert.match(text, /messageDigest/);
    assert.doesNotMatch(text, /signingTime/);
    assert.match(text, /eContent: <ABSENT>/, 'detached: no eContent');
    assert.match(text, /eContentType: pkcs7-data/);
    assert.match(text, /unsignedAttrs:\s*<ABSENT>|unsignedAttrs:\s*\n\s*<EMPTY>/);
  });

  it('writes a version 1 SignedData and SignerInfo with issuerAndSerialNumber, rsaEncryption and the chain once each', { skip }, async () => {
    const cms = await createCadesSignature({
      contentDigest: new Uint8Array(32),
      hash: 'sha256',
      algorithm: 'rsa-pkcs1',
      signerCertificate: der(pki.signer),
      chain: [der(pki.intermediate), der(pki.signer), der(pki.root), der(pki.intermediate)],
      sign: softwareSign(pki.signer.keyPem),
    });
    const sd = signedDataOf(cms);
    assert.equal(sd.version, 1);
    assert.equal(sd.certificates?.length, 3);
    const [info] = sd.signerInfos;
    assert.ok(info);
    assert.equal(info.version, 1);
    assert.ok(info.sid instanceof pkijs.IssuerAndSerialNumber);
    assert.equal(info.signatureAlgorithm.algorithmId, '1.2.840.113549.1.1.1');
    assert.equal(info.digestAlgorithm.algorithmId, '2.16.840.1.101.3.4.2.1');
    assert.equal(info.unsignedAttrs, undefined);
  });

  it('writes RSASSA-PSS parameters with the hash, MGF1 with the same hash and a salt as long as the hash', { skip }, async () => {
    const { path } = await sign(pki.signer, 'rsa-pss', 'sha384');
    const text = (await run('openssl', ['cms', '-cmsout', '-print', '-inform', 'DER', '-in', path])).output;
    // openssl prints the parameters as an ASN.1 dump: [0] hash, [1] MGF1 with its hash, [2] salt length (hex)
    assert.match(text, /rsassaPss[\s\S]*?cont \[ 0 \][\s\S]*?OBJECT\s+:sha384[\s\S]*?cont \[ 1 \][\s\S]*?OBJECT\s+:mgf1[\s\S]*?OBJECT\s+:sha384[\s\S]*?cont \[ 2 \][\s\S]*?INTEGER\s+:30\b/);
  });

  it('omits the ESSCertIDv2 hash algorithm for SHA-256 and names it for SHA-512, hashing the signer certificate', { skip }, () => {
    const certHash = (hash: HashAlgorithm) => {
      const { attributes } = signedAttributesFor({ contentDigest: new Uint8Array(HASH_BYTES[hash]), hash, signerCertificate: der(pki.signer) });
      const attr = attributes.find((a) => a.type === '1.2.840.113549.1.9.16.2.47');
      assert.ok(attr);
      const certs = (attr.values[0] as asn1js.Sequence).valueBlock.value[0] as asn1js.Sequence;
      return (certs.valueBlock.value[0] as asn1js.Sequence).valueBlock.value;
    };
    const v256 = certHash('sha256');
    assert.ok(v256[0] instanceof asn1js.OctetString, 'SHA-256: hashAlgorithm omitted (DER default)');
    assert.deepEqual(Buffer.from((v256[0] as asn1js.OctetString).valueBlock.valueHexView), createHash('sha256').update(der(pki.signer)).digest());
    const v512 = certHash('sha512');
    assert.ok(v512[0] instanceof asn1js.Sequence, 'SHA-512: hashAlgorithm present');
    assert.deepEqual(Buffer.from((v512[1] as asn1js.OctetString).valueBlock.valueHexView), createHash('sha512').update(der(pki.signer)).digest());
    assert.ok(v512[2] instanceof asn1js.Sequence, 'issuerSerial present');
  });

  it('passes the DER SET of signed attributes to the signer with its digest', { skip }, async () => {
    let seen: SignRequest | undefined;
    const inner = softwareSign(pki.signer.keyPem);
    await createCadesSignature({
      contentDigest: new Uint8Array(48).fill(1),
      hash: 'sha384',
      algorithm: 'rsa-pkcs1',
      signerCertificate: der(pki.signer),
      chain: [],
      sign: (request) => {
        seen = request;
        return inner(request);
      },
    });
    assert.ok(seen);
    assert.equal(seen.data[0], 0x31);
    assert.deepEqual(Buffer.from(seen.digest), createHash('sha384').update(seen.data).digest());
    assert.equal(seen.hash, 'sha384');
  });

  it('refuses a signature value made by another key than the certificate one', { skip }, async () => {
    await assert.rejects(
      createCadesSignature({
        contentDigest: new Uint8Array(32),
        hash: 'sha256',
        algorithm: 'rsa-pkcs1',
        signerCertificate: der(pki.signer),
        chain: [],
        sign: softwareSign(pki.revokedSigner.keyPem),
      }),
      (e: unknown) => isCmsError(e, 'signature-mismatch') && /Élodie Signataire/.test(e.message),
    );
  });

  it('refuses ECDSA with an RSA certificate before asking the signer', { skip }, async () => {
    let asked = false;
    await assert.rejects(
      createCadesSignature({
        contentDigest: new Uint8Array(32),
        hash: 'sha256',
        algorithm: 'ecdsa',
        signerCertificate: der(pki.signer),
        chain: [],
        sign: async () => {
          asked = true;
          return new Uint8Array(64);
        },
      }),
      (e: unknown) => isCmsError(e, 'unsupported-algorithm'),
    );
    assert.equal(asked, false);
  });

  it('estimates a size at least the real one and within 1 KB of it, for each algorithm and hash', { skip }, async () => {
    for (const [algorithm, hash] of cases) {
      const cert = algorithm === 'ecdsa' ? pki.ecSigner : pki.signer;
      const { cms } = await sign(cert, algorithm, hash);
      const estimate = await estimateCadesSize({
        signerCertificate: der(cert),
        chain: [der(pki.intermediate), der(pki.root)],
        keyType: algorithm === 'ecdsa' ? 'ec' : 'rsa',
        keyBits: algorithm === 'ecdsa' ? 256 : 2048,
        hash,
        algorithm,
      });
      assert.ok(estimate >= cms.length, `${algorithm} ${hash}: estimate ${estimate} < real ${cms.length}`);
      assert.ok(estimate - cms.length <= 1024, `${algorithm} ${hash}: estimate ${estimate} is more than 1 KB above ${cms.length}`);
    }
  });

  it('grows the estimate by the timestamp token size', { skip }, async () => {
    const base = { signerCertificate: der(pki.signer), chain: [der(pki.intermediate)], keyType: 'rsa', keyBits: 2048, hash: 'sha256' } as const;
    const without = await estimateCadesSize(base);
    const withToken = await estimateCadesSize({ ...base, timestampTokenSize: 5000 });
    // the token, its attribute (SEQUENCE, OID, SET) and the [1] unsigned attributes wrapper
    assert.ok(withToken - without >= 5000 && withToken - without <= 5000 + 40, `${withToken - without}`);
  });
});
