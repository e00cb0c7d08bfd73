// The signature validator: for every signature and document timestamp of a PDF, in revision order,
// what it protects (integrity), who signed (signer, trust), when (claimed /M, signature timestamp,
// document timestamps), whether the certificate was cancelled (revocation from the DSS, the
// signature itself or, with `online`, the network), the PAdES level reached, and a status.
// This file runs the checks in order; each concern is its own module (see README.md):
// signature.ts (integrity), timestamp.ts, trust.ts, revocation.ts, level.ts, report.ts (the report
// and its status), context.ts (what one file's checks share).
import { readPdfDate, openPdf } from '../pdf';
import type { ByteSource, FieldInfo } from '../pdf';
import { embeddedRevocation, isValidAt, serialHex, subjectName } from '../cms';
import type { Certificate, TimeStampInfo } from '../cms';
import { displayName, distinguishedName } from '../x509';
import { contextOf } from './context';
import type { Context } from './context';
import { documentTimestampLevel, finishLevels, signatureLevel } from './level';
import { modificationsAfter } from './modifications-adapter';
import { reason } from './reasons';
import { blankReport, statusOf, verdictOf } from './report';
import type { FileReport, SignatureKind, SignatureReport, SignerSummary, ValidationOptions } from './report';
import { revocationOf, signerRevocationReasons, timestampRevocationReasons, timestampStands } from './revocation';
import { containerOf, isCertification, signatureDictionary, signedBytesOf, verifyCmsSignature } from './signature';
import { verifyDocumentTimestamp, verifySignatureTimestamp } from './timestamp';
import { chainOf, chainReasons, keyUsageAllowsSigning } from './trust';

export { verdictOf } from './report';
export type {
  FileReport, Level, Revocation, RevocationCheck, SignatureKind, SignatureReport, SignerSummary, Status, TimestampSummary, ValidationOptions, Verdict,
} from './report';

/** Who signed, as the report names them: the full names, the serial, and the display names for sentences. */
export function signerSummary(signer: Certificate): SignerSummary {
  return {
    subject: distinguishedName(signer.cert.subject),
    issuer: distinguishedName(signer.cert.issuer),
    serial: serialHex(signer),
    name: subjectName(signer),
    issuerName: displayName(signer.cert.issuer),
  };
}

/** Validates every signature of the PDF in `source`. Throws PdfError when the file cannot be read. */
export async function validatePdf(source: ByteSource, options: ValidationOptions): Promise<FileReport> {
  const reader = await openPdf(source, { password: options.password });
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
  finishLevels(signatures, context.dss);
  for (const sig of signatures) sig.status = statusOf(sig.reasons);
  return { file, verdict: verdictOf(signatures), signatures };
}

/**
 * One signature or document timestamp, checks in order; a check that leaves nothing to build on
 * returns the report as it is (its reasons say why).
 */
async function validateSignature(field: FieldInfo, ctx: Context): Promise<SignatureReport> {
  const { reader } = ctx;
  const sig = field.signature;
  const dict = await signatureDictionary(reader, field);
  const isDocTs = sig?.type === 'DocTimeStamp' || sig?.subFilter === 'ETSI.RFC3161';
  const kind: SignatureKind = isDocTs ? 'doc-timestamp' : dict && (await isCertification(reader, dict, field, ctx.docMdpSig)) ? 'certification' : 'approval';
  const report = blankReport(field, kind);

  // --- Integrity: /Contents, /ByteRange, the container.
  const bytes = await signedBytesOf(dict, field, ctx, report);
  if (!bytes) return report;
  if (dict && !isDocTs) report.signedAt = readPdfDate(await reader.resolve(dict.get('M')));
  const container = containerOf(bytes.cms, report);
  if (!container) return report;
  const { signedData, certificates: embedded } = container;

  let signer: Certificate | null;
  let signatureTime: TimeStampInfo | null;
  if (isDocTs) {
    // --- Document timestamp: the TSTInfo imprint is the hash of the ranges.
    const verified = await verifyDocumentTimestamp(bytes, report);
    if (!verified) return report;
    signer = verified.signer;
    signatureTime = verified.time;
  } else {
    // --- CMS signature: message digest over the ranges, then the signature over the signed
    // attributes; then its signature timestamp, and the level the signature itself proves.
    const found = await verifyCmsSignature(sig?.subFilter ?? null, signedData, bytes, ctx.dss?.certs ?? [], report);
    if (!found) return report;
    signer = found.signer;
    signatureTime = await verifySignatureTimestamp(signedData, found.info, embedded, ctx, report);
    report.level = signatureLevel(found.attributes, report.timestamp);
  }

  if (!signer) return report;
  report.signer = signerSummary(signer);

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
    // A document timestamp's TSA, as of the timestamp's own time (`at`: a document timestamp that
    // got here verified, so it has one): revoked before it, the time is not proven (INDETERMINATE).
    report.reasons.push(...timestampRevocationReasons(revocation, at));
    if (report.timestamp) report.timestamp.valid &&= timestampStands(revocation, at);
    report.level = documentTimestampLevel(report);
  } else {
    report.reasons.push(...signerRevocationReasons(revocation, signatureTime?.genTime ?? null));
  }

  // --- Changes after the signed revision.
  if (report.revision !== null) {
    const mods = await modificationsAfter(reader, report.revision);
    report.modifications = mods.modifications;
    if (!mods.allowed) report.reasons.push(reason('MODIFIED_NOT_ALLOWED', mods.details.join('; ') || undefined));
    else if (!mods.analysed) report.reasons.push(reason('MODIFICATIONS_NOT_ANALYSED', mods.details.join('; ') || undefined));
  }
  return report;
}
