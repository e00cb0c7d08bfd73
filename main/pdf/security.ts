// The standard security handler (ISO 32000-2, 7.6.4), for reading only and only with the EMPTY
// user password: files that open without a password (the usual "permissions only" encryption)
// can be read through object streams and strings. Files that need a password are still inspected
// for everything that is not encrypted (numbers, names, structure outside object streams).
// This is PDF-level decryption (RC4, AES-CBC), not signing crypto: it stays in main/pdf.
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';
import { PdfDict, PdfString } from './objects';

export type CryptMethod = 'none' | 'rc4' | 'aes-128' | 'aes-256';

export interface EncryptionDescription {
  /** /Filter: "Standard" for passwords, "Adobe.PubSec" for certificates. */
  readonly filter: string;
  readonly subFilter: string | null;
  readonly v: number;
  readonly r: number;
  readonly keyBits: number | null;
  /** "AES-256", "AES-128", "RC4-128", "RC4-40"... or "unknown". */
  readonly algorithm: string;
  readonly stringMethod: CryptMethod;
  readonly streamMethod: CryptMethod;
  readonly encryptMetadata: boolean;
}

function cryptFilterMethod(dict: PdfDict, name: string | undefined, v: number): CryptMethod {
  if (v < 4) return 'rc4';
  if (name === undefined || name === 'Identity') return 'none';
  const filters = dict.get('CF');
  const filter = filters instanceof PdfDict ? filters.get(name) : undefined;
  const cfm = filter instanceof PdfDict ? filter.getName('CFM') : undefined;
  switch (cfm) {
    case 'V2':
      return 'rc4';
    case 'AESV2':
      return 'aes-128';
    case 'AESV3':
      return 'aes-256';
    default:
      return 'none';
  }
}

/** Reads the encryption dictionary's algorithm and key length (resolved, direct values only). */
export function describeEncryption(dict: PdfDict): EncryptionDescription {
  const v = dict.getInt('V') ?? 0;
  const r = dict.getInt('R') ?? 0;
  const length = dict.getInt('Length');
  const stringMethod = cryptFilterMethod(dict, dict.getName('StrF'), v);
  const streamMethod = cryptFilterMethod(dict, dict.getName('StmF'), v);
  const method = streamMethod !== 'none' ? streamMethod : stringMethod;
  let keyBits: number | null = null;
  if (v === 1) keyBits = 40;
  else if (v === 2 || v === 3) keyBits = length ?? 40;
  else if (v === 4) keyBits = method === 'rc4' ? (length ?? 128) : method === 'aes-128' ? 128 : null;
  else if (v === 5 || v === 6) keyBits = 256;
  const algorithm =
    method === 'rc4' && keyBits !== null ? `RC4-${keyBits}` : method === 'aes-128' ? 'AES-128' : method === 'aes-256' ? 'AES-256' : method === 'none' && v === 4 ? 'none (identity crypt filters)' : 'unknown';
  const encryptMetadata = dict.get('EncryptMetadata') !== false;
  return { filter: dict.getName('Filter') ?? 'unknown', subFilter: dict.getName('SubFilter') ?? null, v, r, keyBits, algorithm, stringMethod, streamMethod, encryptMetadata };
}

export interface Decryptor {
  readonly stringMethod: CryptMethod;
  readonly streamMethod: CryptMethod;
  /** Decrypts a string or stream of object `num gen` with `method`. */
  decrypt(bytes: Uint8Array, num: number, gen: number, method: CryptMethod): Uint8Array;
  /** The method of a named crypt filter (a stream's /Crypt filter /Name). */
  methodOf(name: string): CryptMethod;
}

const PADDING = Uint8Array.from([
  0x28, 0xbf, 0x4e, 0x5e, 0x4e, 0x75, 0x8a, 0x41, 0x64, 0x00, 0x4e, 0x56, 0xff, 0xfa, 0x01, 0x08,
  0x2e, 0x2e, 0x00, 0xb6, 0xd0, 0x68, 0x3e, 0x80, 0x2f, 0x0c, 0xa9, 0xfe, 0x64, 0x53, 0x69, 0x7a,
]);

