// Software keys: a node:crypto private key in this process (from a PKCS#12 file or the personal
// digital ID). Signing runs on libuv's thread pool (the callback form of crypto.sign), so a batch
// does not block the event loop.
import { createPublicKey, constants, sign as cryptoSign, X509Certificate } from 'node:crypto';
import type { KeyObject, SignKeyObjectInput, SignPrivateKeyInput } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { checkSigningCertificate, describeCertificate } from './checks';
import { SignerError } from './errors';
import { msg } from '../errors';
import { readPkcs12 } from './pkcs12';
import { checkedDigest } from './signer';
import type { HashAlgorithm, SignatureAlgorithm, Signer, SignRequest } from './signer';

export interface SoftwareSignerOptions {
  key: KeyObject;
  /** The certificate of `key`, DER. */
  certificate: Uint8Array;
  /** Further certificates of its chain, DER, issuer first. */
  chain: Uint8Array[];
  /** For messages, e.g. "Élodie Signataire (signer.p12)". */
  label: string;
}

/** A Signer backed by a key in this process. */
export interface SoftwareSigner extends Signer {
  /** What the certificate checks allowed but want said (see checkSigningCertificate). */
  readonly warnings: readonly string[];
}

const DIGEST_LENGTH: Record<HashAlgorithm, number> = { sha256: 32, sha384: 48, sha512: 64 };

const ALGORITHM_NAMES: Record<SignatureAlgorithm, string> = {
  'rsa-pkcs1': 'RSA PKCS#1 v1.5',
  'rsa-pss': 'RSA-PSS',
  ecdsa: 'ECDSA',
};

/** Field sizes of the curves OpenSSL names. */
const CURVE_BITS: Record<string, number> = {
  prime256v1: 256,
  secp256k1: 256,
  secp384r1: 384,
  secp521r1: 521,
  brainpoolP256r1: 256,
  brainpoolP384r1: 384,
  brainpoolP512r1: 512,
};

interface KeyInfo {
  keyType: 'rsa' | 'ec';
  keyBits: number;
  algorithms: SignatureAlgorithm[];
}

function keyInfo(key: KeyObject, label: string): KeyInfo {
  if (key.type !== 'private') throw new TypeError('createSoftwareSigner needs a private key');
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return { keyType: 'rsa', keyBits: details.modulusLength ?? 0, algorithms: ['rsa-pkcs1', 'rsa-pss'] };
    case 'rsa-pss':
      // A key restricted to PSS by its algorithm identifier (RFC 4055).
      return { keyType: 'rsa', keyBits: details.modulusLength ?? 0, algorithms: ['rsa-pss'] };
    case 'ec': {
      const bits = CURVE_BITS[details.namedCurve ?? ''];
      if (bits !== undefined) return { keyType: 'ec', keyBits: bits, algorithms: ['ecdsa'] };
      throw new SignerError('unsupported-key', msg('error.signer.key-curve', { label, curve: details.namedCurve ?? '(unnamed)' }));
    }
    default:
      throw new SignerError('unsupported-key', msg('error.signer.key-type', {
        label,
        keyType: (key.asymmetricKeyType ?? 'unknown').toUpperCase(),
        article: /^[aeiou]/i.test(key.asymmetricKeyType ?? '') ? 'an' : 'a',
      }));
  }
}

function spki(key: KeyObject): Buffer {
  return createPublicKey(key).export({ type: 'spki', format: 'der' });
}

function signAsync(hash: HashAlgorithm, data: Uint8Array, key: SignKeyObjectInput | SignPrivateKeyInput): Promise<Buffer> {
  return new Promise((resolve, reject) => cryptoSign(hash, data, key, (e, signature) => (e ? reject(e) : resolve(signature))));
}

