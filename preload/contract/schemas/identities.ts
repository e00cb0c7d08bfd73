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
  /**
   * The file's certificate, then the issuer certificates it holds (DER, base64: public), read at
   * the import, when the password opened it: what the sign panel's chain notice reads before the
   * password is typed again. Absent for files imported before it was kept.
   */
  certificates: z.array(z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/).max(64 * 1024)).min(1).max(11).optional(),
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

/** What every identity shows, wherever its key is held. */
const IdentityFields = {
  id: IdentityId,
  /**
   * The provider that listed it (routing only: main hands the identity back to that provider).
   * Open: a new backend brings its own, so nothing in the contract or the renderer reads its value;
   * what the interface shows and offers follows `holder`.
   */
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
};

/*
 * `needsPassword`: the sign panel asks a secret for each signature (SignRequest.password) and main
 * refuses one for any other identity. The shape decides it for every holder but a remote one,
 * whose service says: the renderer shows the field and main refuses from this one field.
 */

/** The personal digital ID: its key is in the OS keychain. It can be exported as a .p12, and deleted. */
export const KeychainIdentity = z
  .object({
    ...IdentityFields,
    holder: z.literal('keychain'),
    keyType: PersonalKeyType,
    /** Its key is in the keychain: no password. */
    needsPassword: z.literal(false),
  })
  .strict();

/** An imported .p12/.pfx: the file's password is typed in the sign panel for each signature. It can be forgotten (the file stays). */
export const FileIdentity = z
  .object({
    ...IdentityFields,
    holder: z.literal('file'),
    /** The .p12/.pfx file, as imported. */
    file: z.string(),
    /** The file's password, for each signature. */
    needsPassword: z.literal(true),
  })
  .strict();

/** A certificate on a hardware token: main asks the token's PIN when signing. Nothing to manage here. */
export const TokenIdentity = z
  .object({
    ...IdentityFields,
    holder: z.literal('token'),
    /** The token it is on. */
    token: z.object({ label: z.string(), serial: z.string() }).strict(),
    /** Its PIN is asked by main (prompt:pin), never typed in the panel. */
    needsPassword: z.literal(false),
  })
  .strict();

/**
 * A key held by a signing service (CSC, CertSign): main authorizes each signature through the
 * service (one-time password, approval on the phone). Listed by the service; nothing to manage here.
 */
export const RemoteIdentity = z
  .object({
    ...IdentityFields,
    holder: z.literal('remote'),
    /** The service, as the user knows it (shown beside the name). */
    service: z.string().min(1),
    /** The service's account secret is typed in the sign panel for each signature, as a .p12's password. */
    needsPassword: z.boolean(),
  })
  .strict();

/**
 * A signing identity as the interface shows it; no key material, no password. `holder` says where
 * the key is held, hence what the interface shows of it and offers to do with it.
 */
export const Identity = z.discriminatedUnion('holder', [KeychainIdentity, FileIdentity, TokenIdentity, RemoteIdentity]);

export type SavedP12Identity = z.output<typeof SavedP12Identity>;
export type Identity = z.output<typeof Identity>;
export type KeychainIdentity = z.output<typeof KeychainIdentity>;
export type FileIdentity = z.output<typeof FileIdentity>;
export type TokenIdentity = z.output<typeof TokenIdentity>;
export type RemoteIdentity = z.output<typeof RemoteIdentity>;
/** Where an identity's key is held: 'keychain', 'file', 'token' or 'remote'. */
export type IdentityHolder = Identity['holder'];
export type PersonalKeyType = z.output<typeof PersonalKeyType>;
