// Remote signing accounts (CSC services): kept in settings (never a secret), signed in for one run.
// How each grant gets its access token:
//   client_credentials  the client secret from the environment variable the account names (a
//                       service account on a headless server: the variable's *name* is kept)
//   basic               CSC auth/login with the user and the password from its variable
//   code                the refresh token `paraphe remote login` (or the app) kept in the OS
//                       keychain; each rotated one replaces it there
// A secret typed in the app (a client secret, a password) is kept in the OS keychain too, under the
// account's name and `#secret` (a name never holds '#'), never in settings.
// The OAuth endpoints are the ones the service's `info` advertises (info.oauth2), and only an auth
// type it advertises is used.
import { randomBytes } from 'node:crypto';
import { cscServiceRoot } from '../../preload/contract/domain';
import { AppError, msg } from '../errors';
import { basicLogin, clientCredentials, CscClient, CscError, refreshTokens, revokeToken, TokenSession } from '../remote/csc';
import type { CscInfo, Tokens, TokenSource } from '../remote/csc';
import type { RemoteAccount } from '../../preload/contract/schemas/settings';
import type { RemoteAccountView } from '../../preload/contract/schemas/remote';
import { CscProvider } from './providers/csc';
import type { CscAccountAccess } from './providers/csc';
import type { SettingsService } from './settings';
import type { KeychainAccess } from '../signers';
import { KeychainError } from '../../native/keychain';
import { authorizationUrl, dtmServiceRoot, exchangeCode, loopbackRedirect, pkcePair } from '../remote/csc';
import type { DtmEnvironment, DtmRegion } from '../remote/csc';
import type { CscCredentialView } from './providers/csc';

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

/** Where the secret an account typed in the app is kept in the SecretStore. */
export function keptSecretKey(name: string): string {
  return `${name}#secret`;
}

/** The account's secret: from the variable it names, else the one kept in the keychain. */
async function secretOf(account: RemoteAccount, variable: string | undefined, flag: string, options: RemoteAccessOptions): Promise<string> {
  if (!variable) {
    const kept = account.secretKept ? await options.secrets.get(keptSecretKey(account.name)) : null;
    if (kept) return kept;
    throw new AppError('remote-secret-missing', msg('error.app.remote-secret-missing', { name: account.name, flag }));
  }
  const value = options.env[variable];
  if (value === undefined || value === '') throw new AppError('remote-secret-missing', msg('error.app.remote-secret-env', { name: account.name, variable }));
  return value;
}

