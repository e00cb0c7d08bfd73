// CAdES detached signatures for PAdES (ETSI EN 319 142-1 B-B / B-T): a DER ContentInfo holding a
// SignedData with no eContent, one SignerInfo, and the signed attributes PAdES baseline asks for:
// content-type, message-digest and signing-certificate-v2 — and no signing-time: in PAdES baseline
// signatures (ETSI EN 319 142-1) the claimed signing time is the signature dictionary's /M and the
// signing-time attribute is not present. An RFC 3161 token over the signature value goes into the
// unsigned attribute signature-time-stamp (B-T).
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import type { HashAlgorithm, SignatureAlgorithm, SignRequest } from '../signers/signer';
import {
  OID, digest, digestAlgorithmIdentifier, hashByOid, hashLength, hashOid, signatureAlgorithmIdentifier, verifySignature,
} from './algorithms';
import { fingerprint, parseCertificate, subjectKeyIdentifier, subjectName } from './certificates';
import type { Certificate } from './certificates';
import { arrayBufferView, bytesEqual, copyBytes, der, derChildren, derElement, parseAsn1 } from './engine';
import { CmsError } from './errors';
import { msg } from '../errors';
import { formatMessage } from '../../preload/contract/messages';
import type { Message } from '../../preload/contract/messages';

export interface CadesOptions {
  /** hash(the signed byte ranges) with `hash`: the message-digest attribute. */
  contentDigest: Uint8Array;
  hash: HashAlgorithm;
  algorithm: SignatureAlgorithm;
  /** DER. */
  signerCertificate: Uint8Array;
  /** Further certificates to embed (issuer first); duplicates and the signer's own are dropped. */
  chain: readonly Uint8Array[];
  /** Signs `data` (the DER SET of signed attributes); returns SignerInfo.signature. */
  sign: (request: SignRequest) => Promise<Uint8Array>;
  /** Returns a DER TimeStampToken (ContentInfo) whose imprint is over the signature value. */
  timestamp?: (signatureValue: Uint8Array) => Promise<Uint8Array>;
}

export interface SignedAttributes {
  attributes: pkijs.Attribute[];
  /** The DER SET OF Attribute (tag 0x31): the bytes that are signed. */
  der: Uint8Array;
}

/**
 * The signed attributes of a PAdES signature, in DER order: content-type id-data, message-digest,
 * signing-certificate-v2 (RFC 5035: ESSCertIDv2 over the signer certificate with `hash`, the
 * hashAlgorithm omitted when it is SHA-256, its DER default, and issuerSerial).
 */
export function signedAttributesFor(options: { contentDigest: Uint8Array; hash: HashAlgorithm; signerCertificate: Uint8Array | Certificate }): SignedAttributes {
  const signer = parseCertificate(options.signerCertificate, { kind: 'signing' });
  if (options.contentDigest.length !== hashLength(options.hash)) {
    throw new CmsError('unsupported-algorithm', msg('error.cms.digest-length', { length: options.contentDigest.length, hash: options.hash.toUpperCase() }));
  }
  const messageDigest = encoded(new pkijs.Attribute({ type: OID.messageDigest, values: [new asn1js.OctetString({ valueHex: options.contentDigest })] }));
  const sorted = derSetOrder([CONTENT_TYPE_DATA, signingCertificateAttribute(signer, options.hash), messageDigest]);
  return {
    attributes: sorted.map((s) => s.attribute),
    der: der(new asn1js.Set({ value: sorted.map((s) => s.attribute.toSchema()) })),
  };
}

interface EncodedAttribute {
  attribute: pkijs.Attribute;
  der: Uint8Array;
}

function encoded(attribute: pkijs.Attribute): EncodedAttribute {
  return { attribute, der: der(attribute.toSchema()) };
}

const CONTENT_TYPE_DATA = encoded(new pkijs.Attribute({ type: OID.contentType, values: [new asn1js.ObjectIdentifier({ value: OID.data })] }));

