// The personal digital ID, as Acrobat makes it: a self-signed certificate created on first use.
// Its certificate (public) is kept as JSON + PEM in the app data folder; its private key (PKCS#8)
// is kept ONLY in the OS keychain (service PERSONAL_ID_SERVICE, account = the certificate's
// SHA-256 fingerprint), never in a file. Without a keychain no ID is created: there is no fallback.
import 'reflect-metadata';
import { createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { checkSigningCertificate, describeCertificate } from './checks';
import { SignerError } from './errors';
import { msg } from '../errors';
import { writePkcs12 } from './pkcs12';
import type { Signer } from './signer';
import { createSoftwareSigner } from './software';
import { writeFileAtomic } from '../atomic-write';

export const PERSONAL_ID_SERVICE = 'Paraphe personal digital ID';
/** Sub-folder of the app data folder holding one `<id>.json` per personal ID. */
export const PERSONAL_ID_FOLDER = 'personal-ids';

/** The keychain as this store needs it: native/keychain in production, a Map in unit tests. */
export interface KeychainAccess {
  get(service: string, account: string): Promise<string | null>;
  set(service: string, account: string, secret: string): Promise<void>;
  delete(service: string, account: string): Promise<boolean>;
}

export type PersonalIdKeyType = 'rsa-3072' | 'p256';

export interface PersonalIdInfo {
  /** The certificate's SHA-256 fingerprint, lower-case hex (also the keychain account). */
  id: string;
  name: string;
  email: string;
  keyType: PersonalIdKeyType;
  createdAt: Date;
  notBefore: Date;
  notAfter: Date;
  /** Upper-case hex. */
  serial: string;
  /** For messages: "Élodie Signataire (personal digital ID)". */
  label: string;
  /** The self-signed certificate, DER. */
  certificate: Uint8Array;
}

export interface PersonalIdStoreOptions {
  /** The app data folder; IDs are kept in its `personal-ids` sub-folder. */
  dir: string;
  keychain: KeychainAccess;
}

interface StoredId {
  format: 'paraphe-personal-id';
  version: 1;
  name: string;
  email: string;
  keyType: PersonalIdKeyType;
  createdAt: string;
  certificate: string; // PEM
}

type X509Crypto = NonNullable<Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[1]>;

const ID_PATTERN = /^[0-9a-f]{64}$/;
const VALIDITY_YEARS = 5;
const subtle = webcrypto.subtle;

function toPem(der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  return `-----BEGIN CERTIFICATE-----\n${b64.replace(/.{1,64}/g, '$&\n')}-----END CERTIFICATE-----\n`;
}

function fromPem(pem: string): Uint8Array {
  const body = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(pem)?.[1];
  if (!body) throw new Error('no certificate');
  return new Uint8Array(Buffer.from(body.replace(/\s+/g, ''), 'base64'));
}

/** `action`: what could not be done with the personal digital ID of `name` ('' when creating one). */
function keychainError(e: unknown, action: 'create' | 'delete' | 'used' | 'exported', name = ''): SignerError {
  const code = (e as { code?: unknown } | null)?.code;
  if (code === 'unavailable' || code === 'timeout') {
    return new SignerError('keychain-unavailable', msg('error.signer.keychain-unavailable', { action, name }), { cause: e });
  }
  return new SignerError('keychain-failed', msg('error.signer.keychain-failed', { action, name }), { cause: e });
}

function validateIdentity(name: string, email: string): { name: string; email: string } {
  const n = name.trim().normalize('NFC');
  const m = email.trim();
  // ub-common-name is 64 characters (RFC 5280); control characters have no place in a name.
  if (n.length === 0 || n.length > 64 || /\p{Cc}/u.test(n)) {
    throw new SignerError('invalid-personal-id', msg('error.signer.personal-id-name'));
  }
  // emailAddress is an IA5String (ASCII) of at most 255 characters.
  if (m.length > 255 || !/^[\x21-\x7e]+@[\x21-\x7e]+\.[\x21-\x7e]+$/.test(m) || (m.match(/@/g) ?? []).length !== 1) {
    throw new SignerError('invalid-personal-id', msg('error.signer.personal-id-email'));
  }
  return { name: n, email: m };
}

function serialNumber(): string {
  const bytes = randomBytes(16);
  // A positive INTEGER of exactly 16 bytes: high bit clear, first byte not zero.
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x40;
  return bytes.toString('hex');
}

export class PersonalIdStore {
  private readonly folder: string;
  private readonly keychain: KeychainAccess;

  constructor(options: PersonalIdStoreOptions) {
    this.folder = join(options.dir, PERSONAL_ID_FOLDER);
    this.keychain = options.keychain;
  }

  /** The personal IDs of this user, oldest first. */
  async list(): Promise<PersonalIdInfo[]> {
    let entries: string[];
    try {
      entries = await readdir(this.folder);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const ids: PersonalIdInfo[] = [];
    for (const entry of entries) {
      const id = entry.replace(/\.json$/, '');
      if (!entry.endsWith('.json') || !ID_PATTERN.test(id)) continue;
      const info = await this.load(id).catch(() => undefined); // a damaged file is not an ID
      if (info) ids.push(info);
    }
    return ids.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id));
  }

  /** Creates a key pair and its self-signed certificate; the key goes to the keychain only. */
  async create(request: { name: string; email: string; keyType: PersonalIdKeyType }): Promise<PersonalIdInfo> {
    const { name, email } = validateIdentity(request.name, request.email);
    const keyType = request.keyType;
    if (keyType !== 'rsa-3072' && keyType !== 'p256') throw new TypeError(`unknown key type: ${String(keyType)}`);

    const algorithm =
      keyType === 'rsa-3072'
        ? { name: 'RSASSA-PKCS1-v1_5', modulusLength: 3072, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }
        : { name: 'ECDSA', namedCurve: 'P-256' };
    const signingAlgorithm = keyType === 'rsa-3072' ? { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } : { name: 'ECDSA', hash: 'SHA-256' };
    const keys = (await subtle.generateKey(algorithm, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    // @peculiar/x509 types its provider with the DOM's Crypto; Node's webcrypto is that object.
    const crypto = webcrypto as unknown as X509Crypto;

    const notBefore = new Date(Math.floor(Date.now() / 1000) * 1000 - 5 * 60 * 1000); // clock skew
    const notAfter = new Date(notBefore);
    notAfter.setUTCFullYear(notAfter.getUTCFullYear() + VALIDITY_YEARS);
    const subject = new x509.Name([{ CN: [{ utf8String: name }] }, { E: [{ ia5String: email }] }]);
    const certificate = await x509.X509CertificateGenerator.createSelfSigned(
      {
        serialNumber: serialNumber(),
        name: subject,
        notBefore,
        notAfter,
        signingAlgorithm,
        keys: keys as unknown as x509.X509CertificateCreateSelfSignedParams['keys'],
        extensions: [
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation, true),
          // emailProtection, and Adobe Authentic Documents Trust as Acrobat's self-signed IDs carry.
          new x509.ExtendedKeyUsageExtension(['1.3.6.1.5.5.7.3.4', '1.2.840.113583.1.1.5'], false),
          await x509.SubjectKeyIdentifierExtension.create(await subtle.exportKey('spki', keys.publicKey), false, crypto),
          new x509.SubjectAlternativeNameExtension([{ type: 'email', value: email }], false),
        ],
      },
      crypto,
    );
    const der = new Uint8Array(certificate.rawData);
    const { fingerprintSha256: id } = describeCertificate(der);

    const pkcs8 = Buffer.from(await subtle.exportKey('pkcs8', keys.privateKey));
    try {
      await this.keychain.set(PERSONAL_ID_SERVICE, id, pkcs8.toString('base64'));
    } catch (e) {
      throw keychainError(e, 'create');
    } finally {
      pkcs8.fill(0);
    }

    const stored: StoredId = {
      format: 'paraphe-personal-id',
      version: 1,
      name,
      email,
      keyType,
      createdAt: new Date().toISOString(),
      certificate: toPem(der),
    };
    try {
      await mkdir(this.folder, { recursive: true, mode: 0o700 });
      await writeFileAtomic(this.file(id), `${JSON.stringify(stored, null, 2)}\n`, 0o644);
    } catch (e) {
      // The key must not outlive the ID it belongs to.
      await this.keychain.delete(PERSONAL_ID_SERVICE, id).catch(() => false);
      const code = (e as NodeJS.ErrnoException).code;
      throw new SignerError('personal-id-not-saved', code ? msg('error.signer.personal-id-not-saved-code', { folder: this.folder, code }) : msg('error.signer.personal-id-not-saved', { folder: this.folder }), { cause: e });
    }
    return this.info(stored, der);
  }

  /** A Signer with the ID's key, read from the keychain. */
  async signer(id: string, options: { at?: Date } = {}): Promise<Signer> {
    const info = await this.get(id);
    const key = await this.privateKey(info, 'used');
    checkSigningCertificate(info.certificate, { at: options.at ?? new Date() });
    return createSoftwareSigner({ key, certificate: info.certificate, chain: [], label: info.label });
  }

  /** The ID as a PKCS#12 file (PBES2 AES-256, HMAC-SHA256), protected by `password`. */
  async exportPkcs12(id: string, password: string): Promise<Uint8Array> {
    if (password.length === 0) throw new SignerError('empty-password', msg('error.signer.empty-password'));
    const info = await this.get(id);
    const key = await this.privateKey(info, 'exported');
    return writePkcs12({ key, certificate: info.certificate, friendlyName: info.name }, password);
  }

  /** Deletes the key from the keychain, then the certificate. */
  async delete(id: string): Promise<void> {
    const info = await this.get(id);
    try {
      await this.keychain.delete(PERSONAL_ID_SERVICE, info.id);
    } catch (e) {
      throw keychainError(e, 'delete', info.name);
    }
    await rm(this.file(info.id), { force: true });
  }

  private file(id: string): string {
    return join(this.folder, `${id}.json`);
  }

  private async get(id: string): Promise<PersonalIdInfo> {
    const info = ID_PATTERN.test(id) ? await this.load(id).catch(() => undefined) : undefined;
    if (!info) throw new SignerError('personal-id-not-found', msg('error.signer.personal-id-not-found'));
    return info;
  }

  private async load(id: string): Promise<PersonalIdInfo> {
    const stored = JSON.parse(await readFile(this.file(id), 'utf8')) as Partial<StoredId>;
    if (stored.format !== 'paraphe-personal-id' || typeof stored.certificate !== 'string') throw new Error('not a personal ID');
    const der = fromPem(stored.certificate);
    const full = {
      format: 'paraphe-personal-id' as const,
      version: 1 as const,
      name: String(stored.name ?? ''),
      email: String(stored.email ?? ''),
      keyType: stored.keyType === 'p256' ? ('p256' as const) : ('rsa-3072' as const),
      createdAt: String(stored.createdAt ?? ''),
      certificate: stored.certificate,
    };
    const info = this.info(full, der); // throws when the certificate is damaged
    // The file name is the fingerprint: a file renamed or edited is not this ID.
    if (info.id !== id) throw new Error('fingerprint mismatch');
    return info;
  }

  private info(stored: StoredId, der: Uint8Array): PersonalIdInfo {
    const description = describeCertificate(der);
    const createdAt = new Date(stored.createdAt);
    return {
      id: description.fingerprintSha256,
      name: stored.name || description.subject,
      email: stored.email,
      keyType: stored.keyType,
      createdAt: Number.isNaN(createdAt.getTime()) ? description.notBefore : createdAt,
      notBefore: description.notBefore,
      notAfter: description.notAfter,
      serial: description.serial,
      label: `${stored.name || description.subject} (personal digital ID)`,
      certificate: der,
    };
  }

  private async privateKey(info: PersonalIdInfo, use: 'used' | 'exported'): Promise<KeyObject> {
    let secret: string | null;
    try {
      secret = await this.keychain.get(PERSONAL_ID_SERVICE, info.id);
    } catch (e) {
      throw keychainError(e, use, info.name);
    }
    if (secret === null) {
      throw new SignerError('personal-id-key-missing', msg('error.signer.personal-id-key-missing', { name: info.name }));
    }
    const der = Buffer.from(secret, 'base64');
    try {
      return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    } catch {
      throw new SignerError('personal-id-key-missing', msg('error.signer.personal-id-key-damaged', { name: info.name }));
    } finally {
      der.fill(0);
    }
  }
}
