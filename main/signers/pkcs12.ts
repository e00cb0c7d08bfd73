// PKCS#12 (.p12/.pfx) files, as real users have them (RFC 7292):
// - openssl 3 defaults: PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) for keys and certificates, MAC
//   HMAC-SHA256 keyed by the PKCS#12 KDF;
// - what Windows, macOS and older tools export: pbeWithSHAAnd3-KeyTripleDES-CBC for the key,
//   pbeWithSHAAnd40BitRC2-CBC (or 3DES) for the certificates, MAC HMAC-SHA1.
// pkijs gives the structure (PFX, AuthenticatedSafe, SafeBag, EncryptedData, PBES2 parameters);
// the cryptography is node:crypto, plus the PKCS#12 KDF (RFC 7292 B.2) and RC2 decryption
// (RFC 2268), which Node's OpenSSL 3 only offers through its legacy provider (not loaded in Node
// or Electron).
//
// Passwords: the PKCS#12 KDF takes the password as a NUL-terminated BMPString (UTF-16BE), PBES2 as
// its UTF-8 bytes (what openssl, Windows and macOS do). The buffers holding them are zeroed when
// done; the JS string itself cannot be. No password ever reaches a message.
import { createCipheriv, createDecipheriv, createHash, createHmac, createPrivateKey, createPublicKey, pbkdf2, randomBytes, timingSafeEqual, X509Certificate } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { SignerError } from './errors';
import { msg } from '../errors';

export interface Pkcs12Contents {
  /** The private key (node:crypto). */
  key: KeyObject;
  /** The certificate of that key, DER. */
  certificate: Uint8Array;
  /** The other certificates of the file (usually its chain), DER, in file order. */
  others: Uint8Array[];
}

export interface ReadPkcs12Options {
  /** How messages name the file, e.g. "signer.p12" (default "the PKCS#12 file"). */
  name?: string;
}

const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  envelopedData: '1.2.840.113549.1.7.3',
  encryptedData: '1.2.840.113549.1.7.6',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  safeContentsBag: '1.2.840.113549.1.12.10.1.6',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  friendlyName: '1.2.840.113549.1.9.20',
  localKeyId: '1.2.840.113549.1.9.21',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  pbmac1: '1.2.840.113549.1.5.14',
  hmacWithSha1: '1.2.840.113549.2.7',
  hmacWithSha256: '1.2.840.113549.2.9',
  sha256: '2.16.840.1.101.3.4.2.1',
  aes256Cbc: '2.16.840.1.101.3.4.1.42',
} as const;

interface HashInfo {
  /** node:crypto name */
  name: string;
  /** output bytes (u in RFC 7292 B.2) */
  u: number;
  /** block bytes (v in RFC 7292 B.2) */
  v: number;
}

const SHA1: HashInfo = { name: 'sha1', u: 20, v: 64 };
const SHA256: HashInfo = { name: 'sha256', u: 32, v: 64 };

/** Digest algorithms of MacData, by OID. */
const MAC_HASHES: Record<string, HashInfo> = {
  '1.3.14.3.2.26': SHA1,
  '2.16.840.1.101.3.4.2.4': { name: 'sha224', u: 28, v: 64 },
  [OID.sha256]: SHA256,
  '2.16.840.1.101.3.4.2.2': { name: 'sha384', u: 48, v: 128 },
  '2.16.840.1.101.3.4.2.3': { name: 'sha512', u: 64, v: 128 },
  '2.16.840.1.101.3.4.2.5': { name: 'sha512-224', u: 28, v: 128 },
  '2.16.840.1.101.3.4.2.6': { name: 'sha512-256', u: 32, v: 128 },
};

/** PBKDF2 pseudo-random functions, by OID (absent means hmacWithSHA1). */
const PBKDF2_PRFS: Record<string, string> = {
  [OID.hmacWithSha1]: 'sha1',
  '1.2.840.113549.2.8': 'sha224',
  [OID.hmacWithSha256]: 'sha256',
  '1.2.840.113549.2.10': 'sha384',
  '1.2.840.113549.2.11': 'sha512',
  '1.2.840.113549.2.12': 'sha512-224',
  '1.2.840.113549.2.13': 'sha512-256',
};

/** PBES2 encryption schemes Node can run, by OID. */
const PBES2_CIPHERS: Record<string, { cipher: string; keyLength: number; ivLength: number }> = {
  '2.16.840.1.101.3.4.1.2': { cipher: 'aes-128-cbc', keyLength: 16, ivLength: 16 },
  '2.16.840.1.101.3.4.1.22': { cipher: 'aes-192-cbc', keyLength: 24, ivLength: 16 },
  [OID.aes256Cbc]: { cipher: 'aes-256-cbc', keyLength: 32, ivLength: 16 },
  '1.2.840.113549.3.7': { cipher: 'des-ede3-cbc', keyLength: 24, ivLength: 8 },
};

