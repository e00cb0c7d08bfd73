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
import { certificateLabel, extendedKeyUsage, isValidAt } from './certificates';
import type { Certificate } from './certificates';
import { bytesEqual, capitalize, copyBytes, der, formatDate, integerHex, parseAsn1 } from './engine';
import { CmsError } from './errors';
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
    throw new CmsError('unsupported-algorithm', `A ${options.hash.toUpperCase()} imprint is ${hashLength(options.hash)} bytes long, not ${options.imprint.length}.`);
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
/** PKIFailureInfo bits (RFC 3161 section 2.4.2) and what they mean. */
const FAILURE_INFO: Record<number, string> = {
  0: 'badAlg: the hash algorithm is not supported',
  2: 'badRequest: the request is not permitted or supported',
  5: 'badDataFormat: the request is malformed',
  14: 'timeNotAvailable: the time source of the server is not available',
  15: 'unacceptedPolicy: the requested policy is not supported',
  16: 'unacceptedExtension: the requested extension is not supported',
  17: 'addInfoNotAvailable: the additional information requested is not available',
  25: 'systemFailure: the server failed',
};

/**
 * Parses and checks a DER TimeStampResp (see the file comment); returns the token and what it says.
 * Errors: tsa-bad-response, tsa-rejected, tsa-nonce-mismatch, tsa-imprint-mismatch,
 * tsa-bad-signature, tsa-bad-certificate.
 */
export function parseTimeStampResponse(response: Uint8Array, options: TimeStampResponseCheckOptions): TimeStampInfo {
  const server = options.server ?? 'the timestamp server';
  const root = parseAsn1(response);
  let resp: pkijs.TimeStampResp;
  try {
    if (root === null) throw new Error('not DER');
    resp = new pkijs.TimeStampResp({ schema: root });
  } catch (e) {
    throw new CmsError('tsa-bad-response', `${capitalize(server)} did not answer with a timestamp response.`, { cause: e });
  }
  const status = resp.status.status as number;
  if (status !== 0 && status !== 1) {
    const words = [PKI_STATUS[status] ?? `status ${status}`];
    const failures = failureInfo(resp.status.failInfo);
    if (failures.length > 0) words.push(failures.join(', '));
    const text = (resp.status.statusStrings ?? []).map((s) => s.valueBlock.value).filter(Boolean).join(' ');
    throw new CmsError('tsa-rejected', `${capitalize(server)} refused the timestamp request (${words.join(': ')})${text ? `: "${text}"` : ''}.`);
  }
  // The token as sent: the second element of the TimeStampResp SEQUENCE.
  const tokenBlock = (root as asn1js.Sequence).valueBlock.value[1];
  if (!tokenBlock) throw new CmsError('tsa-bad-response', `${capitalize(server)} granted the request but sent no timestamp token.`);
  const token = copyBytes(tokenBlock.valueBeforeDecodeView);
  const tst = tstInfo(token, server);
  const nonce = tst.nonce ? tst.nonce.toBigInt() : null;
  if ((options.nonce ?? null) !== null && nonce !== options.nonce) {
    throw new CmsError('tsa-nonce-mismatch', `${capitalize(server)} answered with a token for another request (the nonce differs).`);
  }
  return verifyTimeStampToken(token, options);
}

/**
 * Checks a DER TimeStampToken on its own: imprint, signature, TSA certificate (critical
 * timeStamping EKU, valid at genTime, matching the ESS signing-certificate attribute).
 */
export function verifyTimeStampToken(token: Uint8Array, options: TimeStampCheckOptions): TimeStampInfo {
  const server = options.server ?? 'the timestamp server';
  let signedData: pkijs.SignedData;
  try {
    signedData = signedDataOf(token);
  } catch (e) {
    throw new CmsError('tsa-bad-response', `${capitalize(server)} sent a timestamp token that is not a CMS SignedData.`, { cause: e });
  }
  const tst = tstInfo(signedData, server);
  const hash = hashByOid(tst.messageImprint.hashAlgorithm.algorithmId);
  const imprint = new Uint8Array(tst.messageImprint.hashedMessage.valueBlock.valueHexView);
  if (hash !== options.hash || !bytesEqual(imprint, options.imprint)) {
    throw new CmsError('tsa-imprint-mismatch', `${capitalize(server)} timestamped other data than what was asked (the message imprint differs).`);
  }
  const eContent = new Uint8Array(signedData.encapContentInfo.eContent?.getValue() ?? new ArrayBuffer(0));
  const check = checkSignerInfo(signedData, 0, eContent, options.tsaCertificate ? [options.tsaCertificate] : []);
  if (!check.signer) {
    throw new CmsError('tsa-bad-certificate', `${capitalize(server)} did not include the certificate that signed its timestamp.`);
  }
  if (check.failure) throw new CmsError('tsa-bad-signature', `The timestamp of ${server} does not verify: ${check.failure}.`);
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

function tstInfo(token: Uint8Array | pkijs.SignedData, server: string): pkijs.TSTInfo {
  try {
    return tstInfoOf(token);
  } catch (e) {
    throw new CmsError('tsa-bad-response', `${capitalize(server)} sent a timestamp token without a valid TSTInfo.`, { cause: e });
  }
}

function checkTsaCertificate(tsa: Certificate, signedData: pkijs.SignedData, genTime: Date, server: string): void {
  const eku = extendedKeyUsage(tsa);
  if (!eku || !eku.critical || !eku.purposes.includes(OID.kpTimeStamping)) {
    throw new CmsError(
      'tsa-bad-certificate',
      `The timestamp of ${server} is signed by ${certificateLabel(tsa)}, which is not a timestamping certificate (RFC 3161 asks for a critical timeStamping extended key usage).`,
    );
  }
  if (!isValidAt(tsa, genTime)) {
    throw new CmsError('tsa-bad-certificate', `The timestamp of ${server} (${formatDate(genTime)}) is outside the validity of ${certificateLabel(tsa)}.`);
  }
  const essHash = essCertHash(signedData);
  if (essHash && !bytesEqual(digest(essHash.hash, tsa.der), essHash.certHash)) {
    throw new CmsError('tsa-bad-certificate', `The timestamp of ${server} names another signing certificate than ${certificateLabel(tsa)}.`);
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

function failureInfo(bits: asn1js.BitString | undefined): string[] {
  if (!bits) return [];
  const bytes = bits.valueBlock.valueHexView;
  const out: string[] = [];
  for (let i = 0; i < bytes.length * 8; i++) {
    if (((bytes[i >> 3] ?? 0) >> (7 - (i & 7))) & 1) out.push(FAILURE_INFO[i] ?? `failure bit ${i}`);
  }
  return out;
}
