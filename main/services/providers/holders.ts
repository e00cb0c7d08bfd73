// What main decides from where an identity's key is held (`holder`), never from its provider's
// kind: the renderer shows and offers the same from the same field (renderer/src/services/signing.ts).
import type { Identity } from '../../../preload/contract/schemas';

/**
 * The identity takes a secret typed in the sign panel for each signature (SignRequest.password):
 * a .p12's password, a remote account's secret when its service says so. The personal ID's key is
 * in the keychain and a token's PIN is asked by main: a password sent for them is refused.
 */
export function takesPassword(identity: Identity): boolean {
  switch (identity.holder) {
    case 'file':
      return true;
    case 'remote':
      return identity.needsPassword;
    case 'keychain':
    case 'token':
      return false;
  }
}