function md5(...parts: Uint8Array[]): Uint8Array {
  const hash = createHash('md5');
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
}

/** RC4 by hand: OpenSSL 3 moved it to the legacy provider, which Node does not load. */
export function rc4(key: Uint8Array, data: Uint8Array): Uint8Array {
  const s = new Uint8Array(256);
  for (let i = 0; i < 256; i++) s[i] = i;
  for (let i = 0, j = 0; i < 256; i++) {
    j = (j + (s[i] as number) + (key[i % key.length] as number)) & 0xff;
    [s[i], s[j]] = [s[j] as number, s[i] as number];
  }
  const out = new Uint8Array(data.length);
  for (let k = 0, i = 0, j = 0; k < data.length; k++) {
    i = (i + 1) & 0xff;
    j = (j + (s[i] as number)) & 0xff;
    [s[i], s[j]] = [s[j] as number, s[i] as number];
    out[k] = (data[k] as number) ^ (s[((s[i] as number) + (s[j] as number)) & 0xff] as number);
  }
  return out;
}

function aesCbcDecrypt(key: Uint8Array, data: Uint8Array): Uint8Array {
  // An IV and no block: nothing (an empty string encrypts to the IV and one padding block).
  if (data.length <= 16) return new Uint8Array(0);
  const iv = data.subarray(0, 16);
  const body = data.subarray(16, 16 + Math.floor((data.length - 16) / 16) * 16);
  const algorithm = key.length === 32 ? 'aes-256-cbc' : 'aes-128-cbc';
  try {
    const decipher = createDecipheriv(algorithm, key, iv);
    return new Uint8Array(Buffer.concat([decipher.update(body), decipher.final()]));
  } catch {
    // Bad padding (some writers): keep the bytes as they are.
    const decipher = createDecipheriv(algorithm, key, iv).setAutoPadding(false);
    return new Uint8Array(Buffer.concat([decipher.update(body), decipher.final()]));
  }
}

