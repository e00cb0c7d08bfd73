// OCSP (RFC 6960): the request for one certificate (a SHA-1 CertID, which every responder
// supports, and an optional nonce, RFC 8954) and the checks of the response: responseStatus
// successful, a BasicOCSPResponse whose signature verifies with the issuing CA or with a delegated
// responder certificate issued by that CA and carrying id-kp-OCSPSigning (RFC 6960 section 4.2.2.2),
// the nonce echoed when the responder sends one, and the SingleResponse for our certificate.
// The network part is main/remote/revocation.ts.
import { randomBytes } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { OID, algorithmName, digest, hashByOid, verifySignature } from './algorithms';
import type { AnyHash } from './algorithms';
import { extendedKeyUsage, isIssuedBy, isValidAt, parseCertificate, subjectName } from './certificates';
import type { Certificate } from './certificates';
import { crlReasonName } from './crl';
import { bytesEqual, copyBytes, der, formatDate, parseAsn1, serverParams } from './engine';
import type { ServerParams } from './engine';
import { CmsError } from './errors';
import { msg } from '../errors';

export interface OcspRequest {
  der: Uint8Array;
  /** The nonce sent (16 random bytes), or null. */
  nonce: Uint8Array | null;
}

export type CertificateStatus = 'good' | 'revoked' | 'unknown';

export interface OcspResult {
  status: CertificateStatus;
  revokedAt?: Date;
  /** CRLReason in words (keyCompromise, superseded...), when the responder gives one. */
  revocationReason?: string;
  thisUpdate: Date;
  nextUpdate?: Date;
  producedAt: Date;
  /** The certificates the response carries (DER): the delegated responder's, for the DSS. */
  responderCertificates: Uint8Array[];
  /** The signer of the response (DER): the issuer itself or a delegated responder. */
  responderCertificate: Uint8Array;
  /** The whole OCSPResponse, as it goes into a DSS /OCSPs entry. */
  der: Uint8Array;
}

export interface OcspCheckOptions {
  /** The certificate asked about, and its issuer (DER). */
  certificate: Uint8Array | Certificate;
  issuer: Uint8Array | Certificate;
  /** The nonce sent, if any: a response that echoes another nonce is refused. */
  nonce?: Uint8Array | null;
  /** How messages name the responder (default "the OCSP responder"). */
  server?: string;
}

/** CertID with SHA-1 (RFC 6960 4.1.1): hashes of the issuer's DN and public key, and the serial. */
export function certIdFor(certificate: Uint8Array | Certificate, issuer: Uint8Array | Certificate, hash: AnyHash = 'sha1'): pkijs.CertID {
  const cert = parseCertificate(certificate);
  const ca = parseCertificate(issuer, { kind: 'issuer' });
  return new pkijs.CertID({
    // SHA-1 with NULL parameters, as OpenSSL and most clients write it
    hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID[hash], algorithmParams: new asn1js.Null() }),
    issuerNameHash: new asn1js.OctetString({ valueHex: digest(hash, der(ca.cert.subject.toSchema())) }),
    issuerKeyHash: new asn1js.OctetString({ valueHex: digest(hash, new Uint8Array(ca.cert.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView)) }),
    serialNumber: cert.cert.serialNumber,
  });
}

export function buildOcspRequest(certificate: Uint8Array | Certificate, issuer: Uint8Array | Certificate, options: { nonce?: boolean } = {}): OcspRequest {
  const nonce = options.nonce === false ? null : new Uint8Array(randomBytes(16));
  const tbsRequest = new pkijs.TBSRequest({
    requestList: [new pkijs.Request({ reqCert: certIdFor(certificate, issuer) })],
    ...(nonce
      ? { requestExtensions: [new pkijs.Extension({ extnID: OID.ocspNonce, critical: false, extnValue: der(new asn1js.OctetString({ valueHex: nonce })).slice().buffer })] }
      : {}),
  });
  return { der: der(new pkijs.OCSPRequest({ tbsRequest }).toSchema(true)), nonce };
}

/** OCSPResponseStatus names (RFC 6960 4.2.1); the catalog says what each means. */
const RESPONSE_STATUS: Record<number, string> = {
  1: 'malformedRequest',
  2: 'internalError',
  3: 'tryLater',
  5: 'sigRequired',
  6: 'unauthorized',
};

