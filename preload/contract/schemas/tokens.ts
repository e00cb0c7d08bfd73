// Hardware tokens as the token picker shows them: the drivers (PKCS#11 modules), the tokens
// plugged in and their signing certificates. No PIN crosses here (main asks it: prompt:pin).
import { z } from 'zod';
import { CatalogMessage } from './common';
import { IdentityId } from './identities';

/** A signing certificate on a token, as the token picker shows it. */
export const TokenCertificateView = z
  .object({
    /** The identity to sign with; null when it cannot sign (see `unusable`). */
    identityId: IdentityId.nullable(),
    name: z.string(),
    issuer: z.string(),
    notAfter: z.string(),
    keyId: z.string(),
    /** Why it cannot sign, in English (logs, `paraphe tokens`). */
    unusable: z.string().nullable(),
    /** The same as a catalog message: what the token picker shows, in the interface language. */
    unusableMessage: CatalogMessage.nullable(),
  })
  .strict();

/** What the token picker shows: the token drivers (PKCS#11 modules), the tokens plugged in, their certificates. */
export const TokenList = z
  .object({
    modules: z.array(
      z.object({ path: z.string(), name: z.string(), source: z.enum(['known', 'user']), loaded: z.boolean(), error: z.string().nullable() }).strict(),
    ),
    tokens: z.array(
      z
        .object({
          label: z.string(),
          manufacturer: z.string(),
          model: z.string(),
          serial: z.string(),
          pinPad: z.boolean(),
          pinLocked: z.boolean(),
          pinCountLow: z.boolean(),
          finalTry: z.boolean(),
          certificates: z.array(TokenCertificateView),
          /** What the picker could not use on the token, in English (logs, `paraphe tokens`). */
          notes: z.array(z.string()),
          /** The same notes as catalog messages, in the same order: what the picker shows. */
          noteMessages: z.array(CatalogMessage),
        })
        .strict(),
    ),
  })
  .strict();

export type TokenList = z.output<typeof TokenList>;
