// Signing identities as the interface shows them (no key material, no password), and the
// imported .p12 files settings remember.
import { z } from 'zod';

/** A PKCS#12 file the user imported: its path and what its certificate says. Never its password. */
export const SavedP12Identity = z.object({
  path: z.string(),
  fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
  subject: z.string(),
  issuer: z.string(),
  serial: z.string(),
  notBefore: z.string(),
  notAfter: z.string(),
  addedAt: z.string(),
});

/**
 * The kind of a signing identity: its provider's (main/services/providers): 'personal', 'p12',
 * 'token' today; a new backend registers its own. 2-16 lower-case letters and digits.
 */
export const IdentityKind = z.string().regex(/^[a-z][a-z0-9]{1,15}$/, 'not an identity kind');
/**
 * Opaque handle of a signing identity, minted by main (its provider's kind and the certificate's
 * SHA-256 fingerprint). Nobody reads meaning into it: main routes it to the provider that listed it.
 */
export const IdentityId = z.string().regex(/^[a-z][a-z0-9]{1,15}-[0-9a-f]{64}$/, 'not an identity handle');
export const PersonalKeyType = z.enum(['rsa-3072', 'p256']);

/** A signing identity as the interface shows it; no key material, no password. */
export const Identity = z.object({
  id: IdentityId,
  kind: IdentityKind,
  /** The certificate's subject common name. */
  name: z.string(),
  email: z.string().nullable(),
  issuer: z.string(),
  serial: z.string(),
  /** ISO 8601. */
  notBefore: z.string(),
  notAfter: z.string(),
  fingerprint: z.string(),
  /** The .p12/.pfx file; null for the personal digital ID. */
  file: z.string().nullable(),
  keyType: PersonalKeyType.nullable(),
  /** A .p12 needs its password for each signature; the personal ID's key is in the keychain; a token asks its PIN itself. */
  needsPassword: z.boolean(),
  /** For a certificate on a hardware token: the token it is on (its PIN is asked by main when signing). */
  token: z.object({ label: z.string(), serial: z.string() }).strict().nullable().optional(),
});

export type SavedP12Identity = z.output<typeof SavedP12Identity>;
export type Identity = z.output<typeof Identity>;
export type PersonalKeyType = z.output<typeof PersonalKeyType>;
