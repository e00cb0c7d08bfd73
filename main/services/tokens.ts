// Hardware tokens for the app and the CLI: which PKCS#11 modules are there (found in the usual
// places, or added by the user), which tokens they see, which signing certificates the tokens
// hold, and a Signer for the one the user chose — logged in once, whatever the number of documents.
//
// Modules are loaded once and kept until close(): C_Initialize/C_Finalize per call would log the
// user out between two documents. Certificates are listed without a login (tokens show their
// certificates publicly; their private keys appear only after login): the certificate's CKA_ID
// names the key, and the login, when signing starts, confirms the pairing.
import { discoverModules, loadModules } from '../../native/pkcs11';
import type { LoadedCandidate, ModuleStats, Pkcs11Module, TokenFlags, WatchedToken } from '../../native/pkcs11';
import { watchSlots } from '../../native/pkcs11';
import { buildChain, fingerprint as fingerprintOf, parseCertificate } from '../cms';
import { fetchIssuer } from '../remote';
import { checkSigningCertificate, describeCertificate, listPkcs11Identities, openPkcs11Signer, SignerError } from '../signers';
import type { Pkcs11Authorization, Pkcs11Signer } from '../signers';
import type { TokenList } from '../../preload/contract/schemas';

export interface ModuleReport {
  path: string;
  name: string;
  source: 'known' | 'user';
  /** Loaded and initialised; otherwise `error` says why (missing file, wrong architecture...). */
  loaded: boolean;
  error: string | null;
  manufacturer: string | null;
  description: string | null;
  version: string | null;
}

export interface TokenCertificate {
  /** SHA-256 of the certificate, lower-case hex: how the app names this identity. */
  fingerprint: string;
  /** CKA_ID of the certificate (and, by convention, of its key), lower-case hex. */
  keyId: string;
  /** CKA_LABEL of the certificate. */
  label: string;
  name: string;
  subjectDn: string;
  issuer: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  /** Whether the key was seen (after a login in this process); null before any login. */
  keyConfirmed: boolean | null;
  /** Why it cannot sign now (expired, no signing key usage...); null when it can. */
  unusable: string | null;
}

export interface TokenReport {
  modulePath: string;
  slotId: string;
  label: string;
  manufacturer: string;
  model: string;
  serial: string;
  flags: TokenFlags;
  certificates: TokenCertificate[];
  /** Objects that cannot sign (a key without certificate...), with the reason, as notes. */
  notes: string[];
}

export interface TokenScan {
  modules: ModuleReport[];
  tokens: TokenReport[];
}

/** How the CLI and the app point at one certificate: --token LABEL, --key ID_HEX|LABEL, or a fingerprint. */
export interface TokenSelection {
  token?: string | null;
  key?: string | null;
  fingerprint?: string | null;
}

export interface TokenServiceOptions {
  /** Module paths to add to the usual ones (--module, settings). Asked again at every scan. */
  userModules: () => Promise<readonly string[]> | readonly string[];
  /** Overrides the usual install paths (tests: only the SoftHSM module of the run). */
  knownModules?: () => readonly string[];
  /** Time allowed to fetch each missing issuer certificate (AIA) when a token lacks the chain. Default 5 s. */
  aiaTimeoutMs?: number;
  now?: () => Date;
}

/** Signer errors after which the kept session cannot be used again. */
const SESSION_DEAD = new Set(['token-removed', 'not-logged-in', 'key-not-found', 'token-error', 'signer-closed']);

export class TokenService {
  private loaded: LoadedCandidate[] | null = null;
  private loadedKey = '';
  /** Signers kept open (logged in) by certificate fingerprint, so a second document asks no PIN. */
  private readonly signers = new Map<string, { signer: Pkcs11Signer; shared: Pkcs11Signer; slotId: string; serial: string; modulePath: string }>();
  private readonly confirmed = new Map<string, boolean>();
  private watcher: { onChange: (scan: TokenScan) => void; intervalMs: number; stops: (() => void)[] } | null = null;

  constructor(private readonly options: TokenServiceOptions) {}

  /** Loads the modules (once per set of paths) and reports modules, tokens and certificates. */
  async scan(): Promise<TokenScan> {
    const loaded = await this.modules();
    const modules: ModuleReport[] = loaded.map(({ candidate, module, error }) => {
      let info: ReturnType<Pkcs11Module['info']> | null;
      try {
        info = module?.info() ?? null;
      } catch {
        info = null;
      }
      return {
        path: candidate.path,
        name: candidate.name,
        source: candidate.source,
        loaded: module !== undefined,
        error: error ? error.message : null,
        manufacturer: info?.manufacturer ?? null,
        description: info?.description ?? null,
        version: info?.libraryVersion ?? null,
      };
    });
    const tokens: TokenReport[] = [];
    for (const { module } of loaded) {
      if (!module) continue;
      let slots;
      try {
        slots = await module.slots();
      } catch {
        continue; // a module that fails to enumerate is reported as loaded; its tokens are not shown
      }
      for (const slot of slots) {
        if (!slot.token || !slot.token.flags.tokenInitialized) continue;
        tokens.push(await this.describeToken(module, slot.id, slot.token));
      }
    }
    return { modules, tokens };
  }

