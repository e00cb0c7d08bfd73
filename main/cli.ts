// The `paraphe` command line: the same code as the app, without Electron. Bundled by esbuild into
// dist/cli.cjs and started by main/bin/paraphe.cjs. `main` never throws and never exits: it
// prints and returns the exit code (0 ok, 1 a file could not be read, 2 usage error, 70 a bug).
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError, extractLang, parseCommandLine } from './cli/args';
import { COMMAND_USAGE, USAGE } from './cli/usage';
import { format } from '../preload/contract/messages';
import { msg } from './errors';
import type { MessageLocale } from '../preload/contract/messages';
import { environmentLocale, environmentLocaleName } from './services/locale';
import { runInfo } from './cli/info';
import { askSecretOnTty, runSign } from './cli/sign';
import type { SignDeps } from './cli/sign';
import { runTokens } from './cli/tokens';
import { runRemote } from './cli/remote';
import type { RemoteDeps } from './cli/remote';
import { keychainSecretStore } from './services/remote-accounts';
import { runVerify } from './cli/verify';
import { SettingsService } from './services/settings';
import { TokenService } from './services/tokens';
import { createServices } from './services';
import type { Dialogs, IdentityProvider, Services } from './services';
import { keychainPort, userDataDir } from './services/paths';
import type { Output } from './cli/info';

/** Defined by the bundler (main/tools/build.mjs); undefined when running the sources under tsx. */
declare const __PARAPHE_VERSION__: string | undefined;


/** Each start folder and its parents, up to (not including) the filesystem root. */
function* foldersUp(starts: readonly (string | undefined)[]): Generator<string> {
  for (const start of starts) {
    for (let dir = start ? resolve(start) : ''; dir && dir !== dirname(dir); dir = dirname(dir)) yield dir;
  }
}

/** The folder of this install (where package.json and assets/ are). */
function appRoot(): string {
  for (const dir of foldersUp([typeof __dirname === 'string' ? __dirname : undefined, process.argv[1], process.cwd()])) {
    if (existsSync(join(dir, 'assets', 'fonts')) && existsSync(join(dir, 'package.json'))) return dir;
  }
  return process.cwd();
}

/** The token service of one command: --module paths, then those added in the app's settings. */
function tokenService(modules: readonly string[]): TokenService {
  const given = modules.map((m) => resolve(m));
  return new TokenService({
    userModules: async () => [...given, ...((await new SettingsService(userDataDir()).get()).pkcs11Modules ?? [])],
  });
}

/** What a caller of `main` may add (tests): identity providers beyond the built-in ones. */
export interface CliExtensions {
  providers?: readonly IdentityProvider[];
  /** Where the system locale is read (LC_ALL, LC_MESSAGES, LANG); default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** No dialogs on a command line: every "choose a file" is answered "cancel"; confirmations are the flags. */
const NO_DIALOGS: Dialogs = {
  chooseDocument: async () => null,
  chooseCertificateFile: async () => null,
  chooseModuleFile: async () => null,
  chooseSavePath: async () => null,
};

/** The most a PARAPHE_REMOTE_CA file is read (a PEM bundle of a few CAs is a few KB). */
const MAX_REMOTE_CA_BYTES = 1024 * 1024;

/** PEM trust anchors for remote services beside Node's roots (PARAPHE_REMOTE_CA: a private CA, e.g. a test server's). */
function remoteCa(env: Readonly<Record<string, string | undefined>>): readonly string[] | undefined {
  const file = env.PARAPHE_REMOTE_CA;
  if (!file) return undefined;
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    throw new UsageError(msg('error.usage.remote-ca', { file, why: 'unreadable', max: MAX_REMOTE_CA_BYTES / 1024 }));
  }
  try {
    const buffer = Buffer.alloc(MAX_REMOTE_CA_BYTES + 1);
    const read = readSync(fd, buffer, 0, buffer.length, 0);
    if (read > MAX_REMOTE_CA_BYTES) throw new UsageError(msg('error.usage.remote-ca', { file, why: 'large', max: MAX_REMOTE_CA_BYTES / 1024 }));
    return [buffer.subarray(0, read).toString('utf8')];
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(msg('error.usage.remote-ca', { file, why: 'unreadable', max: MAX_REMOTE_CA_BYTES / 1024 }));
  } finally {
    closeSync(fd);
  }
}

/** What the remote accounts of the settings need for this run: the environment, a private CA if given. */
function remoteAccess(env: Readonly<Record<string, string | undefined>>): { env: Readonly<Record<string, string | undefined>>; ca?: readonly string[] } {
  const ca = remoteCa(env);
  return { env, ...(ca ? { ca } : {}) };
}