// The attribute depends only on the certificate and the hash: made once per signer (batches sign
// hundreds of documents with one certificate).
const signingCertificateAttributes = new WeakMap<Certificate, Map<HashAlgorithm, EncodedAttribute>>();

function signingCertificateAttribute(signer: Certificate, hash: HashAlgorithm): EncodedAttribute {
  let byHash = signingCertificateAttributes.get(signer);
  if (!byHash) {
    byHash = new Map();
    signingCertificateAttributes.set(signer, byHash);
  }
  let attribute = byHash.get(hash);
  if (!attribute) {
    attribute = encoded(new pkijs.Attribute({ type: OID.signingCertificateV2, values: [signingCertificateV2(signer, hash)] }));
    byHash.set(hash, attribute);
  }
  return attribute;
}

/** SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 } (RFC 5035 section 3). */
function signingCertificateV2(signer: Certificate, hash: HashAlgorithm): asn1js.Sequence {
  const essCertId: asn1js.AsnType[] = [];
  if (hash !== 'sha256') essCertId.push(digestAlgorithmIdentifier(hash).toSchema());
  essCertId.push(new asn1js.OctetString({ valueHex: digest(hash, signer.der) }));
  essCertId.push(
    new pkijs.IssuerSerial({
      issuer: new pkijs.GeneralNames({ names: [new pkijs.GeneralName({ type: 4, value: signer.cert.issuer })] }),
      serialNumber: signer.cert.serialNumber,
    }).toSchema(),
  );
  return new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [new asn1js.Sequence({ value: essCertId })] })] });
}

/**
 * X.690 11.6: a DER SET OF lists its elements in ascending order of their encodings, compared as
 * octet strings, the shorter padded with trailing zero octets.
 */
function derSetOrder<T extends { der: Uint8Array }>(items: T[]): T[] {
  return [...items].sort((a, b) => {
    const n = Math.max(a.der.length, b.der.length);
    for (let i = 0; i < n; i++) {
      const x = a.der[i] ?? 0;
      const y = b.der[i] ?? 0;
      if (x !== y) return x - y;
    }
    return 0;
  });
}

/** Makes a CAdES detached signature (DER ContentInfo) — see the file comment. */
export async function createCadesSignature(options: CadesOptions): Promise<Uint8Array> {
  return buildCades(options, true);
}

/**
 * A CAdES signature in two halves, for signing pipelines that collect many digests before one
 * `signMany` (one PIN, one remote authorization): `request` is what the key signs; `complete`
 * takes its signature value (checked against the certificate) and an optional timestamper, and
 * returns the DER ContentInfo.
 */
export interface PreparedCades {
  /** The DER SET OF signed attributes: the bytes that are signed. */
  readonly signedAttributes: Uint8Array;
  readonly request: SignRequest;
  complete(signature: Uint8Array, timestamp?: (signatureValue: Uint8Array) => Promise<Uint8Array>): Promise<Uint8Array>;
}

export function prepareCades(options: Omit<CadesOptions, 'sign' | 'timestamp'>): PreparedCades {
  return prepareCadesWith(options, true);
}

async function buildCades(options: CadesOptions, real: boolean): Promise<Uint8Array> {
  const prepared = prepareCadesWith(options, real);
  return prepared.complete(await options.sign(prepared.request), options.timestamp);
}