/** A Signer over a node:crypto private key and its certificate. */
export function createSoftwareSigner(options: SoftwareSignerOptions, extra: { warnings?: readonly string[] } = {}): SoftwareSigner {
  const { label } = options;
  const info = keyInfo(options.key, label);
  let certificatePublicKey: Buffer;
  try {
    certificatePublicKey = new X509Certificate(options.certificate).publicKey.export({ type: 'spki', format: 'der' });
  } catch (e) {
    throw new SignerError('bad-certificate', msg('error.signer.certificate-of-unreadable', { label }), { cause: e });
  }
  if (!certificatePublicKey.equals(spki(options.key))) {
    throw new SignerError('key-certificate-mismatch', msg('error.signer.key-certificate-mismatch', { label }));
  }
  let key: KeyObject | undefined = options.key;
  const certificate = new Uint8Array(options.certificate);
  const chain = options.chain.map((c) => new Uint8Array(c));

  const sign = async (request: SignRequest): Promise<Uint8Array> => {
    const current = key;
    if (!current) throw new SignerError('signer-closed', msg('error.signer.closed', { label }));
    if (!info.algorithms.includes(request.algorithm)) {
      throw new SignerError('unsupported-algorithm', msg('error.signer.key-algorithm', {
        label,
        algorithm: ALGORITHM_NAMES[request.algorithm] ?? String(request.algorithm),
        algorithms: info.algorithms.map((a) => ALGORITHM_NAMES[a]).join(', '),
      }));
    }
    const length = DIGEST_LENGTH[request.hash];
    if (length === undefined) throw new TypeError(`unsupported hash algorithm: ${String(request.hash)}`);
    checkedDigest(request);
    const input: SignKeyObjectInput =
      request.algorithm === 'ecdsa'
        ? { key: current, dsaEncoding: 'der' }
        : request.algorithm === 'rsa-pss'
          ? { key: current, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: length }
          : { key: current, padding: constants.RSA_PKCS1_PADDING };
    return new Uint8Array(await signAsync(request.hash, request.data, input));
  };

  return {
    label,
    certificate,
    chain,
    keyType: info.keyType,
    keyBits: info.keyBits,
    algorithms: [...info.algorithms],
    warnings: [...(extra.warnings ?? [])],
    sign,
    signMany: (requests) => Promise.all(requests.map(sign)),
    close: async () => {
      key = undefined;
    },
  };
}

/** Orders `others` into the chain of `certificate`, issuer first; certificates outside it are left out. */
export function orderChain(certificate: Uint8Array, others: Uint8Array[]): Uint8Array[] {
  const parsed = others.flatMap((der) => {
    try {
      return [{ der, cert: new X509Certificate(der) }];
    } catch {
      return [];
    }
  });
  const chain: Uint8Array[] = [];
  let current = new X509Certificate(certificate);
  const used = new Set<number>();
  for (;;) {
    if (current.checkIssued(current) && current.verify(current.publicKey)) break; // self-signed: the root
    const index = parsed.findIndex((p, i) => !used.has(i) && current.checkIssued(p.cert) && current.verify(p.cert.publicKey));
    const issuer = parsed[index];
    if (index === -1 || !issuer) break;
    used.add(index);
    chain.push(issuer.der);
    current = issuer.cert;
  }
  return chain;
}

export interface OpenPkcs12Options {
  /** When the certificate must be valid (default: now). */
  at?: Date;
}

/** PKCS#12 files are a few KB; anything this large is something else picked by mistake. */
const MAX_P12_BYTES = 16 * 1024 * 1024;

async function readIdentityFile(path: string): Promise<Uint8Array> {
  const name = basename(path);
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new SignerError('not-readable', msg('error.signer.p12-folder', { name }));
    if (!info.isFile()) throw new SignerError('not-readable', msg('error.signer.p12-not-regular', { name }));
    if (info.size > MAX_P12_BYTES) throw new SignerError('bad-p12', msg('error.signer.p12-too-large', { name }));
    return new Uint8Array(await readFile(path));
  } catch (e) {
    if (e instanceof SignerError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new SignerError('not-found', msg('error.signer.p12-not-found', { path }), { cause: e });
    if (code === 'EACCES' || code === 'EPERM') throw new SignerError('not-readable', msg('error.signer.p12-permission', { name }), { cause: e });
    throw new SignerError('not-readable', code ? msg('error.signer.p12-unreadable-code', { name, code }) : msg('error.signer.p12-unreadable', { name }), { cause: e });
  }
}

/**
 * Opens a PKCS#12 file as a Signer, label "CN (file.p12)". Throws SignerError: 'not-found',
 * 'not-readable', the PKCS#12 errors of readPkcs12, the certificate checks of
 * checkSigningCertificate, 'unsupported-key'.
 */
export async function openPkcs12Signer(path: string, password: string, options: OpenPkcs12Options = {}): Promise<SoftwareSigner> {
  const name = basename(path);
  const bytes = await readIdentityFile(path);
  const { key, certificate, others } = await readPkcs12(bytes, password, { name });
  const { warnings } = checkSigningCertificate(certificate, { at: options.at ?? new Date() });
  const label = `${describeCertificate(certificate).subject} (${name})`;
  return createSoftwareSigner({ key, certificate, chain: orderChain(certificate, others), label }, { warnings });
}
