// Public-key fingerprints, to pair certificates with keys when CKA_ID does not (tokens written by
// other tools often leave CKA_ID empty or different): RSA by modulus, EC by uncompressed point.
import { X509Certificate } from 'node:crypto';

export interface PublicKeyFacts {
  keyType: 'rsa' | 'ec' | 'other';
  bits: number;
  /** 'rsa:<modulus hex>' or 'ec:<04||x||y hex>'; undefined when unknown. */
  fingerprint: string | undefined;
}

const CURVE_BITS: Record<string, number> = { 'P-256': 256, 'P-384': 384, 'P-521': 521, prime256v1: 256, secp384r1: 384, secp521r1: 521 };

/** DER of the namedCurve OIDs (CKA_EC_PARAMS) of the curves PDF signatures use. */
const EC_PARAMS_BITS: Record<string, number> = {
  '06082a8648ce3d030107': 256,
  '06052b81040022': 384,
  '06052b81040023': 521,
  '06092b2403030208010107': 256, // brainpoolP256r1
  '06092b240303020801010b': 384, // brainpoolP384r1
  '06092b240303020801010d': 512, // brainpoolP512r1
};

const stripZeros = (b: Buffer): string => b.toString('hex').replace(/^(?:00)+(?=.)/, '');

export function rsaFingerprint(modulus: Buffer): string {
  return `rsa:${stripZeros(modulus)}`;
}

export function rsaBits(modulus: Buffer): number {
  const hex = stripZeros(modulus);
  return hex === '0' ? 0 : (hex.length - 1) * 4 + parseInt(hex[0] ?? '0', 16).toString(2).length;
}

/** CKA_EC_POINT is a DER OCTET STRING around the point (PKCS#11 2.40), but some modules store it raw. */
export function ecFingerprint(ecPoint: Buffer): string | undefined {
  let point = ecPoint;
  if (!(point[0] === 0x04 && [65, 97, 133].includes(point.length))) {
    if (point[0] !== 0x04 || point.length < 3) return undefined;
    const long = (point[1] ?? 0) & 0x80 ? (point[1] ?? 0) & 0x7f : 0;
    point = point.subarray(2 + long);
  }
  return point[0] === 0x04 ? `ec:${point.toString('hex')}` : undefined;
}

export function ecBits(ecParams: Buffer | undefined): number {
  return ecParams ? (EC_PARAMS_BITS[ecParams.toString('hex')] ?? 0) : 0;
}

/** Key type, size and fingerprint of a certificate's public key. */
export function certificateKey(der: Buffer): PublicKeyFacts & { cert: X509Certificate } {
  const cert = new X509Certificate(der);
  const key = cert.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') {
    const jwk = key.export({ format: 'jwk' });
    return { cert, keyType: 'rsa', bits: details.modulusLength ?? 0, fingerprint: jwk.n ? rsaFingerprint(Buffer.from(jwk.n, 'base64url')) : undefined };
  }
  if (key.asymmetricKeyType === 'ec') {
    const jwk = key.export({ format: 'jwk' });
    const fingerprint = jwk.x && jwk.y ? `ec:04${Buffer.from(jwk.x, 'base64url').toString('hex')}${Buffer.from(jwk.y, 'base64url').toString('hex')}` : undefined;
    return { cert, keyType: 'ec', bits: CURVE_BITS[details.namedCurve ?? ''] ?? 0, fingerprint };
  }
  return { cert, keyType: 'other', bits: 0, fingerprint: undefined };
}

