// `paraphe remote add|list|login|logout|credentials`: remote signing accounts (CSC services such as
// DigiCert Document Trust Manager), kept in the same settings file as the app's, never with a
// secret: a client secret or password is the *name* of the variable that holds it, read at each
// run; the code grant's refresh token goes to the OS keychain at `login` and leaves it (revoked
// at the service) at `logout`. `credentials` lists what an account can sign with, and why a
// credential cannot. Exit codes: 0 done, 1 the service or the keychain failed (said in words),
// 2 usage.
import { randomBytes } from 'node:crypto';
import type { RemoteCommand } from './args';
import type { Output } from './info';
import { AppError, isUserFacing, msg, wordError } from '../errors';
import { format } from '../../preload/contract/messages';
import { KeychainError } from '../../native/keychain';
import { authorizationUrl, CscClient, dtmServiceRoot, exchangeCode, isDtmRegion, loopbackRedirect, pkcePair } from '../remote/csc';
import { CscProvider } from '../services/providers/csc';
import { accountAccess, signOut } from '../services/remote-accounts';
import type { SecretStore } from '../services/remote-accounts';
import type { SettingsService } from '../services/settings';
import type { RemoteAccount } from '../../preload/contract/schemas/settings';

export interface RemoteDeps {
  settings: SettingsService;
  env: Readonly<Record<string, string | undefined>>;
  /** The OS keychain (refresh tokens of code-grant accounts). */
  secrets: SecretStore;
  /** Opens the system browser at `url` (the code grant's consent page). */
  openBrowser: (url: string) => Promise<void>;
  /** PEM trust anchors added to Node's roots (tests: the local server's CA). */
  ca?: readonly string[];
  /** How long `login` waits for the browser's redirect. */
  loginTimeoutMs?: number;
}

const LOGIN_TIMEOUT_MS = 5 * 60_000;

/** The account `name` of the settings, or the error that says there is none. */
async function existing(deps: RemoteDeps, name: string): Promise<RemoteAccount> {
  const account = ((await deps.settings.get()).remoteAccounts ?? []).find((a) => a.name === name);
  if (!account) throw new AppError('remote-account-unknown', msg('error.app.remote-account-unknown', { name }));
  return account;
}