  /**
   * The Signer for one certificate: chosen by the selection (fingerprint, or --token/--key), logged
   * in through `authorize` (once; later calls reuse the session). Errors name the candidates when
   * the choice is ambiguous or empty.
   */
  async signer(selection: TokenSelection, authorize: Pkcs11Authorization): Promise<Pkcs11Signer> {
    const scan = await this.scan();
    const { token, cert } = chooseCertificate(scan, selection);
    const kept = this.signers.get(cert.fingerprint);
    if (kept) return kept.shared;
    const module = (await this.modules()).find((m) => m.candidate.path === token.modulePath)?.module as Pkcs11Module;
    const listing = await listPkcs11Identities(module, token.slotId, authorize);
    for (const identity of listing.identities) this.confirmed.set(fingerprintOf(identity.certificate), true);
    const identity = listing.identities.find((i) => fingerprintOf(i.certificate) === cert.fingerprint);
    if (!identity) {
      this.confirmed.set(cert.fingerprint, false);
      throw new SignerError('key-not-found', `The token ${token.label} holds the certificate of ${cert.name} but not its private key.`);
    }
    const signer = await openPkcs11Signer({
      module,
      slotId: token.slotId,
      identity,
      authorize,
      otherCertificates: listing.otherCertificates.map((c) => new Uint8Array(c)),
      at: this.now(),
    });
    // Callers close what they get; the session stays logged in for the next document until the
    // token is removed or the service closes.
    const chain = await completeChain(signer.certificate, signer.chain, this.options.aiaTimeoutMs ?? 5000);
    const shared: Pkcs11Signer = {
      label: signer.label,
      certificate: signer.certificate,
      chain,
      keyType: signer.keyType,
      keyBits: signer.keyBits,
      algorithms: signer.algorithms,
      warnings: signer.warnings,
      mechanisms: signer.mechanisms,
      sign: (request) => this.unlessGone(cert.fingerprint, () => signer.sign(request)),
      signMany: (requests) =>
        this.unlessGone(cert.fingerprint, () => (signer.signMany ? signer.signMany(requests) : Promise.all(requests.map((r) => signer.sign(r))))),
      close: () => Promise.resolve(),
    };
    this.signers.set(cert.fingerprint, { signer, shared, slotId: token.slotId, serial: token.serial, modulePath: token.modulePath });
    return shared;
  }

