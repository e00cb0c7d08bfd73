// Integrity of one signature: its dictionary and /Contents, the /ByteRange (the whole file but
// exactly the /Contents hex string, ending at the end of a revision), the CMS container, the
// message digest over the byte ranges, and the signature over the signed attributes by the signer's
// certificate. The unsigned gap is scanned, and the byte ranges hashed, while reading the file in
// blocks (the ranges once per algorithm): memory does not grow with the file's size, whatever the
// /ByteRange claims.
import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import type * as pkijs from 'pkijs';
import { PdfDict, PdfName, PdfString } from '../pdf';
import type { ByteSource, FieldInfo, PdfReader } from '../pdf';
import { OID, bytesEqual, checkSignerInfo, hashByOid, parseCertificate, signedDataCertificates, signedDataOf, verifySignature } from '../cms';
import type { AnyHash, Certificate } from '../cms';
import type { Context } from './context';
import { reason } from './reasons';
import { msg } from '../errors';
import type { Message, MessageKey } from '../../preload/contract/messages';
import type { SignatureReport } from './report';

const CHUNK = 1024 * 1024;

/** What the byte range checks leave for the container checks. */
export interface SignedBytes {
  /** The DER object at the start of /Contents (its zero padding cut off). */
  cms: Uint8Array;
  /** The signed bytes end at the end of a revision (else BYTE_RANGE_NOT_REVISION was said). */
  byteRangeOk: boolean;
  /** The hash of the byte ranges, computed once per algorithm. */
  digest(hash: AnyHash): Promise<Uint8Array>;
}

/** A CMS signature whose signer certificate was found (the reasons say whether its checks passed). */
export interface SignerFound {
  signer: Certificate;
  info: pkijs.SignerInfo;
  /** The signed attributes (empty without any). */
  attributes: pkijs.Attribute[];
}

/** The signature dictionary of a signature field (its /V). */
export async function signatureDictionary(reader: PdfReader, field: FieldInfo): Promise<PdfDict | null> {
  if (field.signature?.ref) {
    const dict = await reader.getObject(field.signature.ref.num, field.signature.ref.gen);
    return dict instanceof PdfDict ? dict : null;
  }
  if (field.ref) {
    const fieldDict = await reader.getObject(field.ref.num, field.ref.gen);
    if (fieldDict instanceof PdfDict) {
      const value = await reader.resolve(fieldDict.get('V'));
      if (value instanceof PdfDict) return value;
    }
  }
  return null;
}

/** A certification signature: the one /Perms /DocMDP names, or one with a DocMDP transform. */
export async function isCertification(reader: PdfReader, dict: PdfDict, field: FieldInfo, docMdpSig: string | null): Promise<boolean> {
  if (docMdpSig !== null && field.signature?.ref?.key === docMdpSig) return true;
  const refs = await reader.resolve(dict.get('Reference'));
  if (!Array.isArray(refs)) return false;
  for (const item of refs) {
    const ref = await reader.resolve(item);
    if (ref instanceof PdfDict) {
      const method = await reader.resolve(ref.get('TransformMethod'));
      if (method instanceof PdfName && method.value === 'DocMDP') return true;
    }
  }
  return false;
}

/**
 * /Contents and /ByteRange: [0, '<' offset, after '>', rest of ITS revision], the gap exactly
 * /Contents. Sets coversWholeFile and revision; null when nothing more can be checked (the reason
 * is in the report).
 */
export async function signedBytesOf(dict: PdfDict | null, field: FieldInfo, ctx: Context, report: SignatureReport): Promise<SignedBytes | null> {
  const { reader, source } = ctx;
  const contentsValue = dict ? await reader.resolve(dict.get('Contents')) : null;
  if (!(contentsValue instanceof PdfString)) {
    report.reasons.push(reason('CONTENTS_MISSING'));
    return null;
  }
  const cms = trimDer(contentsValue.bytes);
  const br = field.signature?.byteRange ?? null;
  const range = br ? await checkByteRange(br, contentsValue.bytes.length, source) : msg('reason.detail.byte-range.missing');
  if ('key' in range || !br) {
    report.reasons.push(reason('BYTE_RANGE_MALFORMED', 'key' in range ? range : undefined));
    return null;
  }
  const end = range.end;
  report.coversWholeFile = end === source.size;
  const revision = reader.revisionEndingAt(end);
  report.revision = revision?.number ?? null;
  const byteRangeOk = revision !== null;
  if (!byteRangeOk) report.reasons.push(reason('BYTE_RANGE_NOT_REVISION', msg('reason.detail.byte-range.not-revision', { end, size: source.size })));
  const digests = new Map<AnyHash, Uint8Array>();
  const digest = async (hash: AnyHash) => {
    let value = digests.get(hash);
    if (!value) {
      value = await hashRanges(source, br, hash);
      digests.set(hash, value);
    }
    return value;
  };
  return { cms, byteRangeOk, digest };
}

