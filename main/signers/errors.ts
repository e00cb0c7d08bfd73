// Errors of the signers (software keys and PKCS#11 tokens). `code` is stable (tests, --json, the renderer's translations);
// `message` is one English sentence meant for the user as it is (see main/errors.ts). Messages
// name the file or the identity, never a password or key material.

import { UserFacingError } from '../errors';

export type SignerErrorCode =
  // Reading a PKCS#12 file
  | 'not-found' // the path does not exist
  | 'not-readable' // it exists but cannot be read (permissions, a directory...)
  | 'bad-p12' // not a PKCS#12 file, or a damaged one
  | 'wrong-password' // the integrity MAC (or, without a MAC, the decryption) fails with this password
  | 'unsupported-p12' // an algorithm Paraphe does not implement (the message names it)
  | 'no-private-key' // the file holds certificates only
  | 'no-certificate' // the file holds a key but no certificate of that key
  | 'unsupported-key' // a key that cannot sign CMS here (DSA, Ed25519...)
  | 'key-certificate-mismatch' // a signer built from a key and a certificate of another key
  // Checks of the signing certificate
  | 'bad-certificate' // not an X.509 certificate
  | 'expired'
  | 'not-yet-valid'
  | 'no-signing-key-usage'
  | 'wrong-extended-key-usage'
  // Signing
  | 'unsupported-algorithm' // e.g. ECDSA asked of an RSA key
  | 'signer-closed'
  // PKCS#11 tokens
  | 'pin-incorrect' // the message says how many tries are left when the token says
  | 'pin-locked' // too many wrong PINs: unblock with the SO PIN
  | 'pin-expired'
  | 'pin-cancelled' // the PIN prompt (or the PIN pad) was cancelled
  | 'not-logged-in' // the token refused an operation that needs a login
  | 'token-removed' // the token (or its slot) is gone
  | 'mechanism-unsupported' // the token cannot make the requested signature
  | 'key-not-found' // the identity's private key is no longer on the token
  | 'token-error' // any other PKCS#11 failure (the message names the CKR_ code)
  | 'no-module' // no PKCS#11 module found or none could be loaded
  | 'no-token' // no token plugged in (or none with the label asked for)
  | 'choose-identity' // several signing certificates: the message lists them
  | 'unusable-certificate' // the certificate asked for cannot sign now (expired...)
  // Personal digital ID
  | 'keychain-unavailable' // no Secret Service / Keychain, or it did not answer
  | 'keychain-failed' // it answered but refused
  | 'personal-id-not-found'
  | 'personal-id-key-missing' // its certificate is here but its key is gone from the keychain (or damaged)
  | 'personal-id-not-saved' // its certificate cannot be written to the app data folder
  | 'invalid-personal-id' // a name or email that cannot go in a certificate
  | 'empty-password'; // exporting to a .p12 without a password

export class SignerError extends UserFacingError<SignerErrorCode> {}

export function isSignerError(error: unknown, code?: SignerErrorCode): error is SignerError {
  return error instanceof SignerError && (code === undefined || error.code === code);
}
