// RFC 3161 Time-Stamp Protocol: the request (with a 64-bit random nonce and certReq) and the
// checks of the reply a client must make before trusting a token (RFC 3161 section 2.4.2):
// status granted, the nonce and message imprint of the request echoed, a TSTInfo signed by a TSA
// certificate carrying the critical id-kp-timeStamping extended key usage (section 2.3), the
// ESSCertID(v2) of that certificate matching it (section 2.4.1 / RFC 5816), and genTime within the
// certificate's validity. The network part is main/remote/tsa.ts.
import { randomBytes } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { OID, digest, digestAlgorithmIdentifier, hashByOid, hashLength } from './algorithms';
import type { AnyHash, HashAlgorithm } from './algorithms';
import { extendedKeyUsage, isValidAt, subjectName } from './certificates';
import type { Certificate } from './certificates';
import { bytesEqual, copyBytes, der, formatDate, integerHex, parseAsn1, serverParams } from './engine';
import type { ServerParams } from './engine';
import { CmsError } from './errors';
import { msg } from '../errors';
import { withCause } from '../../preload/contract/messages';
import type { Message } from '../../preload/contract/messages';
import { checkSignerInfo, signedDataCertificates, signedDataOf, tstInfoOf } from './signed-data';

export interface TimeStampRequestOptions {
  /** hash(data) with `hash`. */
  imprint: Uint8Array;
  hash: HashAlgorithm;
  /** Default: 64 random bits (crypto.randomBytes); false for none. */
  nonce?: bigint | false;
  /** Ask the TSA to include its certificate (default true: the reply is checked against it). */
  certReq?: boolean;
  /** reqPolicy OID. */
  policy?: string;
}

export interface TimeStampRequest {
  der: Uint8Array;
  /** The nonce sent, or null. */
  nonce: bigint | null;
}

export function buildTimeStampRequest(options: TimeStampRequestOptions): TimeStampRequest {
  if (options.imprint.length !== hashLength(options.hash)) {
    throw new CmsError('unsupported-algorithm', msg('error.cms.imprint-length', { hash: options.hash.toUpperCase(), expected: hashLength(options.hash), actual: options.imprint.length }));
  }
  const nonce = options.nonce === false ? null : (options.nonce ?? BigInt(`0x${randomBytes(8).toString('hex')}`));
  const request = new pkijs.TimeStampReq({
    version: 1,
    messageImprint: new pkijs.MessageImprint({
      hashAlgorithm: digestAlgorithmIdentifier(options.hash),
      hashedMessage: new asn1js.OctetString({ valueHex: options.imprint }),
    }),
    certReq: options.certReq ?? true,
    ...(nonce === null ? {} : { nonce: asn1js.Integer.fromBigInt(nonce) }),
    ...(options.policy ? { reqPolicy: options.policy } : {}),
  });
  return { der: der(request.toSchema()), nonce };
}

export interface TimeStampInfo {
  /** The DER TimeStampToken (ContentInfo SignedData), byte for byte as the TSA sent it. */
  token: Uint8Array;
  genTime: Date;
  /** TSTInfo serialNumber, upper-case hex. */
  serialNumber: string;
  /** TSA policy OID. */
  policy: string;
  hash: AnyHash;
  imprint: Uint8Array;
  /** Accuracy in milliseconds, when the TSA states one. */
  accuracyMs?: number;
  /** The certificate that signed the token (DER). */
  tsaCertificate?: Uint8Array;
  /** Every certificate the token carries (DER), the TSA's first when present. */
  certificates: Uint8Array[];
}

export interface TimeStampCheckOptions {
  /** The imprint that was asked for. */
  imprint: Uint8Array;
  hash: HashAlgorithm;
  /** How messages name the server: "the timestamp server at https://..." (default "the timestamp server"). */
  server?: string;
  /** The TSA certificate, when the token does not carry it (a request without certReq). */
  tsaCertificate?: Uint8Array;
}

export interface TimeStampResponseCheckOptions extends TimeStampCheckOptions {
  /** The nonce sent; null or undefined when none was. */
  nonce?: bigint | null;
}

const PKI_STATUS = ['granted', 'grantedWithMods', 'rejection', 'waiting', 'revocationWarning', 'revocationNotification'];
/** PKIFailureInfo bits (RFC 3161 section 2.4.2); the catalog (error.cms.tsa-failure) says what each means. */
const FAILURE_INFO: Record<number, string> = {
  0: 'badAlg',
  2: 'badRequest',
  5: 'badDataFormat',
  14: 'timeNotAvailable',
  15: 'unacceptedPolicy',
  16: 'unacceptedExtension',
  17: 'addInfoNotAvailable',
  25: 'systemFailure',
};

