// The standard security handler (ISO 32000-2, 7.6.4): the file key from the empty user password,
// a user password or an owner password (RC4 40/128, AES-128, AES-256 R5/R6), then decryption for
// the reader and encryption for the incremental writer, with the document's own methods (its /StmF,
// /StrF and /EFF crypt filters, /EncryptMetadata). Files that need a password we were not given
// are still inspected for everything that is not encrypted (numbers, names, structure outside
// object streams). Public-key security (/Adobe.PubSec) is described, never opened.
// This is PDF-level encryption (RC4, AES-CBC, MD5/SHA-2 key derivation), not signing crypto: it
// stays in main/pdf, the only file there that imports node:crypto.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { PdfDict, PdfName, PdfString, encodePdfDoc } from './objects';
import type { PdfObject } from './objects';

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

/** What the incremental writer needs to write into an encrypted document: its methods and its key. */
export interface Encryptor {
  /** The method of every string (/StrF). */
  readonly stringMethod: CryptMethod;
  /**
   * The method of a stream written into the document, from its own (direct) dictionary: none for a
   * cross-reference stream or unencrypted metadata, its /Crypt filter's, /EFF for an embedded file,
   * else /StmF.
   */
  streamMethodOf(dict: PdfDict): CryptMethod;
  /** Encrypts a string or stream of object `num gen` with `method` (AES: a fresh random IV first). */
  encrypt(bytes: Uint8Array, num: number, gen: number, method: CryptMethod): Uint8Array;
}

/** Which password opened the document: the owner's lifts the permissions of /P (7.6.4.2). */
export type Authentication = 'owner' | 'user';

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

/** AES-CBC as 7.6.3 writes it: a random 16-byte IV, then the data with PKCS#7 padding. */
function aesCbcEncrypt(key: Uint8Array, data: Uint8Array): Uint8Array {
  const iv = randomBytes(16);
  const cipher = createCipheriv(key.length === 32 ? 'aes-256-cbc' : 'aes-128-cbc', key, iv);
  return new Uint8Array(Buffer.concat([iv, cipher.update(data), cipher.final()]));
}

