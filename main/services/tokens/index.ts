// Hardware tokens for the app and the CLI: which PKCS#11 modules are there (./modules: found in
// the usual places or added by the user, loaded once, watched for tokens coming and going), what
// the tokens hold (./inventory, no login needed), which certificate a selection names
// (./selection), and a Signer for it, logged in once whatever the number of documents
// (./sessions), its chain completed from AIA when the token lacks it (./chain).
import type { ModuleStats, Pkcs11Module } from '../../../native/pkcs11';
import { fingerprint as fingerprintOf } from '../../cms';
import { listPkcs11Identities, openPkcs11Signer, SignerError } from '../../signers';
import type { Pkcs11Authorization, Pkcs11Signer } from '../../signers';
import { completeChain } from './chain';
import { msg } from '../../errors';
import { describeToken, moduleReports } from './inventory';
import { ModuleRegistry } from './modules';
import { chooseCertificate } from './selection';
import { KeptSessions } from './sessions';
import type { TokenReport, TokenScan, TokenSelection, TokenServiceOptions } from './types';

export type { ModuleReport, TokenCertificate, TokenReport, TokenScan, TokenSelection, TokenServiceOptions } from './types';
export { toTokenList, tokenIdentityId } from './selection';

export class TokenService {
  private readonly sessions = new KeptSessions();
  private readonly registry: ModuleRegistry;
  /** Whether a login showed each certificate's key (by fingerprint). */
  private readonly confirmed = new Map<string, boolean>();

  constructor(private readonly options: TokenServiceOptions) {
    this.registry = new ModuleRegistry(options, () => this.sessions.closeAll());
  }

  /** Loads the modules (once per set of paths) and reports modules, tokens and certificates. */
  async scan(): Promise<TokenScan> {
    const loaded = await this.registry.modules();
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
        tokens.push(await describeToken(module, slot.id, slot.token, { now: this.now(), confirmed: this.confirmed }));
      }
    }
    return { modules: moduleReports(loaded), tokens };
  }

  /**
   * The Signer for one certificate: chosen by the selection (fingerprint, or --token/--key), logged
   * in through `authorize` (once; later calls reuse the session). Errors name the candidates when
   * the choice is ambiguous or empty.
   */
  async signer(selection: TokenSelection, authorize: Pkcs11Authorization): Promise<Pkcs11Signer> {
    const scan = await this.scan();
    const { token, cert } = chooseCertificate(scan, selection);
    const kept = this.sessions.get(cert.fingerprint);
    if (kept) return kept;
    const module = (await this.registry.module(token.modulePath)) as Pkcs11Module;
    const listing = await listPkcs11Identities(module, token.slotId, authorize);
    for (const identity of listing.identities) this.confirmed.set(fingerprintOf(identity.certificate), true);
    const identity = listing.identities.find((i) => fingerprintOf(i.certificate) === cert.fingerprint);
    if (!identity) {
      this.confirmed.set(cert.fingerprint, false);
      throw new SignerError('key-not-found', msg('error.signer.key-not-on-token', { token: token.label, name: cert.name }));
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
    return this.sessions.keep(cert.fingerprint, signer, chain, { slotId: token.slotId, serial: token.serial, modulePath: token.modulePath });
  }

  /**
   * The certificate `fingerprint` names and the other certificates of its token (its issuers among
   * them), read without a login; the chain a session completed when one is open. null when no
   * token plugged in has it. Nothing is fetched (AIA is for signing).
   */
  async publicCertificates(fingerprint: string): Promise<{ certificate: Uint8Array; chain: Uint8Array[] } | null> {
    const kept = this.sessions.get(fingerprint);
    if (kept) return { certificate: kept.certificate, chain: [...kept.chain] };
    let chosen;
    try {
      chosen = chooseCertificate(await this.scan(), { fingerprint });
    } catch {
      return null;
    }
    const module = await this.registry.module(chosen.token.modulePath);
    if (!module) return null;
    const listing = await module.listSigningIdentities(chosen.token.slotId);
    const all = new Map<string, Uint8Array>();
    for (const der of [...listing.identities.map((i) => i.certificate), ...listing.ignored.flatMap((o) => (o.certificate ? [o.certificate] : [])), ...listing.otherCertificates]) {
      const copy = new Uint8Array(der);
      all.set(fingerprintOf(copy), copy);
    }
    const certificate = all.get(fingerprint);
    if (!certificate) return null;
    all.delete(fingerprint);
    return { certificate, chain: [...all.values()] };
  }

  /** Forgets the open session of a certificate (after "token removed", or to ask the PIN again). */
  async forget(fingerprint: string): Promise<void> {
    await this.sessions.forget(fingerprint);
  }

  /**
   * Notices tokens being plugged in and out (every module, polled); `onChange` gets the new scan.
   * Returns the function that stops watching.
   */
  async watch(onChange: (scan: TokenScan) => void, intervalMs = 1500): Promise<() => void> {
    return this.registry.watchSlots({
      intervalMs,
      onRemoved: (modulePath, removed) => this.sessions.tokensRemoved(modulePath, removed),
      onChange: () => void this.scan().then(onChange, () => undefined),
    });
  }

  /** PKCS#11 call counters of the loaded modules, summed (C_Login and C_Sign counts: no secrets). */
  stats(): ModuleStats {
    return this.registry.stats();
  }

  /** Logs out, closes every module (C_Finalize). Idempotent. */
  async close(): Promise<void> {
    await this.sessions.closeAll();
    await this.registry.close();
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }
}