/**
 * Parses and checks a DER TimeStampResp (see the file comment); returns the token and what it says.
 * Errors: tsa-bad-response, tsa-rejected, tsa-nonce-mismatch, tsa-imprint-mismatch,
 * tsa-bad-signature, tsa-bad-certificate.
 */
export function parseTimeStampResponse(response: Uint8Array, options: TimeStampResponseCheckOptions): TimeStampInfo {
  const server = serverParams(options.server);
  const root = parseAsn1(response);
  let resp: pkijs.TimeStampResp;
  try {
    if (root === null) throw new Error('not DER');
    resp = new pkijs.TimeStampResp({ schema: root });
  } catch (e) {
    throw new CmsError('tsa-bad-response', msg('error.cms.tsa-not-response', server), { cause: e });
  }
  const status = resp.status.status as number;
  if (status !== 0 && status !== 1) {
    const failures = failureInfo(resp.status.failInfo);
    // The status and failure names are RFC 3161's; the server's own text is given as it sent it.
    const text = (resp.status.statusStrings ?? []).map((s) => s.valueBlock.value).filter(Boolean).join(' ');
    const params = { ...server, status: PKI_STATUS[status] ?? 'unknown', code: status, failed: failures ? 'yes' : 'no', cause: '', text };
    throw new CmsError('tsa-rejected', msg(text ? 'error.cms.tsa-rejected-text' : 'error.cms.tsa-rejected', failures ? withCause(params, failures) : params));
  }
  // The token as sent: the second element of the TimeStampResp SEQUENCE.
  const tokenBlock = (root as asn1js.Sequence).valueBlock.value[1];
  if (!tokenBlock) throw new CmsError('tsa-bad-response', msg('error.cms.tsa-no-token', server));
  const token = copyBytes(tokenBlock.valueBeforeDecodeView);
  const tst = tstInfo(token, server);
  const nonce = tst.nonce ? tst.nonce.toBigInt() : null;
  if ((options.nonce ?? null) !== null && nonce !== options.nonce) {
    throw new CmsError('tsa-nonce-mismatch', msg('error.cms.tsa-nonce-mismatch', server));
  }
  return verifyTimeStampToken(token, options);
}

/**
 * Checks a DER TimeStampToken on its own: imprint, signature, TSA certificate (critical
 * timeStamping EKU, valid at genTime, matching the ESS signing-certificate attribute).
 */
export function verifyTimeStampToken(token: Uint8Array, options: TimeStampCheckOptions): TimeStampInfo {
  const server = serverParams(options.server);
  let signedData: pkijs.SignedData;
  try {
    signedData = signedDataOf(token);
  } catch (e) {
    throw new CmsError('tsa-bad-response', msg('error.cms.tsa-token-not-signed-data', server), { cause: e });
  }
  const tst = tstInfo(signedData, server);
  const hash = hashByOid(tst.messageImprint.hashAlgorithm.algorithmId);
  const imprint = new Uint8Array(tst.messageImprint.hashedMessage.valueBlock.valueHexView);
  if (hash !== options.hash || !bytesEqual(imprint, options.imprint)) {
    throw new CmsError('tsa-imprint-mismatch', msg('error.cms.tsa-imprint-mismatch', server));
  }
  const eContent = new Uint8Array(signedData.encapContentInfo.eContent?.getValue() ?? new ArrayBuffer(0));
  const check = checkSignerInfo(signedData, 0, eContent, options.tsaCertificate ? [options.tsaCertificate] : []);
  if (!check.signer) {
    throw new CmsError('tsa-bad-certificate', msg('error.cms.tsa-no-certificate', server));
  }
  if (check.failure) throw new CmsError('tsa-bad-signature', msg('error.cms.tsa-bad-signature', withCause(server, check.reason ?? msg('error.app.detail', { detail: check.failure }))));
  checkTsaCertificate(check.signer, signedData, tst.genTime, server);

  const certificates = signedDataCertificates(signedData);
  const others = certificates.filter((c) => !bytesEqual(c, check.signer?.der ?? new Uint8Array(0)));
  const accuracy = tst.accuracy;
  return {
    token,
    genTime: tst.genTime,
    serialNumber: integerHex(tst.serialNumber),
    policy: tst.policy,
    hash,
    imprint,
    ...(accuracy ? { accuracyMs: (accuracy.seconds ?? 0) * 1000 + (accuracy.millis ?? 0) + (accuracy.micros ?? 0) / 1000 } : {}),
    tsaCertificate: check.signer.der,
    certificates: [check.signer.der, ...others],
  };
}