/** The SignedData of /Contents and the certificates it carries; null when it cannot be read (CONTAINER_UNREADABLE). */
export function containerOf(cms: Uint8Array, report: SignatureReport): { signedData: pkijs.SignedData; certificates: Uint8Array[] } | null {
  let signedData: pkijs.SignedData;
  let certificates: Uint8Array[];
  try {
    signedData = signedDataOf(cms);
    certificates = signedDataCertificates(signedData);
  } catch {
    report.reasons.push(reason('CONTAINER_UNREADABLE'));
    return null;
  }
  // Every certificate it carries is parsed here, once (parseCertificate caches): pkijs reads some
  // that node:crypto refuses (a subject string with a wrong tag, say), and one refused later, while
  // looking for the signer or building the chain, would make the whole file unreadable.
  const damaged = certificates.findIndex((der) => {
    try {
      parseCertificate(der);
      return false;
    } catch {
      return true;
    }
  });
  if (damaged >= 0) {
    report.reasons.push(reason('CONTAINER_UNREADABLE', msg('reason.detail.container.bad-certificate', { index: damaged + 1, count: certificates.length })));
    return null;
  }
  return { signedData, certificates };
}

/**
 * A CMS signature (SubFilter ETSI.CAdES.detached, adbe.pkcs7.detached or adbe.pkcs7.sha1): the
 * message digest over the ranges, then the signature over the signed attributes. Sets intact and
 * signatureValid; null when the signer's certificate is missing or nothing can be checked.
 * `dssCerts`: the DSS certificates, parsed only when the container lacks the signer's.
 */
export async function verifyCmsSignature(
  subFilter: string | null, signedData: pkijs.SignedData, bytes: SignedBytes, dssCerts: readonly Uint8Array[], report: SignatureReport,
): Promise<SignerFound | null> {
  if (subFilter !== 'ETSI.CAdES.detached' && subFilter !== 'adbe.pkcs7.detached' && subFilter !== 'adbe.pkcs7.sha1') {
    report.reasons.push(reason('UNSUPPORTED_SUBFILTER', `SubFilter ${subFilter ?? 'missing'}`));
    return null;
  }
  const info = signedData.signerInfos[0];
  if (!info) {
    report.reasons.push(reason('CONTAINER_UNREADABLE', 'it has no signer'));
    return null;
  }
  const hash = hashByOid(info.digestAlgorithm.algorithmId);
  if (!hash) {
    report.reasons.push(reason('UNSUPPORTED_ALGORITHM', `digest ${info.digestAlgorithm.algorithmId}`));
    return null;
  }
  let content: Uint8Array;
  let expected: Uint8Array;
  if (subFilter === 'adbe.pkcs7.sha1') {
    content = new Uint8Array(signedData.encapContentInfo.eContent?.getValue() ?? new ArrayBuffer(0));
    expected = await bytes.digest('sha1');
  } else {
    content = new Uint8Array(0);
    expected = await bytes.digest(hash);
  }
  const attributes = info.signedAttrs?.attributes ?? [];
  const md = attributes.find((a) => a.type === OID.messageDigest)?.values[0] as asn1js.OctetString | undefined;
  let digestOk: boolean;
  if (subFilter === 'adbe.pkcs7.sha1') digestOk = bytesEqual(content, expected);
  else if (md) digestOk = bytesEqual(new Uint8Array(md.valueBlock.valueHexView), expected);
  else digestOk = false;
  if (!digestOk) report.reasons.push(reason('DIGEST_MISMATCH'));
  report.intact = digestOk && bytes.byteRangeOk;
  // checkSignerInfo finds the signer certificate; the signature itself is checked here over the
  // signed attributes (the content is never loaded: its digest was compared above).
  // The signer's certificate is almost always in the container: the DSS is parsed only when it is not.
  let check = checkSignerInfo(signedData, 0, content);
  if (!check.signer && dssCerts.length > 0) check = checkSignerInfo(signedData, 0, content, dssCerts);
  const signer = check.signer;
  if (!signer) {
    report.reasons.push(reason('SIGNER_CERTIFICATE_MISSING'));
    return null;
  }
  if (!info.signedAttrs) {
    report.reasons.push(reason('UNSUPPORTED_ALGORITHM', 'a signature without signed attributes'));
  } else {
    try {
      report.signatureValid = verifySignature({
        data: new Uint8Array(info.signedAttrs.encodedValue),
        signature: new Uint8Array(info.signature.valueBlock.valueHexView),
        publicKey: signer.x509.publicKey,
        signatureAlgorithm: info.signatureAlgorithm,
        digestAlgorithmOid: info.digestAlgorithm.algorithmId,
      });
      if (!report.signatureValid) report.reasons.push(reason('SIGNATURE_INVALID'));
    } catch (error) {
      report.reasons.push(reason('UNSUPPORTED_ALGORITHM', error instanceof Error ? error.message : undefined));
    }
  }
  return { signer, info, attributes };
}

