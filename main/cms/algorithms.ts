// Algorithm identifiers (what goes into CMS, TSP and OCSP structures) and signature verification
// with node:crypto for every algorithm a validator meets in the field: RSA PKCS#1 v1.5 (both
// rsaEncryption + digest algorithm, as CMS allows, and shaNWithRSAEncryption), RSASSA-PSS and
// ECDSA, with SHA-1 (to read old OCSP responses and CRLs) and SHA-2.
import { createHash, verify as nodeVerify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import type { HashAlgorithm, SignatureAlgorithm } from '../signers/signer';
import { CmsError } from './errors';
import { msg } from '../errors';

export type { HashAlgorithm, SignatureAlgorithm };

/** Hashes node:crypto knows, by the OIDs that name them in X.509 and CMS. */
export type AnyHash = 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512';

export const OID = {
  sha1: '1.3.14.3.2.26',
  sha224: '2.16.840.1.101.3.4.2.4',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsassaPss: '1.2.840.113549.1.1.10',
  mgf1: '1.2.840.113549.1.1.8',
  ecPublicKey: '1.2.840.10045.2.1',
  ed25519: '1.3.101.112',
  // CMS content types and attributes (RFC 5652, RFC 5035, RFC 3161)
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  signingCertificate: '1.2.840.113549.1.9.16.2.12',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  signatureTimeStampToken: '1.2.840.113549.1.9.16.2.14',
  // Adobe's adbe-revocationInfoArchival signed attribute (ISO 32000-1 §12.8.3.3.2)
  revocationInfoArchival: '1.2.840.113583.1.1.8',
  // X.509 extensions and purposes (RFC 5280, RFC 6960)
  extKeyUsage: '2.5.29.37',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  crlDistributionPoints: '2.5.29.31',
  basicConstraints: '2.5.29.19',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  accessOcsp: '1.3.6.1.5.5.7.48.1',
  accessCaIssuers: '1.3.6.1.5.5.7.48.2',
  kpTimeStamping: '1.3.6.1.5.5.7.3.8',
  kpOcspSigning: '1.3.6.1.5.5.7.3.9',
  ocspBasic: '1.3.6.1.5.5.7.48.1.1',
  ocspNonce: '1.3.6.1.5.5.7.48.1.2',
  ocspNoCheck: '1.3.6.1.5.5.7.48.1.5',
} as const;

const HASH_OIDS: Record<AnyHash, string> = { sha1: OID.sha1, sha224: OID.sha224, sha256: OID.sha256, sha384: OID.sha384, sha512: OID.sha512 };
const HASH_BY_OID = new Map<string, AnyHash>(Object.entries(HASH_OIDS).map(([name, oid]) => [oid, name as AnyHash]));
const HASH_LENGTH: Record<AnyHash, number> = { sha1: 20, sha224: 28, sha256: 32, sha384: 48, sha512: 64 };

/** RSA PKCS#1 v1.5 signature OIDs that name their hash. */
const RSA_WITH = new Map<string, AnyHash>([
  ['1.2.840.113549.1.1.5', 'sha1'],
  ['1.2.840.113549.1.1.14', 'sha224'],
  ['1.2.840.113549.1.1.11', 'sha256'],
  ['1.2.840.113549.1.1.12', 'sha384'],
  ['1.2.840.113549.1.1.13', 'sha512'],
]);
const ECDSA_WITH = new Map<string, AnyHash>([
  ['1.2.840.10045.4.1', 'sha1'],
  ['1.2.840.10045.4.3.1', 'sha224'],
  ['1.2.840.10045.4.3.2', 'sha256'],
  ['1.2.840.10045.4.3.3', 'sha384'],
  ['1.2.840.10045.4.3.4', 'sha512'],
]);
const ECDSA_OID: Record<HashAlgorithm, string> = { sha256: '1.2.840.10045.4.3.2', sha384: '1.2.840.10045.4.3.3', sha512: '1.2.840.10045.4.3.4' };

export function hashLength(hash: AnyHash): number {
  return HASH_LENGTH[hash];
}

export function hashOid(hash: AnyHash): string {
  return HASH_OIDS[hash];
}

export function hashByOid(oid: string): AnyHash | undefined {
  return HASH_BY_OID.get(oid);
}

export function digest(hash: AnyHash, data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash(hash).update(data).digest());
}

/**
 * A digest AlgorithmIdentifier with absent parameters, as RFC 5754 section 2 asks generators to
 * write SHA-2 identifiers (readers accept NULL too).
 */
export function digestAlgorithmIdentifier(hash: AnyHash): pkijs.AlgorithmIdentifier {
  return new pkijs.AlgorithmIdentifier({ algorithmId: hashOid(hash) });
}

/**
 * SignerInfo.signatureAlgorithm for what the Signer does:
 * - rsa-pkcs1: rsaEncryption with NULL parameters (RFC 3370 section 3.2; what Acrobat and EU DSS
 *   write in CAdES), the hash being named by SignerInfo.digestAlgorithm;
 * - rsa-pss: id-RSASSA-PSS with explicit parameters (RFC 4055 section 3.1): hash, MGF1 with the
 *   same hash, salt length = hash length, trailer field 1 (the default, so omitted);
 * - ecdsa: ecdsa-with-SHA256/384/512 with absent parameters (RFC 5758 section 3.2).
 */