function tstInfo(token: Uint8Array | pkijs.SignedData, server: ServerParams): pkijs.TSTInfo {
  try {
    return tstInfoOf(token);
  } catch (e) {
    throw new CmsError('tsa-bad-response', msg('error.cms.tsa-no-tstinfo', server), { cause: e });
  }
}

function checkTsaCertificate(tsa: Certificate, signedData: pkijs.SignedData, genTime: Date, server: ServerParams): void {
  const eku = extendedKeyUsage(tsa);
  const subject = subjectName(tsa);
  if (!eku || !eku.critical || !eku.purposes.includes(OID.kpTimeStamping)) {
    throw new CmsError('tsa-bad-certificate', msg('error.cms.tsa-not-timestamping', { ...server, subject }));
  }
  if (!isValidAt(tsa, genTime)) {
    throw new CmsError('tsa-bad-certificate', msg('error.cms.tsa-outside-validity', { ...server, subject, date: formatDate(genTime) }));
  }
  const essHash = essCertHash(signedData);
  if (essHash && !bytesEqual(digest(essHash.hash, tsa.der), essHash.certHash)) {
    throw new CmsError('tsa-bad-certificate', msg('error.cms.tsa-other-certificate', { ...server, subject }));
  }
}

/** The first ESSCertID(v2) certHash of the token's signing-certificate(-v2) attribute, if any. */
function essCertHash(signedData: pkijs.SignedData): { hash: AnyHash; certHash: Uint8Array } | null {
  const attrs = signedData.signerInfos[0]?.signedAttrs?.attributes ?? [];
  const v2 = attrs.find((a) => a.type === OID.signingCertificateV2);
  const v1 = attrs.find((a) => a.type === OID.signingCertificate);
  const attr = v2 ?? v1;
  if (!attr) return null;
  const items = firstEssCertId(attr.values[0]);
  if (!items) return null;
  if (v2) {
    // ESSCertIDv2 ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier DEFAULT sha256, certHash, issuerSerial OPTIONAL }
    const [first, second] = items;
    if (first instanceof asn1js.OctetString) return { hash: 'sha256', certHash: new Uint8Array(first.valueBlock.valueHexView) };
    if (first instanceof asn1js.Sequence && second instanceof asn1js.OctetString) {
      const hash = hashByOid(new pkijs.AlgorithmIdentifier({ schema: first }).algorithmId);
      return hash ? { hash, certHash: new Uint8Array(second.valueBlock.valueHexView) } : null;
    }
    return null;
  }
  const [first] = items; // ESSCertID ::= SEQUENCE { certHash (SHA-1), issuerSerial OPTIONAL }
  return first instanceof asn1js.OctetString ? { hash: 'sha1', certHash: new Uint8Array(first.valueBlock.valueHexView) } : null;
}

function firstEssCertId(value: unknown): asn1js.AsnType[] | null {
  // SigningCertificate(V2) ::= SEQUENCE { certs SEQUENCE OF ESSCertID(v2), policies OPTIONAL }
  if (!(value instanceof asn1js.Sequence)) return null;
  const certs = value.valueBlock.value[0];
  if (!(certs instanceof asn1js.Sequence)) return null;
  const first = certs.valueBlock.value[0];
  return first instanceof asn1js.Sequence ? first.valueBlock.value : null;
}

/**
 * The PKIFailureInfo bits set, as one message ("badAlg: the hash algorithm is not supported,
 * unacceptedPolicy: ..."): each bit's carries the next ones as its cause; null when none is set.
 */
function failureInfo(bits: asn1js.BitString | undefined): Message | null {
  if (!bits) return null;
  const bytes = bits.valueBlock.valueHexView;
  const set: number[] = [];
  for (let i = 0; i < bytes.length * 8; i++) {
    if (((bytes[i >> 3] ?? 0) >> (7 - (i & 7))) & 1) set.push(i);
  }
  return set.reduceRight<Message | null>((rest, i) => {
    const params = { bit: FAILURE_INFO[i] ?? 'unknown', index: i, more: rest ? 'yes' : 'no', cause: '' };
    return msg('error.cms.tsa-failure', rest ? withCause(params, rest) : params);
  }, null);
}
