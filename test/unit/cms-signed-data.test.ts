// Pure parts of main/cms/signed-data.ts: the signed attributes (exactly three, in DER SET OF
// order), the largest signature a key makes, and signatures of an in-memory self-signed certificate
// that main/cms itself verifies; the CMS encoded directly as DER (what pkijs re-encodes identically)
// and its DER helpers.
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign as cryptoSign, webcrypto } from 'node:crypto';
import { before, describe, it } from 'node:test';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import {
  OID, checkSignerInfo, createCadesSignature, embeddedRevocation, estimateCadesSize, isCmsError, maxSignatureSize, signatureTimestampTokens,
  signedAttributesFor, signedDataOf,
} from '../../main/cms';
import { derChildren, derElement } from '../../main/cms/engine';

/** A self-signed P-256 certificate made with pkijs, and its key. */
async function selfSigned(name: string) {
  const subtle = webcrypto.subtle;
  const keys = await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const cert = new pkijs.Certificate();
  cert.version = 2;
  cert.serialNumber = new asn1js.Integer({ value: 4242 });
  const cn = () => new pkijs.AttributeTypeAndValue({ type: '2.5.4.3', value: new asn1js.Utf8String({ value: name }) });
  cert.issuer.typesAndValues.push(cn());
  cert.subject.typesAndValues.push(cn());
  cert.notBefore.value = new Date(Date.now() - 3600_000);
  cert.notAfter.value = new Date(Date.now() + 3600_000);
  const engine = new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto as unknown as pkijs.CryptoEngineParameters['crypto'] });
  await cert.subjectPublicKeyInfo.importKey(keys.publicKey, engine);
  await cert.sign(keys.privateKey, 'SHA-256', engine);
  const der = new Uint8Array(cert.toSchema(true).toBER());
  const pkcs8 = new Uint8Array(await subtle.exportKey('pkcs8', keys.privateKey));
  return { der, pkcs8 };
}

describe('signed attributes', () => {
  let cert: Awaited<ReturnType<typeof selfSigned>>;
  before(async () => {
    cert = await selfSigned('Zoë Test');
  });

  it('are content-type, message-digest and signing-certificate-v2 only, in ascending DER order', () => {
    const { attributes, der } = signedAttributesFor({ contentDigest: new Uint8Array(32).fill(5), hash: 'sha256', signerCertificate: cert.der });
    assert.deepEqual(
      [...attributes.map((a) => a.type)].sort(),
      ['1.2.840.113549.1.9.16.2.47', '1.2.840.113549.1.9.3', '1.2.840.113549.1.9.4'].sort(),
    );
    const encodings = attributes.map((a) => Buffer.from(a.toSchema().toBER()));
    for (let i = 1; i < encodings.length; i++) assert.ok(Buffer.compare(encodings[i - 1] as Buffer, encodings[i] as Buffer) < 0, `attribute ${i} out of order`);
    assert.equal(der[0], 0x31);
    assert.deepEqual(Buffer.from(der.subarray(der.length - (encodings[2] as Buffer).length)), encodings[2]);
  });

  it('refuse a document digest of the wrong length for the hash', () => {
    assert.throws(
      () => signedAttributesFor({ contentDigest: new Uint8Array(32), hash: 'sha384', signerCertificate: cert.der }),
      (e: unknown) => isCmsError(e, 'unsupported-algorithm'),
    );
  });
});

describe('maxSignatureSize', () => {
  it('bounds real ECDSA signatures on P-256, P-384 and P-521, within two bytes of the largest seen', () => {
    for (const [curve, bits] of [['P-256', 256], ['P-384', 384], ['P-521', 521]] as const) {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: curve });
      const max = maxSignatureSize('ec', bits);
      let largest = 0;
      for (let i = 0; i < 64; i++) largest = Math.max(largest, cryptoSign('sha256', Buffer.from([i]), { key: privateKey, dsaEncoding: 'der' }).length);
      assert.ok(largest <= max, `${curve}: ${largest} > ${max}`);
      assert.ok(max - largest <= 2, `${curve}: bound ${max} far above ${largest}`);
    }
    assert.equal(maxSignatureSize('ec', 256), 72);
    assert.equal(maxSignatureSize('ec', 521), 141);
  });

  it('is the modulus size for RSA', () => {
    assert.equal(maxSignatureSize('rsa', 2048), 256);
    assert.equal(maxSignatureSize('rsa', 3072), 384);
  });
});

