// Which certificate goes with which private key on a token, as a pure function of what was read
// (no pkcs11js here, so it is tested without a token). Each key takes the first certificate not yet
// taken with its CKA_ID (when the public keys, where known, agree), else the first one with its
// public key (tokens written by other tools often leave CKA_ID empty or different). What is left
// over says why it is not an identity.

/** A certificate as read from the token. */
export interface PairableCertificate {
  /** CKA_ID in hex ('' when it has none). */
  id: string;
  /** What its public key is; undefined when the certificate cannot be read as X.509. */
  publicKey: { fingerprint: string | undefined; ca: boolean } | undefined;
}

/** A private key as read from the token. */
export interface PairableKey {
  /** CKA_ID in hex ('' when it has none). */
  id: string;
  /** Its public key's fingerprint (see keys.ts); undefined when the token does not tell. */
  fingerprint: string | undefined;
  /** CKA_SIGN (true when the token does not say). */
  canSign: boolean;
}

/**
 * - `paired-by-id`, `paired-by-public-key`: a signing identity (how the key found its certificate);
 * - `key-cannot-sign`: a key and its certificate, but CKA_SIGN is false;
 * - `no-certificate`: a key no certificate goes with;
 * - `no-key`: an end-entity certificate no key goes with (before login, tokens hide their keys);
 * - `ca-certificate`: a CA certificate no key goes with: chain material, not a fault;
 * - `unreadable-certificate`: a certificate object that is not X.509 that can be read.
 */
export type PairingCode = 'paired-by-id' | 'paired-by-public-key' | 'key-cannot-sign' | 'no-certificate' | 'no-key' | 'ca-certificate' | 'unreadable-certificate';

export type Pairing<C, K> =
  | { code: 'paired-by-id' | 'paired-by-public-key' | 'key-cannot-sign'; key: K; certificate: C }
  | { code: 'no-certificate'; key: K }
  | { code: 'no-key' | 'ca-certificate' | 'unreadable-certificate'; certificate: C };

/**
 * Pairs keys with certificates: one entry per key, in the keys' order, then one per certificate no
 * key took, in the certificates' order. A certificate goes with one key at most.
 */
export function pairKeysWithCertificates<C extends PairableCertificate, K extends PairableKey>(certificates: readonly C[], keys: readonly K[]): Pairing<C, K>[] {
  const taken = new Set<C>();
  const out: Pairing<C, K>[] = [];
  for (const key of keys) {
    const agrees = (c: C): boolean =>
      c.publicKey !== undefined && (key.fingerprint === undefined || c.publicKey.fingerprint === undefined || c.publicKey.fingerprint === key.fingerprint);
    let code: 'paired-by-id' | 'paired-by-public-key' = 'paired-by-id';
    let certificate = key.id === '' ? undefined : certificates.find((c) => !taken.has(c) && c.id === key.id && agrees(c));
    if (certificate === undefined && key.fingerprint !== undefined) {
      certificate = certificates.find((c) => !taken.has(c) && c.publicKey?.fingerprint === key.fingerprint);
      code = 'paired-by-public-key';
    }
    if (certificate === undefined) {
      out.push({ code: 'no-certificate', key });
      continue;
    }
    taken.add(certificate);
    out.push({ code: key.canSign ? code : 'key-cannot-sign', key, certificate });
  }
  for (const certificate of certificates) {
    if (taken.has(certificate)) continue;
    const code = certificate.publicKey === undefined ? 'unreadable-certificate' : certificate.publicKey.ca ? 'ca-certificate' : 'no-key';
    out.push({ code, certificate });
  }
  return out;
}
