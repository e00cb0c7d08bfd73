// The signature validator: for every signature and document timestamp of a PDF, in revision order,
// what it protects (integrity), who signed (signer, trust), when (claimed /M, signature timestamp,
// document timestamps), whether the certificate was cancelled (revocation from the DSS, the
// signature itself or, with `online`, the network), the PAdES level reached, and a status.
// The byte ranges are hashed while reading the file in blocks: memory does not grow with its size.
// Every timestamp's TSA is judged like a signer (chain to the trust anchors, revocation as of the
// timestamp's time), and revocation data from the document counts only when it speaks for the
// signing time (`applicability`).
import { X509Certificate, createHash } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import * as asn1js from 'asn1js';
import type * as pkijs from 'pkijs';
import { PdfDict, PdfName, PdfRef, PdfStream, PdfString, openPdf, readPdfDate } from '../pdf';
import type { ByteSource, FieldInfo, PdfReader } from '../pdf';
import {
  OID, buildChain, bytesEqual, checkSignerInfo, digest, fingerprint, hasOcspNoCheck, hashByOid, isCmsError, isValidAt, parseCertificate, parseCrl,
  parseOcspResponse, serialHex, signedDataCertificates, signedDataOf, subjectName, tstInfoOf, verifySignature,
  validatePath, verifyTimeStampToken,
} from '../cms';
import type { AnyHash, Certificate, HashAlgorithm, PathFailure, PathFailureCode, PathPurpose, TimeStampInfo } from '../cms';
import { fetchCrl, fetchIssuer, fetchOcsp } from '../remote';
import { distinguishedName } from '../x509';
import type { SignatureLevel } from '../../preload/contract/domain';
import { modificationsAfter } from './modifications-adapter';
import type { Modifications } from './modifications-adapter';
import { reason } from './reasons';
import type { Reason, ReasonCode } from './reasons';

export interface ValidationOptions {
  /** Certificates the user trusts (DER or PEM). */
  trustAnchors: readonly Uint8Array[];
  /** Also trust the root set Node ships (Mozilla's). */
  systemTrust: boolean;
  /** Fetch missing issuers and revocation data over the network. */
  online: boolean;
  /** The validation time (tests). Default now. */
  now?: Date;
}

export type Status = 'VALID' | 'INVALID' | 'INDETERMINATE';
export type Verdict = Status | 'NO_SIGNATURES';
export type Revocation = 'good' | 'revoked' | 'unknown' | 'not-checked';
export type Level = SignatureLevel;
export type SignatureKind = 'approval' | 'certification' | 'doc-timestamp';

export interface SignerSummary {
  subject: string;
  issuer: string;
  serial: string;
  /** The common name, for sentences. */
  name: string;
}

export interface TimestampSummary {
  time: string;
  tsa: string;
  valid: boolean;
}

export interface SignatureReport {
  field: string | null;
  kind: SignatureKind;
  subFilter: string | null;
  signer: SignerSummary | null;
  signedAt: string | null;
  timestamp: TimestampSummary | null;
  intact: boolean;
  signatureValid: boolean;
  trusted: boolean;
  revocation: Revocation;
  coversWholeFile: boolean;
  revision: number | null;
  modifications: Modifications;
  level: Level;
  status: Status;
  reasons: Reason[];
  /** Where the revocation answers came from, and the chain, for "details". */
  chain: string[];
  /** The same chain as DER, signer first (for "trust this certificate" and details). */
  chainCertificates: Uint8Array[];
  revocationSources: string[];
  /** The same answers, structured, for sentences in the user's language. */
  revocationChecks: RevocationCheck[];
  /** Every certificate of the chain had its revocation answer in the DSS (for B-LT). */
  revocationFromDss: boolean;
  /** The same for the chain of the signature timestamp's TSA; unset without a trusted signature timestamp. */
  tsaRevocationFromDss?: boolean;
}

/** One revocation answer used for a certificate of a chain (the signer's or a TSA's). */
export interface RevocationCheck {
  /** The certificate's common name. */
  certificate: string;
  /** A certificate of a timestamp authority's chain (not the signer's). */
  timestampAuthority: boolean;
  status: 'good' | 'revoked' | 'unknown';
  /** dss: stored in the document; signature: inside the signature; online: fetched now; stale: data that does not speak for the signing time; failed: the online check failed. */
  origin: 'dss' | 'signature' | 'online' | 'stale' | 'failed';
  kind: 'OCSP' | 'CRL' | null;
  revokedAt: string | null;
}

export interface FileReport {
  file: string;
  verdict: Verdict;
  signatures: SignatureReport[];
}