function prepareCadesWith(options: Omit<CadesOptions, 'sign' | 'timestamp'>, real: boolean): PreparedCades {
  const signer = parseCertificate(options.signerCertificate, { kind: 'signing' });
  checkKeyMatchesAlgorithm(signer, options.algorithm);
  const signed = signedAttributesFor({ ...options, signerCertificate: signer });
  const signatureAlgorithm = signatureAlgorithmIdentifier(options.algorithm, options.hash);
  const signatureAlgorithmDer = der(signatureAlgorithm.toSchema());
  const request: SignRequest = { data: signed.der, digest: digest(options.hash, signed.der), hash: options.hash, algorithm: options.algorithm };
  const complete = async (signature: Uint8Array, timestamp?: (signatureValue: Uint8Array) => Promise<Uint8Array>): Promise<Uint8Array> => {
    if (!(signature instanceof Uint8Array) || signature.length === 0) {
      throw new CmsError('signature-mismatch', msg('error.cms.no-signature', { subject: subjectName(signer) }));
    }
    if (real && !verifySignature({ data: signed.der, signature, publicKey: signer.x509.publicKey, signatureAlgorithm, digestAlgorithmOid: hashOid(options.hash) })) {
      throw new CmsError('signature-mismatch', msg('error.cms.signature-mismatch', { subject: subjectName(signer) }));
    }

    // Encoded directly (X.690 DER) around parts encoded once: the certificates as they are, the
    // signer's identifier from its certificate, the algorithm identifiers; pkijs' objects re-encode
    // every field of every certificate for each signature, the largest cost of a batch (issue 11).
    // The [0] IMPLICIT signed attributes are the very bytes that were signed, tag aside.
    const signedAttrs = signed.der.slice();
    signedAttrs[0] = 0xa0;
    const unsigned: Uint8Array[] = [];
    if (timestamp) {
      const token = await timestamp(signature);
      if (real) timestampTokenFor(token, signature);
      else if (parseAsn1(token) === null) throw new CmsError('bad-timestamp-token', msg('error.cms.timestamp-not-der'));
      // [1] IMPLICIT SET OF Attribute { signature-time-stamp, SET { TimeStampToken } }
      unsigned.push(derElement(0xa1, derElement(0x30, oidDer(OID.signatureTimeStampToken), derElement(0x31, token))));
    }
    const digestAlgorithm = algorithmDer(options.hash);
    const signerInfo = derElement(0x30, VERSION_1, signerIdentifier(signer), digestAlgorithm, signedAttrs, signatureAlgorithmDer, derElement(0x04, signature), ...unsigned);
    const signedData = derElement(
      0x30,
      VERSION_1,
      derElement(0x31, digestAlgorithm),
      derElement(0x30, oidDer(OID.data)), // encapContentInfo: id-data, detached (no eContent)
      derElement(0xa0, ...embeddableCertificates(signer, options.chain)),
      derElement(0x31, signerInfo),
    );
    return derElement(0x30, oidDer(OID.signedData), derElement(0xa0, signedData));
  };
  return { signedAttributes: signed.der, request, complete };
}

function checkKeyMatchesAlgorithm(signer: Certificate, algorithm: SignatureAlgorithm): void {
  const type = signer.x509.publicKey.asymmetricKeyType;
  const rsa = type === 'rsa' || type === 'rsa-pss';
  const ok = algorithm === 'ecdsa' ? type === 'ec' : rsa && (algorithm === 'rsa-pss' || type === 'rsa');
  if (!ok) {
    const names: Record<SignatureAlgorithm, string> = { 'rsa-pkcs1': 'RSA PKCS#1 v1.5', 'rsa-pss': 'RSASSA-PSS', ecdsa: 'ECDSA' };
    throw new CmsError('unsupported-algorithm', msg('error.cms.algorithm-key', { algorithm: names[algorithm] ?? String(algorithm), keyType: String(type).toUpperCase(), subject: subjectName(signer) }));
  }
}

/** The signer certificate then the chain, each once, as their DER (see embeddable). */
function embeddableCertificates(signer: Certificate, chain: readonly Uint8Array[]): Uint8Array[] {
  const seen = new Set<string>();
  const out: Uint8Array[] = [];
  for (const item of [signer, ...chain]) {
    const cert = parseCertificate(item, { kind: 'chain' });
    const id = fingerprint(cert.der);
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(embeddable(cert));
  }
  return out;
}