/**
 * Parses and checks a DER OCSPResponse about `certificate` (see the file comment). Freshness is
 * the caller's business (a DSS may hold old responses). Errors: ocsp-bad-response, ocsp-refused,
 * ocsp-bad-signature, ocsp-nonce-mismatch.
 */
export function parseOcspResponse(response: Uint8Array, options: OcspCheckOptions): OcspResult {
  const server = serverParams(options.server);
  const cert = parseCertificate(options.certificate);
  const issuer = parseCertificate(options.issuer, { kind: 'issuer' });
  const subject = subjectName(cert);
  let ocsp: pkijs.OCSPResponse;
  try {
    const root = parseAsn1(response);
    if (root === null) throw new Error('not DER');
    ocsp = new pkijs.OCSPResponse({ schema: root });
  } catch (e) {
    throw new CmsError('ocsp-bad-response', msg('error.cms.ocsp-not-response', server), { cause: e });
  }
  const status = ocsp.responseStatus.valueBlock.valueDec;
  if (status !== 0) {
    throw new CmsError('ocsp-refused', msg('error.cms.ocsp-refused', { ...server, subject, status: RESPONSE_STATUS[status] ?? 'unknown', code: status }));
  }
  if (!ocsp.responseBytes || ocsp.responseBytes.responseType !== OID.ocspBasic) {
    throw new CmsError('ocsp-bad-response', msg('error.cms.ocsp-response-type', server));
  }
  let basic: pkijs.BasicOCSPResponse;
  let basicBlock: asn1js.AsnType | null;
  try {
    basicBlock = parseAsn1(new Uint8Array(ocsp.responseBytes.response.valueBlock.valueHexView));
    if (basicBlock === null) throw new Error('not DER');
    basic = new pkijs.BasicOCSPResponse({ schema: basicBlock });
  } catch (e) {
    throw new CmsError('ocsp-bad-response', msg('error.cms.ocsp-damaged', server), { cause: e });
  }

  const embedded = embeddedCertificates(basicBlock);
  const responder = responderOf(basic, issuer, embedded);
  if (!responder) {
    throw new CmsError('ocsp-bad-signature', msg('error.cms.ocsp-unknown-signer', { ...server, subject }));
  }
  if (!bytesEqual(responder.der, issuer.der)) checkDelegatedResponder(responder, issuer, basic.tbsResponseData.producedAt, server);
  let signed: boolean;
  try {
    signed = verifySignature({
      data: new Uint8Array(basic.tbsResponseData.tbsView),
      signature: new Uint8Array(basic.signature.valueBlock.valueHexView),
      publicKey: responder.x509.publicKey,
      signatureAlgorithm: basic.signatureAlgorithm,
    });
  } catch (e) {
    if (e instanceof CmsError) throw new CmsError('ocsp-bad-signature', msg('error.cms.ocsp-algorithm', { ...server, algorithm: algorithmName(basic.signatureAlgorithm.algorithmId) }), { cause: e });
    throw e;
  }
  if (!signed) throw new CmsError('ocsp-bad-signature', msg('error.cms.ocsp-signature', { ...server, subject }));

  if (options.nonce) {
    const ext = basic.tbsResponseData.responseExtensions?.find((e) => e.extnID === OID.ocspNonce);
    // A responder that pre-signs its responses sends no nonce (RFC 5019): accepted; a different one is not.
    if (ext && !nonceMatches(new Uint8Array(ext.extnValue.valueBlock.valueHexView), options.nonce)) {
      throw new CmsError('ocsp-nonce-mismatch', msg('error.cms.ocsp-nonce-mismatch', server));
    }
  }

  const single = basic.tbsResponseData.responses.find((r) => certIdMatches(r.certID, cert, issuer));
  if (!single) throw new CmsError('ocsp-bad-response', msg('error.cms.ocsp-not-mentioned', { ...server, subject }));
  const result: OcspResult = {
    status: 'unknown',
    thisUpdate: single.thisUpdate,
    ...(single.nextUpdate ? { nextUpdate: single.nextUpdate } : {}),
    producedAt: basic.tbsResponseData.producedAt,
    responderCertificates: embedded,
    responderCertificate: responder.der,
    der: copyBytes(response),
  };
  const certStatus = single.certStatus as asn1js.BaseBlock;
  const tag = certStatus.idBlock.tagNumber;
  if (tag === 0) result.status = 'good';
  else if (tag === 1) {
    result.status = 'revoked';
    const [time, reason] = (certStatus as asn1js.Constructed).valueBlock.value;
    if (time instanceof asn1js.GeneralizedTime) result.revokedAt = time.toDate();
    const code = (reason as asn1js.Constructed | undefined)?.valueBlock?.value?.[0];
    if (code instanceof asn1js.Enumerated) result.revocationReason = crlReasonName(code);
  }
  return result;
}

