// Revocation: the status of every certificate of a chain below its trust anchor, from the DSS,
// then the signature's own adbe-revocationInfoArchival attribute (and a timestamp token's), then,
// with `online`, OCSP or the CRL fetched now. Data found in the document counts only when it
// speaks for the signing time (`applicability`); the worst status of the chain wins.
import { embeddedRevocation, fingerprint, hasOcspNoCheck, parseCrl, parseOcspResponse, serialHex, signedDataOf, subjectName } from '../cms';
import type { Certificate } from '../cms';
import { fetchCrl, fetchOcsp } from '../remote';
import { CLOCK_SKEW_MS } from './context';
import type { Context } from './context';
import { reason } from './reasons';
import type { Reason } from './reasons';
import type { Revocation, RevocationCheck, SignatureReport } from './report';

export interface RevocationResult {
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
export async function revocationOf(
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
 * The reasons a signer's revocation status adds. PAdES: a revocation after a time proven by a
 * trusted timestamp (`provenTime`) does not undo the signature (REVOKED_AFTER_SIGNING, informative);
 * before it, at an unknown date or without a proven time, CERTIFICATE_REVOKED. An unknown status:
 * data not applicable at the signing time (stale, or dated in the future) or none that answers.
 */
export function signerRevocationReasons(revocation: RevocationResult, provenTime: Date | null): Reason[] {
  if (revocation.status === 'revoked') {
    const proven = provenTime && revocation.revokedAt && revocation.revokedAt.getTime() > provenTime.getTime();
    return [reason(proven ? 'REVOKED_AFTER_SIGNING' : 'CERTIFICATE_REVOKED', revocation.detail)];
  }
  if (revocation.status === 'unknown') {
    const code = revocation.notFresh === 'future' ? 'REVOCATION_NOT_YET_VALID' : revocation.notFresh === 'stale' ? 'REVOCATION_NOT_FRESH' : 'REVOCATION_UNKNOWN';
    return [reason(code, revocation.detail)];
  }
  return [];
}

/**
 * Whether a timestamp still proves its `time` after its TSA's revocation check: not when the TSA
 * certificate was revoked at or before that time (or at an unknown date); revoked after it, the
 * token stands (RFC 3161 §4, ETSI EN 319 102-1 §5.4: it was issued while the key was good).
 */
export function timestampStands(revocation: RevocationResult, time: Date): boolean {
  return revocation.status !== 'revoked' || (revocation.revokedAt !== undefined && revocation.revokedAt.getTime() > time.getTime());
}

/**
 * The reasons a timestamp's TSA revocation status adds: TIMESTAMP_REVOKED when the timestamp no
 * longer proves its time (see timestampStands: the signature is INDETERMINATE, the time not
 * proven); TIMESTAMP_REVOCATION_UNKNOWN when the status is unknown (the timestamp stays in use, the
 * detail says why).
 */
export function timestampRevocationReasons(revocation: RevocationResult, time: Date): Reason[] {
  if (!timestampStands(revocation, time)) return [reason('TIMESTAMP_REVOKED', revocation.detail)];
  if (revocation.status === 'unknown') return [reason('TIMESTAMP_REVOCATION_UNKNOWN', revocation.detail)];
  return [];
}

export function mergeRevocation(...all: { ocsps: Uint8Array[]; crls: Uint8Array[] }[]): { ocsps: Uint8Array[]; crls: Uint8Array[] } {
  return { ocsps: all.flatMap((a) => a.ocsps), crls: all.flatMap((a) => a.crls) };
}

/** The revocation data a timestamp token carries in its own signed attributes, if any. */
export function tokenRevocation(token: Uint8Array): { ocsps: Uint8Array[]; crls: Uint8Array[] } {
  try {
    return embeddedRevocation(signedDataOf(token));
  } catch {
    return { ocsps: [], crls: [] };
  }
}