/** The PKCS#12 password-based encryption schemes (pkcs-12PbeIds) we implement. */
const PKCS12_PBES: Record<string, { cipher: string; keyLength: number; rc2Bits?: number }> = {
  '1.2.840.113549.1.12.1.3': { cipher: 'des-ede3-cbc', keyLength: 24 },
  '1.2.840.113549.1.12.1.4': { cipher: 'des-ede-cbc', keyLength: 16 },
  '1.2.840.113549.1.12.1.5': { cipher: 'rc2-cbc', keyLength: 16, rc2Bits: 128 },
  '1.2.840.113549.1.12.1.6': { cipher: 'rc2-cbc', keyLength: 5, rc2Bits: 40 },
};

/** Names of algorithms we recognise, for messages about the ones we do not support. */
const ALGORITHM_NAMES: Record<string, string> = {
  '1.2.840.113549.1.12.1.1': 'pbeWithSHAAnd128BitRC4',
  '1.2.840.113549.1.12.1.2': 'pbeWithSHAAnd40BitRC4',
  '1.2.840.113549.1.5.1': 'pbeWithMD2AndDES-CBC',
  '1.2.840.113549.1.5.3': 'pbeWithMD5AndDES-CBC',
  '1.2.840.113549.1.5.4': 'pbeWithMD2AndRC2-CBC',
  '1.2.840.113549.1.5.6': 'pbeWithMD5AndRC2-CBC',
  '1.2.840.113549.1.5.10': 'pbeWithSHA1AndDES-CBC',
  '1.2.840.113549.1.5.11': 'pbeWithSHA1AndRC2-CBC',
  '1.3.14.3.2.7': 'DES-CBC',
  '1.2.840.113549.3.2': 'RC2-CBC',
  '1.3.6.1.4.1.11591.4.11': 'scrypt',
  [OID.pbmac1]: 'PBMAC1',
  '1.2.840.113549.2.5': 'MD5',
  [OID.envelopedData]: 'public-key encryption (envelopedData)',
  [OID.signedData]: 'public-key integrity (signedData)',
};

const algorithmName = (oid: string): string => ALGORITHM_NAMES[oid] ?? `OID ${oid}`;

/** Bounds on iteration counts: a crafted file must not hold the process for minutes. */
const MAX_KDF_ITERATIONS = 1_000_000; // PKCS#12 KDF: runs on this thread
const MAX_PBKDF2_ITERATIONS = 10_000_000; // PBKDF2: runs on the libuv pool

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

/** The password in the forms the schemes of a file may need. */
interface PasswordForms {
  /** For PBES2 (PBKDF2). */
  utf8: Buffer;
  /** For the PKCS#12 KDF: the first is the standard one; the MAC tells which one the file used. */
  bmp: Buffer[];
  /** Every buffer above, to wipe when done (bmp is narrowed once the MAC has chosen). */
  all: Buffer[];
}

function bmpString(text: string): Buffer {
  const out = Buffer.alloc(text.length * 2 + 2);
  for (let i = 0; i < text.length; i++) out.writeUInt16BE(text.charCodeAt(i), i * 2);
  return out;
}

function passwordForms(password: string): PasswordForms {
  const utf8 = Buffer.from(password, 'utf8');
  const bmp = [bmpString(password)];
  // An empty password is an empty BMPString for some writers (NSS, Java) and a lone NUL for others.
  if (password === '') bmp.push(Buffer.alloc(0));
  // OpenSSL before 1.1.0 turned each UTF-8 byte into one BMP character: files it wrote with a
  // non-ASCII password only open that way.
  if (utf8.length !== password.length) bmp.push(bmpString(utf8.toString('latin1')));
  return { utf8, bmp, all: [utf8, ...bmp] };
}

function wipe(forms: PasswordForms): void {
  for (const b of forms.all) b.fill(0);
}

/** Raised inside the reader when a decryption fails; the caller decides what it means. */
class DecryptFailure extends Error {}

interface Context {
  name: string;
  /** Set once the MAC has verified: decryption failures then mean damage, not a wrong password. */
  macVerified: boolean;
  forms: PasswordForms;
  /** Decrypted SafeContents (they may hold plain key bags): zeroed when reading is done. */
  plaintexts: Buffer[];
}

/** How a sentence starts when it is about the file: "The file signer.p12" or "The PKCS#12 file". */
const UNNAMED = 'the PKCS#12 file';