/**
 * A certificate's DER, to embed as it is. The signing-certificate-v2 hash is over these bytes: a
 * certificate that is not DER (a BER encoding a validator would re-encode differently) is
 * refused, checked once per certificate.
 */
const embeddables = new WeakMap<Certificate, Uint8Array>();

function embeddable(cert: Certificate): Uint8Array {
  let out = embeddables.get(cert);
  if (!out) {
    const parsed = parseAsn1(cert.der);
    if (!(parsed instanceof asn1js.Sequence) || !bytesEqual(der(parsed), cert.der)) {
      throw new CmsError('bad-certificate', msg('error.cms.certificate-not-der', { subject: subjectName(cert) }));
    }
    out = cert.der;
    embeddables.set(cert, out);
  }
  return out;
}

const VERSION_1 = Uint8Array.of(0x02, 0x01, 0x01);

const oids = new Map<string, Uint8Array>();

/** An OBJECT IDENTIFIER, DER. */
function oidDer(oid: string): Uint8Array {
  let out = oids.get(oid);
  if (!out) {
    out = der(new asn1js.ObjectIdentifier({ value: oid }));
    oids.set(oid, out);
  }
  return out;
}

const digestAlgorithms = new Map<HashAlgorithm, Uint8Array>();

/** The DigestAlgorithmIdentifier of `hash`, DER. */
function algorithmDer(hash: HashAlgorithm): Uint8Array {
  let out = digestAlgorithms.get(hash);
  if (!out) {
    out = der(digestAlgorithmIdentifier(hash).toSchema());
    digestAlgorithms.set(hash, out);
  }
  return out;
}

const signerIdentifiers = new WeakMap<Certificate, Uint8Array>();

/**
 * The SignerIdentifier issuerAndSerialNumber of `signer` (RFC 5652 5.3), DER: its issuer Name and
 * serialNumber INTEGER as its TBSCertificate holds them (version [0], serialNumber, signature,
 * issuer), the very bytes validators match the certificate by.
 */
function signerIdentifier(signer: Certificate): Uint8Array {
  let out = signerIdentifiers.get(signer);
  if (!out) {
    const tbs = derChildren(embeddable(signer))?.[0];
    const fields = tbs ? derChildren(tbs) : null;
    const from = fields?.[0]?.[0] === 0xa0 ? 1 : 0;
    const serial = fields?.[from];
    const issuer = fields?.[from + 2];
    if (serial?.[0] !== 0x02 || issuer?.[0] !== 0x30) {
      throw new CmsError('bad-certificate', msg('error.cms.certificate-not-der', { subject: subjectName(signer) }));
    }
    out = derElement(0x30, issuer, serial);
    signerIdentifiers.set(signer, out);
  }
  return out;
}

/** Checks that a TimeStampToken is DER, and over `signatureValue`: it is embedded as it is. */
function timestampTokenFor(token: Uint8Array, signatureValue: Uint8Array): void {
  const value = parseAsn1(token);
  if (value === null || !bytesEqual(der(value), token)) {
    throw new CmsError('bad-timestamp-token', msg('error.cms.timestamp-not-der-embed'));
  }
  const info = tstInfoOf(token);
  const hash = hashByOid(info.messageImprint.hashAlgorithm.algorithmId);
  const imprint = new Uint8Array(info.messageImprint.hashedMessage.valueBlock.valueHexView);
  if (!hash || !bytesEqual(digest(hash, signatureValue), imprint)) {
    throw new CmsError('bad-timestamp-token', msg('error.cms.timestamp-other-value'));
  }
}

/** The TSTInfo of a DER TimeStampToken (ContentInfo SignedData with eContentType id-ct-TSTInfo), or of its parsed SignedData. */
export function tstInfoOf(token: Uint8Array | pkijs.SignedData): pkijs.TSTInfo {
  try {
    const signedData = token instanceof Uint8Array ? signedDataOf(token) : token;
    const eContent = signedData.encapContentInfo.eContent;
    if (signedData.encapContentInfo.eContentType !== OID.tstInfo || !eContent) throw new Error('no TSTInfo');
    return pkijs.TSTInfo.fromBER(eContent.getValue());
  } catch (e) {
    throw new CmsError('bad-timestamp-token', msg('error.cms.timestamp-not-tst'), { cause: e });
  }
}