describe('createCadesSignature with an in-memory certificate', () => {
  it('makes a SignedData whose SignerInfo verifies over the signed attributes, and whose estimate bounds it', async () => {
    const cert = await selfSigned('Zoë Test');
    const key = webcrypto.subtle;
    const privateKey = await key.importKey('pkcs8', cert.pkcs8, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
    const content = new TextEncoder().encode('the signed byte ranges');
    const cms = await createCadesSignature({
      contentDigest: new Uint8Array(createHash('sha256').update(content).digest()),
      hash: 'sha256',
      algorithm: 'ecdsa',
      signerCertificate: cert.der,
      chain: [],
      // WebCrypto ECDSA gives r||s; CMS wants a DER Ecdsa-Sig-Value
      sign: async ({ data }) => new Uint8Array(pkijs.createCMSECDSASignature(await key.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, data))),
    });
    const sd = signedDataOf(cms);
    const check = checkSignerInfo(sd, 0, content);
    assert.equal(check.failure, null);
    assert.deepEqual(check.signer?.der, cert.der);
    assert.match(checkSignerInfo(sd, 0, new TextEncoder().encode('other bytes')).failure ?? '', /message digest/);
    const estimate = await estimateCadesSize({ signerCertificate: cert.der, chain: [], keyType: 'ec', keyBits: 256, hash: 'sha256' });
    assert.ok(estimate >= cms.length && estimate - cms.length < 16, `estimate ${estimate}, real ${cms.length}`);
  });
});

describe('attributes read from a SignedData', () => {
  const item = (n: number) => new asn1js.Sequence({ value: [new asn1js.Integer({ value: n })] });
  const der = (value: asn1js.AsnType) => [...new Uint8Array(value.toBER(false))];
  const tagged = (tagNumber: number, items: asn1js.AsnType[]) =>
    new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber }, value: [new asn1js.Sequence({ value: items })] });

  /** A SignedData (DER ContentInfo) whose SignerInfo archives CRLs 1, 2 and OCSP response 3, and carries timestamp token 4. */
  function container(): Uint8Array {
    const archival = new asn1js.Sequence({ value: [tagged(0, [item(1), item(2)]), tagged(1, [item(3)])] });
    const info = new pkijs.SignerInfo({
      version: 1,
      sid: new pkijs.IssuerAndSerialNumber({ issuer: new pkijs.RelativeDistinguishedNames(), serialNumber: new asn1js.Integer({ value: 1 }) }),
      digestAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256 }),
      signedAttrs: new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes: [new pkijs.Attribute({ type: OID.revocationInfoArchival, values: [archival] })] }),
      signatureAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: '1.2.840.10045.4.3.2' }),
      signature: new asn1js.OctetString({ valueHex: new Uint8Array(8) }),
      unsignedAttrs: new pkijs.SignedAndUnsignedAttributes({ type: 1, attributes: [new pkijs.Attribute({ type: OID.signatureTimeStampToken, values: [item(4)] })] }),
    });
    const signedData = new pkijs.SignedData({
      version: 1,
      digestAlgorithms: [new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256 })],
      encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: OID.data }),
      signerInfos: [info],
    });
    return new Uint8Array(new pkijs.ContentInfo({ contentType: OID.signedData, content: signedData.toSchema(true) }).toSchema().toBER(false));
  }

  it('reads the adbe-revocationInfoArchival CRLs and OCSP responses, DER as they are', () => {
    const { crls, ocsps } = embeddedRevocation(signedDataOf(container()));
    assert.deepEqual(crls.map((c) => [...c]), [der(item(1)), der(item(2))]);
    assert.deepEqual(ocsps.map((o) => [...o]), [der(item(3))]);
  });

  it('gives the same signature timestamp tokens from the bytes and from the parsed SignedData', () => {
    const cms = container();
    assert.deepEqual(signatureTimestampTokens(cms).map((t) => [...t]), [der(item(4))]);
    assert.deepEqual(signatureTimestampTokens(signedDataOf(cms)).map((t) => [...t]), [der(item(4))]);
  });
});

