// The `paraphe` command line: the same code as the app, without Electron. Bundled by esbuild into
// dist/cli.cjs and started by main/bin/paraphe.cjs. `main` never throws and never exits: it
// prints and returns the exit code (0 ok, 1 a file could not be read, 2 usage error, 70 a bug).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError, extractLang, parseCommandLine } from './cli/args';
import { format } from '../preload/contract/messages';
import type { MessageLocale } from '../preload/contract/messages';
import { environmentLocale, environmentLocaleName } from './services/locale';
import { runInfo } from './cli/info';
import { askSecretOnTty, runSign } from './cli/sign';
import type { SignDeps } from './cli/sign';
import { runTokens } from './cli/tokens';
import { runVerify } from './cli/verify';
import { SettingsService } from './services/settings';
import { TokenService } from './services/tokens';
import { createServices } from './services';
import type { Dialogs, IdentityProvider, Services } from './services';
import { userDataDir } from './services/paths';
import type { Output } from './cli/info';

/** Defined by the bundler (main/tools/build.mjs); undefined when running the sources under tsx. */
declare const __PARAPHE_VERSION__: string | undefined;

const USAGE = `Usage: paraphe <command> [options]

Commands:
  info FILE.pdf... [--json]  describe PDF files: version, pages, encryption, signatures,
                             revisions, linearization, cross-reference kind
  sign FILE.pdf... ...       sign PDF files (PAdES B-B to B-LTA) with a PKCS#12 file or
                             the personal digital ID; see 'paraphe sign --help'
  verify FILE.pdf... ...     check the signatures of PDF files: intact, who signed, when,
                             trusted, revoked; see 'paraphe verify --help'
  tokens [--module PATH]...  list hardware tokens (PKCS#11) and their signing certificates;
                             see 'paraphe tokens --help'
  help [COMMAND]             show this help, or the help of one command

Options:
  -h, --help                 show this help
  -V, --version              print the version of paraphe
  --lang en|fr               the language of messages on stderr (any command; default: the
                             system locale, from LC_ALL, LC_MESSAGES or LANG); JSON output and
                             its messages stay in English

Exit codes: 0 success, 1 a file could not be read or signed, 2 wrong arguments,
70 an internal error (a bug: one line on stderr; PARAPHE_DEBUG=1 shows its stack).
`;

const SIGN_USAGE = `Usage: paraphe sign INPUT.pdf... (-o OUT.pdf | --out-dir DIR)
    --p12 FILE [--password-env VAR]        password read from env var VAR (prompt on a TTY otherwise)
    --self-signed                          the personal digital ID from the keychain
    --pkcs11 [--module PATH]... [--token LABEL] [--key ID_HEX|LABEL] [--pin-env VAR]
                                           a key on a hardware token (PIN asked once per batch)
    --identity ID [--secret-env VAR]       any identity the app lists, by its id (e.g. p12-<sha256>);
                                           a password, PIN or one-time password it needs comes
                                           from VAR, else the terminal
        [--otp-command CMD]                one-time passwords printed by CMD (run by the shell,
                                           once per authorization, PARAPHE_OTP_* in its env)
    [--level B-B|B-T|B-LT|B-LTA] [--tsa URL] [--hash sha256|sha384|sha512] [--chain FILE]...
    [--field NAME] [--visible PAGE,X1,Y1,X2,Y2] [--image FILE] [--reason T] [--location T]
    [--certify no-changes|form-filling|annotations] [--json]

Signs each input with a PAdES signature (SubFilter ETSI.CAdES.detached) added as an
incremental update: earlier signatures stay valid, the input is never modified, and an output
appears whole or not at all (a temp file beside it is renamed at the end).

  -o OUT.pdf           the output, for one input (it must not be the input)
  --out-dir DIR        for several inputs: DIR/<input name> each (created if missing)
  --level              B-B (default): signature only; B-T: plus a signature timestamp from
                       --tsa; B-LT: plus certificates and OCSP/CRL data (DSS); B-LTA: plus a
                       document timestamp. If a level cannot be reached, nothing is written.
  --hash               digest algorithm (default sha256)
  --chain FILE         issuer certificates (PEM bundle, DER or .p7b) added to the signature, for
                       any identity; repeatable. When the chain still stops short of a root
                       certificate, a warning says so before signing (validators would find no
                       issuer): stderr, and "warnings": [{"code": "CHAIN_INCOMPLETE", ...}] in --json
  --field NAME         sign the empty signature field NAME, or create a field of that name
  --visible P,X1,Y1,X2,Y2  a visible signature on page P (from 1) in that rectangle (points,
                       from the bottom-left corner); invisible otherwise
  --image FILE         a PNG or JPEG drawn in the visible signature
  --certify MODE       a certification signature allowing no-changes, form-filling or
                       annotations afterwards
  --json               print results as JSON (one object for one input, an array for several)
  --pkcs11             sign with a token: the modules found in the usual places (SafeNet, OpenSC,
                       YubiKey, SoftHSM...) plus --module PATH; with one signing certificate the
                       choice is automatic, with several --token/--key choose (see 'paraphe
                       tokens'). The PIN comes from --pin-env VAR, else the terminal, else the
                       reader's PIN pad; it is asked once for the whole batch. If the token is
                       removed, the batch stops: signed files stay, no partial file is left.

Exit codes: 0 every input signed, 1 any input failed (each reported), 2 wrong arguments.
`;