/** The file's name for messages, '' when it has none (the messages then say "the PKCS#12 file"). */
const fileOf = (ctx: { name: string }): string => (ctx.name === UNNAMED ? '' : ctx.name);
const named = (ctx: { name: string }): 'yes' | 'no' => (ctx.name === UNNAMED ? 'no' : 'yes');

/** Why a file is no PKCS#12 file, as the catalog's `why` select says it. */
type BadP12Why = 'decrypt' | 'empty' | 'pem' | 'key' | 'none';

function badP12(ctx: { name: string }, why: BadP12Why = 'none'): SignerError {
  return new SignerError('bad-p12', msg('error.signer.bad-p12', { named: named(ctx), file: fileOf(ctx), why }));
}

/**
 * A protection Paraphe does not implement: `kind` says what it is (an algorithm, an integrity or
 * key-derivation algorithm, a PBKDF2 function, an iteration count), `value` its name or number.
 */
function unsupported(ctx: { name: string }, kind: 'algorithm' | 'integrity' | 'kdf' | 'prf' | 'iterations' | 'integrityIterations', value: string | number): SignerError {
  return new SignerError('unsupported-p12', msg('error.signer.unsupported-p12', { named: named(ctx), file: fileOf(ctx), kind, value }));
}

function wrongPassword(ctx: { name: string }): SignerError {
  return new SignerError('wrong-password', msg('error.signer.wrong-password', { named: named(ctx), file: fileOf(ctx) }));
}

function octets(value: unknown): Uint8Array {
  if (!(value instanceof asn1js.OctetString)) throw new DecodeError('an OCTET STRING was expected');
  return new Uint8Array(value.getValue());
}

function integer(value: unknown): number {
  if (!(value instanceof asn1js.Integer)) throw new DecodeError('an INTEGER was expected');
  return value.valueBlock.valueDec;
}

/** Malformed ASN.1 inside the file. */
class DecodeError extends Error {}

function parseBer(bytes: Uint8Array): asn1js.AsnType {
  const parsed = asn1js.fromBER(bytes);
  if (parsed.offset === -1) throw new DecodeError(parsed.result.error || 'not ASN.1');
  return parsed.result;
}

/**
 * Reads a PKCS#12 file: the private key, its certificate (matched by public key) and the other
 * certificates. Throws SignerError: 'bad-p12', 'wrong-password', 'unsupported-p12',
 * 'no-private-key', 'no-certificate'.
 */
export async function readPkcs12(bytes: Uint8Array, password: string, options: ReadPkcs12Options = {}): Promise<Pkcs12Contents> {
  const ctx: Context = { name: options.name ?? UNNAMED, macVerified: false, forms: passwordForms(password), plaintexts: [] };
  try {
    return await read(bytes, ctx);
  } catch (e) {
    if (e instanceof SignerError) throw e;
    if (e instanceof DecryptFailure) throw ctx.macVerified ? badP12(ctx, 'decrypt') : wrongPassword(ctx);
    // pkijs' AsnError and our DecodeError: the bytes are not the structure RFC 7292 describes.
    throw badP12(ctx);
  } finally {
    wipe(ctx.forms);
    for (const b of ctx.plaintexts) b.fill(0);
  }
}

