// What the validator reports: the shape of a file's and a signature's report (the JSON of
// `paraphe verify --json` and what the app shows), and how the reasons found make a status.
import type { SignatureLevel } from '../../preload/contract/domain';
import type { FieldInfo } from '../pdf';
import type { Modifications } from './modifications-adapter';
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
  /** The password of an encrypted document (user's or owner's), to read its signature dictionaries and form. */
  password?: string;
}

export type Status = 'VALID' | 'INVALID' | 'INDETERMINATE';
export type Verdict = Status | 'NO_SIGNATURES';
export type Revocation = 'good' | 'revoked' | 'unknown' | 'not-checked';
export type Level = SignatureLevel;
export type SignatureKind = 'approval' | 'certification' | 'doc-timestamp';

export interface SignerSummary {
  /** The full distinguished names. */
  subject: string;
  issuer: string;
  serial: string;
  /** The subject's display name (main/x509: its common name, else the DN), for sentences. */
  name: string;
  /** The issuer's display name, the same way. */
  issuerName: string;
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
export function verdictOf(signatures: readonly SignatureReport[]): Verdict {
  if (signatures.length === 0) return 'NO_SIGNATURES';
  if (signatures.some((s) => s.status === 'INVALID')) return 'INVALID';
  if (signatures.some((s) => s.status === 'INDETERMINATE')) return 'INDETERMINATE';
  return 'VALID';
}

export function statusOf(reasons: readonly Reason[]): Status {
  if (reasons.some((r) => INVALID.has(r.code))) return 'INVALID';
  if (reasons.some((r) => !INFORMATIVE.has(r.code))) return 'INDETERMINATE';
  return 'VALID';
}

/** A report with nothing proven yet: every check sets what it finds. */
export function blankReport(field: FieldInfo, kind: SignatureKind): SignatureReport {
  return {
    field: field.name, kind, subFilter: field.signature?.subFilter ?? null, signer: null, signedAt: null, timestamp: null, intact: false,
    signatureValid: false, trusted: false, revocation: 'not-checked', coversWholeFile: false, revision: null, modifications: 'none', level: 'none',
    status: 'INDETERMINATE', reasons: [], chain: [], chainCertificates: [], revocationSources: [], revocationChecks: [], revocationFromDss: false,
  };
}