const INFO_USAGE = `Usage: paraphe info FILE.pdf... [--json]

Describes each PDF file: PDF version, number of pages, encryption, whether it is signed, its
signatures and document timestamps (with the revision each one covers), number of revisions
(the original and each incremental update), linearization, cross-reference kind.
Only the end of the file, its cross-reference data and a few objects are read.

Options:
  --json       print JSON instead of text: one object for one file, an array (one element per
               file, in order) for several. Keys: file, size, pdfVersion, pageCount, encrypted,
               encryption, signed, signatureFields, signatureCount, docTimestampCount,
               revisionCount, linearized, xref, signatures, warnings. In an array, a file that
               cannot be read is {"file", "error": {"code", "message"}}.
  -h, --help   show this help

A file that cannot be read (missing, a directory, empty, not a PDF, truncated, broken
cross-reference table) is reported on stderr as "paraphe: <message>"; the others are still
described, and the exit code is 1.
`;

const VERIFY_USAGE = `Usage: paraphe verify FILE.pdf... [--trust CERT.pem]... [--no-system-trust] [--online] [--json]

Checks every signature and document timestamp of each PDF: whether the signed content is
unchanged, whether the signature matches the certificate of its signer, who signed and when
(and whether a timestamp certifies the time), whether the certificate comes from a trusted
authority and was not cancelled (revoked), what changed after signing, and the PAdES level.

  --trust CERT.pem     also trust this certificate (PEM or DER; repeatable); the certificates
                       trusted in the app (signature panel) are trusted here too
  --no-system-trust    do not trust the root certificates Node ships (Mozilla's list)
  --online             fetch missing certificates and revocation data (OCSP, CRL) from the
                       network; otherwise only the data inside the document is used
  --json               one JSON object per file and line: file, verdict, signatures (field,
                       kind, signer, signedAt, timestamp, intact, signatureValid, trusted,
                       revocation, coversWholeFile, revision, modifications, level, status,
                       reasons)

Exit codes: 0 every signature is valid, 1 any signature is invalid or cannot be confirmed,
2 a file cannot be read or wrong arguments, 3 a file has no signature.
`;

const TOKENS_USAGE = `Usage: paraphe tokens [--module PATH]... [--json]

Lists the PKCS#11 modules (token drivers) found in the usual places or given with --module
(and those added in the app), the tokens they see (label, maker, model, serial, PIN state) and
the signing certificates on each token, with the key id to give to 'paraphe sign --key'.
No PIN is asked: certificates are public on tokens.

  --module PATH   also load this PKCS#11 library (repeatable)
  --json          print {"modules": [...], "tokens": [...]} instead of text

Exit codes: 0 listed, 1 a module given with --module cannot be loaded (the reason is printed;
the other modules are still listed), 2 wrong arguments.
`;

/** The help of each command ('paraphe help COMMAND', 'paraphe COMMAND --help'). */
const COMMAND_USAGE: Readonly<Partial<Record<string, string>>> = { info: INFO_USAGE, sign: SIGN_USAGE, verify: VERIFY_USAGE, tokens: TOKENS_USAGE };

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

/** The services of the app, as the app builds them (createServices), for one command. */
function cliServices(modules: readonly string[], extensions: CliExtensions): Services {
  return createServices({
    userDataDir: userDataDir(),
    dialogs: NO_DIALOGS,
    env: { appName: 'Paraphe', version: version(), platform: process.platform, systemLocale: environmentLocaleName(process.env) },
    appRoot: appRoot(),
    tokens: tokenService(modules),
    providers: extensions.providers,
  });
}

function signDeps(extensions: CliExtensions): SignDeps {
  return {
    root: appRoot(),
    env: process.env,
    askSecret: askSecretOnTty,
    services: (identity) => cliServices(identity.kind === 'pkcs11' ? identity.modules : [], extensions),
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
        return await runInfo(command.files, command.json, io);
      case 'sign':
        return await runSign(command, io, signDeps(extensions));
      case 'verify':
        // The certificates the user trusts in the app count here too (as --trust files would).
        return await runVerify(command, io, { userAnchors: await new SettingsService(userDataDir()).trustAnchors() });
      case 'tokens':
        return await runTokens(command, io, tokenService(command.modules));
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
