// The signing identities the app offers, from the identity providers registered (./providers):
// the personal digital ID (key only in the OS keychain), imported PKCS#12 files (only the path and
// the certificate summary are remembered), certificates on hardware tokens; CSC and CertSign next.
// This service adds what is not a provider's: creating the personal ID, importing a .p12,
// exporting the personal ID. Signers are opened through the registry with an Authorizer.
import { homedir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { FileIdentity, Identity, KeychainIdentity, PersonalKeyType, SavedP12Identity, SigningWarning } from '../../preload/contract/schemas';
import { AppError, msg } from '../errors';
import { describeCertificate, openPkcs12Signer } from '../signers';
import type { PersonalIdStore, Signer } from '../signers';
import { writeFileAtomic } from '../atomic-write';
import type { Dialogs } from './dialogs';
import type { SettingsService } from './settings';
import { personalIdentity } from './providers/personal';
import { p12Identity } from './providers/pkcs12';
import type { IdentityRegistry } from './providers/registry';
import type { Authorizer, PublicCertificates } from './signing/ports';
import type { IssuerCertificateStore } from './issuers';

/** At most this many certificates of a .p12 are kept for the chain notice (itself and ten above it). */
const MAX_SAVED_CERTIFICATES = 11;

/** A file name from a person's name: letters, digits, spaces, dashes; never empty. */
function fileStem(text: string): string {
  const stem = text.normalize('NFC').replace(/[^\p{L}\p{N} ._-]+/gu, '').replace(/\s+/g, ' ').trim().replace(/^\.+/, '');
  return stem.slice(0, 64) || 'digital-id';
}

export class IdentityService {
  /** The certificates of each identity as its signer last came out of its provider, this run (AIA-completed for a token). */
  private readonly opened = new Map<string, PublicCertificates>();

  constructor(
    private readonly settings: SettingsService,
    private readonly personal: PersonalIdStore,
    private readonly dialogs: Dialogs,
    /** Every kind of identity, by provider. */
    readonly registry: IdentityRegistry,
    /** The issuer certificates that complete every signer's chain (settings, trusted, system store); none when absent. */
    private readonly issuers?: IssuerCertificateStore,
  ) {}

  /** The personal IDs (oldest first), the imported .p12 files (latest first), then the certificates on tokens plugged in (registration order). */
  async list(): Promise<Identity[]> {
    return this.registry.list();
  }

  async get(id: string): Promise<Identity> {
    return this.registry.get(id);
  }

  async createPersonal(request: { name: string; email: string; keyType: PersonalKeyType }): Promise<KeychainIdentity> {
    return personalIdentity(await this.personal.create(request));
  }

  /** The OS open dialog for a PKCS#12 file; null when the user cancels. */
  async chooseP12File(): Promise<{ path: string; name: string } | null> {
    const path = await this.dialogs.chooseCertificateFile();
    return path === null ? null : { path: resolve(path), name: basename(path) };
  }

  /**
   * Opens the file once with `password` (a wrong password, an expired certificate or one that
   * cannot sign is refused here, before anything is remembered), then keeps its path and summary.
   */
  async importP12(path: string, password: string): Promise<FileIdentity> {
    const absolute = resolve(path);
    const signer = await openPkcs12Signer(absolute, password);
    try {
      const description = describeCertificate(signer.certificate);
      const saved: SavedP12Identity = {
        path: absolute,
        fingerprint: description.fingerprintSha256,
        subject: description.subject,
        issuer: description.issuer,
        serial: description.serial,
        notBefore: description.notBefore.toISOString(),
        notAfter: description.notAfter.toISOString(),
        addedAt: new Date().toISOString(),
        // Public, and readable only now that the password opened the file: the chain notice reads them.
        certificates: [signer.certificate, ...signer.chain].slice(0, MAX_SAVED_CERTIFICATES).map((der) => Buffer.from(der).toString('base64')),
      };
      await this.settings.addP12Identity(saved);
      return p12Identity(saved);
    } finally {
      await signer.close();
    }
  }

  /** The personal ID is deleted (its key leaves the keychain); a .p12 is only forgotten; a token certificate cannot be removed. */
  async remove(id: string): Promise<Identity[]> {
    await this.registry.remove(id);
    return this.list();
  }

  /**
   * Writes the personal ID as a password-protected .p12 where the user says (save dialog); null
   * when they cancel. The key is read from the keychain first, so a missing key says so at once.
   */
  async exportPersonal(id: string, password: string): Promise<{ path: string } | null> {
    const identity = await this.get(id);
    if (identity.kind !== 'personal') throw new AppError('not-exportable', msg('error.app.not-exportable'));
    const bytes = await this.personal.exportPkcs12(identity.fingerprint, password);
    try {
      const target = await this.dialogs.chooseSavePath({ kind: 'p12', defaultPath: join(homedir(), `${fileStem(identity.name)}.p12`) });
      if (target === null) return null;
      const path = resolve(target);
      try {
        await writeFileAtomic(path, bytes, 0o600);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new AppError('output-not-writable', msg('error.app.output-not-writable', { path, code: code ?? 'error' }));
      }
      return { path };
    } finally {
      bytes.fill(0);
    }
  }

  /**
   * A Signer for one signature (or one batch): the identity's provider asks `authorizer` for what it
   * needs; its chain is completed from the issuer certificates main knows (whatever the backend).
   */
  async openSigner(id: string, authorizer: Authorizer): Promise<Signer> {
    const signer = await this.registry.open(id, authorizer);
    this.opened.set(id, { certificate: signer.certificate, chain: [...signer.chain] });
    if (!this.issuers) return signer;
    try {
      return await this.issuers.complete(signer);
    } catch (error) {
      await signer.close();
      throw error;
    }
  }

  /**
   * What the sign panel says before signing with `id`, without asking any secret: CHAIN_INCOMPLETE
   * when its certificate's chain, completed from the issuer certificates main knows, reaches no root.
   * Nothing when its certificates are not known before it is opened (a .p12 imported by an older
   * version, until its first signature).
   */
  async signingWarnings(id: string): Promise<SigningWarning[]> {
    const known = this.opened.get(id) ?? (await this.registry.certificates(id));
    if (!known || !this.issuers) return [];
    return this.issuers.warnings(known);
  }
}
