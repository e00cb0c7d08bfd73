// The signing identities the app offers:
// - the personal digital ID (PersonalIdStore): its certificate in the app data folder, its private
//   key only in the OS keychain; it never leaves main;
// - imported PKCS#12 files (.p12, .pfx): only the file's path and its certificate summary are
//   remembered (settings.json). The password is typed for each signature, sent to main for that
//   one call, and never stored, logged or sent back.
import { homedir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { Identity, PersonalKeyType, RendererRequestOf, SavedP12Identity } from '../../preload/contract/schemas';
import { AppError } from '../errors';
import { describeCertificate, openPkcs12Signer } from '../signers';
import type { PersonalIdInfo, PersonalIdStore, Signer } from '../signers';
import { writeFileAtomic } from '../atomic-write';
import type { Dialogs } from './dialogs';
import type { SettingsService } from './settings';
import { tokenIdentityId } from './tokens';
import type { TokenScan, TokenService } from './tokens';

const PERSONAL = 'personal-';
const P12 = 'p12-';
const TOKEN = 'token-';

/** The usable signing certificates of the tokens plugged in, as identities. */
function tokenIdentities(scan: TokenScan): Identity[] {
  return scan.tokens.flatMap((token) =>
    token.certificates.flatMap((c): Identity[] => {
      const id = tokenIdentityId(c);
      if (id === null) return [];
      return [{
        id,
        kind: 'token',
        name: c.name,
        email: null,
        issuer: c.issuer,
        serial: c.serial,
        notBefore: c.notBefore,
        notAfter: c.notAfter,
        fingerprint: c.fingerprint,
        file: null,
        keyType: null,
        needsPassword: false,
        token: { label: token.label, serial: token.serial },
      }];
    }),
  );
}

function personalIdentity(info: PersonalIdInfo): Identity {
  const description = describeCertificate(info.certificate);
  return {
    id: `${PERSONAL}${info.id}`,
    kind: 'personal',
    name: info.name,
    email: info.email || null,
    issuer: description.issuer,
    serial: info.serial,
    notBefore: info.notBefore.toISOString(),
    notAfter: info.notAfter.toISOString(),
    fingerprint: info.id,
    file: null,
    keyType: info.keyType,
    needsPassword: false,
  };
}

function p12Identity(saved: SavedP12Identity): Identity {
  return {
    id: `${P12}${saved.fingerprint}`,
    kind: 'p12',
    name: saved.subject,
    email: null,
    issuer: saved.issuer,
    serial: saved.serial,
    notBefore: saved.notBefore,
    notAfter: saved.notAfter,
    fingerprint: saved.fingerprint,
    file: saved.path,
    keyType: null,
    needsPassword: true,
  };
}

/** A file name from a person's name: letters, digits, spaces, dashes; never empty. */
function fileStem(text: string): string {
  const stem = text.normalize('NFC').replace(/[^\p{L}\p{N} ._-]+/gu, '').replace(/\s+/g, ' ').trim().replace(/^\.+/, '');
  return stem.slice(0, 64) || 'digital-id';
}

export class IdentityService {
  private tokenScan: TokenScan | null = null;

  constructor(
    private readonly settings: SettingsService,
    private readonly personal: PersonalIdStore,
    private readonly dialogs: Dialogs,
    private readonly tokens: TokenService,
    private readonly askPin: (request: RendererRequestOf<'prompt:pin'>) => Promise<string | null>,
  ) {}

  /** The personal IDs (oldest first), the imported .p12 files (latest first), then the certificates on tokens plugged in. */
  async list(): Promise<Identity[]> {
    const [ids, settings, scan] = await Promise.all([
      this.personal.list(),
      this.settings.get(),
      // A token driver that fails must not hide the other identities: no tokens then.
      this.tokens.scan().catch((): TokenScan => ({ modules: [], tokens: [] })),
    ]);
    this.tokenScan = scan;
    return [...ids.map(personalIdentity), ...(settings.identities ?? []).map(p12Identity), ...tokenIdentities(scan)];
  }

  async get(id: string): Promise<Identity> {
    // Token identities from the last scan when it has them (the preview asks often; tokens are slow to list).
    const cached = id.startsWith(TOKEN) && this.tokenScan ? tokenIdentities(this.tokenScan).find((i) => i.id === id) : undefined;
    if (cached) return cached;
    const identity = (await this.list()).find((i) => i.id === id);
    if (!identity) throw new AppError('identity-not-found', 'This signing identity no longer exists (it may have been removed).');
    return identity;
  }

  async createPersonal(request: { name: string; email: string; keyType: PersonalKeyType }): Promise<Identity> {
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
  async importP12(path: string, password: string): Promise<Identity> {
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
      };
      await this.settings.addP12Identity(saved);
      return p12Identity(saved);
    } finally {
      await signer.close();
    }
  }

  /** The personal ID is deleted (its key leaves the keychain); a .p12 is only forgotten. */
  async remove(id: string): Promise<Identity[]> {
    const identity = await this.get(id);
    if (identity.kind === 'token') throw new AppError('not-removable', 'A certificate on a token cannot be removed here; unplug the token to stop using it.');
    if (identity.kind === 'personal') await this.personal.delete(identity.fingerprint);
    else await this.settings.removeP12Identity(identity.fingerprint);
    return this.list();
  }

  /**
   * Writes the personal ID as a password-protected .p12 where the user says (save dialog); null
   * when they cancel. The key is read from the keychain first, so a missing key says so at once.
   */
  async exportPersonal(id: string, password: string): Promise<{ path: string } | null> {
    const identity = await this.get(id);
    if (identity.kind !== 'personal') throw new AppError('not-exportable', 'Only the personal digital ID can be exported; a .p12 file is already a file you can copy.');
    const bytes = await this.personal.exportPkcs12(identity.fingerprint, password);
    try {
      const target = await this.dialogs.chooseSavePath({ kind: 'p12', defaultPath: join(homedir(), `${fileStem(identity.name)}.p12`) });
      if (target === null) return null;
      const path = resolve(target);
      try {
        await writeFileAtomic(path, bytes, 0o600);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new AppError('output-not-writable', `${path} cannot be written${code ? ` (${code})` : ''}.`);
      }
      return { path };
    } finally {
      bytes.fill(0);
    }
  }

  /**
   * A Signer for one signature. A .p12 is opened with the password given for this call; the file
   * must still hold the certificate that was imported.
   */
  async openSigner(id: string, password: string | undefined): Promise<Signer> {
    const identity = await this.get(id);
    if (identity.kind === 'personal') return this.personal.signer(identity.fingerprint);
    if (identity.kind === 'token') return this.openTokenSigner(identity);
    if (password === undefined) throw new AppError('password-required', `The password of ${basename(identity.file ?? '')} is needed to sign.`);
    const signer = await openPkcs12Signer(identity.file ?? '', password);
    if (describeCertificate(signer.certificate).fingerprintSha256 !== identity.fingerprint) {
      await signer.close();
      throw new AppError('identity-changed', `${basename(identity.file ?? '')} now holds another certificate than the one imported; import it again.`);
    }
    return signer;
  }

  /**
   * The token's signer, logged in once: the PIN dialog (through the renderer) is asked again after
   * a wrong PIN, saying so and what the token tells of the tries left, until the PIN is right, the
   * token locks, or the user cancels. Later signatures reuse the session: no PIN.
   */
  private async openTokenSigner(identity: Identity): Promise<Signer> {
    let retry = false;
    for (;;) {
      try {
        return await this.tokens.signer({ fingerprint: identity.fingerprint }, {
          getPin: async (request) => {
            const pin = await this.askPin({
              tokenLabel: request.token,
              keyLabel: identity.name,
              triesLeft: request.triesLeft === 'final' ? 1 : null,
              pinCountLow: request.triesLeft === 'low',
              finalTry: request.triesLeft === 'final',
              retry: retry && request.reason === 'login',
              pinPad: request.pinPad,
              contextSpecific: request.reason === 'context-specific',
            });
            return pin === null ? null : Buffer.from(pin, 'utf8');
          },
        });
      } catch (error) {
        if ((error as { code?: string }).code !== 'pin-incorrect') throw error;
        retry = true;
      }
    }
  }
}
