// The one primitive every signing backend implements (software keys, PKCS#11 tokens, CSC remote
// signing). Authorization (PIN, OTP, SAD) is not part of it: a backend gets it from its own
// authorization object before signing, and never keeps it.
import { createHash } from 'node:crypto';

export type HashAlgorithm = 'sha256' | 'sha384' | 'sha512';
export type SignatureAlgorithm = 'rsa-pkcs1' | 'rsa-pss' | 'ecdsa';

export interface SignRequest {
  /** The DER encoding of the CMS signed attributes (a SET OF Attribute): what is signed. */
  data: Uint8Array;
  /** hash(data) with `hash`: what tokens and remote services sign. */
  digest: Uint8Array;
  hash: HashAlgorithm;
  algorithm: SignatureAlgorithm;
}

export interface Signer {
  /** For messages: e.g. "Élodie Signataire (signer.p12)". */
  readonly label: string;
  /** The signing certificate, DER. */
  readonly certificate: Uint8Array;
  /** Further certificates of its chain, DER, issuer first; may be incomplete (AIA completes it). */
  readonly chain: Uint8Array[];
  readonly keyType: 'rsa' | 'ec';
  /** RSA modulus size or EC field size, in bits (sizes the /Contents placeholder). */
  readonly keyBits: number;
  /** What this key can do, preferred first. */
  readonly algorithms: SignatureAlgorithm[];
  /** The value of SignerInfo.signature (ECDSA: a DER Ecdsa-Sig-Value). */
  sign(request: SignRequest): Promise<Uint8Array>;
  /** Batch-capable backends sign many at once (one login, one CSC call). */
  signMany?(requests: SignRequest[]): Promise<Uint8Array[]>;
  /**
   * Set by backends whose authorization covers one call (a CSC SAD for N hashes, one OTP): batches
   * hand them at most `max` digests per signMany, all at once. Absent for backends authorized
   * once per session (a token's login, a software key): they sign document by document.
   */
  readonly batch?: { readonly max: number };
  /** Forget key material and sessions. */
  close(): Promise<void>;
}

/**
 * hash(request.data), refused when it is not request.digest: tokens and remote services sign the
 * digest, software keys the data; the two must agree, or the CMS is wrong.
 */
export function checkedDigest(request: SignRequest): Buffer {
  const digest = createHash(request.hash).update(request.data).digest();
  if (!digest.equals(request.digest)) throw new Error('SignRequest.digest is not the hash of SignRequest.data');
  return digest;
}