function bytesOf(dict: PdfDict, key: string): Uint8Array | null {
  const value = dict.get(key);
  return value instanceof PdfString ? value.bytes : null;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Whether this handler can open the file at all: the standard handler, revisions 2 to 6. */
export function isSupportedStandard(description: EncryptionDescription): boolean {
  return description.filter === 'Standard' && description.r >= 2 && description.r <= 6 && [1, 2, 4, 5].includes(description.v);
}

/**
 * The file key of a /Standard encryption dictionary, and what it decrypts and encrypts. One per
 * document; a view of an earlier revision of the same document reuses it (sameHandler).
 */
export class StandardSecurity implements Decryptor, Encryptor {
  readonly stringMethod: CryptMethod;
  readonly streamMethod: CryptMethod;
  private readonly embeddedFileMethod: CryptMethod;
  /** /P as 32 bits (bit 1 is the lowest). */
  private readonly p: number;

  private constructor(
    private readonly key: Uint8Array,
    private readonly dict: PdfDict,
    private readonly description: EncryptionDescription,
    private readonly id0: Uint8Array,
    readonly authenticatedAs: Authentication,
  ) {
    this.stringMethod = description.stringMethod;
    this.streamMethod = description.streamMethod;
    const eff = dict.getName('EFF');
    this.embeddedFileMethod = eff === undefined ? description.streamMethod : cryptFilterMethod(dict, eff, description.v);
    this.p = (dict.getInt('P') ?? 0) >>> 0;
  }

  /**
   * Opens a /Standard encryption dictionary with `password` (a user or an owner password), or with
   * the empty user password when `password` is null. null: the password does not open it (or the
   * handler is not supported: see isSupportedStandard).
   */
  static open(dict: PdfDict, id0: Uint8Array | null, password: string | null): StandardSecurity | null {
    const found = deriveFileKey(dict, id0, password);
    return found && new StandardSecurity(found.key, dict, describeEncryption(dict), id0 ?? new Uint8Array(0), found.as);
  }

  /** Whether `dict` and `id0` (another revision of the document) are opened by this same key. */
  sameHandler(dict: PdfDict, id0: Uint8Array | null): boolean {
    if (!equalBytes(id0 ?? new Uint8Array(0), this.id0)) return false;
    for (const key of ['O', 'U', 'OE', 'UE']) {
      const a = bytesOf(dict, key);
      const b = bytesOf(this.dict, key);
      if ((a === null) !== (b === null) || (a && b && !equalBytes(a, b))) return false;
    }
    return dict.getInt('P') === this.dict.getInt('P') && dict.getInt('R') === this.dict.getInt('R');
  }

  /**
   * Whether /P grants permission `bit` (Table 22, 1-based: 4 modify, 6 annotations and form fields,
   * 9 fill in form fields, signature fields included). The owner's password grants everything.
   */
  allows(bit: number): boolean {
    if (this.authenticatedAs === 'owner') return true;
    return ((this.p >>> (bit - 1)) & 1) === 1;
  }

  /** The revision of the handler (/R): permission bit 9 exists from revision 3. */
  get revision(): number {
    return this.description.r;
  }

  methodOf(name: string): CryptMethod {
    return cryptFilterMethod(this.dict, name, this.description.v);
  }

  streamMethodOf(dict: PdfDict): CryptMethod {
    const type = dict.getName('Type');
    if (type === 'XRef') return 'none';
    if (type === 'Metadata' && !this.description.encryptMetadata) return 'none';
    const filter = dict.get('Filter');
    const first: PdfObject | undefined = Array.isArray(filter) ? filter[0] : filter;
    if (first instanceof PdfName && first.value === 'Crypt') {
      const parms = dict.get('DecodeParms');
      const parm: PdfObject | undefined = Array.isArray(parms) ? parms[0] : parms;
      const name = (parm instanceof PdfDict ? parm.getName('Name') : undefined) ?? 'Identity';
      return name === 'Identity' ? 'none' : this.methodOf(name);
    }
    return type === 'EmbeddedFile' ? this.embeddedFileMethod : this.streamMethod;
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

  encrypt(bytes: Uint8Array, num: number, gen: number, method: CryptMethod): Uint8Array {
    switch (method) {
      case 'none':
        return bytes;
      case 'aes-256':
        // AESV3 uses the file key itself (7.6.3.3, Algorithm 1.A).
        return aesCbcEncrypt(this.key, bytes);
      case 'rc4':
        return rc4(this.objectKey(num, gen, false), bytes);
      case 'aes-128':
        return aesCbcEncrypt(this.objectKey(num, gen, true), bytes);
    }
  }

  /** Algorithm 1 (7.6.3.2): the per-object key of RC4 and AES-128 ("sAlT" appended for AES). */
  private objectKey(num: number, gen: number, aes: boolean): Uint8Array {
    const suffix = Uint8Array.from([num & 0xff, (num >> 8) & 0xff, (num >> 16) & 0xff, gen & 0xff, (gen >> 8) & 0xff]);
    const salt = aes ? Uint8Array.from([0x73, 0x41, 0x6c, 0x54]) : new Uint8Array(0);
    return md5(this.key, suffix, salt).subarray(0, Math.min(this.key.length + 5, 16));
  }
}

/**
 * The file key of a /Standard encryption dictionary for `password` (null: the empty user password)
 * and which password it is; null when it opens neither (StandardSecurity.open keeps the key; tests
 * compare it with qpdf's --show-encryption-key).
 */
export function deriveFileKey(dict: PdfDict, id0: Uint8Array | null, password: string | null): { key: Uint8Array; as: Authentication } | null {
  const description = describeEncryption(dict);
  if (!isSupportedStandard(description)) return null;
  const id = id0 ?? new Uint8Array(0);
  const aes = description.r >= 5;
  const candidates = password === null || password === '' ? [new Uint8Array(0)] : aes ? aesPasswords(password) : legacyPasswords(password);
  // The owner's password first: one that is both opens the document as its owner.
  for (const as of ['owner', 'user'] as const) {
    for (const bytes of candidates) {
      const key = aes ? aes256Key(dict, description.r, bytes, as) : legacyKey(dict, description, id, bytes, as);
      if (key) return { key, as };
    }
  }
  return null;
}

const utf8 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'utf8'));

function distinct(candidates: readonly (Uint8Array | null)[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const candidate of candidates) if (candidate && !out.some((c) => equalBytes(c, candidate))) out.push(candidate);
  return out;
}

/**
 * A password's bytes for revisions 2 to 4, which take bytes, not text (7.6.4.3.2): PDFDocEncoding
 * as the standard and qpdf write it, then UTF-8 and Latin-1 as other writers do.
 */
function legacyPasswords(password: string): Uint8Array[] {
  const latin = [...password].every((c) => (c.codePointAt(0) ?? 256) < 256) ? Uint8Array.from([...password].map((c) => c.codePointAt(0) ?? 0)) : null;
  return distinct([encodePdfDoc(password), utf8(password), latin]);
}

