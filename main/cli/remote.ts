// `paraphe remote add|list|login|logout|credentials`: remote signing accounts (CSC services such as
// DigiCert Document Trust Manager), kept in the same settings file as the app's, never with a
// secret: a client secret or password is the *name* of the variable that holds it, read at each
// run; the code grant's refresh token goes to the OS keychain at `login` and leaves it (revoked
// at the service) at `logout`. `credentials` lists what an account can sign with, and why a
// credential cannot. Exit codes: 0 done, 1 the service or the keychain failed (said in words),
// 2 usage.
import type { RemoteCommand } from './args';
import type { Output } from './info';
import { isUserFacing, wordError } from '../errors';
import { format } from '../../preload/contract/messages';
import { KeychainError } from '../../native/keychain';
import { isDtmRegion } from '../remote/csc';
import { RemoteAccountService } from '../services/remote-accounts';
import type { SecretStore } from '../services/remote-accounts';
import type { SettingsService } from '../services/settings';

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

export async function runRemote(command: RemoteCommand, io: Output, deps: RemoteDeps): Promise<number> {
  const locale = io.locale ?? 'en';
  const accounts = new RemoteAccountService(deps.settings, {
    env: deps.env,
    secrets: deps.secrets,
    openBrowser: deps.openBrowser,
    ...(deps.ca ? { ca: deps.ca } : {}),
    ...(deps.loginTimeoutMs !== undefined ? { loginTimeoutMs: deps.loginTimeoutMs } : {}),
  });
  try {
    switch (command.action) {
      case 'add': {
        const service = command.url
          ? { kind: 'csc' as const, url: command.url }
          : command.dtm && isDtmRegion(command.dtm.region)
            ? { kind: 'dtm' as const, environment: command.dtm.environment, region: command.dtm.region }
            : null;
        if (service === null) throw new Error('internal: remote add without a service');
        const account = await accounts.add(
          {
            name: command.name,
            service,
            clientId: command.clientId,
            grant: command.grant,
            ...(command.clientSecretEnv ? { clientSecretEnv: command.clientSecretEnv } : {}),
            ...(command.user ? { user: command.user } : {}),
            ...(command.passwordEnv ? { passwordEnv: command.passwordEnv } : {}),
          },
          { replace: true },
        );
        const next = command.grant === 'code' ? `; sign in with: paraphe remote login ${command.name}` : '';
        io.out(`added remote signing account ${command.name} (${account.url}, ${command.grant})${next}\n`);
        return 0;
      }
      case 'list': {
        const rows = (await accounts.list()).map((a) => ({
          name: a.name,
          url: a.url,
          grant: a.grant,
          clientId: a.clientId,
          ...(a.dtm ? { dtm: `${a.dtm.environment}/${a.dtm.region}` } : {}),
          ...(a.clientSecretEnv ? { clientSecretEnv: a.clientSecretEnv } : {}),
          ...(a.user ? { user: a.user } : {}),
          ...(a.passwordEnv ? { passwordEnv: a.passwordEnv } : {}),
          ...(a.secretKept ? { secretKept: true } : {}),
          signedIn: a.signedIn,
        }));
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
        const account = await accounts.get(command.name);
        const done = await accounts.login(command.name, {
          onUrl: (url) => io.err(`${format(locale, 'cli.remote-login-browser', { name: account.name })}\n${url}\n`),
        });
        io.out(done === 'kept' ? `signed in to ${account.name}\n` : `signed in to ${account.name} (${account.grant}: nothing is kept, the secret is read from the environment at each run)\n`);
        return 0;
      }
      case 'logout': {
        const had = await accounts.logout(command.name);
        io.out(had ? `signed out of ${command.name} (its refresh token revoked and removed from the keychain)\n` : `${command.name} was not signed in\n`);
        return 0;
      }
      case 'credentials': {
        const account = await accounts.get(command.name);
        const views = await accounts.credentials(account.name);
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
