// Signers kept open (logged in) by certificate fingerprint, so a second document asks no PIN; a
// session that shows itself dead (token pulled out, key deleted) is forgotten, and the next
// signature logs in afresh.
import type { WatchedToken } from '../../../native/pkcs11';
import type { Pkcs11Signer } from '../../signers';

/** Signer errors after which the kept session cannot be used again. */
const SESSION_DEAD = new Set(['token-removed', 'not-logged-in', 'key-not-found', 'token-error', 'signer-closed']);

interface Kept {
  signer: Pkcs11Signer;
  shared: Pkcs11Signer;
  slotId: string;
  serial: string;
  modulePath: string;
}

export class KeptSessions {
  private readonly kept = new Map<string, Kept>();

  get(fingerprint: string): Pkcs11Signer | undefined {
    return this.kept.get(fingerprint)?.shared;
  }

  /**
   * Keeps `signer` (logged in) for `fingerprint`; returns the signer callers get: its close() keeps
   * the session, and a signature that shows the session dead forgets it.
   */
  keep(fingerprint: string, signer: Pkcs11Signer, chain: Uint8Array[], where: { slotId: string; serial: string; modulePath: string }): Pkcs11Signer {
    const shared: Pkcs11Signer = {
      label: signer.label,
      certificate: signer.certificate,
      chain,
      keyType: signer.keyType,
      keyBits: signer.keyBits,
      algorithms: signer.algorithms,
      warnings: signer.warnings,
      mechanisms: signer.mechanisms,
      sign: (request) => this.unlessGone(fingerprint, () => signer.sign(request)),
      signMany: (requests) =>
        this.unlessGone(fingerprint, () => (signer.signMany ? signer.signMany(requests) : Promise.all(requests.map((r) => signer.sign(r))))),
      close: () => Promise.resolve(),
    };
    this.kept.set(fingerprint, { signer, shared, ...where });
    return shared;
  }

  /** Forgets the open session of a certificate (after "token removed", or to ask the PIN again). */
  async forget(fingerprint: string): Promise<void> {
    const kept = this.kept.get(fingerprint);
    this.kept.delete(fingerprint);
    await kept?.signer.close().catch(() => undefined);
  }

  /** A removed token's sessions are dead: forget its signers so that the next signature logs in again. */
  async tokensRemoved(modulePath: string, removed: readonly WatchedToken[]): Promise<void> {
    for (const [fingerprint, kept] of this.kept) {
      if (kept.modulePath === modulePath && removed.some((t) => t.slotId === kept.slotId && t.serial === kept.serial)) await this.forget(fingerprint);
    }
  }

  async closeAll(): Promise<void> {
    for (const fingerprint of [...this.kept.keys()]) await this.forget(fingerprint);
  }

  private async unlessGone<T>(fingerprint: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (SESSION_DEAD.has((error as { code?: string }).code ?? '')) await this.forget(fingerprint);
      throw error;
    }
  }
}