export function signatureAlgorithmIdentifier(algorithm: SignatureAlgorithm, hash: HashAlgorithm): pkijs.AlgorithmIdentifier {
  switch (algorithm) {
    case 'rsa-pkcs1':
      return new pkijs.AlgorithmIdentifier({ algorithmId: OID.rsaEncryption, algorithmParams: new asn1js.Null() });
    case 'rsa-pss': {
      const hashAlgorithm = digestAlgorithmIdentifier(hash);
      const params = new pkijs.RSASSAPSSParams({
        hashAlgorithm,
        maskGenAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.mgf1, algorithmParams: digestAlgorithmIdentifier(hash).toSchema() }),
        saltLength: hashLength(hash),
      });
      return new pkijs.AlgorithmIdentifier({ algorithmId: OID.rsassaPss, algorithmParams: params.toSchema() });
    }
    case 'ecdsa':
      return new pkijs.AlgorithmIdentifier({ algorithmId: ECDSA_OID[hash] });
    default:
      throw new CmsError('unsupported-algorithm', msg('error.cms.algorithm-unsupported', { algorithm: String(algorithm) }));
  }
}

/** A readable name for an algorithm OID in messages. */
export function algorithmName(oid: string): string {
  const hash = hashByOid(oid);
  if (hash) return hash.toUpperCase().replace('SHA', 'SHA-');
  if (RSA_WITH.has(oid)) return `RSA with ${RSA_WITH.get(oid)?.toUpperCase()}`;
  if (ECDSA_WITH.has(oid)) return `ECDSA with ${ECDSA_WITH.get(oid)?.toUpperCase()}`;
  if (oid === OID.rsassaPss) return 'RSASSA-PSS';
  if (oid === OID.rsaEncryption) return 'RSA';
  return oid;
}

export interface VerifyInput {
  /** The bytes that were signed. */
  data: Uint8Array;
  /** The signature value (ECDSA: DER Ecdsa-Sig-Value). */
  signature: Uint8Array;
  publicKey: KeyObject;
  signatureAlgorithm: pkijs.AlgorithmIdentifier;
  /** CMS SignerInfo.digestAlgorithm: names the hash when the signature algorithm is rsaEncryption. */
  digestAlgorithmOid?: string;
}

/**
 * Verifies a signature with node:crypto. Returns false when the signature does not match; throws
 * CmsError('unsupported-algorithm') for an algorithm it cannot check.
 */
export function verifySignature(input: VerifyInput): boolean {
  const oid = input.signatureAlgorithm.algorithmId;
  let hash: AnyHash | null | undefined;
  let options: { padding?: number; saltLength?: number; dsaEncoding?: 'der' } = {};
  if (oid === OID.rsaEncryption) {
    hash = input.digestAlgorithmOid ? hashByOid(input.digestAlgorithmOid) : undefined;
  } else if (RSA_WITH.has(oid)) {
    hash = RSA_WITH.get(oid);
  } else if (ECDSA_WITH.has(oid)) {
    hash = ECDSA_WITH.get(oid);
    options = { dsaEncoding: 'der' };
  } else if (oid === OID.rsassaPss) {
    const pss = pssParameters(input.signatureAlgorithm);
    hash = pss.hash;
    options = { padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: pss.saltLength };
  } else if (oid === OID.ed25519) {
    hash = null;
  }
  if (hash === undefined) {
    throw new CmsError('unsupported-algorithm', msg('error.cms.algorithm-unsupported', { algorithm: algorithmName(oid) }));
  }
  try {
    return nodeVerify(hash, input.data, { key: input.publicKey, ...options }, input.signature);
  } catch {
    // A key of another type than the algorithm (an EC key with an RSA OID...) does not verify.
    return false;
  }
}

function pssParameters(identifier: pkijs.AlgorithmIdentifier): { hash: AnyHash; saltLength: number } {
  let params: pkijs.RSASSAPSSParams;
  try {
    params = new pkijs.RSASSAPSSParams({ schema: identifier.algorithmParams });
  } catch (e) {
    throw new CmsError('unsupported-algorithm', msg('error.cms.pss-parameters'), { cause: e });
  }
  const hash = hashByOid(params.hashAlgorithm.algorithmId);
  const mgfHashOid = params.maskGenAlgorithm.algorithmParams
    ? new pkijs.AlgorithmIdentifier({ schema: params.maskGenAlgorithm.algorithmParams }).algorithmId
    : OID.sha1;
  if (!hash || params.maskGenAlgorithm.algorithmId !== OID.mgf1 || mgfHashOid !== params.hashAlgorithm.algorithmId) {
    // node:crypto uses MGF1 with the signature's hash; other combinations do not occur in practice.
    throw new CmsError('unsupported-algorithm', msg('error.cms.pss-mgf'));
  }
  return { hash, saltLength: params.saltLength };
}