/** A confidential client's secret for the code grant, when the account has one. */
async function optionalClientSecret(account: RemoteAccount, options: RemoteAccessOptions): Promise<string | undefined> {
  if (account.clientSecretEnv) return options.env[account.clientSecretEnv] || undefined;
  return account.secretKept ? ((await options.secrets.get(keptSecretKey(account.name))) ?? undefined) : undefined;
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
        return clientCredentials(await oauth2(), { clientId: account.clientId, clientSecret: await secretOf(account, account.clientSecretEnv, '--client-secret-env', options) }, transport);
      case 'basic':
        await oauth2();
        return basicLogin(account.url, account.user ?? '', await secretOf(account, account.passwordEnv, '--password-env', options), transport);
      case 'code': {
        const refresh = current?.refreshToken ?? (await options.secrets.get(account.name));
        if (!refresh) throw new AppError('remote-login-needed', msg('error.app.remote-login-needed', { name: account.name }));
        const clientSecret = await optionalClientSecret(account, options);
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
    const clientSecret = await optionalClientSecret(account, options);
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

/** A new account, as `paraphe remote add` or Settings → Accounts give it. */
export interface NewRemoteAccount {
  name: string;
  /** DigiCert Document Trust Manager in one environment and region, or any CSC service by its root. */
  service: { kind: 'dtm'; environment: DtmEnvironment; region: DtmRegion } | { kind: 'csc'; url: string };
  clientId: string;
  grant: RemoteAccount['grant'];
  clientSecretEnv?: string;
  user?: string;
  passwordEnv?: string;
  /** A client secret (client_credentials, a confidential code client) or password (basic) typed in the app: kept in the keychain. */
  secret?: string;
}

export interface RemoteAccountServiceOptions extends RemoteAccessOptions {
  /** Opens the system browser at `url` (the code grant's consent page). Absent: nobody can sign in with the code grant. */
  openBrowser?: (url: string) => Promise<void>;
  /** How long a sign-in waits for the browser's redirect (default 5 minutes). */
  loginTimeoutMs?: number;
}

const LOGIN_TIMEOUT_MS = 5 * 60_000;
const MAX_ACCOUNTS = 20;

/** A keychain failure, in words that name the account (the keychain's own error is the cause). */
function keychainFailure(name: string, error: unknown): unknown {
  if (!(error instanceof KeychainError)) return error;
  return new AppError('remote-keychain', msg('error.app.remote-keychain', { name, reason: error.code }), { cause: error });
}

/** What the browser's answer to a sign-in means, in words of the account (not of a signature). */
function loginFailure(name: string, error: unknown, timeoutMs: number): unknown {
  if (!(error instanceof CscError) || error.method !== 'oauth2/authorize') return error;
  if (error.kind === 'approval-timeout') return new AppError('remote-login-timeout', msg('error.app.remote-login-timeout', { name, minutes: Math.max(1, Math.round(timeoutMs / 60_000)) }), { cause: error });
  if (error.detail === 'cancelled') return new AppError('remote-login-cancelled', msg('error.app.remote-login-cancelled', { name }), { cause: error });
  return new AppError('remote-login-refused', msg('error.app.remote-login-refused', { name, detail: error.detail ?? 'refused' }), { cause: error });
}

/**
 * The remote signing accounts: add, list, sign in (the code grant through the system browser and
 * a loopback redirect), sign out, remove; the CLI's `remote` and Settings → Accounts call it.
 */
export class RemoteAccountService {
  private readonly logins = new Map<string, AbortController>();

  constructor(
    private readonly settings: SettingsService,
    private readonly options: RemoteAccountServiceOptions,
  ) {}

  private access(): RemoteAccessOptions {
    return { env: this.options.env, secrets: this.options.secrets, ...(this.options.ca ? { ca: this.options.ca } : {}) };
  }

  async accounts(): Promise<RemoteAccount[]> {
    return (await this.settings.get()).remoteAccounts ?? [];
  }

  /** The account `name`, or the error that says there is none. */
  async get(name: string): Promise<RemoteAccount> {
    const account = (await this.accounts()).find((a) => a.name === name);
    if (!account) throw new AppError('remote-account-unknown', msg('error.app.remote-account-unknown', { name }));
    return account;
  }

  async list(): Promise<RemoteAccountView[]> {
    const accounts = await this.accounts();
    return Promise.all(
      accounts.map(async (a) => ({
        name: a.name,
        url: a.url,
        grant: a.grant,
        clientId: a.clientId,
        dtm: a.dtm ?? null,
        clientSecretEnv: a.clientSecretEnv ?? null,
        user: a.user ?? null,
        passwordEnv: a.passwordEnv ?? null,
        secretKept: a.secretKept === true,
        // A keychain that does not answer: shown as not signed in (signing says why).
        signedIn: a.grant === 'code' ? (await this.options.secrets.get(a.name).catch(() => null)) !== null : null,
        addedAt: a.addedAt,
      })),
    );
  }

  /**
   * Adds an account (`replace`: the one of the same name is replaced, as `remote add` does; else
   * the name must be new). A secret typed in the app goes to the keychain; a service or client
   * that changed forgets the old sign-in.
   */
  async add(input: NewRemoteAccount, options: { replace: boolean }): Promise<RemoteAccount> {
    const accounts = await this.accounts();
    const previous = accounts.find((a) => a.name === input.name);
    if (previous && !options.replace) throw new AppError('remote-account-exists', msg('error.app.remote-account-exists', { name: input.name }));
    if (!previous && accounts.length >= MAX_ACCOUNTS) throw new AppError('remote-account-limit', msg('error.app.remote-account-limit', { max: MAX_ACCOUNTS }));
    const url = input.service.kind === 'dtm' ? dtmServiceRoot(input.service.environment, input.service.region) : input.service.url;
    const secret = input.secret !== undefined && input.secret !== '' ? input.secret : null;
    const account: RemoteAccount = {
      name: input.name,
      url,
      ...(input.service.kind === 'dtm' ? { dtm: { environment: input.service.environment, region: input.service.region } } : {}),
      clientId: input.clientId,
      grant: input.grant,
      ...(input.clientSecretEnv ? { clientSecretEnv: input.clientSecretEnv } : {}),
      ...(input.user ? { user: input.user } : {}),
      ...(input.passwordEnv ? { passwordEnv: input.passwordEnv } : {}),
      ...(secret !== null ? { secretKept: true as const } : {}),
      addedAt: new Date().toISOString(),
    };
    try {
      if (previous && (previous.url !== account.url || previous.clientId !== account.clientId || previous.grant !== account.grant)) {
        await signOut(previous, this.access());
      }
      if (secret !== null) await this.options.secrets.set(keptSecretKey(account.name), secret);
      else if (previous?.secretKept) await this.options.secrets.delete(keptSecretKey(account.name));
    } catch (error) {
      throw keychainFailure(account.name, error);
    }
    await this.settings.putRemoteAccount(account);
    return account;
  }

  /**
   * Signs in. Code grant: the service's consent page in the system browser (`onUrl` is told its
   * address, for when no browser opens), PKCE, the answer on a loopback listener; the refresh
   * token goes to the keychain. Other grants: checks that the secret signs in (nothing is kept).
   */
  async login(name: string, options: { onUrl?: (url: string) => void; signal?: AbortSignal } = {}): Promise<'kept' | 'checked'> {
    const account = await this.get(name);
    const access = this.access();
    if (account.grant !== 'code') {
      await accountAccess(account, access).tokens.accessToken();
      return 'checked';
    }
    const openBrowser = this.options.openBrowser;
    if (!openBrowser) throw new CscError('unsupported', 'oauth2/authorize', account.url, { detail: 'browser' });
    this.logins.get(name)?.abort();
    const cancel = new AbortController();
    this.logins.set(name, cancel);
    const signal = options.signal ? AbortSignal.any([options.signal, cancel.signal]) : cancel.signal;
    try {
      const info = await serviceInfo(account, this.options.ca);
      if (!info.authType.includes('oauth2code')) throw new CscError('unsupported', 'info', account.url, { detail: 'authType oauth2code' });
      const oauth2 = info.oauth2 ?? account.url;
      // The browser opens what the service named: only an https page (http to this computer).
      if (cscServiceRoot(oauth2) === null) throw new CscError('bad-answer', 'info', account.url, { detail: 'oauth2' });
      const { verifier, challenge } = pkcePair();
      const state = randomBytes(16).toString('base64url');
      const listener = await loopbackRedirect({ state, timeoutMs: this.options.loginTimeoutMs ?? LOGIN_TIMEOUT_MS, signal });
      const url = authorizationUrl({ oauth2, clientId: account.clientId, redirectUri: listener.redirectUri, scope: 'service', state, challenge });
      // Settled as an outcome at once: the browser may answer before openBrowser returns.
      const answered = listener.wait().then((redirect) => ({ ok: true as const, redirect }), (error: unknown) => ({ ok: false as const, error }));
      options.onUrl?.(url);
      await openBrowser(url).catch(() => undefined);
      const outcome = await answered;
      if (!outcome.ok) throw loginFailure(name, outcome.error, this.options.loginTimeoutMs ?? LOGIN_TIMEOUT_MS);
      const { code } = outcome.redirect;
      const clientSecret = await optionalClientSecret(account, access).catch((error: unknown) => Promise.reject(keychainFailure(name, error)));
      const transport = this.options.ca ? { ca: this.options.ca, signal } : { signal };
      const tokens = await exchangeCode(oauth2, { code, verifier, clientId: account.clientId, redirectUri: listener.redirectUri, ...(clientSecret ? { clientSecret } : {}) }, transport);
      if (!tokens.refreshToken) throw new AppError('remote-no-refresh-token', msg('error.app.remote-no-refresh-token', { name }));
      await this.options.secrets.set(name, tokens.refreshToken).catch((error: unknown) => Promise.reject(keychainFailure(name, error)));
      return 'kept';
    } finally {
      if (this.logins.get(name) === cancel) this.logins.delete(name);
    }
  }

  /** Stops a sign-in that waits on the browser; false when none does. */
  cancelLogin(name: string): boolean {
    const pending = this.logins.get(name);
    pending?.abort();
    return pending !== undefined;
  }

  /** Signs out (the refresh token revoked at the service and forgotten); false when it was not signed in. */
  async logout(name: string): Promise<boolean> {
    const account = await this.get(name);
    this.cancelLogin(name);
    try {
      return await signOut(account, this.access());
    } catch (error) {
      throw keychainFailure(name, error);
    }
  }

  /** Forgets the account: signed out, its kept secret deleted, removed from settings. */
  async remove(name: string): Promise<boolean> {
    const account = await this.get(name);
    await this.logout(name);
    if (account.secretKept) await this.options.secrets.delete(keptSecretKey(name)).catch((error: unknown) => Promise.reject(keychainFailure(name, error)));
    return this.settings.removeRemoteAccount(name);
  }

  /** What the account can sign with, and why a credential cannot. */
  async credentials(name: string): Promise<CscCredentialView[]> {
    const account = await this.get(name);
    return new CscProvider(async () => [accountAccess(account, this.access())]).credentials(account.name);
  }

  /** The CSC provider of every account (as settings hold them at each listing), signed in on first use. */
  provider(): CscProvider {
    return new CscProvider(async () => (await this.accounts()).map((account) => accountAccess(account, this.access())));
  }
}
