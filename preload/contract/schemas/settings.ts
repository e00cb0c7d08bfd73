// What main keeps in settings.json: the language, the recent list, the imported .p12 files, the
// certificates the user trusts and the token drivers the user added.
import { z } from 'zod';
import { LocalePreference } from './app';
import { RecentDocument } from './documents';
import { SavedP12Identity } from './identities';
import { TrustedCertificate } from './validation';
import { DTM_ENVIRONMENTS, REMOTE_GRANTS } from '../domain';
import { RemoteAccountName } from './remote';

/**
 * A remote signing account (a CSC service: DigiCert Document Trust Manager or another): where it
 * is and how Paraphe signs in. Never a secret: a client secret or password is the *name* of the
 * environment variable that holds it (read at each run), or lives in the OS keychain (a refresh
 * token after `paraphe remote login`).
 */
export const RemoteAccount = z
  .object({
    /** How the user names it (`--remote NAME`). */
    name: RemoteAccountName,
    /** The service root, before /csc/v1 (https, or http to the loopback). */
    url: z.string().url().max(2048),
    /** The DTM preset it was made from, when it was. */
    dtm: z.object({ environment: z.enum(DTM_ENVIRONMENTS), region: z.string().min(1).max(32) }).strict().optional(),
    clientId: z.string().min(1).max(256),
    grant: z.enum(REMOTE_GRANTS),
    /** The environment variable holding the OAuth client secret (client_credentials; code grant of a confidential client). */
    clientSecretEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/).optional(),
    /** auth/login with Basic: the user, and the variable holding the password. */
    user: z.string().min(1).max(256).optional(),
    passwordEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/).optional(),
    /** A secret typed in the app (client secret, password) is kept in the OS keychain, not here. */
    secretKept: z.literal(true).optional(),
    addedAt: z.string(),
  })
  .strict();
export type RemoteAccount = z.output<typeof RemoteAccount>;

export const Settings = z.object({
  locale: LocalePreference,
  recent: z.array(RecentDocument).max(50),
  /** Imported .p12/.pfx identities (absent until the first import). */
  identities: z.array(SavedP12Identity).max(50).optional(),
  /** Certificates the user trusts for verification, beside the system roots (absent until the first). */
  trustedCertificates: z.array(TrustedCertificate).max(200).optional(),
  /** PKCS#11 libraries the user added, beside the ones found in the usual places. */
  pkcs11Modules: z.array(z.string().min(1).max(4096)).max(20).optional(),
  /** Remote signing accounts (CSC), by name. */
  remoteAccounts: z.array(RemoteAccount).max(20).optional(),
});

export type Settings = z.output<typeof Settings>;