/** Reasons that make a signature INVALID; every other reason but the informative ones makes it INDETERMINATE. */
const INVALID: ReadonlySet<ReasonCode> = new Set<ReasonCode>([
  'BYTE_RANGE_MALFORMED', 'BYTE_RANGE_NOT_REVISION', 'CONTENTS_MISSING', 'CONTAINER_UNREADABLE', 'DIGEST_MISMATCH', 'SIGNATURE_INVALID',
  'CERTIFICATE_REVOKED', 'TIMESTAMP_IMPRINT_MISMATCH', 'MODIFIED_NOT_ALLOWED',
]);
const INFORMATIVE: ReadonlySet<ReasonCode> = new Set<ReasonCode>(['MODIFICATIONS_NOT_ANALYSED', 'REVOKED_AFTER_SIGNING', 'CLAIMED_TIME_AFTER_TIMESTAMP']);
/** Clock difference tolerated between the signer's /M and the timestamp. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;

const REVOCATION_ARCHIVAL = '1.2.840.113583.1.1.8';
const CHUNK = 1024 * 1024;

/** Validates every signature of the PDF in `source`. Throws PdfError when the file cannot be read. */
export async function validatePdf(source: ByteSource, options: ValidationOptions): Promise<FileReport> {
  const reader = await openPdf(source);
  const file = source.name ?? 'document';
  const context = await contextOf(reader, source, options);
  const fields = (await reader.fields()).filter((f) => f.type === 'Sig' && f.signature !== null);
  const entries: { field: FieldInfo; end: number }[] = fields.map((field) => {
    const br = field.signature?.byteRange;
    const end = br && br.length === 4 ? (br[2] ?? 0) + (br[3] ?? 0) : Number.MAX_SAFE_INTEGER;
    return { field, end };
  });
  entries.sort((a, b) => a.end - b.end);
  const signatures: SignatureReport[] = [];
  for (const { field } of entries) signatures.push(await validateSignature(field, context));
  finishLevels(signatures, context);
  for (const sig of signatures) sig.status = statusOf(sig.reasons);
  return { file, verdict: verdictOf(signatures), signatures };
}

export function verdictOf(signatures: readonly SignatureReport[]): Verdict {
  if (signatures.length === 0) return 'NO_SIGNATURES';
  if (signatures.some((s) => s.status === 'INVALID')) return 'INVALID';
  if (signatures.some((s) => s.status === 'INDETERMINATE')) return 'INDETERMINATE';
  return 'VALID';
}

function statusOf(reasons: readonly Reason[]): Status {
  if (reasons.some((r) => INVALID.has(r.code))) return 'INVALID';
  if (reasons.some((r) => !INFORMATIVE.has(r.code))) return 'INDETERMINATE';
  return 'VALID';
}

// ---------------------------------------------------------------------------------------------

interface Context {
  reader: PdfReader;
  source: ByteSource;
  options: ValidationOptions;
  now: Date;
  anchors: Certificate[];
  anchorPrints: Set<string>;
  /** The system roots (empty without systemTrust), by subject DN as node:crypto writes it. */
  system: Map<string, Uint8Array[]>;
  dss: { certs: Uint8Array[]; ocsps: Uint8Array[]; crls: Uint8Array[]; revision: number | null } | null;
  docMdpSig: string | null;
}

/** Node's root set, by subject (Node's own parser: fast); parsed with pkijs only when a chain needs one. */
let systemRoots: Map<string, Uint8Array[]> | null = null;

function systemRootsBySubject(): Map<string, Uint8Array[]> {
  if (!systemRoots) {
    systemRoots = new Map();
    for (const pem of rootCertificates) {
      try {
        const x509 = new X509Certificate(pem);
        const list = systemRoots.get(x509.subject) ?? [];
        list.push(new Uint8Array(x509.raw));
        systemRoots.set(x509.subject, list);
      } catch {
        // A root Node ships that cannot be read: not used.
      }
    }
  }
  return systemRoots;
}

async function contextOf(reader: PdfReader, source: ByteSource, options: ValidationOptions): Promise<Context> {
  const anchors = options.trustAnchors.map((a) => parseCertificate(a, 'a trusted certificate'));
  const catalog = await reader.catalog();
  let dss: Context['dss'] = null;
  const dssValue = catalog.get('DSS');
  const dssDict = await reader.resolve(dssValue);
  if (dssDict instanceof PdfDict) {
    const streams = async (key: string): Promise<Uint8Array[]> => {
      const array = await reader.resolve(dssDict.get(key));
      if (!Array.isArray(array)) return [];
      const out: Uint8Array[] = [];
      for (const item of array) {
        const stream = await reader.resolve(item);
        if (stream instanceof PdfStream) out.push(await reader.streamData(stream));
      }
      return out;
    };
    const rootRef = reader.revisions.at(-1)?.trailer.get('Root');
    const ref = dssValue instanceof PdfRef ? dssValue : rootRef instanceof PdfRef ? rootRef : null;
    dss = { certs: await streams('Certs'), ocsps: await streams('OCSPs'), crls: await streams('CRLs'), revision: ref ? (reader.objectRevision(ref.num)?.number ?? null) : null };
  }
  // The signature dictionary the catalog's /Perms /DocMDP names: the certification signature.
  let docMdpSig: string | null = null;
  const perms = await reader.resolve(catalog.get('Perms'));
  if (perms instanceof PdfDict) {
    const docMdp = perms.get('DocMDP');
    if (docMdp instanceof PdfRef) docMdpSig = docMdp.key;
  }
  return {
    reader, source, options, now: options.now ?? new Date(), anchors, anchorPrints: new Set(anchors.map((a) => fingerprint(a.der))), dss, docMdpSig,
    system: options.systemTrust ? systemRootsBySubject() : new Map(),
  };
}

