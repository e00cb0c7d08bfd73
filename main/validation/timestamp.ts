// Timestamps: a document timestamp (/DocTimeStamp, ETSI.RFC3161: the token's imprint is the hash
// of the byte ranges) and a signature timestamp (an unsigned attribute of the SignerInfo: the
// imprint is the hash of the signature value). Every timestamp's TSA is judged like a signer: its
// chain built to the trust anchors (purpose timestamping), its revocation as of the timestamp's own
// time. Only a timestamp whose TSA is trusted and not revoked before its time proves that time.
import type * as pkijs from 'pkijs';
import { digest, embeddedRevocation, hashByOid, isCmsError, parseCertificate, signatureTimestampTokens, subjectName, tstInfoOf, verifyTimeStampToken } from '../cms';
import type { Certificate, HashAlgorithm, TimeStampInfo } from '../cms';
import { CLOCK_SKEW_MS } from './context';
import type { Context } from './context';
import { reason } from './reasons';
import type { SignatureReport } from './report';
import { mergeRevocation, revocationOf, timestampRevocationReasons, timestampStands, tokenRevocation } from './revocation';
import type { SignedBytes } from './signature';
import { chainOf, chainReasons } from './trust';

/**
 * A document timestamp: the token's imprint against the byte ranges, and its signature. Sets
 * intact, signatureValid, timestamp (valid until trust says otherwise) and signedAt (its time);
 * null when the token does not verify (DIGEST_MISMATCH or SIGNATURE_INVALID). `signer` is the TSA
 * certificate, null when the token does not carry it.
 */
export async function verifyDocumentTimestamp(bytes: SignedBytes, report: SignatureReport): Promise<{ signer: Certificate | null; time: TimeStampInfo } | null> {
  try {
    const tst = tstInfoOf(bytes.cms);
    const hash = hashByOid(tst.messageImprint.hashAlgorithm.algorithmId);
    if (!hash) throw new Error('unsupported hash');
    const imprint = await bytes.digest(hash);
    const info = verifyTimeStampToken(bytes.cms, { imprint, hash: hash as HashAlgorithm });
    report.intact = bytes.byteRangeOk;
    report.signatureValid = true;
    const signer = info.tsaCertificate ? parseCertificate(info.tsaCertificate) : null;
    report.timestamp = { time: info.genTime.toISOString(), tsa: signer ? subjectName(signer) : 'unknown', valid: true };
    report.signedAt = info.genTime.toISOString();
    return { signer, time: info };
  } catch (error) {
    if (isCmsError(error, 'tsa-imprint-mismatch')) report.reasons.push(reason('DIGEST_MISMATCH', 'the document timestamp does not match the document'));
    else report.reasons.push(reason('SIGNATURE_INVALID', error instanceof Error ? error.message : String(error)));
    return null;
  }
}

/**
 * The first signature timestamp of a CMS signature: imprint and signature, then the TSA's chain
 * (from the token, the signature and the DSS) and its revocation (DSS, then the signature and the
 * token, then online) as of the timestamp's time. Sets timestamp (valid: all of that passed) and
 * tsaRevocationFromDss; says CLAIMED_TIME_AFTER_TIMESTAMP when /M is later than the timestamp.
 * Returns the timestamp when it proves the signing time, else null.
 */
export async function verifySignatureTimestamp(
  signedData: pkijs.SignedData, info: pkijs.SignerInfo, embedded: readonly Uint8Array[], ctx: Context, report: SignatureReport,
): Promise<TimeStampInfo | null> {
  const [token] = signatureTimestampTokens(signedData);
  if (!token) return null;
  const dssCerts = ctx.dss?.certs ?? [];
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
      report.reasons.push(...timestampRevocationReasons(tsaRevocation, ts.genTime));
      tsaUsable = timestampStands(tsaRevocation, ts.genTime);
    }
    // timestamp.valid: imprint and signature verified, and a trusted (not revoked) TSA chain.
    report.timestamp = { time: ts.genTime.toISOString(), tsa, valid: tsaUsable };
    if (report.signedAt && Date.parse(report.signedAt) > ts.genTime.getTime() + CLOCK_SKEW_MS) {
      report.reasons.push(reason('CLAIMED_TIME_AFTER_TIMESTAMP', `stated ${report.signedAt}, timestamp ${ts.genTime.toISOString()}`));
    }
    return tsaUsable ? ts : null;
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
    return null;
  }
}
