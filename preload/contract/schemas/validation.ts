// What the verification panel shows: each signature's findings, the certificates of its chain,
// and the certificates the user chose to trust; the issuer certificates the user imported.
import { z } from 'zod';
import { SIGNATURE_LEVELS } from '../domain';
import { DocId, Fingerprint } from './common';

const ValidationStatus = z.enum(['VALID', 'INVALID', 'INDETERMINATE']);

/** One finding of the validator: a stable code and its sentence in both languages. */
export const ValidationReason = z.object({ code: z.string().regex(/^[A-Z_]{1,64}$/), en: z.string(), fr: z.string() }).strict();

/** What a certificate says of itself, as the interface shows it (certificates are public). */
const CertificateFields = {
  /** Common name (or the whole subject when there is none), for sentences. */
  name: z.string(),
  subject: z.string(),
  issuer: z.string(),
  serial: z.string(),
  notBefore: z.string(),
  notAfter: z.string(),
  /** SHA-256 of the DER, lower-case hex. */
  fingerprint: Fingerprint,
};

/** A certificate as the details of a signature show it. */
export const CertificateView = z
  .object({
    ...CertificateFields,
    /** The issuer's own certificate is this one (a root, or a self-signed personal ID). */
    selfSigned: z.boolean(),
    /** The user trusts it (kept in settings). */
    trustedByUser: z.boolean(),
  })
  .strict();

/** A certificate the user chose to trust, kept in settings with its DER (base64). */
export const TrustedCertificate = z
  .object({
    ...CertificateFields,
    der: z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/).max(64 * 1024),
    addedAt: z.string(),
  })
  .strict();

/**
 * An issuer certificate the user imported in settings (no trust: it only completes the chains of
 * the signatures the app makes). Where it is kept and its DER stay in main.
 */
export const IssuerCertificate = z
  .object({
    ...CertificateFields,
    /** Its own issuer (a root). */
    selfSigned: z.boolean(),
  })
  .strict();

/** What an import of issuer certificates did: how many were new, already there, or not an authority's (left out). */
export const IssuerImport = z
  .object({
    added: z.number().int().nonnegative(),
    already: z.number().int().nonnegative(),
    notAuthority: z.number().int().nonnegative(),
    certificates: z.array(IssuerCertificate),
  })
  .strict();

/** What the verification panel shows of one signature (from main/validation's SignatureReport). */
export const SignatureValidation = z
  .object({
    field: z.string().nullable(),
    kind: z.enum(['approval', 'certification', 'doc-timestamp']),
    subFilter: z.string().nullable(),
    status: ValidationStatus,
    /** The signer's certificate: its common name (for sentences) and full subject. */
    signer: z.object({ name: z.string(), subject: z.string() }).strict().nullable(),
    /** The time claimed by the signer (/M), ISO 8601. */
    signedAt: z.string().nullable(),
    /** The signature timestamp, when there is one: a certified time. */
    timestamp: z.object({ time: z.string(), tsa: z.string(), valid: z.boolean() }).strict().nullable(),
    intact: z.boolean(),
    modifications: z.enum(['none', 'dss-timestamps', 'form-filling', 'annotations', 'other']),
    level: z.enum(SIGNATURE_LEVELS),
    coversWholeFile: z.boolean(),
    revocation: z.enum(['good', 'revoked', 'unknown', 'not-checked']),
    trusted: z.boolean(),
    reasons: z.array(ValidationReason),
    /** The revision it signs (1-based), null when its byte range ends elsewhere. */
    revision: z.number().int().positive().nullable(),
    /** Its certificate chain as built, signer first, up to the trust anchor when one was found. */
    chain: z.array(CertificateView),
    /** Each revocation answer used: for which certificate, what it says, and where it came from. */
    revocationChecks: z.array(
      z
        .object({
          certificate: z.string(),
          timestampAuthority: z.boolean(),
          status: z.enum(['good', 'revoked', 'unknown']),
          origin: z.enum(['dss', 'signature', 'online', 'stale', 'failed']),
          kind: z.enum(['OCSP', 'CRL']).nullable(),
          revokedAt: z.string().nullable(),
        })
        .strict(),
    ),
  })
  .strict();

export const DocumentValidation = z
  .object({
    docId: DocId,
    verdict: z.enum(['VALID', 'INVALID', 'INDETERMINATE', 'NO_SIGNATURES']),
    signatures: z.array(SignatureValidation),
    /** Revocation and missing certificates were fetched from the network (the "check online" button). */
    online: z.boolean(),
  })
  .strict();

export type SignatureValidation = z.output<typeof SignatureValidation>;
export type DocumentValidation = z.output<typeof DocumentValidation>;
export type CertificateView = z.output<typeof CertificateView>;
export type TrustedCertificate = z.output<typeof TrustedCertificate>;
export type IssuerCertificate = z.output<typeof IssuerCertificate>;
export type IssuerImport = z.output<typeof IssuerImport>;