async function signatureDictionary(reader: PdfReader, field: FieldInfo): Promise<PdfDict | null> {
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

function blankReport(field: FieldInfo, kind: SignatureKind): SignatureReport {
  return {
    field: field.name, kind, subFilter: field.signature?.subFilter ?? null, signer: null, signedAt: null, timestamp: null, intact: false,
    signatureValid: false, trusted: false, revocation: 'not-checked', coversWholeFile: false, revision: null, modifications: 'none', level: 'none',
    status: 'INDETERMINATE', reasons: [], chain: [], chainCertificates: [], revocationSources: [], revocationChecks: [], revocationFromDss: false,
  };
}

async function isCertification(reader: PdfReader, dict: PdfDict, field: FieldInfo, docMdpSig: string | null): Promise<boolean> {
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

async function validateSignature(field: FieldInfo, ctx: Context): Promise<SignatureReport> {
  const { reader, source } = ctx;
  const sig = field.signature;
  const dict = await signatureDictionary(reader, field);
  const isDocTs = sig?.type === 'DocTimeStamp' || sig?.subFilter === 'ETSI.RFC3161';
  const kind: SignatureKind = isDocTs ? 'doc-timestamp' : dict && (await isCertification(reader, dict, field, ctx.docMdpSig)) ? 'certification' : 'approval';
  const report = blankReport(field, kind);
  const contentsValue = dict ? await reader.resolve(dict.get('Contents')) : null;
  if (!(contentsValue instanceof PdfString)) {
    report.reasons.push(reason('CONTENTS_MISSING'));
    return report;
  }
  const cms = trimDer(contentsValue.bytes);

  // --- ByteRange: [0, '<' offset, after '>', rest of ITS revision], the gap is exactly /Contents.
  const br = sig?.byteRange ?? null;
  const range = br ? await checkByteRange(br, contentsValue.bytes.length, source) : 'no /ByteRange';
  if (typeof range === 'string' || !br) {
    report.reasons.push(reason('BYTE_RANGE_MALFORMED', typeof range === 'string' ? range : undefined));
    return report;
  }
  const end = range.end;
  report.coversWholeFile = end === source.size;
  const revision = reader.revisionEndingAt(end);
  report.revision = revision?.number ?? null;
  const byteRangeOk = revision !== null;
  if (!byteRangeOk) report.reasons.push(reason('BYTE_RANGE_NOT_REVISION', `the signed bytes end at offset ${end}, not at the end of a revision`));

  if (dict && !isDocTs) report.signedAt = readPdfDate(await reader.resolve(dict.get('M')));

  const digests = new Map<AnyHash, Uint8Array>();
  const rangeDigest = async (hash: AnyHash) => {
    let value = digests.get(hash);
    if (!value) {
      value = await hashRanges(source, br, hash);
      digests.set(hash, value);
    }
    return value;
  };

  const embedded: Uint8Array[] = [];
  let signer: Certificate | null;
  let signatureTime: TimeStampInfo | null = null;
  let signedData: pkijs.SignedData;
  try {
    signedData = signedDataOf(cms);
    embedded.push(...signedDataCertificates(signedData));
  } catch {
    report.reasons.push(reason('CONTAINER_UNREADABLE'));
    return report;
  }

  if (isDocTs) {
    // --- Document timestamp: the TSTInfo imprint is the hash of the ranges.
    try {
      const tst = tstInfoOf(cms);
      const hash = hashByOid(tst.messageImprint.hashAlgorithm.algorithmId);
      if (!hash) throw new Error('unsupported hash');
      const imprint = await rangeDigest(hash);
      const info = verifyTimeStampToken(cms, { imprint, hash: hash as HashAlgorithm });
      report.intact = byteRangeOk;
      report.signatureValid = true;
      signatureTime = info;
      signer = info.tsaCertificate ? parseCertificate(info.tsaCertificate) : null;
      report.timestamp = { time: info.genTime.toISOString(), tsa: signer ? subjectName(signer) : 'unknown', valid: true };
      report.signedAt = info.genTime.toISOString();
    } catch (error) {
      if (isCmsError(error, 'tsa-imprint-mismatch')) report.reasons.push(reason('DIGEST_MISMATCH', 'the document timestamp does not match the document'));
      else report.reasons.push(reason('SIGNATURE_INVALID', error instanceof Error ? error.message : String(error)));
      return report;
    }
  } else {
    // --- CMS signature: message digest over the ranges, then the signature over the signed attributes.
    const subFilter = sig?.subFilter ?? null;
    if (subFilter !== 'ETSI.CAdES.detached' && subFilter !== 'adbe.pkcs7.detached' && subFilter !== 'adbe.pkcs7.sha1') {
      report.reasons.push(reason('UNSUPPORTED_SUBFILTER', `SubFilter ${subFilter ?? 'missing'}`));
      return report;
    }
    const info = signedData.signerInfos[0];
    if (!info) {
      report.reasons.push(reason('CONTAINER_UNREADABLE', 'it has no signer'));
      return report;
    }
    const hash = hashByOid(info.digestAlgorithm.algorithmId);
    if (!hash) {
      report.reasons.push(reason('UNSUPPORTED_ALGORITHM', `digest ${info.digestAlgorithm.algorithmId}`));
      return report;
    }
    const dssCerts = ctx.dss?.certs ?? [];
    let content: Uint8Array;
    let expected: Uint8Array;
    if (subFilter === 'adbe.pkcs7.sha1') {
      content = new Uint8Array(signedData.encapContentInfo.eContent?.getValue() ?? new ArrayBuffer(0));
      expected = await rangeDigest('sha1');
    } else {
      content = new Uint8Array(0);
      expected = await rangeDigest(hash);
    }
    const attrs = info.signedAttrs?.attributes ?? [];
    const md = attrs.find((a) => a.type === OID.messageDigest)?.values[0] as asn1js.OctetString | undefined;
    let digestOk: boolean;
    if (subFilter === 'adbe.pkcs7.sha1') digestOk = bytesEqual(content, expected);
    else if (md) digestOk = bytesEqual(new Uint8Array(md.valueBlock.valueHexView), expected);
    else digestOk = false;
    if (!digestOk) report.reasons.push(reason('DIGEST_MISMATCH'));
    report.intact = digestOk && byteRangeOk;
    // checkSignerInfo finds the signer certificate; the signature itself is checked here over the
    // signed attributes (the content is never loaded: its digest was compared above).
    // The signer's certificate is almost always in the container: the DSS is parsed only when it is not.
    let check = checkSignerInfo(signedData, 0, content);
    if (!check.signer && dssCerts.length > 0) check = checkSignerInfo(signedData, 0, content, dssCerts);
    signer = check.signer;
    if (!signer) {
      report.reasons.push(reason('SIGNER_CERTIFICATE_MISSING'));
      return report;
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
    // --- Signature timestamp: its imprint is the hash of the signature value.
    const [token] = timestampTokensOf(signedData);
    if (token) {
      let tsa = 'unknown';
      try {
        const tst = tstInfoOf(token);
        const tsHash = hashByOid(tst.messageImprint.hashAlgorithm.algorithmId);
        if (!tsHash) throw new Error('unsupported hash');
        const imprint = digest(tsHash, new Uint8Array(info.signature.valueBlock.valueHexView));
        const ts = verifyTimeStampToken(token, { imprint, hash: tsHash as HashAlgorithm });
        if (ts.tsaCertificate) tsa = subjectName(ts.tsaCertificate);
        // The TSA's chain, built to the trust anchors, and its revocation (DSS, then the signature
        // and the token, then --online) as of the timestamp's own time.
        const tsaChain = await chainOf(ts.tsaCertificate ?? new Uint8Array(0), [...ts.certificates, ...embedded, ...dssCerts], ctx, ts.genTime, 'timestamping');
        let tsaUsable = tsaChain.trusted;
        if (!tsaChain.trusted) {
          report.reasons.push(...chainReasons(tsaChain, 'TIMESTAMP_UNTRUSTED', `timestamp authority ${tsa}, `));
        } else {
          const tsaRevocation = await revocationOf(tsaChain.certificates, ctx, mergeRevocation(embeddedRevocation(signedData), tokenRevocation(token)),
            report, ts.genTime, 'timestamp authority: ');
          // A TSA certificate that is itself trusted (or needs no check) needs nothing in the DSS.
          report.tsaRevocationFromDss = tsaRevocation.allFromDss || tsaRevocation.needed === 0;
          tsaUsable = timestampRevocationReasons(tsaRevocation, ts.genTime, report.reasons);
        }
        // timestamp.valid: imprint and signature verified, and a trusted (not revoked) TSA chain.
        report.timestamp = { time: ts.genTime.toISOString(), tsa, valid: tsaUsable };
        if (tsaUsable) signatureTime = ts;
        if (report.signedAt && Date.parse(report.signedAt) > ts.genTime.getTime() + CLOCK_SKEW_MS) {
          report.reasons.push(reason('CLAIMED_TIME_AFTER_TIMESTAMP', `stated ${report.signedAt}, timestamp ${ts.genTime.toISOString()}`));
        }
      } catch (error) {
        if (isCmsError(error, 'tsa-imprint-mismatch')) report.reasons.push(reason('TIMESTAMP_IMPRINT_MISMATCH'));
        else report.reasons.push(reason('TIMESTAMP_INVALID', error instanceof Error ? error.message : undefined));
        let time: string | null = null;
        try {
          time = tstInfoOf(token).genTime.toISOString();
        } catch {
          // unreadable token: no time to show
        }
        report.timestamp = time ? { time, tsa, valid: false } : null;
      }
    }
    report.level = attrs.some((a) => a.type === OID.signingCertificateV2) ? (report.timestamp?.valid ? 'B-T' : 'B-B') : 'none';
  }

  if (!signer) return report;
  report.signer = {
    subject: distinguishedName(signer.cert.subject),
    issuer: distinguishedName(signer.cert.issuer),
    serial: serialHex(signer),
    name: subjectName(signer),
  };

  // --- Validity at signing time: proven by a trusted timestamp, else judged now.
  const at = signatureTime?.genTime ?? ctx.now;
  if (!isDocTs && !isValidAt(signer, at)) {
    report.reasons.push(reason('CERTIFICATE_EXPIRED', `valid from ${signer.x509.validFrom} to ${signer.x509.validTo}`));
  }

  if (!isDocTs && !keyUsageAllowsSigning(signer)) report.reasons.push(reason('KEY_USAGE_NOT_SIGNING', 'its key usage has neither digitalSignature nor nonRepudiation'));

  // --- Trust and revocation.
  const revocationData = embeddedRevocation(signedData);
  const chain = await chainOf(signer.der, [...embedded, ...(ctx.dss?.certs ?? [])], ctx, at, isDocTs ? 'timestamping' : 'document-signing');
  report.chain = chain.certificates.map((c) => subjectName(c));
  report.chainCertificates = chain.certificates.map((c) => c.der);
  report.trusted = chain.trusted;
  report.reasons.push(...chainReasons(chain, isDocTs ? 'TIMESTAMP_UNTRUSTED' : 'CHAIN_UNTRUSTED'));
  if (report.timestamp && isDocTs) report.timestamp.valid = chain.trusted;
  // Freshness of the revocation data is judged at the best signing time: the trusted timestamp
  // (for a document timestamp, its own time), else the claimed /M.
  const signedAt = signatureTime?.genTime ?? (report.signedAt ? new Date(report.signedAt) : null);
  const revocation = await revocationOf(chain.certificates, ctx, revocationData, report, signedAt);
  report.revocation = revocation.status;
  report.revocationFromDss = revocation.allFromDss;
  if (isDocTs) {
    // A document timestamp's TSA: revoked before its time, the time is not proven (INDETERMINATE).
    const usable = timestampRevocationReasons(revocation, signatureTime?.genTime ?? ctx.now, report.reasons);
    if (report.timestamp) report.timestamp.valid &&= usable;
    if (chain.trusted && report.intact && report.timestamp?.valid) report.level = 'B-T';
  } else if (revocation.status === 'revoked') {
    // PAdES: a revocation after a time proven by a trusted timestamp does not undo the signature.
    const proven = signatureTime && revocation.revokedAt && revocation.revokedAt.getTime() > signatureTime.genTime.getTime();
    report.reasons.push(reason(proven ? 'REVOKED_AFTER_SIGNING' : 'CERTIFICATE_REVOKED', revocation.detail));
  }
  if (!isDocTs && revocation.status === 'unknown') report.reasons.push(reason(revocationUnknownCode(revocation, false), revocation.detail));

  // --- Changes after the signed revision.
  if (report.revision !== null) {
    const mods = await modificationsAfter(reader, report.revision);
    report.modifications = mods.modifications;
    if (!mods.allowed) report.reasons.push(reason('MODIFIED_NOT_ALLOWED', mods.details.join('; ') || undefined));
    else if (!mods.analysed) report.reasons.push(reason('MODIFICATIONS_NOT_ANALYSED', mods.details.join('; ') || undefined));
  }
  return report;
}

/** keyUsage (RFC 5280 4.2.1.3), when present, must allow digitalSignature (bit 0) or nonRepudiation (bit 1). */
function keyUsageAllowsSigning(certificate: Certificate): boolean {
  const extension = certificate.cert.extensions?.find((e) => e.extnID === '2.5.29.15');
  if (!extension) return true;
  const bits = (extension.parsedValue as asn1js.BitString | undefined)?.valueBlock.valueHexView;
  if (!bits || bits.length === 0) return true;
  return ((bits[0] ?? 0) & 0xc0) !== 0;
}

/**
 * The reason for an unknown revocation status: for a signer, data not applicable at the signing
 * time (stale, or dated in the future) or none that answers; for a TSA, always
 * TIMESTAMP_REVOCATION_UNKNOWN (the detail says why).
 */
function revocationUnknownCode(revocation: RevocationResult, timestamp: boolean): ReasonCode {
  if (timestamp) return 'TIMESTAMP_REVOCATION_UNKNOWN';
  if (revocation.notFresh === 'future') return 'REVOCATION_NOT_YET_VALID';
  if (revocation.notFresh === 'stale') return 'REVOCATION_NOT_FRESH';
  return 'REVOCATION_UNKNOWN';
}

/**
 * The reasons a timestamp's TSA revocation status adds; returns whether the timestamp still proves
 * its time. A TSA certificate revoked at or before the timestamp's time (or at an unknown date) makes
 * the timestamp unusable (TIMESTAMP_REVOKED: INDETERMINATE, the time is not proven); revoked after
 * it, the token stands (RFC 3161 §4, ETSI EN 319 102-1 §5.4: it was issued while the key was good).
 * An unknown status leaves the timestamp in use but the signature INDETERMINATE.
 */
function timestampRevocationReasons(revocation: RevocationResult, time: Date, reasons: Reason[]): boolean {
  if (revocation.status === 'revoked') {
    if (revocation.revokedAt && revocation.revokedAt.getTime() > time.getTime()) return true;
    reasons.push(reason('TIMESTAMP_REVOKED', revocation.detail));
    return false;
  }
  if (revocation.status === 'unknown') reasons.push(reason(revocationUnknownCode(revocation, true), revocation.detail));
  return true;
}

/**
 * B-LT and B-LTA need the whole file. A signature: B-T plus DSS revocation data for its chain and
 * its timestamp's TSA chain is B-LT; covered by a later document timestamp, B-LTA.
 * A document timestamp (ETSI EN 319 142-1 §5.5 read for the timestamp itself): B-T when it is intact
 * and its TSA trusted; B-LT when the DSS holds the revocation data of its TSA chain; B-LTA when a
 * later document timestamp covers that DSS (the archive chain goes on).
 */
function finishLevels(signatures: SignatureReport[], ctx: Context): void {
  for (const sig of signatures) {
    if (sig.level !== 'B-T' || !ctx.dss || !sig.revocationFromDss || sig.revocation !== 'good') continue;
    if (sig.kind !== 'doc-timestamp' && sig.timestamp && sig.tsaRevocationFromDss === false) continue;
    sig.level = 'B-LT';
    const dssRevision = ctx.dss.revision ?? Number.MAX_SAFE_INTEGER;
    const covered = signatures.some((ts) => ts.kind === 'doc-timestamp' && ts.intact && ts.revision !== null && ts.revision >= dssRevision && ts.revision > (sig.revision ?? 0));
    if (covered) sig.level = 'B-LTA';
  }
}

// ---------------------------------------------------------------------------------------------

interface Chain {
  /** The chain as built (leaf first; it may go on above the anchor). */
  certificates: Certificate[];
  /** RFC 5280 path validation passed (see trustFailures for what is left out for a signer). */
  trusted: boolean;
  /** What path validation found wrong, leaf first (see main/cms/path.ts). */
  failures: PathFailure[];
}

/** The reason code of each path validation failure ('untrusted' is CHAIN_UNTRUSTED / TIMESTAMP_UNTRUSTED, said by the caller). */
const PATH_REASONS: Readonly<Record<Exclude<PathFailureCode, 'untrusted'>, ReasonCode>> = {
  'issuer-not-ca': 'CHAIN_ISSUER_NOT_CA',
  'issuer-key-usage': 'CHAIN_ISSUER_KEY_USAGE',
  'path-length': 'CHAIN_PATH_LENGTH',
  expired: 'CHAIN_CERT_EXPIRED',
  'not-yet-valid': 'CHAIN_CERT_NOT_YET_VALID',
  'unknown-critical-extension': 'CHAIN_UNKNOWN_CRITICAL_EXTENSION',
  'name-constraints': 'CHAIN_NAME_CONSTRAINTS',
  'extended-key-usage': 'CHAIN_EKU',
};

/**
 * The reasons of an untrusted chain: `untrusted` (CHAIN_UNTRUSTED or TIMESTAMP_UNTRUSTED: the
 * renderer's status reads them) with the chain, then one specific reason per rule broken.
 */
function chainReasons(chain: Chain, untrusted: ReasonCode, prefix = ''): Reason[] {
  if (chain.trusted) return [];
  const out = [reason(untrusted, `${prefix}chain: ${chain.certificates.map((c) => subjectName(c)).join(' → ')}`)];
  const seen = new Set<string>();
  for (const failure of chain.failures) {
    if (failure.code === 'untrusted') continue;
    const key = `${failure.code} ${failure.detail}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(reason(PATH_REASONS[failure.code], `${prefix}${failure.detail}`));
  }
  return out;
}

/**
 * The chain of `leaf` built from the candidates and the anchors (then the system roots of the name
 * it ends at), and its RFC 5280 path validation at `at` (validatePath: the path must end at a
 * trust anchor, every issuer be a CA allowed to issue, every certificate valid at `at`, ...).
 * `purpose` is the leaf's: a document signer or a timestamp authority. For a document signer the
 * leaf's own validity is left out of `trusted`: validateSignature says CERTIFICATE_EXPIRED.
 */
async function chainOf(leaf: Uint8Array, candidates: readonly Uint8Array[], ctx: Context, at: Date, purpose: PathPurpose): Promise<Chain> {
  if (leaf.length === 0) return { certificates: [], trusted: false, failures: [] };
  const options = { at, ...(ctx.options.online ? { fetchMissing: (c: Uint8Array) => fetchIssuer(c).catch(() => null) } : {}) };
  try {
    const pool = unique([...candidates, ...ctx.anchors.map((a) => a.der)]);
    let certificates = (await buildChain(leaf, pool, options)).map((d) => parseCertificate(d));
    let anchors: (Certificate | Uint8Array)[] = ctx.anchors;
    const reached = certificates.some((c) => ctx.anchorPrints.has(fingerprint(c.der)));
    if (!reached && ctx.system.size > 0) {
      // Ends short of a root, or at a root the user did not name: a system root of that name?
      const last = certificates.at(-1) as Certificate;
      const roots = [...(ctx.system.get(last.x509.issuer) ?? []), ...(ctx.system.get(last.x509.subject) ?? [])];
      if (roots.length > 0) {
        const prints = new Set(roots.map((r) => fingerprint(r)));
        certificates = (await buildChain(leaf, [...pool, ...roots], options)).map((d) => parseCertificate(d));
        anchors = [...anchors, ...roots];
        for (const c of certificates) if (prints.has(fingerprint(c.der))) ctx.anchorPrints.add(fingerprint(c.der));
      }
    }
    const validation = validatePath(certificates, { anchors, at, purpose });
    const leafValidity = (f: PathFailure) => purpose === 'document-signing' && f.index === 0 && (f.code === 'expired' || f.code === 'not-yet-valid');
    const failures = validation.failures.filter((f) => !leafValidity(f));
    return { certificates, trusted: failures.length === 0, failures };
  } catch {
    return { certificates: [parseCertificate(leaf)], trusted: false, failures: [] };
  }
}

interface RevocationResult {
  status: Revocation;
  detail?: string;
  /** Every certificate of the chain had its answer in the DSS. */
  allFromDss: boolean;
  /** The earliest revocation date in the chain, when one is revoked. */
  revokedAt?: Date;
  /** The status is unknown because the only data found was not applicable at the signing time (see `applicability`). */
  notFresh?: 'stale' | 'future';
  /** How many certificates of the chain needed an answer (not anchors, not ocsp-nocheck). */
  needed: number;
}

/**
 * The status of every certificate of the chain below the trust anchor; the worst wins. `signedAt`
 * is the best signing time (the trusted timestamp, else the claimed /M; null when neither): the
 * revocation data found in the document must speak for that time (see `applicability`).
 */
async function revocationOf(
  chain: readonly Certificate[], ctx: Context, embedded: { ocsps: Uint8Array[]; crls: Uint8Array[] },
  out: Pick<SignatureReport, 'revocationSources' | 'revocationChecks'>, signedAt: Date | null, prefix = '',
): Promise<RevocationResult> {
  const sources = out.revocationSources;
  const statuses: Revocation[] = [];
  let detail: string | undefined;
  let revokedAt: Date | undefined;
  let notFresh: RevocationResult['notFresh'];
  let needed = 0;
  let allFromDss = chain.length > 1;
  for (let i = 0; i < chain.length - 1; i++) {
    const cert = chain[i] as Certificate;
    const issuer = chain[i + 1] as Certificate;
    if (ctx.anchorPrints.has(fingerprint(cert.der))) break;
    if (hasOcspNoCheck(cert)) continue;
    const label = subjectName(cert);
    needed++;
    const times = { signedAt, now: ctx.now };
    const found = lookUp(cert, issuer, ctx.dss?.ocsps ?? [], ctx.dss?.crls ?? [], times);
    let refused = found?.refused ?? null;
    let answer: Answer | null = found?.answer ? { ...found.answer, source: `DSS ${found.answer.source}`, origin: 'dss' } : null;
    if (!answer) {
      allFromDss = false;
      const inSignature = lookUp(cert, issuer, embedded.ocsps, embedded.crls, times);
      refused ??= inSignature?.refused ?? null;
      if (inSignature?.answer) answer = { ...inSignature.answer, source: `signature ${inSignature.answer.source}`, origin: 'signature' };
    }
    if (!answer && ctx.options.online) {
      // Fetched now, so issued after the signing time: always applicable.
      try {
        const ocsp = await fetchOcsp(cert.der, issuer.der);
        answer = { status: ocsp.status, revokedAt: ocsp.revokedAt, source: 'OCSP (online)', kind: 'OCSP', origin: 'online' };
      } catch {
        try {
          const crl = await fetchCrl(cert.der, issuer.der);
          const entry = crl.isRevoked(serialHex(cert));
          answer = { status: entry ? 'revoked' : 'good', revokedAt: entry?.revokedAt, source: 'CRL (online)', kind: 'CRL', origin: 'online' };
        } catch (error) {
          answer = { status: 'unknown', source: `online check failed: ${error instanceof Error ? error.message : String(error)}`, origin: 'failed' };
        }
      }
    }
    if (!answer && refused) {
      // Only data that does not speak for the signing time: the status at that time is unknown.
      answer = { status: 'unknown', source: refused.text, origin: 'stale' };
      notFresh ??= refused.kind;
    }
    if (!answer) {
      statuses.push('not-checked');
      continue;
    }
    sources.push(`${prefix}${label}: ${answer.status} (${answer.source})`);
    out.revocationChecks.push({
      certificate: label,
      timestampAuthority: prefix !== '',
      status: answer.status,
      origin: answer.origin ?? 'dss',
      kind: answer.kind ?? null,
      revokedAt: answer.revokedAt ? answer.revokedAt.toISOString() : null,
    });
    statuses.push(answer.status);
    if (answer.status === 'revoked') {
      detail = `${label}, revoked${answer.revokedAt ? ` on ${answer.revokedAt.toISOString()}` : ''}`;
      if (answer.revokedAt && (!revokedAt || answer.revokedAt < revokedAt)) revokedAt = answer.revokedAt;
      else if (!answer.revokedAt) revokedAt = new Date(0);
    }
    else if (answer.status === 'unknown' && !detail) detail = `${label}: ${answer.source}`;
  }
  const order: Revocation[] = ['revoked', 'unknown', 'not-checked', 'good'];
  const status = order.find((s) => statuses.includes(s)) ?? 'not-checked';
  return {
    status, ...(detail ? { detail } : {}), ...(revokedAt ? { revokedAt } : {}), ...(status === 'unknown' && notFresh ? { notFresh } : {}),
    allFromDss: allFromDss && status === 'good', needed,
  };
}

interface Answer {
  status: 'good' | 'revoked' | 'unknown';
  revokedAt?: Date | undefined;
  source: string;
  kind?: 'OCSP' | 'CRL';
  origin?: RevocationCheck['origin'];
}
interface Refusal { kind: 'stale' | 'future'; text: string }

/**
 * Freshness of revocation data found in the document (after ETSI EN 319 102-1 §5.2.5 and the
 * past-signature rules of §5.6, loosely). T is the best signing time: the time of a trusted
 * timestamp, else the signer's claimed /M.
 * - A "revoked" answer is always applicable: a cancellation does not expire (its date is weighed
 *   against T by the caller).
 * - Data dated after the validation time (thisUpdate > now + skew) is premature: refused ('future').
 * - A "good" answer issued at or after T (thisUpdate >= T - skew) is applicable, even when its
 *   nextUpdate has passed since: archived data about a past signature.
 * - A "good" answer issued before T is applicable only if it was still current at T
 *   (nextUpdate >= T - skew), like a daily CRL published before the signature; otherwise it is
 *   stale ('stale'): it says nothing about the certificate at T. Without nextUpdate it is stale.
 * - Without any T (no timestamp, no /M) only premature data is refused.
 * OCSP responses are dated by thisUpdate (the time the status was known correct), CRLs by thisUpdate.
 */
function applicability(status: 'good' | 'revoked', thisUpdate: Date, nextUpdate: Date | undefined, times: { signedAt: Date | null; now: Date }): Refusal | null {
  const iso = (d: Date) => d.toISOString();
  if (thisUpdate.getTime() > times.now.getTime() + CLOCK_SKEW_MS) return { kind: 'future', text: `revocation data dated ${iso(thisUpdate)}, later than the validation time` };
  if (status === 'revoked' || !times.signedAt) return null;
  const t = times.signedAt.getTime() - CLOCK_SKEW_MS;
  if (thisUpdate.getTime() >= t) return null;
  if (nextUpdate && nextUpdate.getTime() >= t) return null;
  return {
    kind: 'stale',
    text: `revocation data issued ${iso(thisUpdate)}${nextUpdate ? `, valid until ${iso(nextUpdate)}` : ''}, before the signing time ${iso(times.signedAt)}`,
  };
}

/** The applicable answer about `cert` among the OCSP responses and CRLs (a revocation first), or why the ones found are not. */
function lookUp(
  cert: Certificate, issuer: Certificate, ocsps: readonly Uint8Array[], crls: readonly Uint8Array[], times: { signedAt: Date | null; now: Date },
): { answer: Answer | null; refused: Refusal | null } | null {
  const answers: Answer[] = [];
  let refused: Refusal | null = null;
  for (const der of ocsps) {
    try {
      const result = parseOcspResponse(der, { certificate: cert, issuer });
      if (result.status === 'unknown') {
        answers.push({ status: 'unknown', source: 'OCSP', kind: 'OCSP' });
        continue;
      }
      const refusal = applicability(result.status, result.thisUpdate, result.nextUpdate, times);
      if (refusal) refused ??= refusal;
      else answers.push({ status: result.status, ...(result.revokedAt ? { revokedAt: result.revokedAt } : {}), source: 'OCSP', kind: 'OCSP' });
    } catch {
      // Not about this certificate, or not signed by its issuer.
    }
  }
  for (const der of crls) {
    try {
      const crl = parseCrl(der, { issuer });
      const entry = crl.isRevoked(serialHex(cert));
      const status = entry ? 'revoked' : 'good';
      const refusal = applicability(status, crl.thisUpdate, crl.nextUpdate, times);
      if (refusal) refused ??= refusal;
      else answers.push({ status, ...(entry ? { revokedAt: entry.revokedAt } : {}), source: 'CRL', kind: 'CRL' });
    } catch {
      // Another issuer's list.
    }
  }
  const answer = answers.find((a) => a.status === 'revoked') ?? answers.find((a) => a.status === 'good') ?? answers[0] ?? null;
  if (!answer && !refused) return null;
  return { answer, refused };
}

/**
 * The signature timestamp tokens of an already parsed SignedData (cms' signatureTimestampTokens
 * parses the container again: with pkijs that is most of the cost of verifying a signature).
 */
function timestampTokensOf(signedData: pkijs.SignedData): Uint8Array[] {
  const tokens: Uint8Array[] = [];
  for (const info of signedData.signerInfos) {
    for (const attribute of info.unsignedAttrs?.attributes ?? []) {
      if (attribute.type !== OID.signatureTimeStampToken) continue;
      for (const value of attribute.values as asn1js.AsnType[]) tokens.push(new Uint8Array(value.toBER(false)));
    }
  }
  return tokens;
}

function mergeRevocation(...all: { ocsps: Uint8Array[]; crls: Uint8Array[] }[]): { ocsps: Uint8Array[]; crls: Uint8Array[] } {
  return { ocsps: all.flatMap((a) => a.ocsps), crls: all.flatMap((a) => a.crls) };
}

/** The revocation data a timestamp token carries in its own signed attributes, if any. */
function tokenRevocation(token: Uint8Array): { ocsps: Uint8Array[]; crls: Uint8Array[] } {
  try {
    return embeddedRevocation(signedDataOf(token));
  } catch {
    return { ocsps: [], crls: [] };
  }
}

/** adbe-revocationInfoArchival (a signed attribute): { crl [0] SEQUENCE OF CRL, ocsp [1] SEQUENCE OF OCSPResponse }. */
function embeddedRevocation(signedData: pkijs.SignedData): { ocsps: Uint8Array[]; crls: Uint8Array[] } {
  const out = { ocsps: [] as Uint8Array[], crls: [] as Uint8Array[] };
  for (const info of signedData.signerInfos) {
    for (const attribute of info.signedAttrs?.attributes ?? []) {
      if (attribute.type !== REVOCATION_ARCHIVAL) continue;
      for (const value of attribute.values as asn1js.AsnType[]) {
        const parsed = asn1js.fromBER(value.toBER(false));
        if (!(parsed.result instanceof asn1js.Sequence)) continue;
        for (const tagged of parsed.result.valueBlock.value) {
          const inner = (tagged as asn1js.Constructed).valueBlock.value[0] as asn1js.Sequence | undefined;
          const target = tagged.idBlock.tagNumber === 0 ? out.crls : tagged.idBlock.tagNumber === 1 ? out.ocsps : null;
          if (!target || !inner) continue;
          for (const item of inner.valueBlock.value) target.push(new Uint8Array(item.toBER(false)));
        }
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

/** Checks the /ByteRange; returns the end of the signed bytes, or what is wrong. */
async function checkByteRange(br: readonly number[], contentsLength: number, source: ByteSource): Promise<{ end: number } | string> {
  if (br.length !== 4) return `it has ${br.length} numbers instead of 4`;
  const [a, b, c, d] = br as [number, number, number, number];
  if (![a, b, c, d].every((n) => Number.isInteger(n) && n >= 0)) return 'it holds negative or fractional numbers';
  if (a !== 0) return 'it does not start at the beginning of the file';
  if (b <= 0 || c <= b + 1) return 'its ranges overlap or are empty';
  if (c + d > source.size) return 'it goes beyond the end of the file';
  const gap = await source.read(b, c - b);
  if (gap[0] !== 0x3c || gap[gap.length - 1] !== 0x3e) return 'the unsigned gap is not exactly the signature value';
  let digits = 0;
  for (let i = 1; i < gap.length - 1; i++) {
    const byte = gap[i] as number;
    const hex = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66);
    if (hex) digits++;
    else if (![0x20, 0x0a, 0x0d, 0x09, 0x0c].includes(byte)) return 'the unsigned gap holds more than the signature value';
  }
  if (Math.ceil(digits / 2) !== contentsLength) return 'the unsigned gap is not the signature value of this signature';
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

/** The certificates once each (a signature and the DSS often carry the same CA certificates): fewer to parse. */
function unique(items: readonly Uint8Array[]): Uint8Array[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const key = Buffer.from(item.buffer, item.byteOffset, item.byteLength).toString('base64');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