/**
 * A password's bytes for revisions 5 and 6: UTF-8 of its SASLprep form (RFC 4013: spaces that are
 * not ASCII become spaces, characters "mapped to nothing" go, NFKC), then UTF-8 as typed (qpdf
 * takes the password as given); at most 127 bytes (7.6.4.3.3).
 */
function aesPasswords(password: string): Uint8Array[] {
  const prepared = password
    .replace(/[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/gu, ' ')
    .replace(/\u00ad|\u034f|\u1806|[\u180b-\u180d]|[\u200b-\u200d]|\u2060|[\ufe00-\ufe0f]|\ufeff/gu, '')
    .normalize('NFKC');
  return distinct([utf8(prepared), utf8(password)].map((bytes) => bytes.subarray(0, 127)));
}

/** A password padded (or cut) to 32 bytes with the padding string (Algorithm 2, step a). */
function padded(password: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  const used = password.subarray(0, 32);
  out.set(used);
  out.set(PADDING.subarray(0, 32 - used.length), used.length);
  return out;
}

/**
 * Algorithms 2, 3, 4-7 (7.6.4.3, 7.6.4.4) for revisions 2 to 4: the file key when `password` is
 * the user's (`as` user: Algorithm 6) or the owner's (`as` owner: Algorithm 7 recovers the user's
 * password from /O), else null.
 */
function legacyKey(dict: PdfDict, description: EncryptionDescription, id0: Uint8Array, password: Uint8Array, as: Authentication): Uint8Array | null {
  const o = bytesOf(dict, 'O');
  const u = bytesOf(dict, 'U');
  const p = dict.getInt('P');
  if (!o || !u || p === undefined || u.length < 16 || o.length < 32) return null;
  const { r } = description;
  const length = r === 2 ? 5 : Math.trunc((description.keyBits ?? 40) / 8);
  if (length < 5 || length > 16) return null;
  let user = padded(password);
  if (as === 'owner') {
    // Algorithm 3 steps a-d give the RC4 key of /O; decrypting /O gives the user's password.
    let hash = md5(padded(password));
    if (r >= 3) for (let i = 0; i < 50; i++) hash = md5(hash);
    const ownerKey = hash.subarray(0, length);
    user = o.subarray(0, 32);
    if (r === 2) user = rc4(ownerKey, user);
    else for (let i = 19; i >= 0; i--) user = rc4(ownerKey.map((b) => b ^ i), user);
  }
  const pBytes = Uint8Array.from([p & 0xff, (p >>> 8) & 0xff, (p >>> 16) & 0xff, (p >>> 24) & 0xff]);
  const metadata = r >= 4 && !description.encryptMetadata ? Uint8Array.from([0xff, 0xff, 0xff, 0xff]) : new Uint8Array(0);
  let hash = md5(user, o.subarray(0, 32), pBytes, id0, metadata);
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

/**
 * Algorithms 2.A, 11 and 12 (7.6.4.3.3, 7.6.4.4.10-11) for R5 and R6: the file key when `password`
 * is the owner's (/O, /OE, hashed with /U) or the user's (/U, /UE), else null.
 */
function aes256Key(dict: PdfDict, r: number, password: Uint8Array, as: Authentication): Uint8Array | null {
  const u = bytesOf(dict, 'U');
  const o = bytesOf(dict, 'O');
  const wrapped = bytesOf(dict, as === 'owner' ? 'OE' : 'UE');
  const check = as === 'owner' ? o : u;
  if (!u || !check || !wrapped || u.length < 48 || check.length < 48 || wrapped.length < 32) return null;
  const udata = as === 'owner' ? u.subarray(0, 48) : new Uint8Array(0);
  if (!equalBytes(hash2B(password, check.subarray(32, 40), udata, r), check.subarray(0, 32))) return null;
  const intermediate = hash2B(password, check.subarray(40, 48), udata, r);
  const decipher = createDecipheriv('aes-256-cbc', intermediate, new Uint8Array(16)).setAutoPadding(false);
  return new Uint8Array(Buffer.concat([decipher.update(wrapped.subarray(0, 32)), decipher.final()]));
}

/** True for the key whose string is left in clear in a signature dictionary (7.6.2). */
export function isSignatureContents(dict: PdfDict, key: string): boolean {
  if (key !== 'Contents') return false;
  const type = dict.getName('Type');
  return type === 'Sig' || type === 'DocTimeStamp' || dict.has('ByteRange');
}