/** The SignedData of a DER ContentInfo; throws CmsError('bad-signature-container'). */
export function signedDataOf(contentInfo: Uint8Array): pkijs.SignedData {
  try {
    const info = pkijs.ContentInfo.fromBER(arrayBufferView(contentInfo));
    if (info.contentType !== OID.signedData) throw new Error(`content type ${info.contentType}`);
    const content = info.content as asn1js.Sequence;
    const signedData = new pkijs.SignedData({ schema: content });
    received.set(signedData, content);
    return signedData;
  } catch (e) {
    throw new CmsError('bad-signature-container', msg('error.cms.not-signed-data'), { cause: e });
  }
}

/** The parsed SignedData SEQUENCE a pkijs SignedData was read from (to give certificates back byte for byte). */
const received = new WeakMap<pkijs.SignedData, asn1js.Sequence>();

/** The DER certificates a SignedData carries, in order, as received. */
export function signedDataCertificates(signedData: pkijs.SignedData): Uint8Array[] {
  const content = received.get(signedData);
  if (content) {
    // certificates [0] IMPLICIT CertificateSet: X.509 certificates are its universal SEQUENCE elements
    const set = content.valueBlock.value.find((b) => b.idBlock.tagClass === 3 && b.idBlock.tagNumber === 0) as asn1js.Constructed | undefined;
    return (set?.valueBlock.value ?? [])
      .filter((b) => b.idBlock.tagClass === 1 && b.idBlock.tagNumber === 16)
      .map((b) => copyBytes(b.valueBeforeDecodeView));
  }
  return (signedData.certificates ?? [])
    .filter((c): c is pkijs.Certificate => c instanceof pkijs.Certificate)
    .map((c) => der(c.toSchema()));
}

/**
 * The adbe-revocationInfoArchival signed attribute of every SignerInfo ({ crl [0] SEQUENCE OF CRL,
 * ocsp [1] SEQUENCE OF OCSPResponse }): the CRLs and OCSP responses, DER, as received.
 */
export function embeddedRevocation(signedData: pkijs.SignedData): { ocsps: Uint8Array[]; crls: Uint8Array[] } {
  const out = { ocsps: [] as Uint8Array[], crls: [] as Uint8Array[] };
  for (const info of signedData.signerInfos) {
    for (const attribute of info.signedAttrs?.attributes ?? []) {
      if (attribute.type !== OID.revocationInfoArchival) continue;
      for (const value of attribute.values as asn1js.AsnType[]) {
        const parsed = asn1js.fromBER(value.toBER(false));
        if (!(parsed.result instanceof asn1js.Sequence)) continue;
        for (const tagged of parsed.result.valueBlock.value) {
          const inner = (tagged as asn1js.Constructed).valueBlock.value[0] as asn1js.Sequence | undefined;
          const target = tagged.idBlock.tagNumber === 0 ? out.crls : tagged.idBlock.tagNumber === 1 ? out.ocsps : null;
          if (!target || !inner) continue;
          for (const item of inner.valueBlock.value) target.push(der(item));
        }
      }
    }
  }
  return out;
}

/**
 * The DER signature-time-stamp tokens in the unsigned attributes of every SignerInfo of a CMS
 * signature; pass the SignedData when it is already parsed (with pkijs, parsing is most of the cost
 * of verifying a signature).
 */