export async function runRemote(command: RemoteCommand, io: Output, deps: RemoteDeps): Promise<number> {
  const locale = io.locale ?? 'en';
  try {
    switch (command.action) {
      case 'add': {
        const url = command.url ?? (command.dtm && isDtmRegion(command.dtm.region) ? dtmServiceRoot(command.dtm.environment, command.dtm.region) : null);
        if (url === null) throw new Error('internal: remote add without a service');
        const account: RemoteAccount = {
          name: command.name,
          url,
          ...(command.dtm ? { dtm: command.dtm } : {}),
          clientId: command.clientId,
          grant: command.grant,
          ...(command.clientSecretEnv ? { clientSecretEnv: command.clientSecretEnv } : {}),
          ...(command.user ? { user: command.user } : {}),
          ...(command.passwordEnv ? { passwordEnv: command.passwordEnv } : {}),
          addedAt: new Date().toISOString(),
        };
        await deps.settings.putRemoteAccount(account);
        const next = command.grant === 'code' ? `; sign in with: paraphe remote login ${command.name}` : '';
        io.out(`added remote signing account ${command.name} (${url}, ${command.grant})${next}\n`);
        return 0;
      }
      case 'list': {
        const accounts = (await deps.settings.get()).remoteAccounts ?? [];
        const rows = await Promise.all(
          accounts.map(async (a) => ({
            name: a.name,
            url: a.url,
            grant: a.grant,
            clientId: a.clientId,
            ...(a.dtm ? { dtm: `${a.dtm.environment}/${a.dtm.region}` } : {}),
            ...(a.clientSecretEnv ? { clientSecretEnv: a.clientSecretEnv } : {}),
            ...(a.user ? { user: a.user } : {}),
            ...(a.passwordEnv ? { passwordEnv: a.passwordEnv } : {}),
            signedIn: a.grant === 'code' ? (await deps.secrets.get(a.name).catch(() => null)) !== null : null,
          })),
        );
        if (command.json) {
          io.out(`${JSON.stringify(rows, null, 2)}\n`);
          return 0;
        }
        if (rows.length === 0) io.out('No remote signing account. Add one with: paraphe remote add NAME (--csc-url URL | --dtm demo|production/REGION) --client-id ID\n');
        for (const r of rows) {
          const how = r.grant === 'code' ? (r.signedIn ? 'signed in' : 'not signed in: paraphe remote login') : r.grant === 'basic' ? `user ${r.user ?? ''}, password from $${r.passwordEnv ?? ''}` : `client secret from $${r.clientSecretEnv ?? ''}`;
          io.out(`${r.name}  ${r.url}  (${r.grant}, client ${r.clientId}; ${how})\n`);
        }
        return 0;
      }
      case 'login': {
        const account = await existing(deps, command.name);
        if (account.grant !== 'code') {
          // Nothing to keep: checks that the secret the account names signs in.
          await accountAccess(account, { env: deps.env, secrets: deps.secrets, ...(deps.ca ? { ca: deps.ca } : {}) }).tokens.accessToken();
          io.out(`signed in to ${account.name} (${account.grant}: nothing is kept, the secret is read from the environment at each run)\n`);
          return 0;
        }
        const info = await new CscClient({ root: account.url, tokens: { accessToken: async () => '', invalidate: () => undefined }, ...(deps.ca ? { ca: deps.ca } : {}) }).info();
        const oauth2 = info.oauth2 ?? account.url;
        const { verifier, challenge } = pkcePair();
        const state = randomBytes(16).toString('base64url');
        const listener = await loopbackRedirect({ state, timeoutMs: deps.loginTimeoutMs ?? LOGIN_TIMEOUT_MS });
        const url = authorizationUrl({ oauth2, clientId: account.clientId, redirectUri: listener.redirectUri, scope: 'service', state, challenge });
        const answered = listener.wait();
        io.err(`${format(locale, 'cli.remote-login-browser', { name: account.name })}\n${url}\n`);
        await deps.openBrowser(url).catch(() => undefined);
        const { code } = await answered;
        const clientSecret = account.clientSecretEnv ? deps.env[account.clientSecretEnv] : undefined;
        const tokens = await exchangeCode(oauth2, { code, verifier, clientId: account.clientId, redirectUri: listener.redirectUri, ...(clientSecret ? { clientSecret } : {}) }, deps.ca ? { ca: deps.ca } : {});
        if (!tokens.refreshToken) throw new AppError('remote-no-refresh-token', msg('error.app.remote-no-refresh-token', { name: account.name }));
        await deps.secrets.set(account.name, tokens.refreshToken);
        io.out(`signed in to ${account.name}\n`);
        return 0;
      }
      case 'logout': {
        const account = await existing(deps, command.name);
        const had = await signOut(account, { env: deps.env, secrets: deps.secrets, ...(deps.ca ? { ca: deps.ca } : {}) });
        io.out(had ? `signed out of ${account.name} (its refresh token revoked and removed from the keychain)\n` : `${account.name} was not signed in\n`);
        return 0;
      }
      case 'credentials': {
        const account = await existing(deps, command.name);
        const provider = new CscProvider(async () => [accountAccess(account, { env: deps.env, secrets: deps.secrets, ...(deps.ca ? { ca: deps.ca } : {}) })]);
        const views = await provider.credentials(account.name);
        if (command.json) {
          io.out(`${JSON.stringify(views, null, 2)}\n`);
          return 0;
        }
        if (views.length === 0) io.out(`${account.name} has no credential\n`);
        for (const c of views) {
          const auth = c.authMode === 'explicit' ? [c.pin ? 'PIN' : null, c.otp ? `${c.otp} OTP` : null].filter(Boolean).join(' + ') || 'explicit' : c.authMode === 'implicit' ? 'approval on the phone' : 'browser consent';
          const state = c.status === 'usable' ? 'can sign' : `cannot sign: ${c.status}`;
          io.out(`${c.id}  ${c.subject ?? c.description}${c.notAfter ? `, expires ${c.notAfter.slice(0, 10)}` : ''} — ${state}; ${auth}; SCAL ${c.scal}, up to ${c.multisign} per authorization\n`);
        }
        return 0;
      }
    }
  } catch (error) {
    if (error instanceof KeychainError) {
      const name = 'name' in command ? command.name : '';
      io.err(`paraphe: ${format(locale, 'error.app.remote-keychain', { name, reason: error.code })}\n`);
      return 1;
    }
    if (!isUserFacing(error)) throw error;
    io.err(`paraphe: ${wordError(locale, error)}\n`);
    return 1;
  }
}