function bytesOf(dict: PdfDict, key: string): Uint8Array | null {
  const value = dict.get(key);
  return value instanceof PdfString ? value.bytes : null;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

class StandardDecryptor implements Decryptor {
  constructor(
    private readonly key: Uint8Array,
    private readonly dict: PdfDict,
    private readonly v: number,
    readonly stringMethod: CryptMethod,
    readonly streamMethod: CryptMethod,
  ) {}

  methodOf(name: string): CryptMethod {
    return cryptFilterMethod(this.dict, name, this.v);
  }

  decrypt(bytes: Uint8Array, num: number, gen: number, method: CryptMethod): Uint8Array {
    switch (method) {
      case 'none':
        return bytes;
      case 'aes-256':
        return aesCbcDecrypt(this.key, bytes);
      case 'rc4':
        return rc4(this.objectKey(num, gen, false), bytes);
      case 'aes-128':
        return aesCbcDecrypt(this.objectKey(num, gen, true), bytes);
    }
  }

  /** Algorithm 1 (7.6.3.2): the per-object key of RC4 and AES-128. */
  private objectKey(num: number, gen: number, aes: boolean): Uint8Array {
    const suffix = Uint8Array.from([num & 0xff, (num >> 8) & 0xff, (num >> 16) & 0xff, gen & 0xff, (gen >> 8) & 0xff]);
    const salt = aes ? Uint8Array.from([0x73, 0x41, 0x6c, 0x54]) : new Uint8Array(0);
    return md5(this.key, suffix, salt).subarray(0, Math.min(this.key.length + 5, 16));
  }
}

/**
 * Tries the empty user password on a /Standard encryption dictionary. Returns a decryptor when
 * the file opens without a password, null when it needs one (or the handler is not supported).
 */
export function openWithEmptyPassword(dict: PdfDict, id0: Uint8Array | null): Decryptor | null {
  const description = describeEncryption(dict);
  if (description.filter !== 'Standard') return null;
  const { r, v } = description;
  let key: Uint8Array | null = null;
  if (r >= 2 && r <= 4) key = legacyKey(dict, description, id0 ?? new Uint8Array(0));
  else if (r === 5 || r === 6) key = aes256Key(dict, r);
  if (!key) return null;
  return new StandardDecryptor(key, dict, v, description.stringMethod, description.streamMethod);
}

/** Algorithms 2 and 4/5 (7.6.4.3, 7.6.4.4) with the empty password (R2 to R4). */
function legacyKey(dict: PdfDict, description: EncryptionDescription, id0: Uint8Array): Uint8Array | null {
  const o = bytesOf(dict, 'O');
  const u = bytesOf(dict, 'U');
  const p = dict.getInt('P');
  if (!o || !u || p === undefined || u.length < 16) return null;
  const { r } = description;
  const length = r === 2 ? 5 : Math.trunc((description.keyBits ?? 40) / 8);
  if (length < 5 || length > 16) return null;
  const pBytes = Uint8Array.from([p & 0xff, (p >>> 8) & 0xff, (p >>> 16) & 0xff, (p >>> 24) & 0xff]);
  const metadata = r >= 4 && !description.encryptMetadata ? Uint8Array.from([0xff, 0xff, 0xff, 0xff]) : new Uint8Array(0);
  let hash = md5(PADDING, o.subarray(0, 32), pBytes, id0, metadata);
  if (r >= 3) for (let i = 0; i < 50; i++) hash = md5(hash.subarray(0, length));
  const key = hash.subarray(0, length);
  if (r === 2) return equalBytes(rc4(key, PADDING), u.subarray(0, 32)) ? key : null;
  let x = rc4(key, md5(PADDING, id0));
  for (let i = 1; i <= 19; i++) x = rc4(key.map((b) => b ^ i), x);
  return equalBytes(x, u.subarray(0, 16)) ? key : null;
}

/** Algorithm 2.B (7.6.4.3.4), the hash of R6; R5 used plain SHA-256. */
function hash2B(password: Uint8Array, salt: Uint8Array, udata: Uint8Array, r: number): Uint8Array {
  let k = new Uint8Array(createHash('sha256').update(password).update(salt).update(udata).digest());
  if (r === 5) return k;
  let e = new Uint8Array(0);
  for (let i = 0; i < 64 || (e[e.length - 1] as number) > i - 32; i++) {
    const k1 = Buffer.concat(Array.from({ length: 64 }, () => Buffer.concat([password, k, udata])));
    const cipher = createCipheriv('aes-128-cbc', k.subarray(0, 16), k.subarray(16, 32)).setAutoPadding(false);
    e = new Uint8Array(Buffer.concat([cipher.update(k1), cipher.final()]));
    let sum = 0;
    for (let b = 0; b < 16; b++) sum += e[b] as number;
    const algorithm = ['sha256', 'sha384', 'sha512'][sum % 3] as string;
    k = new Uint8Array(createHash(algorithm).update(e).digest());
  }
  return k.subarray(0, 32);
}

/** Algorithms 2.A and 11 (7.6.4.3.3, 7.6.4.4.10) with the empty password (R5, R6). */
function aes256Key(dict: PdfDict, r: number): Uint8Array | null {
  const u = bytesOf(dict, 'U');
  const ue = bytesOf(dict, 'UE');
  if (!u || !ue || u.length < 48 || ue.length < 32) return null;
  const empty = new Uint8Array(0);
  if (!equalBytes(hash2B(empty, u.subarray(32, 40), empty, r), u.subarray(0, 32))) return null;
  const intermediate = hash2B(empty, u.subarray(40, 48), empty, r);
  const decipher = createDecipheriv('aes-256-cbc', intermediate, new Uint8Array(16)).setAutoPadding(false);
  return new Uint8Array(Buffer.concat([decipher.update(ue.subarray(0, 32)), decipher.final()]));
}

/** True for the key whose string is left in clear in a signature dictionary (7.6.2). */
export function isSignatureContents(dict: PdfDict, key: string): boolean {
  if (key !== 'Contents') return false;
  const type = dict.getName('Type');
  return type === 'Sig' || type === 'DocTimeStamp' || dict.has('ByteRange');
}
