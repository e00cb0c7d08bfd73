// Imported PKCS#12 files (.p12, .pfx): only the file's path and its certificate summary are
// remembered (settings.json). The password is asked of the Authorizer for each opening (the app
// answers with what the user typed for this signature; the CLI with --password-env or the
// terminal) and never kept.
import { basename } from 'node:path';
import type { FileIdentity, SavedP12Identity } from '../../../preload/contract/schemas';
import { AppError, msg } from '../../errors';
import { describeCertificate, openPkcs12Signer } from '../../signers';
import type { Signer } from '../../signers';
import type { SettingsService } from '../settings';
import type { Authorizer, IdentityProvider } from '../signing/ports';

export function p12Identity(saved: SavedP12Identity): FileIdentity {
  return {
    id: `p12-${saved.fingerprint}`,
    kind: 'p12',
    name: saved.subject,
    email: null,
    issuer: saved.issuer,
    serial: saved.serial,
    notBefore: saved.notBefore,
    notAfter: saved.notAfter,
    fingerprint: saved.fingerprint,
    holder: 'file',
    needsPassword: true,
    file: saved.path,
  };
}

/** Opens `file` with the password the authorizer gives; `password-required` when it gives none. */
export async function openP12File(file: string, authorizer: Authorizer): Promise<Signer> {
  const password = await authorizer.ask({ kind: 'password', file: basename(file), retry: false });
  if (password === null) throw new AppError('password-required', msg('error.app.password-required', { file: basename(file) }));
  return openPkcs12Signer(file, password);
}

export function pkcs12Provider(settings: SettingsService): IdentityProvider<FileIdentity> {
  return {
    kind: 'p12',
    list: async () => ((await settings.get()).identities ?? []).map(p12Identity),
    /** The file must still hold the certificate that was imported. */
    open: async (identity, authorizer) => {
      const { file } = identity;
      const signer = await openP12File(file, authorizer);
      if (describeCertificate(signer.certificate).fingerprintSha256 !== identity.fingerprint) {
        await signer.close();
        throw new AppError('identity-changed', msg('error.app.identity-changed', { file: basename(file) }));
      }
      return signer;
    },
    /** As read at the import (the file is encrypted with the password, which is not kept). */
    certificates: async (identity) => {
      const saved = ((await settings.get()).identities ?? []).find((i) => i.fingerprint === identity.fingerprint);
      const [certificate, ...chain] = (saved?.certificates ?? []).map((b64) => new Uint8Array(Buffer.from(b64, 'base64')));
      return certificate ? { certificate, chain } : null;
    },
    remove: async (identity) => {
      await settings.removeP12Identity(identity.fingerprint);
    },
  };
}
