// Remote signing accounts (CSC services): kept in settings (never a secret), signed in for one run.
// How each grant gets its access token:
//   client_credentials  the client secret from the environment variable the account names (a
//                       service account on a headless server: the variable's *name* is kept)
//   basic               CSC auth/login with the user and the password from its variable
//   code                the refresh token `paraphe remote login` (or the app) kept in the OS
//                       keychain; each rotated one replaces it there
// The OAuth endpoints are the ones the service's `info` advertises (info.oauth2), and only an auth
// type it advertises is used.
import { AppError, msg } from '../errors';
import { basicLogin, clientCredentials, CscClient, CscError, refreshTokens, revokeToken, TokenSession } from '../remote/csc';
import type { CscInfo, Tokens, TokenSource } from '../remote/csc';
import type { RemoteAccount } from '../../preload/contract/schemas/settings';
import { CscProvider } from './providers/csc';
import type { CscAccountAccess } from './providers/csc';
import type { SettingsService } from './settings';
import type { KeychainAccess } from '../signers';

/** Where refresh tokens are kept: the OS keychain (native/keychain), or a test's map. */
export interface SecretStore {
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  delete(account: string): Promise<boolean>;
}

export interface RemoteAccessOptions {
  env: Readonly<Record<string, string | undefined>>;
  secrets: SecretStore;
  /** PEM trust anchors added to Node's roots (tests: the local server's CA). */
  ca?: readonly string[];
}

/** The auth types of info.authType each grant needs (CSC 8.1). */
const AUTH_TYPE: Record<RemoteAccount['grant'], string> = { code: 'oauth2code', client_credentials: 'oauth2client', basic: 'basic' };

const noToken: TokenSource = { accessToken: async () => '', invalidate: () => undefined };

/** The service's info, read once per account and run. */
async function serviceInfo(account: RemoteAccount, ca: readonly string[] | undefined): Promise<CscInfo> {
  return new CscClient({ root: account.url, tokens: noToken, ...(ca ? { ca } : {}) }).info();
}

function secretFromEnv(account: RemoteAccount, variable: string | undefined, flag: string, env: RemoteAccessOptions['env']): string {
  if (!variable) throw new AppError('remote-secret-missing', msg('error.app.remote-secret-missing', { name: account.name, flag }));
  const value = env[variable];
  if (value === undefined || value === '') throw new AppError('remote-secret-missing', msg('error.app.remote-secret-env', { name: account.name, variable }));
  return value;
}

/** The access of one account for this run: a TokenSession that signs in on first use. */
export function accountAccess(account: RemoteAccount, options: RemoteAccessOptions): CscAccountAccess {
  const ca = options.ca;
  const transport = ca ? { ca } : {};
  let info: Promise<CscInfo> | null = null;
  const oauth2 = async (): Promise<string> => {
    info ??= serviceInfo(account, ca);
    const known = await info;
    if (!known.authType.includes(AUTH_TYPE[account.grant])) {
      throw new CscError('unsupported', 'info', account.url, { detail: `authType ${AUTH_TYPE[account.grant]}` });
    }
    return known.oauth2 ?? account.url;
  };
  const renew = async (current: Tokens | null): Promise<Tokens> => {
    switch (account.grant) {
      case 'client_credentials':
        return clientCredentials(await oauth2(), { clientId: account.clientId, clientSecret: secretFromEnv(account, account.clientSecretEnv, '--client-secret-env', options.env) }, transport);
      case 'basic':
        await oauth2();
        return basicLogin(account.url, account.user ?? '', secretFromEnv(account, account.passwordEnv, '--password-env', options.env), transport);
      case 'code': {
        const refresh = current?.refreshToken ?? (await options.secrets.get(account.name));
        if (!refresh) throw new AppError('remote-login-needed', msg('error.app.remote-login-needed', { name: account.name }));
        const clientSecret = account.clientSecretEnv ? options.env[account.clientSecretEnv] : undefined;
        return refreshTokens(await oauth2(), { refreshToken: refresh, clientId: account.clientId, ...(clientSecret ? { clientSecret } : {}) }, transport);
      }
    }
  };
  const keep = async (tokens: Tokens): Promise<void> => {
    // A rotated refresh token replaces the old one (which the service no longer accepts).
    if (account.grant === 'code' && tokens.refreshToken) await options.secrets.set(account.name, tokens.refreshToken);
  };
  return { account, tokens: new TokenSession(null, renew, keep), ...(ca ? { ca } : {}) };
}

/** Signs out: the kept refresh token is revoked at the service (when it still answers) and forgotten. */
export async function signOut(account: RemoteAccount, options: RemoteAccessOptions): Promise<boolean> {
  const refresh = await options.secrets.get(account.name);
  if (!refresh) return false;
  try {
    const info = await serviceInfo(account, options.ca);
    const clientSecret = account.clientSecretEnv ? options.env[account.clientSecretEnv] : undefined;
    await revokeToken(info.oauth2 ?? account.url, { token: refresh, hint: 'refresh_token', clientId: account.clientId, ...(clientSecret ? { clientSecret } : {}) }, options.ca ? { ca: options.ca } : {});
  } catch {
    // Unreachable or refused: the token is forgotten here all the same.
  }
  return options.secrets.delete(account.name);
}

/** Where refresh tokens of code-grant accounts are kept: the OS keychain, under this service name. */
export const REMOTE_KEYCHAIN_SERVICE = 'Paraphe remote signing';

/** The refresh tokens of the remote accounts, in the keychain the services use (keychainPort). */
export function keychainSecretStore(keychain: KeychainAccess): SecretStore {
  return {
    get: (account) => keychain.get(REMOTE_KEYCHAIN_SERVICE, account),
    set: (account, secret) => keychain.set(REMOTE_KEYCHAIN_SERVICE, account, secret),
    delete: (account) => keychain.delete(REMOTE_KEYCHAIN_SERVICE, account),
  };
}

/**
 * The CSC provider of the accounts in `settings` (as that service holds them: an account another
 * process added shows after the app starts again), signed in on first use.
 */
export function settingsCscProvider(settings: SettingsService, options: RemoteAccessOptions): CscProvider {
  return new CscProvider(async () => ((await settings.get()).remoteAccounts ?? []).map((account) => accountAccess(account, options)));
}
