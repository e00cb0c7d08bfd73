// The help texts of `paraphe` (English, like every stdout line) and the answers that need nothing
// else: `--help`, `-h`, `help [COMMAND]`, `COMMAND --help`, `--version`, `-V`. This file imports
// nothing: the build makes it a bundle of its own (dist/cli-usage.cjs) that main/bin/paraphe.cjs
// asks first, so these answers cost a bare Node start, not the whole command line's bundle.

/** Defined by the bundler from package.json (main/tools/build.mjs); undefined under tsx. */
declare const __PARAPHE_VERSION__: string | undefined;
export const VERSION: string | null = typeof __PARAPHE_VERSION__ === 'string' ? __PARAPHE_VERSION__ : null;

export const USAGE = `Usage: paraphe <command> [options]

Commands:
  info FILE.pdf... [--json]  describe PDF files: version, pages, encryption, signatures,
                             revisions, linearization, cross-reference kind
  sign FILE.pdf... ...       sign PDF files (PAdES B-B to B-LTA) with a PKCS#12 file or
                             the personal digital ID; see 'paraphe sign --help'
  verify FILE.pdf... ...     check the signatures of PDF files: intact, who signed, when,
                             trusted, revoked; see 'paraphe verify --help'
  tokens [--module PATH]...  list hardware tokens (PKCS#11) and their signing certificates;
                             see 'paraphe tokens --help'
  remote ACTION ...          remote signing accounts (CSC, DigiCert Document Trust Manager):
                             add, list, login, logout, credentials; see 'paraphe remote --help'
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
    --remote NAME [--credential ID]        a credential of a remote signing account (see
        [--pin-env VAR] [--otp-command CMD]  'paraphe remote'); its PIN from VAR, each one-time
                                           password from CMD, else both asked on the terminal
    [--level B-B|B-T|B-LT|B-LTA] [--tsa URL] [--hash sha256|sha384|sha512] [--chain FILE]...
    [--field NAME] [--visible PAGE,X1,Y1,X2,Y2] [--image FILE] [--reason T] [--location T]
    [--certify no-changes|form-filling|annotations] [--pdf-password-env VAR] [--json]

Signs each input with a PAdES signature (SubFilter ETSI.CAdES.detached) added as an
incremental update: earlier signatures stay valid, the input is never modified, and an output
appears whole or not at all (a temp file beside it is renamed at the end).
A damaged input without signatures (broken or missing cross-reference table, startxref pointing
nowhere, a file cut short, a broken object stream) is repaired first: a clean copy rebuilt from
its objects is signed, one line on stderr says so, and --json has "repaired": true and "damage":
{"code", "message"} ("repaired": false otherwise). A damaged input that carries signatures is
refused: repairing it would break them.

  -o OUT.pdf           the output, for one input (it must not be the input)
  --out-dir DIR        for several inputs: DIR/<input name> each (created if missing)
  --level              B-B (default): signature only; B-T: plus a signature timestamp from
                       --tsa; B-LT: plus certificates and OCSP/CRL data (DSS); B-LTA: plus a
                       document timestamp. If a level cannot be reached, nothing is written.
  --hash               digest algorithm (default sha256)
  --chain FILE         issuer certificates (PEM bundle, DER or .p7b) added to the signature, for
                       any identity; repeatable. When the chain still stops short of a root
                       certificate, a warning says so before signing (validators would find no
                       issuer): stderr, and "warnings": [{"code": "CHAIN_INCOMPLETE", ...}] in --json.
                       The issuer certificates imported in the app's settings ("Issuer
                       certificates"), the certificates trusted there and the system store's
                       intermediates complete the chain too, as when the app signs
  --field NAME         sign the empty signature field NAME, or create a field of that name
  --visible P,X1,Y1,X2,Y2  a visible signature on page P (from 1) in that rectangle (points,
                       from the bottom-left corner); invisible otherwise
  --image FILE         a PNG or JPEG drawn in the visible signature
  --certify MODE       a certification signature allowing no-changes, form-filling or
                       annotations afterwards
  --pdf-password-env VAR  the password of encrypted inputs (user or owner password) is in env
                       var VAR; without it, each input that needs one is asked on a terminal
                       (without echo), or refused without a terminal. The signed copy stays
                       encrypted as the input was (RC4, AES-128, AES-256; the signature's
                       /Contents in clear, as ISO 32000 requires). A wrong password, certificate
                       encryption, or permissions of the user password that forbid signing (the
                       owner password lifts them): that input is not signed, exit code 1
  --json               print results as JSON (one object for one input, an array for several)
  --pkcs11             sign with a token: the modules found in the usual places (SafeNet, OpenSC,
                       YubiKey, SoftHSM...) plus --module PATH; with one signing certificate the
                       choice is automatic, with several --token/--key choose (see 'paraphe
                       tokens'). The PIN comes from --pin-env VAR, else the terminal, else the
                       reader's PIN pad; it is asked once for the whole batch. If the token is
                       removed, the batch stops: signed files stay, no partial file is left.

Exit codes: 0 every input signed, 1 any input failed (each reported), 2 wrong arguments.
`;

