// The identity providers of one app or CLI run, by kind. The registry routes an identity id to the
// provider that listed it: ids are opaque (nothing here or in the contract reads a prefix).
import { AppError, msg } from '../../errors';
import { IdentityKind } from '../../../preload/contract/schemas/identities';
import type { Identity } from '../../../preload/contract/schemas';
import type { Signer } from '../../signers';
import type { Authorizer, IdentityProvider, PublicCertificates } from '../signing/ports';

export class IdentityRegistry {
  private readonly providers = new Map<string, IdentityProvider>();
  /** Which provider listed each id, as of the last list. */
  private readonly owners = new Map<string, { provider: IdentityProvider; identity: Identity }>();

  constructor(providers: readonly IdentityProvider[] = []) {
    for (const provider of providers) this.register(provider);
  }

  register(provider: IdentityProvider): void {
    if (!IdentityKind.safeParse(provider.kind).success) throw new Error(`internal: an identity provider kind is 2-16 lower-case letters and digits, not "${provider.kind}"`);
    if (this.providers.has(provider.kind)) throw new Error(`internal: two identity providers of kind ${provider.kind}`);
    this.providers.set(provider.kind, provider);
  }

  provider(kind: string): IdentityProvider | undefined {
    return this.providers.get(kind);
  }

  /**
   * Every provider's identities, in registration order. A provider that fails (a token driver
   * that crashes, a remote service down) hides only its own identities.
   */
  async list(): Promise<Identity[]> {
    const lists = await Promise.all([...this.providers.values()].map(async (provider) => ({
      provider,
      identities: await provider.list().catch((): Identity[] => []),
    })));
    this.owners.clear();
    const all: Identity[] = [];
    for (const { provider, identities } of lists) {
      for (const identity of identities) {
        if (identity.kind !== provider.kind) throw new Error(`internal: the ${provider.kind} provider listed an identity of kind ${identity.kind}`);
        this.owners.set(identity.id, { provider, identity });
        all.push(identity);
      }
    }
    return all;
  }

  /** The identity `id` as last listed (listed again when unknown). */
  async get(id: string): Promise<Identity> {
    return (await this.owner(id)).identity;
  }

  /** A Signer for `id`; the provider asks `authorizer` for what it needs (password, PIN, OTP...). */
  async open(id: string, authorizer: Authorizer): Promise<Signer> {
    const { provider, identity } = await this.fresh(id);
    return provider.open(identity, authorizer);
  }

  /** `id`'s certificate and the issuer certificates it comes with, when its provider knows them without a secret; else null. */
  async certificates(id: string): Promise<PublicCertificates | null> {
    const { provider, identity } = await this.owner(id);
    return provider.certificates ? provider.certificates(identity) : null;
  }

  async remove(id: string): Promise<void> {
    const { provider, identity } = await this.fresh(id);
    if (!provider.remove) throw new AppError('not-removable', msg('error.app.not-removable'));
    await provider.remove(identity);
    this.owners.delete(id);
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.providers.values()].map((p) => p.close?.()));
  }

  /** The identity as its provider lists it now (a .p12 imported again from another path, say). */
  private async fresh(id: string): Promise<{ provider: IdentityProvider; identity: Identity }> {
    const known = this.owners.get(id);
    if (known) {
      const identity = (await known.provider.list()).find((i) => i.id === id);
      if (identity) {
        this.owners.set(id, { provider: known.provider, identity });
        return { provider: known.provider, identity };
      }
      this.owners.delete(id);
    }
    return this.owner(id);
  }

  private async owner(id: string): Promise<{ provider: IdentityProvider; identity: Identity }> {
    const known = this.owners.get(id) ?? (await this.list(), this.owners.get(id));
    if (!known) throw new AppError('identity-not-found', msg('error.app.identity-not-found'));
    return known;
  }
}