async function read(bytes: Uint8Array, ctx: Context): Promise<Pkcs12Contents> {
  if (bytes.length === 0) throw badP12(ctx, 'empty');
  const head = Buffer.from(bytes.subarray(0, 64)).toString('latin1');
  if (/-----BEGIN /.test(head)) throw badP12(ctx, 'pem');
  if (bytes[0] !== 0x30) throw badP12(ctx);

  let pfx: pkijs.PFX;
  try {
    pfx = new pkijs.PFX({ schema: parseBer(bytes) });
  } catch {
    throw badP12(ctx);
  }
  const authSafe = pfx.authSafe;
  if (authSafe.contentType !== OID.data) throw unsupported(ctx, 'algorithm', algorithmName(authSafe.contentType));
  const authSafeBytes = octets(authSafe.content);

  if (pfx.macData) {
    ctx.forms.bmp = [await verifyMac(pfx.macData, authSafeBytes, ctx)];
    ctx.macVerified = true;
  }

  const authenticatedSafe = new pkijs.AuthenticatedSafe({ schema: parseBer(authSafeBytes) });
  const bags: Bag[] = [];
  for (const info of authenticatedSafe.safeContents) {
    if (info.contentType === OID.data) {
      bags.push(...safeBags(octets(info.content)));
    } else if (info.contentType === OID.encryptedData) {
      const encrypted = new pkijs.EncryptedData({ schema: info.content });
      const eci = encrypted.encryptedContentInfo;
      const plain = await decrypt(eci.contentEncryptionAlgorithm, new Uint8Array(eci.getEncryptedContent()), ctx);
      ctx.plaintexts.push(plain); // the parsed bags are views into it: zeroed only at the end
      let contents: Bag[];
      try {
        contents = safeBags(plain);
      } catch (e) {
        // Without a MAC, a wrong password can still yield valid padding (1 time in 256).
        if (!ctx.macVerified) throw new DecryptFailure();
        throw e;
      }
      bags.push(...contents);
    } else {
      throw unsupported(ctx, 'algorithm', algorithmName(info.contentType));
    }
  }

  const keys: KeyObject[] = [];
  const certificates: Uint8Array[] = [];
  const visit = async (list: readonly Bag[]): Promise<void> => {
    for (const bag of list) {
      const value = bag.bagValue;
      if (bag.bagId === OID.shroudedKeyBag && value instanceof pkijs.PKCS8ShroudedKeyBag) {
        const der = await decrypt(value.encryptionAlgorithm, octets(value.encryptedData), ctx);
        try {
          keys.push(privateKey(der, ctx));
        } finally {
          der.fill(0);
        }
      } else if (bag.bagId === OID.keyBag && value instanceof pkijs.PrivateKeyInfo) {
        const der = Buffer.from(value.toSchema().toBER(false));
        try {
          keys.push(privateKey(der, ctx));
        } finally {
          der.fill(0);
        }
      } else if (bag.bagId === OID.certBag && value instanceof pkijs.CertBag) {
        if (value.certId === OID.x509Certificate) certificates.push(octets(value.certValue));
      } else if (bag.bagId === OID.certBag && value instanceof Uint8Array) {
        certificates.push(value);
      } else if (bag.bagId === OID.safeContentsBag && value instanceof pkijs.SafeContents) {
        await visit(value.safeBags);
      }
      // CRL and secret bags are not ours to use.
    }
  };
  await visit(bags);

  if (keys.length === 0) throw new SignerError('no-private-key', msg('error.signer.no-private-key', { named: named(ctx), file: fileOf(ctx) }));
  const parsed = certificates.map((der) => {
    try {
      return { der, spki: new X509Certificate(der).publicKey.export({ type: 'spki', format: 'der' }) };
    } catch {
      return { der, spki: undefined };
    }
  });
  for (const key of keys) {
    let spki: Buffer;
    try {
      spki = publicKeyDer(key);
    } catch {
      continue;
    }
    const match = parsed.find((c) => c.spki?.equals(spki));
    if (match) return { key, certificate: match.der, others: certificates.filter((c) => c !== match.der) };
  }
  throw new SignerError('no-certificate', msg('error.signer.no-certificate', { named: named(ctx), file: fileOf(ctx) }));
}

function publicKeyDer(key: KeyObject): Buffer {
  // createPublicKey derives the public part of a private key.
  return createPublicKey(key).export({ type: 'spki', format: 'der' });
}

function privateKey(pkcs8: Buffer, ctx: Context): KeyObject {
  try {
    return createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  } catch {
    if (!ctx.macVerified) throw new DecryptFailure();
    throw badP12(ctx, 'key');
  }
}

/**
 * A bag of a SafeContents: as pkijs reads it, or, for an X.509 certificate bag, the certificate's
 * DER as the file holds it (`bagValue`). pkijs would parse each certificate into its objects, the
 * costliest step of opening a .p12 (a third of it), only for us to keep the bytes.
 */
type Bag = pkijs.SafeBag | { bagId: typeof OID.certBag; bagValue: Uint8Array };

/**
 * An X.509 certificate bag (RFC 7292 4.2.3: SafeBag { bagId certBag, bagValue [0] EXPLICIT CertBag
 * { certId x509Certificate, certValue [0] EXPLICIT OCTET STRING } }): the certificate's DER, or
 * undefined for anything else (then pkijs reads it, or skips it).
 */
function x509CertBag(element: asn1js.AsnType): Uint8Array | undefined {
  if (!(element instanceof asn1js.Sequence)) return undefined;
  const [id, value] = element.valueBlock.value;
  if (!(id instanceof asn1js.ObjectIdentifier) || id.valueBlock.toString() !== OID.certBag) return undefined;
  const explicit = (node: unknown): asn1js.AsnType | undefined =>
    node instanceof asn1js.Constructed && node.idBlock.tagClass === 3 && node.idBlock.tagNumber === 0 && node.valueBlock.value.length === 1 ? node.valueBlock.value[0] : undefined;
  const certBag = explicit(value);
  if (!(certBag instanceof asn1js.Sequence)) return undefined;
  const [certId, certValue] = certBag.valueBlock.value;
  if (!(certId instanceof asn1js.ObjectIdentifier) || certId.valueBlock.toString() !== OID.x509Certificate) return undefined;
  const octetString = explicit(certValue);
  return octetString instanceof asn1js.OctetString ? octets(octetString) : undefined;
}