/** Opens the system browser (or $BROWSER, as other tools honour it) at `url`. */
async function openBrowser(url: string): Promise<void> {
  const { spawn } = process.getBuiltinModule('node:child_process');
  const browser = process.env.BROWSER;
  const [command, args] = browser
    ? [browser, [url]]
    : process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['rundll32', ['url.dll,FileProtocolHandler', url]] : ['xdg-open', [url]];
  await new Promise<void>((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: 'ignore', detached: process.platform !== 'win32' });
    child.once('error', reject);
    child.once('spawn', () => {
      child.unref();
      resolvePromise();
    });
  });
}

function remoteDeps(): RemoteDeps {
  const ca = remoteCa(process.env);
  return { settings: new SettingsService(userDataDir()), env: process.env, secrets: keychainSecretStore(keychainPort()), openBrowser, ...(ca ? { ca } : {}) };
}

/** The services of the app, as the app builds them (createServices), for one command. */
function cliServices(modules: readonly string[], extensions: CliExtensions, remote = false): Services {
  return createServices({
    userDataDir: userDataDir(),
    dialogs: NO_DIALOGS,
    env: { appName: 'Paraphe', version: version(), platform: process.platform, systemLocale: environmentLocaleName(process.env) },
    appRoot: appRoot(),
    tokens: tokenService(modules),
    providers: extensions.providers,
    ...(remote ? { remote: remoteAccess(process.env) } : {}),
  });
}

function signDeps(extensions: CliExtensions): SignDeps {
  return {
    root: appRoot(),
    env: process.env,
    askSecret: askSecretOnTty,
    services: (identity) => cliServices(identity.kind === 'pkcs11' ? identity.modules : [], extensions, identity.kind === 'remote'),
  };
}

function version(): string {
  if (typeof __PARAPHE_VERSION__ === 'string') return __PARAPHE_VERSION__;
  // Running from sources (tsx): the package.json of the checkout this file belongs to.
  for (const dir of foldersUp([process.argv[1], process.cwd()])) {
    const candidate = join(dir, 'package.json');
    if (!existsSync(candidate)) continue;
    try {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'paraphe' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // Not readable JSON: keep looking further up.
    }
  }
  return 'unknown';
}

/** The password of encrypted files, from the variable --pdf-password-env names (info, verify). */
function pdfPassword(variable: string | null, command: string): string | undefined {
  if (variable === null) return undefined;
  const value = process.env[variable];
  if (value === undefined) throw new UsageError(msg('error.usage.env-not-set', { variable, flag: '--pdf-password-env' }), command);
  return value;
}

const stdio: Output = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

let pipeGuard = false;

export async function main(argv: string[], output: Output = stdio, extensions: CliExtensions = {}): Promise<number> {
  const env = extensions.env ?? process.env;
  if (output === stdio && !pipeGuard) {
    // `paraphe info *.pdf | head`: a closed pipe ends the output quietly, not with a stack trace.
    pipeGuard = true;
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(0);
    });
  }
  // Messages on stderr follow --lang, else the system locale (LC_ALL, LC_MESSAGES, LANG).
  let locale: MessageLocale = output.locale ?? environmentLocale(env);
  let io: Output = { out: output.out, err: output.err, locale };
  try {
    const { lang, rest } = extractLang(argv);
    if (lang !== null) {
      locale = lang;
      io = { ...io, locale };
    }
    const command = parseCommandLine(rest);
    switch (command.kind) {
      case 'help':
        io.out((command.topic === null ? undefined : COMMAND_USAGE[command.topic]) ?? USAGE);
        return 0;
      case 'version':
        io.out(`${version()}\n`);
        return 0;
      case 'info':
        return await runInfo(command.files, command.json, io, { password: pdfPassword(command.pdfPasswordEnv, 'info') });
      case 'sign':
        return await runSign(command, io, signDeps(extensions));
      case 'verify':
        // The certificates the user trusts in the app count here too (as --trust files would).
        return await runVerify(command, io, { userAnchors: await new SettingsService(userDataDir()).trustAnchors(), password: pdfPassword(command.pdfPasswordEnv, 'verify') });
      case 'tokens':
        return await runTokens(command, io, tokenService(command.modules));
      case 'remote':
        return await runRemote(command, io, remoteDeps());
    }
  } catch (error) {
    if (error instanceof UsageError) {
      const help = `paraphe ${error.command ? `${error.command} ` : ''}--help`;
      io.err(`paraphe: ${format(locale, 'cli.see-help', { message: error.wordedIn(locale), help })}\n`);
      return 2;
    }
    // A bug: one line, no stack trace (PARAPHE_DEBUG=1 shows it). main/bin/paraphe.cjs says the
    // same (and exits 70) if main itself rejects or never settles.
    const message = error instanceof Error ? error.message : String(error);
    io.err(`paraphe: ${format(locale, 'cli.internal-error', { detail: message.replace(/\s*[\r\n]+\s*/g, ' ') })}\n`);
    if (process.env.PARAPHE_DEBUG) io.err(`${error instanceof Error ? error.stack : ''}\n`);
    return 70;
  }
}
