// The personal digital ID: its certificate in the app data folder, its private key only in the OS
// keychain; it never leaves main. No authorization is asked (the keychain is the user's session).
import type { KeychainIdentity } from '../../../preload/contract/schemas';
import { describeCertificate } from '../../signers';
import type { PersonalIdInfo, PersonalIdStore } from '../../signers';
import type { IdentityProvider } from '../signing/ports';

export function personalIdentity(info: PersonalIdInfo): KeychainIdentity {
  const description = describeCertificate(info.certificate);
  return {
    id: `personal-${info.id}`,
    kind: 'personal',
    name: info.name,
    email: info.email || null,
    issuer: description.issuer,
    serial: info.serial,
    notBefore: info.notBefore.toISOString(),
    notAfter: info.notAfter.toISOString(),
    fingerprint: info.id,
    holder: 'keychain',
    needsPassword: false,
    keyType: info.keyType,
  };
}

export function personalIdProvider(store: PersonalIdStore): IdentityProvider<KeychainIdentity> & { store: PersonalIdStore } {
  return {
    kind: 'personal',
    store,
    list: async () => (await store.list()).map(personalIdentity),
    open: async (identity) => store.signer(identity.fingerprint),
    /** Self-signed: its certificate is its whole chain. */
    certificates: async (identity) => {
      const info = (await store.list()).find((i) => i.id === identity.fingerprint);
      return info ? { certificate: info.certificate, chain: [] } : null;
    },
    remove: async (identity) => store.delete(identity.fingerprint),
  };
}
