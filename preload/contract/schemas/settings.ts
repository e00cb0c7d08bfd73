// What main keeps in settings.json: the language, the recent list, the imported .p12 files, the
// certificates the user trusts and the token drivers the user added.
import { z } from 'zod';
import { LocalePreference } from './app';
import { RecentDocument } from './documents';
import { SavedP12Identity } from './identities';
import { TrustedCertificate } from './validation';

export const Settings = z.object({
  locale: LocalePreference,
  recent: z.array(RecentDocument).max(50),
  /** Imported .p12/.pfx identities (absent until the first import). */
  identities: z.array(SavedP12Identity).max(50).optional(),
  /** Certificates the user trusts for verification, beside the system roots (absent until the first). */
  trustedCertificates: z.array(TrustedCertificate).max(200).optional(),
  /** PKCS#11 libraries the user added, beside the ones found in the usual places. */
  pkcs11Modules: z.array(z.string().min(1).max(4096)).max(20).optional(),
});

export type Settings = z.output<typeof Settings>;