/** BasicOCSPResponse certs [0] EXPLICIT SEQUENCE OF Certificate, byte for byte as received. */
function embeddedCertificates(basic: asn1js.AsnType): Uint8Array[] {
  const items = (basic as asn1js.Sequence).valueBlock.value;
  const tagged = items.find((b) => b.idBlock.tagClass === 3 && b.idBlock.tagNumber === 0) as asn1js.Constructed | undefined;
  const list = tagged?.valueBlock.value[0] as asn1js.Sequence | undefined;
  return (list?.valueBlock.value ?? []).map((c) => copyBytes(c.valueBeforeDecodeView));
}

/** The SingleResponse's CertID names `cert` issued by `issuer` (whatever hash the responder chose). */
function certIdMatches(id: pkijs.CertID, cert: Certificate, issuer: Certificate): boolean {
  const hash = hashByOid(id.hashAlgorithm.algorithmId);
  if (!hash || !id.serialNumber.isEqual(cert.cert.serialNumber)) return false;
  const ours = certIdFor(cert, issuer, hash);
  return (
    bytesEqual(new Uint8Array(id.issuerNameHash.valueBlock.valueHexView), new Uint8Array(ours.issuerNameHash.valueBlock.valueHexView)) &&
    bytesEqual(new Uint8Array(id.issuerKeyHash.valueBlock.valueHexView), new Uint8Array(ours.issuerKeyHash.valueBlock.valueHexView))
  );
}

/** The certificate named by ResponderID (byName or byKey), among the issuer and the embedded certificates. */
function responderOf(basic: pkijs.BasicOCSPResponse, issuer: Certificate, embedded: Uint8Array[]): Certificate | null {
  const id = basic.tbsResponseData.responderID as unknown;
  const candidates = [issuer, ...embedded.map((c) => parseCertificate(c, { kind: 'responder' }))];
  for (const candidate of candidates) {
    if (id instanceof pkijs.RelativeDistinguishedNames) {
      if (candidate.cert.subject.isEqual(id)) return candidate;
    } else if (id instanceof asn1js.OctetString) {
      // byKey: SHA-1 of the subjectPublicKey BIT STRING value (RFC 6960 4.2.1)
      const keyHash = digest('sha1', new Uint8Array(candidate.cert.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView));
      if (bytesEqual(keyHash, new Uint8Array(id.valueBlock.valueHexView))) return candidate;
    }
  }
  return null;
}

function checkDelegatedResponder(responder: Certificate, issuer: Certificate, producedAt: Date, server: ServerParams): void {
  const subject = subjectName(responder);
  if (!isIssuedBy(responder, issuer)) {
    throw new CmsError('ocsp-bad-signature', msg('error.cms.ocsp-responder-not-issued', { ...server, subject, issuer: subjectName(issuer) }));
  }
  if (!extendedKeyUsage(responder)?.purposes.includes(OID.kpOcspSigning)) {
    throw new CmsError('ocsp-bad-signature', msg('error.cms.ocsp-responder-eku', { ...server, subject }));
  }
  if (!isValidAt(responder, producedAt)) {
    throw new CmsError('ocsp-bad-signature', msg('error.cms.ocsp-responder-validity', { ...server, subject, date: formatDate(producedAt) }));
  }
}

/** The nonce extension value is the DER OCTET STRING of the nonce (RFC 8954); some responders send it bare. */
function nonceMatches(extnValue: Uint8Array, nonce: Uint8Array): boolean {
  if (bytesEqual(extnValue, nonce)) return true;
  const inner = parseAsn1(extnValue);
  return inner instanceof asn1js.OctetString && bytesEqual(new Uint8Array(inner.valueBlock.valueHexView), nonce);
}