/** The bags of a SafeContents; bags of kinds pkijs does not know are skipped. */
function safeBags(der: Uint8Array): Bag[] {
  const seq = parseBer(der);
  if (!(seq instanceof asn1js.Sequence)) throw new DecodeError('SafeContents is not a SEQUENCE');
  const out: Bag[] = [];
  for (const element of seq.valueBlock.value) {
    const certificate = x509CertBag(element);
    if (certificate) {
      out.push({ bagId: OID.certBag, bagValue: certificate });
      continue;
    }
    let bag: pkijs.SafeBag;
    try {
      bag = new pkijs.SafeBag({ schema: element });
    } catch {
      continue; // an unknown bag type, or one we do not read
    }
    out.push(bag);
  }
  return out;
}

async function verifyMac(macData: pkijs.MacData, content: Uint8Array, ctx: Context): Promise<Buffer> {
  const algorithm = macData.mac.digestAlgorithm.algorithmId;
  const hash = MAC_HASHES[algorithm];
  if (!hash) throw unsupported(ctx, 'integrity', algorithmName(algorithm));
  const salt = octets(macData.macSalt);
  const iterations = macData.iterations ?? 1;
  if (iterations < 1 || iterations > MAX_KDF_ITERATIONS) throw unsupported(ctx, 'integrityIterations', iterations);
  const expected = octets(macData.mac.digest);
  for (const candidate of ctx.forms.bmp) {
    const key = pkcs12Kdf(hash, candidate, salt, 3, iterations, hash.u);
    const mac = createHmac(hash.name, key).update(content).digest();
    key.fill(0);
    if (mac.length === expected.length && timingSafeEqual(mac, expected)) return candidate;
    // Let other work run between candidates: each costs `iterations` hashes on this thread.
    await new Promise((r) => setImmediate(r));
  }
  throw wrongPassword(ctx);
}

/**
 * The PKCS#12 key derivation function (RFC 7292 Appendix B.2). `id` 1 derives a key, 2 an IV,
 * 3 a MAC key. `password` is the NUL-terminated BMPString (or empty).
 */
function pkcs12Kdf(hash: HashInfo, password: Uint8Array, salt: Uint8Array, id: 1 | 2 | 3, iterations: number, n: number): Buffer {
  const { u, v } = hash;
  const repeat = (src: Uint8Array, length: number): Buffer => {
    const out = Buffer.alloc(length);
    for (let i = 0; i < length; i++) out[i] = src[i % src.length] ?? 0;
    return out;
  };
  const D = Buffer.alloc(v, id);
  const S = repeat(salt, salt.length === 0 ? 0 : v * Math.ceil(salt.length / v));
  const P = repeat(password, password.length === 0 ? 0 : v * Math.ceil(password.length / v));
  const I = Buffer.concat([S, P]);
  P.fill(0);
  const out = Buffer.alloc(n);
  try {
    for (let filled = 0; ; ) {
      let A = createHash(hash.name).update(D).update(I).digest();
      for (let r = 1; r < iterations; r++) A = createHash(hash.name).update(A).digest();
      A.copy(out, filled, 0, Math.min(u, n - filled));
      filled += u;
      if (filled >= n) return out;
      // I_j = (I_j + B + 1) mod 2^(8v), for each v-byte block of I.
      const B = repeat(A, v);
      for (let j = 0; j < I.length; j += v) {
        let carry = 1;
        for (let k = v - 1; k >= 0; k--) {
          const x = (I[j + k] ?? 0) + (B[k] ?? 0) + carry;
          I[j + k] = x & 0xff;
          carry = x >>> 8;
        }
      }
    }
  } finally {
    I.fill(0);
  }
}

function pbkdf2Async(password: Buffer, salt: Uint8Array, iterations: number, keyLength: number, digest: string): Promise<Buffer> {
  return new Promise((resolve, reject) => pbkdf2(password, salt, iterations, keyLength, digest, (e, key) => (e ? reject(e) : resolve(key))));
}

