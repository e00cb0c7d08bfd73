// Remote signing accounts in Settings → Accounts: what the renderer may ask to add, and how main
// lists them. No secret is ever listed; a secret typed in the add form goes to main once, which
// keeps it in the OS keychain.
import { z } from 'zod';
import { cscServiceRoot, DTM_ENVIRONMENTS, DTM_REGION_NAMES, REMOTE_GRANTS } from '../domain';
import { Secret } from './common';

export const RemoteAccountName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/);
const EnvName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/);

export const RemoteService = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('dtm'), environment: z.enum(DTM_ENVIRONMENTS), region: z.enum(DTM_REGION_NAMES) }).strict(),
  z
    .object({ kind: z.literal('csc'), url: z.string().max(2048) })
    .strict()
    .refine((s) => cscServiceRoot(s.url) !== null, { message: 'an https URL (http only to this computer), without user, password, query or fragment', path: ['url'] }),
]);

export const NewRemoteAccount = z
  .object({
    name: RemoteAccountName,
    service: RemoteService,
    clientId: z.string().trim().min(1).max(256),
    grant: z.enum(REMOTE_GRANTS),
    clientSecretEnv: EnvName.optional(),
    user: z.string().trim().min(1).max(256).optional(),
    passwordEnv: EnvName.optional(),
    /** The client secret (client_credentials) or the password (basic), typed by the user: kept in the keychain. */
    secret: Secret.optional(),
  })
  .strict()
  .refine((a) => a.grant !== 'client_credentials' || a.secret !== undefined || a.clientSecretEnv !== undefined, { message: 'a client secret is needed', path: ['secret'] })
  .refine((a) => a.grant !== 'basic' || (a.user !== undefined && (a.secret !== undefined || a.passwordEnv !== undefined)), { message: 'a user and a password are needed', path: ['user'] });

export const RemoteAccountView = z
  .object({
    name: z.string(),
    url: z.string(),
    grant: z.enum(REMOTE_GRANTS),
    clientId: z.string(),
    dtm: z.object({ environment: z.enum(DTM_ENVIRONMENTS), region: z.string() }).nullable(),
    clientSecretEnv: z.string().nullable(),
    user: z.string().nullable(),
    passwordEnv: z.string().nullable(),
    secretKept: z.boolean(),
    signedIn: z.boolean().nullable(),
    addedAt: z.string(),
  })
  .strict();
export type RemoteAccountView = z.output<typeof RemoteAccountView>;