export function signatureTimestampTokens(cms: Uint8Array | pkijs.SignedData): Uint8Array[] {
  const signedData = cms instanceof Uint8Array ? signedDataOf(cms) : cms;
  const tokens: Uint8Array[] = [];
  for (const info of signedData.signerInfos) {
    for (const attribute of info.unsignedAttrs?.attributes ?? []) {
      if (attribute.type !== OID.signatureTimeStampToken) continue;
      for (const value of attribute.values as asn1js.AsnType[]) tokens.push(der(value));
    }
  }
  return tokens;
}

/** The certificates inside the signature timestamp tokens of a CMS signature (for the DSS). */
export function timestampTokenCertificates(cms: Uint8Array): Uint8Array[] {
  return signatureTimestampTokens(cms).flatMap((token) => signedDataCertificates(signedDataOf(token)));
}

export interface SignerInfoCheck {
  /** The certificate the SignerInfo names (from the SignedData or `extraCertificates`), if found. */
  signer: Certificate | null;
  /** Why the signature does not verify, in English ("its message digest does not match the content"); null when it does. */
  failure: string | null;
  /** The same as a catalog message (a clause, to go inside a sentence); null when it verifies. */
  reason: Message | null;
}

type SignerInfoFailure = 'noSigner' | 'signerMissing' | 'digestAlgorithm' | 'contentType' | 'messageDigest' | 'signature';

function failed(signer: Certificate | null, reason: SignerInfoFailure, algorithm = ''): SignerInfoCheck {
  const message = msg('error.cms.signer-info', { reason, algorithm });
  return { signer, failure: formatMessage('en', message), reason: message };
}

/**
 * Checks SignerInfo `index` of a SignedData over `content` (the eContent, or the detached content):
 * finds the signer certificate (issuerAndSerialNumber or subjectKeyIdentifier), checks the
 * content-type and message-digest signed attributes, and verifies the signature with node:crypto.
 */
export function checkSignerInfo(
  signedData: pkijs.SignedData,
  index: number,
  content: Uint8Array,
  extraCertificates: readonly Uint8Array[] = [],
): SignerInfoCheck {
  const info = signedData.signerInfos[index];
  if (!info) return failed(null, 'noSigner');
  const candidates = [...signedDataCertificates(signedData), ...extraCertificates].map((c) => parseCertificate(c));
  const signer = candidates.find((c) => signerIdentifies(info, c)) ?? null;
  if (!signer) return failed(signer, 'signerMissing');
  const hash = hashByOid(info.digestAlgorithm.algorithmId);
  if (!hash) return failed(signer, 'digestAlgorithm', info.digestAlgorithm.algorithmId);
  let data = content;
  if (info.signedAttrs) {
    const attrs = info.signedAttrs.attributes;
    const contentType = attrs.find((a) => a.type === OID.contentType)?.values[0] as asn1js.ObjectIdentifier | undefined;
    const messageDigest = attrs.find((a) => a.type === OID.messageDigest)?.values[0] as asn1js.OctetString | undefined;
    if (!contentType || contentType.valueBlock.toString() !== signedData.encapContentInfo.eContentType) return failed(signer, 'contentType');
    if (!messageDigest || !bytesEqual(new Uint8Array(messageDigest.valueBlock.valueHexView), digest(hash, content))) {
      return failed(signer, 'messageDigest');
    }
    // pkijs keeps the received encoding, with the [0] tag already replaced by SET (0x31).
    data = new Uint8Array(info.signedAttrs.encodedValue);
  }
  const ok = verifySignature({
    data,
    signature: new Uint8Array(info.signature.valueBlock.valueHexView),
    publicKey: signer.x509.publicKey,
    signatureAlgorithm: info.signatureAlgorithm,
    digestAlgorithmOid: info.digestAlgorithm.algorithmId,
  });
  return ok ? { signer, failure: null, reason: null } : failed(signer, 'signature');
}

