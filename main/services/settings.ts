// User settings and the recent-documents list, kept as JSON in the app's data folder.
// Nothing secret is ever stored here (PINs, passwords and tokens never are).
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Settings } from '../../preload/contract/schemas/settings';
import type { LocalePreference, RecentDocument, SavedP12Identity, Settings as SettingsT, TrustedCertificate } from '../../preload/contract/schemas';
import type { RemoteAccount } from '../../preload/contract/schemas/settings';
import { writeFileAtomic } from '../atomic-write';

const MAX_RECENT = 12;
const MAX_IDENTITIES = 50;
const MAX_TRUSTED = 200;
const MAX_MODULES = 20;
const DEFAULTS: SettingsT = { locale: 'system', recent: [] };

/** `entry` first, then the earlier entries it does not replace, at most `max`: the lists settings keep. */
function putFirst<T>(list: readonly T[] | undefined, entry: T, replaces: (item: T) => boolean, max: number): T[] {
  return [entry, ...(list ?? []).filter((item) => !replaces(item))].slice(0, max);
}

export class SettingsService {
  private current: SettingsT = structuredClone(DEFAULTS);
  private loaded = false;
  private queue: Promise<void> = Promise.resolve();
  readonly file: string;

  constructor(private readonly dir: string) {
    this.file = join(dir, 'settings.json');
  }

  async get(): Promise<SettingsT> {
    await this.load();
    return structuredClone(this.current);
  }

  async setLocale(locale: LocalePreference): Promise<SettingsT> {
    return this.update((s) => ({ ...s, locale }));
  }

  async addRecent(entry: RecentDocument): Promise<RecentDocument[]> {
    const next = await this.update((s) => ({
      ...s,
      recent: putFirst(s.recent, entry, (r) => r.path === entry.path, MAX_RECENT),
    }));
    return next.recent;
  }

  async removeRecent(path: string): Promise<RecentDocument[]> {
    return (await this.update((s) => ({ ...s, recent: s.recent.filter((r) => r.path !== path) }))).recent;
  }

  async clearRecent(): Promise<RecentDocument[]> {
    return (await this.update((s) => ({ ...s, recent: [] }))).recent;
  }

  /** Remembers an imported .p12 (path and certificate summary; never its password). */
  async addP12Identity(entry: SavedP12Identity): Promise<SavedP12Identity[]> {
    const next = await this.update((s) => ({
      ...s,
      identities: putFirst(s.identities, entry, (i) => i.fingerprint === entry.fingerprint, MAX_IDENTITIES),
    }));
    return next.identities ?? [];
  }

  async removeP12Identity(fingerprint: string): Promise<SavedP12Identity[]> {
    const next = await this.update((s) => ({ ...s, identities: (s.identities ?? []).filter((i) => i.fingerprint !== fingerprint) }));
    return next.identities ?? [];
  }

  /** Trusts a certificate for verification (replacing an entry with the same fingerprint). */
  async addTrustedCertificate(entry: TrustedCertificate): Promise<TrustedCertificate[]> {
    const next = await this.update((s) => ({
      ...s,
      trustedCertificates: putFirst(s.trustedCertificates, entry, (c) => c.fingerprint === entry.fingerprint, MAX_TRUSTED),
    }));
    return next.trustedCertificates ?? [];
  }

  async removeTrustedCertificate(fingerprint: string): Promise<TrustedCertificate[]> {
    const next = await this.update((s) => ({ ...s, trustedCertificates: (s.trustedCertificates ?? []).filter((c) => c.fingerprint !== fingerprint) }));
    return next.trustedCertificates ?? [];
  }

  /** Adds a PKCS#11 library by path (the app's "add a token driver"); kept first. */
  async addPkcs11Module(path: string): Promise<string[]> {
    const next = await this.update((s) => ({ ...s, pkcs11Modules: putFirst(s.pkcs11Modules, path, (p) => p === path, MAX_MODULES) }));
    return next.pkcs11Modules ?? [];
  }

  async removePkcs11Module(path: string): Promise<string[]> {
    const next = await this.update((s) => ({ ...s, pkcs11Modules: (s.pkcs11Modules ?? []).filter((p) => p !== path) }));
    return next.pkcs11Modules ?? [];
  }

  /** The DER of every certificate the user trusts: trust anchors for verification. */
  /** Adds a remote account, or replaces the one of the same name. */
  async putRemoteAccount(account: RemoteAccount): Promise<RemoteAccount[]> {
    const next = await this.update((s) => ({ ...s, remoteAccounts: [...(s.remoteAccounts ?? []).filter((a) => a.name !== account.name), account] }));
    return next.remoteAccounts ?? [];
  }

  /** Forgets a remote account; false when there was none of that name. */
  async removeRemoteAccount(name: string): Promise<boolean> {
    let found = false;
    await this.update((s) => {
      found = (s.remoteAccounts ?? []).some((a) => a.name === name);
      return { ...s, remoteAccounts: (s.remoteAccounts ?? []).filter((a) => a.name !== name) };
    });
    return found;
  }

  async trustAnchors(): Promise<Uint8Array[]> {
    await this.load();
    return (this.current.trustedCertificates ?? []).map((c) => new Uint8Array(Buffer.from(c.der, 'base64')));
  }

  private async load(): Promise<void> {
    if (this.loaded) return;
    this.loaded = true;
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch {
      return; // first run: defaults
    }
    try {
      const parsed = Settings.safeParse(JSON.parse(text));
      // A damaged settings file must not stop the app: fall back to defaults, keep what parses.
      if (parsed.success) this.current = parsed.data;
      else console.warn(`settings: ${this.file} does not match the expected shape; using defaults`);
    } catch {
      console.warn(`settings: ${this.file} is not valid JSON; using defaults`);
    }
  }

  private update(change: (s: SettingsT) => SettingsT): Promise<SettingsT> {
    const run = this.queue.then(async () => {
      await this.load();
      const next = Settings.parse(change(structuredClone(this.current)));
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      await writeFileAtomic(this.file, `${JSON.stringify(next, null, 2)}\n`);
      this.current = next;
      return structuredClone(next);
    });
    this.queue = run.then(() => undefined, () => undefined);
    return run;
  }
}