/** Decrypts with a PBES2 or PKCS#12 PBE scheme; throws DecryptFailure when the padding is wrong. */
async function decrypt(algorithm: pkijs.AlgorithmIdentifier, data: Uint8Array, ctx: Context): Promise<Buffer> {
  const oid = algorithm.algorithmId;
  if (oid === OID.pbes2) {
    const params = new pkijs.PBES2Params({ schema: algorithm.algorithmParams });
    const kdf = params.keyDerivationFunc;
    if (kdf.algorithmId !== OID.pbkdf2) throw unsupported(ctx, 'kdf', algorithmName(kdf.algorithmId));
    const kdfParams = new pkijs.PBKDF2Params({ schema: kdf.algorithmParams });
    const scheme = PBES2_CIPHERS[params.encryptionScheme.algorithmId];
    if (!scheme) throw unsupported(ctx, 'algorithm', algorithmName(params.encryptionScheme.algorithmId));
    const prfOid = kdfParams.prf?.algorithmId ?? OID.hmacWithSha1;
    const prf = PBKDF2_PRFS[prfOid];
    if (!prf) throw unsupported(ctx, 'prf', algorithmName(prfOid));
    const salt = octets(kdfParams.salt);
    const iterations = kdfParams.iterationCount;
    if (iterations < 1 || iterations > MAX_PBKDF2_ITERATIONS) throw unsupported(ctx, 'iterations', iterations);
    const iv = octets(params.encryptionScheme.algorithmParams);
    if (iv.length !== scheme.ivLength) throw new DecodeError('wrong IV length');
    const key = await pbkdf2Async(ctx.forms.utf8, salt, iterations, kdfParams.keyLength ?? scheme.keyLength, prf);
    try {
      return decipher(scheme.cipher, key, iv, data, ctx);
    } finally {
      key.fill(0);
    }
  }
  const pbe = PKCS12_PBES[oid];
  if (!pbe) throw unsupported(ctx, 'algorithm', algorithmName(oid));
  const params = algorithm.algorithmParams as unknown;
  if (!(params instanceof asn1js.Sequence)) throw new DecodeError('PBE parameters are not a SEQUENCE');
  const [saltValue, iterationsValue] = params.valueBlock.value;
  const salt = octets(saltValue);
  const iterations = integer(iterationsValue);
  if (iterations < 1 || iterations > MAX_KDF_ITERATIONS) throw unsupported(ctx, 'iterations', iterations);
  // Without a verified MAC, try each form of the password (the first is the standard one).
  let failure: unknown;
  for (const bmp of ctx.forms.bmp) {
    const key = pkcs12Kdf(SHA1, bmp, salt, 1, iterations, pbe.keyLength);
    const iv = pkcs12Kdf(SHA1, bmp, salt, 2, iterations, 8);
    try {
      const plain = pbe.rc2Bits ? rc2CbcDecrypt(key, iv, data, pbe.rc2Bits) : decipher(pbe.cipher, key, iv, data, ctx);
      if (!ctx.macVerified) ctx.forms.bmp = [bmp];
      return plain;
    } catch (e) {
      failure = e;
    } finally {
      key.fill(0);
    }
  }
  throw failure instanceof DecryptFailure ? failure : new DecryptFailure();
}

function decipher(cipher: string, key: Uint8Array, iv: Uint8Array, data: Uint8Array, ctx: { name: string }): Buffer {
  let d;
  try {
    d = createDecipheriv(cipher, key, iv);
  } catch {
    // A Node built without this cipher: say so rather than "wrong password".
    throw new SignerError('unsupported-p12', msg('error.signer.p12-cipher-missing', { named: named(ctx), file: fileOf(ctx), cipher }));
  }
  try {
    return Buffer.concat([d.update(data), d.final()]);
  } catch {
    throw new DecryptFailure();
  }
}

// ---------------------------------------------------------------------------------------------
// RC2-CBC decryption (RFC 2268), for the pbeWithSHAAnd40BitRC2-CBC certificate bags that Windows
// and `openssl pkcs12 -legacy` write. Node's OpenSSL 3 has RC2 only in its legacy provider.
// ---------------------------------------------------------------------------------------------

/** PITABLE of RFC 2268 section 2 (a permutation of 0..255 from the digits of pi). */
const RC2_PI = Uint8Array.from(
  Buffer.from(
    'd978f9c419ddb5ed28e9fd794aa0d89dc67e37832b76538e624c6488448bfba2179a59f587b34f1361456d8d09817d32bd8f40eb86b77b0bf09521225c6b4e82' +
      '54d66593ce60b21c7356c014a78cf1dc1275ca1f3bbee4d1423dd430a33cb6266fbf0eda4669075727f21d9bbc944303f811c7f690ef3ee706c3d52fc8661ed7' +
      '08e8eade8052eef784aa72ac354d6a2a961ad2715a1549744b9fd05e0418a4ecc2e0416e0f51cbcc2491af50a1f47039997c3a8523b8b47afc02365b25559731' +
      '2d5dfa98e38a92ae05df2910676cbac9d300e6cfe19ea82c6316013f58e289a90d38341bab33ffb0bb480c5fb9b1cd2ec5f3db47e5a59c770aa62068fe7fc1ad',
    'hex',
  ),
);

