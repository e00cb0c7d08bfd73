// The PAdES level (ETSI EN 319 142-1) each signature reaches, decided in two steps: while a
// signature is checked (B-B, B-T: what the signature itself proves), then once every signature of
// the file is known (B-LT, B-LTA: what the DSS and later document timestamps add).
import type * as pkijs from 'pkijs';
import { OID } from '../cms';
import type { Level, SignatureReport } from './report';

/**
 * A CMS signature: B-B with the signing-certificate-v2 attribute (a CAdES signature), B-T when it
 * also has a valid signature timestamp (a trusted TSA, not revoked before its time); 'none' for a
 * PKCS#7 signature without signing-certificate-v2.
 */
export function signatureLevel(attributes: readonly pkijs.Attribute[], timestamp: SignatureReport['timestamp']): Level {
  return attributes.some((a) => a.type === OID.signingCertificateV2) ? (timestamp?.valid ? 'B-T' : 'B-B') : 'none';
}

/**
 * A document timestamp: B-T when it is intact and its timestamp valid (validate.ts sets `valid` to
 * its TSA chain being trusted, then clears it when the TSA was revoked before its time); else unchanged.
 */
export function documentTimestampLevel(report: SignatureReport): Level {
  return report.intact && report.timestamp?.valid ? 'B-T' : report.level;
}

/**
 * B-LT and B-LTA need the whole file. A signature: B-T plus DSS revocation data for its chain and
 * its timestamp's TSA chain is B-LT; covered by a later document timestamp, B-LTA.
 * A document timestamp (ETSI EN 319 142-1 §5.5 read for the timestamp itself): B-T when it is intact
 * and its TSA trusted; B-LT when the DSS holds the revocation data of its TSA chain; B-LTA when a
 * later document timestamp covers that DSS (the archive chain goes on).
 */
export function finishLevels(signatures: SignatureReport[], dss: { revision: number | null } | null): void {
  for (const sig of signatures) {
    if (sig.level !== 'B-T' || !dss || !sig.revocationFromDss || sig.revocation !== 'good') continue;
    if (sig.kind !== 'doc-timestamp' && sig.timestamp && sig.tsaRevocationFromDss === false) continue;
    sig.level = 'B-LT';
    const dssRevision = dss.revision ?? Number.MAX_SAFE_INTEGER;
    const covered = signatures.some((ts) => ts.kind === 'doc-timestamp' && ts.intact && ts.revision !== null && ts.revision >= dssRevision && ts.revision > (sig.revision ?? 0));
    if (covered) sig.level = 'B-LTA';
  }
}