  /** Runs a signature; when it shows the session is dead (token pulled out...), the next one logs in afresh. */
  private async unlessGone<T>(fingerprint: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (SESSION_DEAD.has((error as { code?: string }).code ?? '')) await this.forget(fingerprint);
      throw error;
    }
  }

  /** Forgets the open session of a certificate (after "token removed", or to ask the PIN again). */
  async forget(fingerprint: string): Promise<void> {
    const kept = this.signers.get(fingerprint);
    this.signers.delete(fingerprint);
    await kept?.signer.close().catch(() => undefined);
  }

  /**
   * Notices tokens being plugged in and out (every module, polled); `onChange` gets the new scan.
   * Returns the function that stops watching.
   */
  async watch(onChange: (scan: TokenScan) => void, intervalMs = 1500): Promise<() => void> {
    this.disarm();
    this.watcher = { onChange, intervalMs, stops: [] };
    this.arm(await this.modules());
    return () => {
      this.disarm();
      this.watcher = null;
    };
  }

  /** Polls every loaded module for the current watcher (again after the modules are reloaded). */
  private arm(loaded: readonly LoadedCandidate[]): void {
    const watcher = this.watcher;
    if (!watcher) return;
    this.disarm();
    for (const { module } of loaded) {
      if (!module) continue;
      watcher.stops.push(
        watchSlots(module, (change) => {
          if (change.initial) return;
          void this.onTokensRemoved(module.path, change.removed).then(() => this.scan()).then(watcher.onChange, () => undefined);
        }, watcher.intervalMs),
      );
    }
  }

  private disarm(): void {
    for (const stop of this.watcher?.stops.splice(0) ?? []) stop();
  }

  /** PKCS#11 call counters of the loaded modules, summed (C_Login and C_Sign counts: no secrets). */
  stats(): ModuleStats {
    const total: ModuleStats = { logins: 0, contextLogins: 0, signatures: 0 };
    for (const { module } of this.loaded ?? []) {
      if (!module) continue;
      const s = module.stats();
      total.logins += s.logins;
      total.contextLogins += s.contextLogins;
      total.signatures += s.signatures;
    }
    return total;
  }

  /** Logs out, closes every module (C_Finalize). Idempotent. */
  async close(): Promise<void> {
    this.disarm();
    for (const fingerprint of [...this.signers.keys()]) await this.forget(fingerprint);
    const loaded = this.loaded ?? [];
    this.loaded = null;
    this.loadedKey = '';
    await Promise.all(loaded.map(({ module }) => module?.close().catch(() => undefined)));
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  private async onTokensRemoved(modulePath: string, removed: readonly WatchedToken[]): Promise<void> {
    // A removed token's sessions are dead: forget its signers so that the next signature logs in again.
    for (const [fingerprint, kept] of this.signers) {
      if (kept.modulePath === modulePath && removed.some((t) => t.slotId === kept.slotId && t.serial === kept.serial)) await this.forget(fingerprint);
    }
  }

  private async modules(): Promise<LoadedCandidate[]> {
    const user = [...(await this.options.userModules())];
    const known = this.options.knownModules?.();
    const key = JSON.stringify([user, known ?? null]);
    if (this.loaded && key === this.loadedKey) return this.loaded;
    if (this.loaded) await this.close();
    const candidates = known
      ? [...known.map((path) => ({ path, source: 'known' as const, name: path.split('/').pop() ?? path, exists: true })), ...discoverModules(user).filter((c) => c.source === 'user')]
      : discoverModules(user);
    this.loaded = await loadModules(candidates);
    this.loadedKey = key;
    // A driver added or removed: the tokens of the new set are watched from now on.
    this.arm(this.loaded);
    return this.loaded;
  }

  private async describeToken(module: Pkcs11Module, slotId: string, token: NonNullable<Awaited<ReturnType<Pkcs11Module['slots']>>[number]['token']>): Promise<TokenReport> {
    const report: TokenReport = {
      modulePath: module.path,
      slotId,
      label: token.label,
      manufacturer: token.manufacturer,
      model: token.model,
      serial: token.serial,
      flags: token.flags,
      certificates: [],
      notes: [],
    };
    let listing;
    try {
      listing = await module.listSigningIdentities(slotId);
    } catch (error) {
      report.notes.push(`The certificates of this token cannot be read: ${error instanceof Error ? error.message : String(error)}`);
      return report;
    }
    const candidates = [
      ...listing.identities.map((i) => ({ der: i.certificate, label: i.certificateLabel, id: i.certificateId, key: true as boolean | null })),
      // Before login, certificates whose key is hidden are listed as "ignored": they are the ones to show.
      ...listing.ignored
        .filter((o) => o.class === 'certificate' && o.certificate !== undefined && (!listing.loggedIn || /before login/.test(o.reason)))
        .map((o) => ({ der: o.certificate as Buffer, label: o.label, id: o.id, key: null as boolean | null })),
    ];
    for (const note of listing.ignored) {
      if (note.class === 'privateKey' || (listing.loggedIn && note.class === 'certificate')) report.notes.push(`${note.label || note.id}: ${note.reason}`);
    }
    for (const candidate of candidates) {
      const der = new Uint8Array(candidate.der);
      let description;
      try {
        description = describeCertificate(der);
      } catch {
        report.notes.push(`${candidate.label || candidate.id}: not a readable X.509 certificate`);
        continue;
      }
      if (isCa(der)) continue;
      let unusable: string | null = null;
      try {
        checkSigningCertificate(der, { at: this.now() });
      } catch (error) {
        unusable = error instanceof Error ? error.message : String(error);
      }
      const fingerprint = description.fingerprintSha256;
      report.certificates.push({
        fingerprint,
        keyId: candidate.id,
        label: candidate.label,
        name: description.subject,
        subjectDn: description.subjectDn,
        issuer: description.issuer,
        serial: description.serial,
        notBefore: description.notBefore.toISOString(),
        notAfter: description.notAfter.toISOString(),
        keyConfirmed: candidate.key ?? this.confirmed.get(fingerprint) ?? null,
        unusable,
      });
    }
    return report;
  }
}

/**
 * The chain read from the token, completed from the certificates' AIA "CA issuers" URLs when the
 * token does not hold it up to a root (many tokens ship with the end-entity certificate alone): at
 * most four certificates are fetched. Offline, or when a URL fails, the chain stays as it is:
 * signing goes on, validators fetch the rest.
 */
async function completeChain(certificate: Uint8Array, chain: readonly Uint8Array[], timeoutMs: number): Promise<Uint8Array[]> {
  try {
    const path = await buildChain(certificate, chain, {
      fetchMissing: (der) => fetchIssuer(der, { timeoutMs }).catch(() => null),
      maxLength: chain.length + 1 + 4,
    });
    return path.slice(1);
  } catch {
    return [...chain]; // a certificate pkijs cannot read: nothing to complete
  }
}