function signerIdentifies(info: pkijs.SignerInfo, candidate: Certificate): boolean {
  const sid = info.sid as unknown;
  if (sid instanceof pkijs.IssuerAndSerialNumber) {
    return candidate.cert.issuer.isEqual(sid.issuer) && candidate.cert.serialNumber.isEqual(sid.serialNumber);
  }
  // subjectKeyIdentifier [0] IMPLICIT OCTET STRING (primitive) or, as some encoders write it, constructed
  const block = sid as { idBlock?: { isConstructed: boolean }; valueBlock?: { valueHexView?: Uint8Array; value?: { valueBlock: { valueHexView: Uint8Array } }[] } };
  const keyId = block.idBlock?.isConstructed ? block.valueBlock?.value?.[0]?.valueBlock.valueHexView : block.valueBlock?.valueHexView;
  if (!keyId) return false;
  const ski = subjectKeyIdentifier(candidate) ?? digest('sha1', new Uint8Array(candidate.cert.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView));
  return bytesEqual(new Uint8Array(keyId), ski);
}

export interface CadesSizeOptions {
  signerCertificate: Uint8Array;
  chain: readonly Uint8Array[];
  keyType: 'rsa' | 'ec';
  /** RSA modulus bits, or EC field bits (256, 384, 521). */
  keyBits: number;
  hash: HashAlgorithm;
  /** Defaults to the largest encoding for the key: rsa-pss for RSA, ecdsa for EC. */
  algorithm?: SignatureAlgorithm;
  /** DER length of the timestamp token to allow for (B-T and above); none when omitted. */
  timestampTokenSize?: number;
}

/**
 * The DER length of the signature createCadesSignature would make for this signer: the real
 * structure, built with a signature value of the largest size the key can produce and a dummy
 * timestamp of `timestampTokenSize` bytes. Callers add a margin for tokens of other sizes.
 */
export async function estimateCadesSize(options: CadesSizeOptions): Promise<number> {
  const algorithm = options.algorithm ?? (options.keyType === 'ec' ? 'ecdsa' : 'rsa-pss');
  const signatureSize = maxSignatureSize(options.keyType, options.keyBits);
  const tokenSize = options.timestampTokenSize;
  // The size depends on nothing else: batches ask once per signer.
  const key = [
    ...[options.signerCertificate, ...options.chain].map((c) => fingerprint(parseCertificate(c).der)),
    options.keyType, options.keyBits, options.hash, algorithm, tokenSize ?? '-',
  ].join(' ');
  const known = estimates.get(key);
  if (known !== undefined) return known;
  const cms = await buildCades(
    {
      contentDigest: digest(options.hash, new Uint8Array(0)),
      hash: options.hash,
      algorithm,
      signerCertificate: options.signerCertificate,
      chain: options.chain,
      sign: async () => new Uint8Array(signatureSize).fill(0xff),
      timestamp: tokenSize === undefined ? undefined : async () => dummyElement(tokenSize),
    },
    false,
  );
  if (estimates.size >= 64) estimates.clear();
  estimates.set(key, cms.length);
  return cms.length;
}

const estimates = new Map<string, number>();

/** The largest SignerInfo.signature a key produces: the modulus size, or a DER Ecdsa-Sig-Value with both integers at full length plus a sign octet. */
export function maxSignatureSize(keyType: 'rsa' | 'ec', keyBits: number): number {
  const n = Math.ceil(keyBits / 8);
  if (keyType === 'rsa') return n;
  const integer = tlvLength(n + 1);
  return tlvLength(2 * integer);
}

function tlvLength(contentLength: number): number {
  return 1 + headerLength(contentLength) + contentLength;
}

function headerLength(contentLength: number): number {
  if (contentLength < 0x80) return 1;
  let bytes = 0;
  for (let n = contentLength; n > 0; n = Math.floor(n / 256)) bytes++;
  return 1 + bytes;
}

/** A DER OCTET STRING of at least `size` bytes in all (the smallest such). */
function dummyElement(size: number): Uint8Array {
  let content = Math.max(0, size - 6);
  while (tlvLength(content) < size) content++;
  return der(new asn1js.OctetString({ valueHex: new Uint8Array(content) }));
}