function rc2ExpandKey(key: Uint8Array, effectiveBits: number): Uint16Array {
  const T = key.length;
  const T8 = (effectiveBits + 7) >> 3;
  const TM = 0xff >> (8 * T8 - effectiveBits);
  const L = new Uint8Array(128);
  L.set(key);
  const pi = (i: number): number => RC2_PI[i & 0xff] ?? 0;
  for (let i = T; i < 128; i++) L[i] = pi((L[i - 1] ?? 0) + (L[i - T] ?? 0));
  L[128 - T8] = pi((L[128 - T8] ?? 0) & TM);
  for (let i = 127 - T8; i >= 0; i--) L[i] = pi((L[i + 1] ?? 0) ^ (L[i + T8] ?? 0));
  const K = new Uint16Array(64);
  for (let i = 0; i < 64; i++) K[i] = (L[2 * i] ?? 0) | ((L[2 * i + 1] ?? 0) << 8);
  L.fill(0);
  return K;
}

function rc2CbcDecrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array, effectiveBits: number): Buffer {
  if (data.length === 0 || data.length % 8 !== 0 || iv.length !== 8) throw new DecryptFailure();
  const K = rc2ExpandKey(key, effectiveBits);
  const k = (i: number): number => K[i] ?? 0;
  const out = Buffer.alloc(data.length);
  const R = new Uint16Array(4);
  const ROT = [1, 2, 3, 5];
  let prev: Uint8Array = iv;
  for (let offset = 0; offset < data.length; offset += 8) {
    const block = data.subarray(offset, offset + 8);
    for (let i = 0; i < 4; i++) R[i] = (block[2 * i] ?? 0) | ((block[2 * i + 1] ?? 0) << 8);
    let j = 63;
    const r = (i: number): number => R[i & 3] ?? 0;
    const reverseMix = (): void => {
      for (let i = 3; i >= 0; i--) {
        const s = ROT[i] ?? 0;
        const x = r(i);
        R[i] = ((x >>> s) | (x << (16 - s))) - k(j--) - (r(i + 3) & r(i + 2)) - (~r(i + 3) & r(i + 1));
      }
    };
    const reverseMash = (): void => {
      for (let i = 3; i >= 0; i--) R[i] = r(i) - k(r(i + 3) & 63);
    };
    for (let n = 0; n < 5; n++) reverseMix();
    reverseMash();
    for (let n = 0; n < 6; n++) reverseMix();
    reverseMash();
    for (let n = 0; n < 5; n++) reverseMix();
    for (let i = 0; i < 4; i++) {
      out[offset + 2 * i] = (r(i) & 0xff) ^ (prev[2 * i] ?? 0);
      out[offset + 2 * i + 1] = (r(i) >>> 8) ^ (prev[2 * i + 1] ?? 0);
    }
    prev = block;
  }
  K.fill(0);
  const pad = out[out.length - 1] ?? 0;
  if (pad < 1 || pad > 8 || out.subarray(out.length - pad).some((b) => b !== pad)) {
    out.fill(0);
    throw new DecryptFailure();
  }
  return out.subarray(0, out.length - pad);
}

// ---------------------------------------------------------------------------------------------
// Writing (export of the personal digital ID)
// ---------------------------------------------------------------------------------------------

export interface WritePkcs12Input {
  key: KeyObject;
  /** The certificate of `key`, DER. */
  certificate: Uint8Array;
  /** Further certificates, DER. */
  chain?: Uint8Array[];
  /** Shown by Windows, macOS and NSS as the identity's name. */
  friendlyName?: string;
}

export interface WritePkcs12Options {
  /** PBKDF2 and MAC iterations. Default 100,000 (openssl's default of 2,048 is weak today). */
  iterations?: number;
}

export const PKCS12_EXPORT_ITERATIONS = 100_000;

/**
 * Writes a PKCS#12 file the way openssl 3 does by default, with more iterations: the key in a
 * PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) shrouded key bag, the certificates in a PBES2-encrypted
 * SafeContents, and an HMAC-SHA256 integrity MAC keyed by the PKCS#12 KDF.
 */