function isCa(der: Uint8Array): boolean {
  // Basic constraints cA=TRUE: an authority's certificate, not one to sign documents with.
  try {
    return parseCertificate(der).x509.ca;
  } catch {
    return false;
  }
}

function candidateLine(token: TokenReport, cert: TokenCertificate): string {
  return `token '${token.label}' key ${cert.keyId || '(no id)'} '${cert.label}': ${cert.name}, issued by ${cert.issuer}, expires ${cert.notAfter.slice(0, 10)}`;
}

/** Picks the one certificate the selection names among the usable ones; a precise error otherwise. */
function chooseCertificate(scan: TokenScan, selection: TokenSelection): { token: TokenReport; cert: TokenCertificate } {
  const loadedModules = scan.modules.filter((m) => m.loaded);
  if (loadedModules.length === 0) {
    const tried = scan.modules.map((m) => `${m.path}${m.error ? ` (${m.error})` : ''}`);
    throw new SignerError(
      'no-module',
      tried.length === 0
        ? 'No PKCS#11 module was found: install your token\'s software (SafeNet Authentication Client, OpenSC...) or give its library with --module PATH.'
        : `No PKCS#11 module could be loaded: ${tried.join('; ')}.`,
    );
  }
  let tokens = scan.tokens;
  if (selection.token) {
    tokens = tokens.filter((t) => t.label === selection.token);
    if (tokens.length === 0) {
      const present = scan.tokens.map((t) => `'${t.label}'`).join(', ') || 'none';
      throw new SignerError('no-token', `No token labelled '${selection.token}' is plugged in (tokens present: ${present}).`);
    }
  }
  if (tokens.length === 0) throw new SignerError('no-token', 'No token is plugged in: insert your token (or smart card) and try again.');
  const all = tokens.flatMap((token) => token.certificates.map((cert) => ({ token, cert })));
  let matches = all;
  if (selection.fingerprint) matches = matches.filter(({ cert }) => cert.fingerprint === selection.fingerprint);
  if (selection.key) {
    const wanted = selection.key.toLowerCase();
    matches = matches.filter(({ cert }) => cert.keyId === wanted || cert.label === selection.key || cert.name === selection.key);
  }
  const usable = matches.filter(({ cert }) => cert.unusable === null);
  if (usable.length === 1) return usable[0] as { token: TokenReport; cert: TokenCertificate };
  if (usable.length === 0) {
    if (matches.length > 0) throw new SignerError('unusable-certificate', `The certificate cannot sign: ${matches.map(({ cert }) => cert.unusable).join('; ')}`);
    const listed = all.map(({ token, cert }) => candidateLine(token, cert));
    throw new SignerError(
      'no-certificate',
      listed.length === 0
        ? `The token${tokens.length > 1 ? 's' : ''} ${tokens.map((t) => `'${t.label}'`).join(', ')} hold${tokens.length > 1 ? '' : 's'} no signing certificate.`
        : `No signing certificate matches${selection.key ? ` --key ${selection.key}` : ''}. On the tokens: ${listed.join('; ')}.`,
    );
  }
  throw new SignerError(
    'choose-identity',
    `Several signing certificates are available; choose one with --token LABEL and --key ID: ${usable.map(({ token, cert }) => candidateLine(token, cert)).join('; ')}.`,
  );
}

/**
 * The identity a token certificate signs as; null when it cannot sign now, or when a login showed
 * its private key missing. The identity list and the token picker agree through this one rule.
 */
export function tokenIdentityId(cert: TokenCertificate): string | null {
  return cert.unusable === null && cert.keyConfirmed !== false ? `token-${cert.fingerprint}` : null;
}

/** The token picker's view of a scan: identities by fingerprint, no key material, no module internals. */
export function toTokenList(scan: TokenScan): TokenList {
  return {
    modules: scan.modules.map((m) => ({ path: m.path, name: m.name, source: m.source, loaded: m.loaded, error: m.error })),
    tokens: scan.tokens.map((t) => ({
      label: t.label,
      manufacturer: t.manufacturer,
      model: t.model,
      serial: t.serial,
      pinPad: t.flags.protectedAuthPath,
      pinLocked: t.flags.userPinLocked,
      pinCountLow: t.flags.userPinCountLow,
      finalTry: t.flags.userPinFinalTry,
      certificates: t.certificates.map((c) => ({
        identityId: tokenIdentityId(c),
        name: c.name,
        issuer: c.issuer,
        notAfter: c.notAfter,
        keyId: c.keyId,
        unusable: c.unusable,
      })),
      notes: t.notes,
    })),
  };
}