/** Checks the /ByteRange; returns the end of the signed bytes, or what is wrong (a catalog message). */
async function checkByteRange(br: readonly number[], contentsLength: number, source: ByteSource): Promise<{ end: number } | Message> {
  const detail = (what: string, params?: Record<string, string | number>) => msg(`reason.detail.byte-range.${what}` as MessageKey, params);
  if (br.length !== 4) return detail('count', { count: br.length });
  const [a, b, c, d] = br as [number, number, number, number];
  if (![a, b, c, d].every((n) => Number.isSafeInteger(n) && n >= 0)) return detail('not-integers');
  if (a !== 0) return detail('not-from-start', { start: a });
  if (b <= 0 || d <= 0) return detail('empty');
  if (c < b) return detail('out-of-order', { first: b, second: c });
  if (c <= b + 1) return detail('overlap');
  if (c + d > source.size) return detail('beyond-end', { end: c + d, size: source.size });
  // The gap is whatever the /ByteRange says, up to the whole file: it is scanned in blocks, never
  // read at once, and the scan stops at the first byte that cannot be part of the /Contents string
  // or at the first hex digit more than the string has.
  const [open] = await source.read(b, 1);
  const [close] = await source.read(c - 1, 1);
  if (open !== 0x3c || close !== 0x3e) return detail('gap-not-contents');
  const maxDigits = 2 * contentsLength;
  let digits = 0;
  for (let pos = b + 1; pos < c - 1; pos += CHUNK) {
    const block = await source.read(pos, Math.min(CHUNK, c - 1 - pos));
    for (const byte of block) {
      const hex = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66);
      if (hex) {
        if (++digits > maxDigits) return detail('gap-too-large', { gap: c - b, contents: contentsLength });
      } else if (![0x20, 0x0a, 0x0d, 0x09, 0x0c].includes(byte)) return detail('gap-foreign');
    }
  }
  if (Math.ceil(digits / 2) !== contentsLength) return detail('gap-not-this-value');
  return { end: c + d };
}

async function hashRanges(source: ByteSource, br: readonly number[], hash: AnyHash): Promise<Uint8Array> {
  const h = createHash(hash);
  for (let i = 0; i + 1 < br.length; i += 2) {
    const start = br[i] as number;
    const length = br[i + 1] as number;
    if (source.stream) await source.stream(start, length, (chunk) => h.update(chunk));
    else for (let pos = start; pos < start + length; pos += CHUNK) h.update(await source.read(pos, Math.min(CHUNK, start + length - pos)));
  }
  return new Uint8Array(h.digest());
}

/** The DER object at the start of a zero-padded /Contents. */
function trimDer(bytes: Uint8Array): Uint8Array {
  if (bytes.length < 2 || bytes[0] !== 0x30) return bytes;
  const first = bytes[1] as number;
  if (first === 0x80) {
    // BER indefinite length (NSS writes it): the parser says where the object ends.
    const parsed = asn1js.fromBER(bytes);
    return parsed.offset > 0 ? bytes.subarray(0, parsed.offset) : bytes;
  }
  if (first < 0x80) return bytes.subarray(0, Math.min(bytes.length, 2 + first));
  const n = first & 0x7f;
  let length = 0;
  for (let i = 0; i < n; i++) length = length * 256 + (bytes[2 + i] ?? 0);
  return bytes.subarray(0, Math.min(bytes.length, 2 + n + length));
}

