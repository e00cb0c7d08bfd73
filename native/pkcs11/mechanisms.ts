// Signature mechanisms: which CKM_* makes which signature, and how to pick one from what a token
// offers (C_GetMechanismList). Combined mechanisms (CKM_SHA256_RSA_PKCS, CKM_ECDSA_SHA256...) hash
// on the token; when a token lacks them, the caller hashes in software and the token signs the
// digest with the raw mechanism (CKM_RSA_PKCS over a DigestInfo, CKM_RSA_PKCS_PSS with params,
// CKM_ECDSA). SoftHSM 2.6 has no CKM_ECDSA_SHA*, so EC keys there always take the raw path.
import { Pkcs11Error } from './errors';

export type DigestName = 'sha256' | 'sha384' | 'sha512';

export const SIGN_MECHANISMS = [
  'CKM_RSA_PKCS',
  'CKM_SHA256_RSA_PKCS',
  'CKM_SHA384_RSA_PKCS',
  'CKM_SHA512_RSA_PKCS',
  'CKM_RSA_PKCS_PSS',
  'CKM_SHA256_RSA_PKCS_PSS',
  'CKM_SHA384_RSA_PKCS_PSS',
  'CKM_SHA512_RSA_PKCS_PSS',
  'CKM_ECDSA',
  'CKM_ECDSA_SHA256',
  'CKM_ECDSA_SHA384',
  'CKM_ECDSA_SHA512',
] as const;
export type SignMechanismName = (typeof SIGN_MECHANISMS)[number];

export interface SignMechanism {
  name: SignMechanismName;
  /** Required for the PSS mechanisms: the hash (also MGF1's) and the salt length in bytes. */
  pss?: { hash: DigestName; saltLength: number };
}

/**
 * What to pass to sign() with a chosen mechanism: the data itself (combined mechanisms), its digest
 * (CKM_RSA_PKCS_PSS, CKM_ECDSA) or DigestInfo(digest) (CKM_RSA_PKCS, PKCS#1 v1.5 by hand).
 */
export type SignInput = 'data' | 'digest' | 'digestInfo';

export interface ChosenMechanism {
  mechanism: SignMechanism;
  input: SignInput;
}

export interface SignatureWanted {
  keyType: 'rsa' | 'ec';
  algorithm: 'rsa-pkcs1' | 'rsa-pss' | 'ecdsa';
  hash: DigestName;
}

const HASH_SUFFIX: Record<DigestName, string> = { sha256: 'SHA256', sha384: 'SHA384', sha512: 'SHA512' };
export const DIGEST_LENGTH: Record<DigestName, number> = { sha256: 32, sha384: 48, sha512: 64 };

/** DER prefixes of DigestInfo (RFC 8017 9.2, note 1): prefix || digest. */
const DIGEST_INFO_PREFIX: Record<DigestName, string> = {
  sha256: '3031300d060960864801650304020105000420',
  sha384: '3041300d060960864801650304020205000430',
  sha512: '3051300d060960864801650304020305000440',
};

export function digestInfo(hash: DigestName, digest: Uint8Array): Buffer {
  if (digest.length !== DIGEST_LENGTH[hash]) throw new TypeError(`a ${hash} digest has ${DIGEST_LENGTH[hash]} bytes, not ${digest.length}`);
  return Buffer.concat([Buffer.from(DIGEST_INFO_PREFIX[hash], 'hex'), digest]);
}

const ALGORITHM_NAMES = { 'rsa-pkcs1': 'RSA PKCS#1 v1.5', 'rsa-pss': 'RSA-PSS', ecdsa: 'ECDSA' } as const;

/**
 * Picks the mechanism for a signature among `available` (the token's signing mechanisms), the
 * combined one first. `avoid` leaves out mechanisms a token is known to get wrong. Throws
 * Pkcs11Error 'mechanism-unsupported' when nothing fits.
 */
export function chooseMechanism(available: readonly string[], wanted: SignatureWanted, avoid: readonly string[] = []): ChosenMechanism {
  const has = (name: string): boolean => available.includes(name) && !avoid.includes(name);
  const h = HASH_SUFFIX[wanted.hash];
  const pss = { hash: wanted.hash, saltLength: DIGEST_LENGTH[wanted.hash] };
  const candidates: ChosenMechanism[] =
    wanted.keyType === 'ec'
      ? wanted.algorithm === 'ecdsa'
        ? [
            { mechanism: { name: `CKM_ECDSA_${h}` as SignMechanismName }, input: 'data' },
            { mechanism: { name: 'CKM_ECDSA' }, input: 'digest' },
          ]
        : []
      : wanted.algorithm === 'rsa-pkcs1'
        ? [
            { mechanism: { name: `CKM_${h}_RSA_PKCS` as SignMechanismName }, input: 'data' },
            { mechanism: { name: 'CKM_RSA_PKCS' }, input: 'digestInfo' },
          ]
        : wanted.algorithm === 'rsa-pss'
          ? [
              { mechanism: { name: `CKM_${h}_RSA_PKCS_PSS` as SignMechanismName, pss }, input: 'data' },
              { mechanism: { name: 'CKM_RSA_PKCS_PSS', pss }, input: 'digest' },
            ]
          : [];
  const chosen = candidates.find((c) => has(c.mechanism.name));
  if (chosen) return chosen;
  const what = `${ALGORITHM_NAMES[wanted.algorithm] ?? String(wanted.algorithm)} with ${wanted.hash.toUpperCase()}`;
  throw new Pkcs11Error(
    'mechanism-unsupported',
    candidates.length === 0
      ? `An ${wanted.keyType.toUpperCase()} key cannot make ${what} signatures.`
      : `The token cannot make ${what} signatures: it offers none of ${candidates.map((c) => c.mechanism.name).join(', ')}.`,
  );
}