export async function writePkcs12(input: WritePkcs12Input, password: string, options: WritePkcs12Options = {}): Promise<Uint8Array> {
  const iterations = options.iterations ?? PKCS12_EXPORT_ITERATIONS;
  const forms = passwordForms(password);
  const localKeyId = createHash('sha1').update(input.certificate).digest();
  const attributes = (): pkijs.Attribute[] => {
    const list = [new pkijs.Attribute({ type: OID.localKeyId, values: [new asn1js.OctetString({ valueHex: localKeyId })] })];
    if (input.friendlyName) list.unshift(new pkijs.Attribute({ type: OID.friendlyName, values: [new asn1js.BmpString({ value: input.friendlyName })] }));
    return list;
  };
  const pkcs8 = input.key.export({ type: 'pkcs8', format: 'der' });
  try {
    const keyBag = new pkijs.SafeBag({
      bagId: OID.shroudedKeyBag,
      bagValue: new pkijs.PKCS8ShroudedKeyBag({
        ...(await pbes2Encrypt(pkcs8, forms.utf8, iterations)),
      }),
      bagAttributes: attributes(),
    });
    const certBags = [input.certificate, ...(input.chain ?? [])].map(
      (der, i) =>
        new pkijs.SafeBag({
          bagId: OID.certBag,
          bagValue: new pkijs.CertBag({ certId: OID.x509Certificate, certValue: new asn1js.OctetString({ valueHex: der }) }),
          ...(i === 0 ? { bagAttributes: attributes() } : {}),
        }),
    );
    const certContents = Buffer.from(new pkijs.SafeContents({ safeBags: certBags }).toSchema().toBER(false));
    const encryptedCerts = await pbes2Encrypt(certContents, forms.utf8, iterations);
    const authenticatedSafe = new pkijs.AuthenticatedSafe({
      safeContents: [
        new pkijs.ContentInfo({
          contentType: OID.encryptedData,
          content: new pkijs.EncryptedData({
            version: 0,
            encryptedContentInfo: new pkijs.EncryptedContentInfo({
              contentType: OID.data,
              contentEncryptionAlgorithm: encryptedCerts.encryptionAlgorithm,
              encryptedContent: encryptedCerts.encryptedData,
              disableSplit: true,
            }),
          }).toSchema(),
        }),
        new pkijs.ContentInfo({
          contentType: OID.data,
          content: new asn1js.OctetString({ valueHex: new pkijs.SafeContents({ safeBags: [keyBag] }).toSchema().toBER(false) }),
        }),
      ],
    });
    const authSafeBytes = Buffer.from(authenticatedSafe.toSchema().toBER(false));
    const macSalt = randomBytes(16);
    const bmp = forms.bmp[0] ?? Buffer.alloc(2);
    const macKey = pkcs12Kdf(SHA256, bmp, macSalt, 3, iterations, SHA256.u);
    const mac = createHmac('sha256', macKey).update(authSafeBytes).digest();
    macKey.fill(0);
    const pfx = new pkijs.PFX({
      version: 3,
      authSafe: new pkijs.ContentInfo({ contentType: OID.data, content: new asn1js.OctetString({ valueHex: authSafeBytes }) }),
      macData: new pkijs.MacData({
        mac: new pkijs.DigestInfo({
          digestAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256, algorithmParams: new asn1js.Null() }),
          digest: new asn1js.OctetString({ valueHex: mac }),
        }),
        macSalt: new asn1js.OctetString({ valueHex: macSalt }),
        iterations,
      }),
    });
    return new Uint8Array(pfx.toSchema().toBER(false));
  } finally {
    pkcs8.fill(0);
    wipe(forms);
  }
}

async function pbes2Encrypt(
  plain: Buffer,
  password: Buffer,
  iterations: number,
): Promise<{ encryptionAlgorithm: pkijs.AlgorithmIdentifier; encryptedData: asn1js.OctetString }> {
  const salt = randomBytes(16);
  const iv = randomBytes(16);
  const key = await pbkdf2Async(password, salt, iterations, 32, 'sha256');
  let encrypted: Buffer;
  try {
    const cipher = createCipheriv('aes-256-cbc', key, iv);
    encrypted = Buffer.concat([cipher.update(plain), cipher.final()]);
  } finally {
    key.fill(0);
  }
  const params = new pkijs.PBES2Params({
    keyDerivationFunc: new pkijs.AlgorithmIdentifier({
      algorithmId: OID.pbkdf2,
      algorithmParams: new pkijs.PBKDF2Params({
        salt: new asn1js.OctetString({ valueHex: salt }),
        iterationCount: iterations,
        prf: new pkijs.AlgorithmIdentifier({ algorithmId: OID.hmacWithSha256, algorithmParams: new asn1js.Null() }),
      }).toSchema(),
    }),
    encryptionScheme: new pkijs.AlgorithmIdentifier({ algorithmId: OID.aes256Cbc, algorithmParams: new asn1js.OctetString({ valueHex: iv }) }),
  });
  return {
    encryptionAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.pbes2, algorithmParams: params.toSchema() }),
    encryptedData: new asn1js.OctetString({ valueHex: encrypted }),
  };
}