describe('the CMS is encoded directly as DER', () => {
  it('is canonical: pkijs reads it and re-encodes the very bytes, with a certificate set long enough for multi-octet lengths', async () => {
    const signer = await selfSigned('Zoë Test');
    const others = await Promise.all(['Issuer A', 'Issuer B', 'Issuer C'].map((n) => selfSigned(n)));
    const key = webcrypto.subtle;
    const privateKey = await key.importKey('pkcs8', signer.pkcs8, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
    const content = new TextEncoder().encode('the signed byte ranges');
    const cms = await createCadesSignature({
      contentDigest: new Uint8Array(createHash('sha384').update(content).digest()),
      hash: 'sha384',
      algorithm: 'ecdsa',
      signerCertificate: signer.der,
      chain: [...others.map((o) => o.der), signer.der],
      sign: async ({ data }) => new Uint8Array(pkijs.createCMSECDSASignature(await key.sign({ name: 'ECDSA', hash: 'SHA-384' }, privateKey, data))),
    });
    const parsed = asn1js.fromBER(cms);
    assert.equal(parsed.offset, cms.length);
    const info = new pkijs.ContentInfo({ schema: parsed.result });
    assert.equal(info.contentType, OID.signedData);
    const sd = new pkijs.SignedData({ schema: info.content });
    const again = new Uint8Array(new pkijs.ContentInfo({ contentType: OID.signedData, content: sd.toSchema(true) }).toSchema().toBER(false));
    assert.deepEqual(Buffer.from(again), Buffer.from(cms), 're-encoded by pkijs, the same bytes');
    // The signer, then the chain in order, each once; the certificate set needs a two-octet length.
    assert.deepEqual((sd.certificates ?? []).map((c) => Buffer.from((c as pkijs.Certificate).toSchema().toBER(false))), [signer.der, ...others.map((o) => o.der)].map((d) => Buffer.from(d)));
    assert.ok(signer.der.length + others.reduce((n, o) => n + o.der.length, 0) > 256);
    assert.equal(sd.version, 1);
    assert.deepEqual(sd.digestAlgorithms.map((a) => a.algorithmId), ['2.16.840.1.101.3.4.2.2']);
    assert.equal(sd.encapContentInfo.eContentType, OID.data);
    assert.equal(sd.encapContentInfo.eContent, undefined, 'detached');
    const [signerInfo] = sd.signerInfos;
    assert.ok(signerInfo?.sid instanceof pkijs.IssuerAndSerialNumber);
    const own = pkijs.Certificate.fromBER(signer.der);
    assert.ok(signerInfo.sid.issuer.isEqual(own.issuer));
    assert.ok(signerInfo.sid.serialNumber.isEqual(own.serialNumber));
    assert.equal(signerInfo.unsignedAttrs, undefined);
    assert.equal(checkSignerInfo(sd, 0, content).failure, null);
  });
});

describe('DER helpers', () => {
  it('derElement writes the shortest definite length, which asn1js and derChildren read back', () => {
    for (const size of [0, 1, 127, 128, 255, 256, 65535, 65536, 70000]) {
      const element = derElement(0x04, new Uint8Array(size).fill(7));
      const parsed = asn1js.fromBER(element);
      assert.equal(parsed.offset, element.length, `size ${size}`);
      assert.equal(parsed.result.lenBlock.length, size);
      assert.equal(parsed.result.lenBlock.isIndefiniteForm, false);
      const header = element.length - size;
      assert.equal(header, size < 128 ? 2 : size < 256 ? 3 : size < 65536 ? 4 : 5, `header of ${size}`);
      const outer = derElement(0x30, element, derElement(0x05));
      assert.deepEqual(derChildren(outer)?.map((c) => c.length), [element.length, 2]);
    }
  });

  it('derChildren refuses what is not one definite-length element', () => {
    const good = derElement(0x30, derElement(0x02, Uint8Array.of(1)));
    assert.deepEqual(derChildren(good)?.length, 1);
    assert.equal(derChildren(good.subarray(0, good.length - 1)), null, 'truncated');
    assert.equal(derChildren(Uint8Array.of(...good, 0)), null, 'trailing bytes');
    assert.equal(derChildren(Uint8Array.of(0x30, 0x80, 0x02, 0x01, 0x01, 0x00, 0x00)), null, 'indefinite length');
    assert.equal(derChildren(Uint8Array.of(0x30, 0x03, 0x02, 0x05, 0x01)), null, 'a child longer than its parent');
    assert.equal(derChildren(Uint8Array.of(0x30, 0x85, 1, 0, 0, 0, 0)), null, 'a length of five octets');
    assert.equal(derChildren(new Uint8Array(0)), null);
  });
});