const INFO_USAGE = `Usage: paraphe info FILE.pdf... [--pdf-password-env VAR] [--json]

Describes each PDF file: PDF version, number of pages, encryption, whether it is signed, its
signatures and document timestamps (with the revision each one covers), number of revisions
(the original and each incremental update), linearization, cross-reference kind.
Only the end of the file, its cross-reference data and a few objects are read.
A damaged file without signatures (startxref pointing nowhere, a broken or missing
cross-reference table, a file cut short, a broken object stream) is scanned whole and described
as its repaired copy, which is what 'paraphe sign' signs, with a "damaged:" line saying what is
wrong.

Options:
  --json       print JSON instead of text: one object for one file, an array (one element per
               file, in order) for several. Keys: file, size, pdfVersion, pageCount, encrypted,
               encryption, signed, signatureFields, signatureCount, docTimestampCount,
               revisionCount, linearized, xref, signatures, warnings, damaged ({"code",
               "message"} for a damaged file, else null). In an array, a file that
               cannot be read is {"file", "error": {"code", "message"}}.
  --pdf-password-env VAR  the password of encrypted files is in env var VAR (their pages and
               signatures are then read too; a wrong one is an error for that file)
  -h, --help   show this help

A file that cannot be read (missing, a directory, empty, not a PDF, damaged and already
signed, damaged beyond repair) is reported on stderr as "paraphe: <message>"; the others are still
described, and the exit code is 1.
`;

const VERIFY_USAGE = `Usage: paraphe verify FILE.pdf... [--trust CERT.pem]... [--no-system-trust] [--online]
    [--pdf-password-env VAR] [--json]

Checks every signature and document timestamp of each PDF: whether the signed content is
unchanged, whether the signature matches the certificate of its signer, who signed and when
(and whether a timestamp certifies the time), whether the certificate comes from a trusted
authority and was not cancelled (revoked), what changed after signing, and the PAdES level.

  --trust CERT.pem     also trust this certificate (PEM or DER; repeatable); the certificates
                       trusted in the app (signature panel) are trusted here too
  --no-system-trust    do not trust the root certificates Node ships (Mozilla's list)
  --online             fetch missing certificates and revocation data (OCSP, CRL) from the
                       network; otherwise only the data inside the document is used
  --pdf-password-env VAR  the password of encrypted files is in env var VAR (needed to read the
                       signatures of a file that does not open without one)
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

const REMOTE_USAGE = `Usage: paraphe remote add NAME (--csc-url URL | --dtm demo|production/REGION) --client-id ID
                          [--client-secret-env VAR] [--grant code|client_credentials|basic]
                          [--user U --password-env VAR]
       paraphe remote list [--json]
       paraphe remote login NAME            (code grant: opens the browser, waits for the redirect)
       paraphe remote logout NAME
       paraphe remote credentials NAME [--json]

Remote signing accounts: services speaking the Cloud Signature Consortium API (CSC v1.0.4.0),
such as DigiCert Document Trust Manager, kept in the same settings as the app's. Then sign with
'paraphe sign ... --remote NAME [--credential ID]'.

  --csc-url URL             the service root, before /csc/v1 (for DTM https://HOST/documentmanager)
  --dtm ENV[/REGION]        DigiCert Document Trust Manager: demo or production, in region us, ch,
                            nl or jp (demo alone: demo/us)
  --client-id ID            the OAuth client the service registered for you
  --client-secret-env VAR   the variable holding the client secret (read at each run; the secret
                            itself is never stored)
  --grant G                 code (default: sign in through the browser, the refresh token kept in
                            the OS keychain), client_credentials (a service account), or basic
                            (CSC auth/login with --user and the password in --password-env VAR)
  --json                    list and credentials: print JSON (credentials: id, description, status,
                            subject, authMode, scal, multisign, ...)

The browser of login is $BROWSER when set, else the system's. Exit codes: 0 done, 1 the service
or the keychain failed (the reason is printed), 2 wrong arguments.
`;

/** The help of each command ('paraphe help COMMAND', 'paraphe COMMAND --help'). */
export const COMMAND_USAGE: Readonly<Partial<Record<string, string>>> = { info: INFO_USAGE, sign: SIGN_USAGE, verify: VERIFY_USAGE, tokens: TOKENS_USAGE, remote: REMOTE_USAGE };

/** The commands that have a help text of their own. */
const TOPICS = ['info', 'sign', 'verify', 'tokens', 'remote'];

/**
 * What `paraphe ARGV` prints on stdout, exit code 0, when it is only help or the version; null for
 * anything else (which main/cli.ts parses, including every mistake, for its own error message).
 * Kept to shapes whose answer main/cli.ts gives the same way (test/unit/cli-launcher.test.ts).
 */
export function quickAnswer(argv: readonly string[], version: string): string | null {
  const [first, second] = argv;
  if (argv.length === 1 && (first === '--version' || first === '-V')) return `${version}\n`;
  if (argv.length === 1 && (first === '--help' || first === '-h' || first === 'help')) return USAGE;
  if (argv.length === 2 && first === 'help' && second !== undefined && (TOPICS.includes(second) || second === 'help')) return COMMAND_USAGE[second] ?? USAGE;
  if (argv.length === 2 && first !== undefined && TOPICS.includes(first) && (second === '--help' || second === '-h')) return COMMAND_USAGE[first] ?? null;
  return null;
}
