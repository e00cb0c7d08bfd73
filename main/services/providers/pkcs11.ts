// Certificates on hardware tokens (PKCS#11), through the TokenService (drivers, hot-plug, one
// login kept per token). The PIN is asked of the Authorizer, again after a wrong PIN (saying so
// and what the token tells of the tries left) until it is right, the token locks, or the
// authorizer cancels (null), or it was asked as often as it allows (`attempts`): then the wrong PIN is
// the error. Later signatures reuse the session.
import type { TokenIdentity } from '../../../preload/contract/schemas';
import { AppError, messageOf, msg } from '../../errors';
import type { PinRequest, Signer } from '../../signers';
import { tokenIdentityId } from '../tokens';
import type { TokenScan, TokenSelection, TokenService } from '../tokens';
import type { Authorizer, IdentityProvider } from '../signing/ports';

/** The usable signing certificates of the tokens plugged in, as identities. */
export function tokenIdentities(scan: TokenScan): TokenIdentity[] {
  return scan.tokens.flatMap((token) =>
    token.certificates.flatMap((c): TokenIdentity[] => {
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
        holder: 'token',
        needsPassword: false,
        token: { label: token.label, serial: token.serial },
      }];
    }),
  );
}

/**
 * Logs in to the certificate `selection` names, asking `authorizer` for the PIN (`keyLabel` names
 * the key in the prompt; null: the certificate's holder as the token says).
 */
export async function openTokenSigner(tokens: TokenService, selection: TokenSelection, authorizer: Authorizer, keyLabel: string | null = null): Promise<Signer> {
  let failure: unknown = null;
  const attempts = authorizer.attempts?.pin ?? Number.POSITIVE_INFINITY;
  for (let attempt = 1; ; attempt++) {
    const wrongBefore = failure;
    try {
      return await tokens.signer(selection, {
        getPin: async (request: PinRequest) => {
          const retry = wrongBefore !== null && request.reason === 'login';
          const pin = await authorizer.ask({
            kind: 'pin',
            token: request.token,
            key: keyLabel ?? request.token,
            triesLeft: request.triesLeft ?? null,
            pinPad: request.pinPad,
            contextSpecific: request.reason === 'context-specific',
            retry,
            problem: retry ? messageOf(wrongBefore) : null,
          });
          return pin === null ? null : Buffer.from(pin, 'utf8');
        },
      });
    } catch (error) {
      // The authorizer says how often it may be asked: a PIN from the environment only once (the
      // same wrong PIN again would only burn the token's tries), a terminal three times.
      if ((error as { code?: string }).code !== 'pin-incorrect' || attempt >= attempts) throw error;
      failure = error;
    }
  }
}

export function pkcs11Provider(tokens: TokenService): IdentityProvider<TokenIdentity> {
  return {
    kind: 'token',
    list: async () => {
      // A token driver that fails must not hide the other identities: no tokens then.
      return tokenIdentities(await tokens.scan().catch((): TokenScan => ({ modules: [], tokens: [] })));
    },
    open: (identity, authorizer) => openTokenSigner(tokens, { fingerprint: identity.fingerprint }, authorizer, identity.name),
    /** Read from the token without a login (certificates are public objects). */
    certificates: (identity) => tokens.publicCertificates(identity.fingerprint),
    remove: async () => {
      throw new AppError('not-removable', msg('error.app.not-removable-token'));
    },
  };
}
