// `paraphe sign`: the same services and signing session as the app (identity providers opened
// with a terminal Authorizer), for scripts and batches. One identity (one
// password entry) for every input; a line per file as it is done; exit 0 when every input was
// signed, 1 when any failed (each failure reported, nothing partial written), 2 for usage errors.
// An encrypted input is signed with its password (--pdf-password-env VAR, else asked on the
// terminal) and stays encrypted; without either it is refused, saying how to give it.
import { mkdir, open, readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { AppError, isUserFacing, messageOf, msg } from '../errors';
import { MAX_BUNDLE_BYTES, readCertificateBundle } from '../cms';
import { fileSource, isPdfError, openPdf } from '../pdf';
import type { Services } from '../services';
import { openP12File } from '../services/providers/pkcs12';
import { openTokenSigner } from '../services/providers/pkcs11';
import { CscProvider } from '../services/providers/csc';
import { SigningSession, signingWarnings, withIssuers } from '../services/signing';
import type { BatchOutcome } from '../services/signing';
import type { Signer } from '../signers/signer';
import type { SignCommand } from './args';
import { UsageError } from './args';
import { terminalAuthorizer } from './authorizer';
import type { Output } from './info';
import { format, formatMessage, withCause } from '../../preload/contract/messages';
import type { Message, MessageLocale } from '../../preload/contract/messages';

export interface SignDeps {
  /** The folder holding assets/ (fonts for visible signatures). */
  root: string;
  env: NodeJS.ProcessEnv;
  /** Asks for a secret on the terminal without echo; null when there is no terminal. */
  askSecret: (prompt: string) => Promise<string | null>;
  /** Whether askSecret can ask anyone (stdin is a terminal by default): else no input is pre-opened to see if it needs a password. */
  interactive?: boolean;
  /** The services of the app, built for this command (the token drivers of --module included). */
  services: (identity: SignCommand['identity']) => Services;
}

interface FileOutcome {
  input: string;
  ok: boolean;
  output?: string;
  field?: string;
  level?: string;
  signedAt?: string;
  timestampedAt?: string | null;
  error?: Failure;
  /** Said once before signing, repeated on each signed document (e.g. CHAIN_INCOMPLETE). */
  warnings?: Failure[];
  /** A signed document was damaged: its repaired copy was signed (stderr says so in one line). */
  repaired?: boolean;
  /** What was damaged, when repaired. */
  damage?: Failure;
}

interface Failure {
  code: string;
  /** English, for --json (scripts read it). */
  message: string;
}

/** How each failure is said on stderr, in the command's language (not part of the --json output). */
const wording = new WeakMap<Failure, Message>();

function failureOf(code: string, message: Message): Failure {
  const said: Failure = { code, message: formatMessage('en', message) };
  wording.set(said, message);
  return said;
}

function describe(error: unknown): Failure {
  // The pipeline says an encrypted input needs its password; here is how to give it.
  if (isPdfError(error, 'needs-password')) return failureOf(error.code, msg('error.app.pdf-password-missing', { file: String(error.params.name ?? '') }));
  if (isUserFacing(error)) return failureOf(error.code, messageOf(error));
  if (error instanceof UsageError) return failureOf('usage', error.text ?? messageOf(error));
  return failureOf('internal', msg('cli.internal-error', { detail: error instanceof Error ? error.message : String(error) }));
}

function say(locale: MessageLocale, said: Failure): string {
  const message = wording.get(said);
  return message === undefined ? said.message : formatMessage(locale, message);
}

/** A document not signed because an earlier failure stopped the batch (a token unplugged, say). */
function stopped(by: Failure): Failure {
  return failureOf('batch-stopped', msg('cli.batch-stopped', withCause({}, wording.get(by) ?? msg('error.app.detail', { detail: by.message }))));
}

/** What one authorization covers, as the backend says; one per call when it says nothing sensible. */
function batchSize(max: number): number {
  return Number.isSafeInteger(max) && max >= 1 ? max : 1;
}

/** The identity the command names, opened through the same providers as the app, with a terminal Authorizer. */
async function openSigner(command: SignCommand, deps: SignDeps, services: Services, io: Output): Promise<Signer> {
  const { identity } = command;
  const secretEnv = identity.kind === 'p12' ? identity.passwordEnv : identity.kind === 'pkcs11' || identity.kind === 'remote' ? identity.pinEnv : identity.kind === 'id' ? identity.secretEnv : null;
  const secretFlag = identity.kind === 'p12' ? '--password-env' : identity.kind === 'pkcs11' || identity.kind === 'remote' ? '--pin-env' : '--secret-env';
  if (secretEnv !== null && deps.env[secretEnv] === undefined) throw new UsageError(msg('error.usage.env-not-set', { variable: secretEnv, flag: secretFlag }), 'sign');
  const otpCommand = identity.kind === 'id' || identity.kind === 'remote' ? identity.otpCommand : null;
  const authorizer = terminalAuthorizer({ env: deps.env, secretEnv, secretFlag, askSecret: deps.askSecret, io, otpCommand });
  switch (identity.kind) {
    case 'self-signed': {
      // Only the personal ID's provider: no token driver is loaded for a key in the keychain.
      const personal = services.identities.registry.provider('personal');
      const [first] = personal ? await personal.list() : [];
      if (!personal || !first) throw new AppError('no-personal-id', msg('error.app.no-personal-id'));
      return personal.open(first, authorizer);
    }
    case 'p12':
      return openP12File(identity.file, authorizer);
    case 'pkcs11':
      return openTokenSigner(services.tokens, { token: identity.token, key: identity.key }, authorizer);
    case 'id':
      return services.identities.openSigner(identity.id, authorizer);
    case 'remote': {
      const provider = cscProviderOf(services);
      return provider.open(await provider.find(identity.account, identity.credential ?? undefined), authorizer);
    }
  }
}

/** The CSC provider the services of a --remote command register (createServices `remote`). */
function cscProviderOf(services: Services): CscProvider {
  const provider = services.identities.registry.provider('csc');
  if (!(provider instanceof CscProvider)) throw new Error('internal: no CSC provider for --remote');
  return provider;
}

/**
 * The first `limit` bytes of `file`: one more than a bundle may have is enough to refuse it, and
 * a huge file (or a device such as /dev/zero) is never read whole.
 */
async function readAtMost(file: string, limit: number): Promise<Uint8Array> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(limit);
    let filled = 0;
    while (filled < limit) {
      const { bytesRead } = await handle.read(buffer, filled, limit - filled, null);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return buffer.subarray(0, filled);
  } finally {
    await handle.close();
  }
}

/** The certificates of each --chain file, in order. */
async function readIssuers(files: readonly string[]): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (const file of files) {
    let bytes: Uint8Array;
    try {
      bytes = await readAtMost(file, MAX_BUNDLE_BYTES + 1);
    } catch (error) {
      throw new AppError('chain-file-unreadable', msg('error.app.chain-file-unreadable', { file, code: (error as NodeJS.ErrnoException).code ?? 'error' }));
    }
    out.push(...readCertificateBundle(bytes, basename(file)));
  }
  return out;
}

/**
 * The password of each input: --pdf-password-env's for all (an input that is not encrypted ignores
 * it); else, on a terminal, asked for each input that needs one, up to 3 times, a password typed
 * for an earlier input tried first; else none (the pipeline refuses such an input, and describe()
 * says how to give its password). Before any identity is opened: a document that cannot be opened
 * costs no PIN. The passwords live until the batch is signed, nowhere but in memory.
 */
async function documentPasswords(command: SignCommand, deps: SignDeps, io: Output): Promise<(string | undefined)[]> {
  const variable = command.pdfPasswordEnv;
  if (variable !== null) {
    const value = deps.env[variable];
    if (value === undefined) throw new UsageError(msg('error.usage.env-not-set', { variable, flag: '--pdf-password-env' }), 'sign');
    return command.inputs.map(() => value);
  }
  // Nobody to ask: no input is opened twice (a batch of 200 would pay for it); one that needs a
  // password is refused by the pipeline, saying how to give it.
  if (!(deps.interactive ?? process.stdin.isTTY === true)) return command.inputs.map(() => undefined);
  const typed: string[] = [];
  const out: (string | undefined)[] = [];
  for (const input of command.inputs) out.push(await askDocumentPassword(input, typed, deps, io));
  return out;
}

/** Asks the password of `input` on the terminal if it needs one; undefined when it needs none or none was typed. */
async function askDocumentPassword(input: string, typed: string[], deps: SignDeps, io: Output): Promise<string | undefined> {
  const locale = io.locale ?? 'en';
  let source;
  try {
    source = await fileSource(input);
  } catch {
    return undefined; // the pipeline says why it cannot be read
  }
  try {
    // true: it opens (or fails otherwise: the pipeline will say how); false: the password is wrong.
    const opens = (password: string | undefined) => openPdf(source, { password }).then(
      (reader) => reader.canDecrypt || password !== undefined,
      (error: unknown) => !isPdfError(error, 'bad-password'),
    );
    const reader = await openPdf(source).catch(() => null);
    if (!reader || reader.canDecrypt || reader.encryption?.filter !== 'Standard') return undefined;
    for (const password of typed) if (await opens(password)) return password;
    let answer: string | null = null;
    for (let attempt = 0; attempt < 3; attempt++) {
      answer = await deps.askSecret(format(locale, 'cli.pdf-password-prompt', { file: basename(input) }));
      if (answer === null) return undefined;
      if (await opens(answer)) {
        typed.push(answer);
        return answer;
      }
      io.err(`paraphe: ${format(locale, 'error.pdf.bad-password', { name: basename(input) })}\n`);
    }
    return answer ?? undefined; // still wrong: the pipeline refuses it (bad-password)
  } finally {
    await source.close();
  }
}

/** Where each input goes; two inputs may not land on the same output. */
async function outputsFor(command: SignCommand): Promise<string[]> {
  if ('file' in command.output) return [resolve(command.output.file)];
  const dir = resolve(command.output.dir);
  const outputs = command.inputs.map((input) => join(dir, basename(input)));
  const seen = new Map<string, string>();
  for (const [i, output] of outputs.entries()) {
    const other = seen.get(output);
    if (other !== undefined) throw new UsageError(msg('error.usage.same-output', { first: other, second: command.inputs[i] ?? '', output }), 'sign');
    seen.set(output, command.inputs[i] ?? '');
  }
  await mkdir(dir, { recursive: true });
  return outputs;
}

/** Documents signed at once in a batch: file I/O of one overlaps the hashing and signing of others. */
const IN_FLIGHT = 4;

/** Failures after which signing the next documents cannot work: the batch stops there. */
const BATCH_STOPPERS = new Set(['token-removed', 'pin-locked', 'not-logged-in', 'key-not-found', 'token-error']);

export async function runSign(command: SignCommand, io: Output, deps: SignDeps): Promise<number> {
  const outputs = await outputsFor(command);
  const services = deps.services(command.identity);
  try {
    return await signWith(command, outputs, io, deps, services);
  } finally {
    await services.dispose();
  }
}

async function signWith(command: SignCommand, outputs: string[], io: Output, deps: SignDeps, services: Services): Promise<number> {
  const locale = io.locale ?? 'en';
  let signer: Signer;
  let warnings: Failure[];
  let passwords: (string | undefined)[];
  try {
    // The documents' passwords and the issuer certificates first: a file that cannot be read costs no PIN.
    passwords = await documentPasswords(command, deps, io);
    const issuers = await readIssuers(command.chain);
    const opened = await openSigner(command, deps, services, io);
    try {
      // --chain first, then what the app signs with too: the issuer certificates imported in its
      // settings, the certificates trusted there, the system store's intermediates.
      signer = await services.issuers.complete(await withIssuers(opened, issuers));
      warnings = (await signingWarnings(signer)).map((w) => failureOf(w.code, w.message));
    } catch (error) {
      await opened.close();
      throw error;
    }
  } catch (error) {
    if (error instanceof UsageError) throw error;
    io.err(`paraphe: ${say(locale, describe(error))}\n`);
    if (command.json) io.out(`${JSON.stringify(command.inputs.map((input) => ({ input, ok: false, error: describe(error) })), null, 2)}\n`);
    return 1;
  }
  for (const warning of warnings) io.err(`paraphe: ${formatMessage(locale, msg('cli.warning', withCause({}, wording.get(warning) ?? msg('error.app.detail', { detail: warning.message }))))}\n`);
  const outcomes: FileOutcome[] = [];
  // A secret that cannot be had (no variable, no terminal) is a usage error, however late it is asked.
  let usageError: UsageError | null = null;
  try {
    let image: Uint8Array | undefined;
    if (command.image !== null) {
      try {
        image = await readFile(command.image);
      } catch {
        io.err(`paraphe: ${format(locale, 'cli.image-unreadable', { file: command.image })}\n`);
        return 1;
      }
    }
    // --tsa csc (args: only with --remote): the remote account's signatures/timestamp is the TSA.
    const ports = command.tsa === 'csc' && command.identity.kind === 'remote' ? { timestamper: cscProviderOf(services).timestamper(command.identity.account) } : {};
    const session = new SigningSession(signer, {
      level: command.level,
      tsaUrl: command.tsa === 'csc' ? undefined : (command.tsa ?? undefined),
      hash: command.hash,
      field: command.field ?? undefined,
      visible: command.visible ?? undefined,
      image,
      reason: command.reason ?? undefined,
      location: command.location ?? undefined,
      certify: command.certify ?? undefined,
    }, deps.root, ports);
    const total = command.inputs.length;
    const report = (index: number, outcome: FileOutcome) => {
      const counter = total > 1 ? `[${index + 1}/${total}] ` : '';
      if (outcome.ok) {
        // stdout is for scripts: the same English line whatever the language of stderr.
        if (!command.json) io.out(`${counter}signed ${outcome.input} -> ${outcome.output} (${outcome.level}, field ${outcome.field})\n`);
        // One line on stderr, in the command's language: the signed file is the repaired copy.
        if (outcome.damage) io.err(`${counter}paraphe: ${formatMessage(locale, msg('cli.warning', withCause({}, wording.get(outcome.damage) ?? msg('error.app.detail', { detail: outcome.damage.message }))))}\n`);
      } else {
        io.err(`${counter}paraphe: ${outcome.input}: ${outcome.error ? say(locale, outcome.error) : ''}\n`);
      }
    };
    // Documents go in chunks of what one authorization covers (one OTP, one CSC authorization for
    // N hashes: Signer.batch), each chunk prepared whole and signed in one call; a backend
    // authorized once per session signs them one by one, a few in flight. Reported in input order
    // as soon as each one's turn comes. When the token goes away (or a secret is missing) the batch
    // stops: what was signed stays, the rest is reported as not signed.
    const chunkSize = signer.batch ? batchSize(signer.batch.max) : 1;
    const chunks: number[][] = [];
    for (let start = 0; start < total; start += chunkSize) chunks.push(Array.from({ length: Math.min(chunkSize, total - start) }, (_, i) => start + i));
    const done: (FileOutcome | undefined)[] = new Array(total);
    let reported = 0;
    let stoppedBy: Failure | null = null;
    const settle = (index: number, result: BatchOutcome | null) => {
      const input = command.inputs[index] ?? '';
      if (result === null) {
        done[index] = { input, ok: false, error: stopped(stoppedBy as Failure) };
      } else if (result.ok) {
        const { repaired } = result.result;
        done[index] = {
          input,
          ok: true,
          output: result.result.output,
          field: result.result.field,
          level: result.result.level,
          signedAt: result.result.signedAt,
          timestampedAt: result.result.timestampedAt,
          warnings,
          repaired: repaired !== null,
          ...(repaired ? { damage: failureOf(repaired.damage.code, msg('warning.repaired', withCause({ name: input, objects: repaired.objects }, repaired.damage.message))) } : {}),
        };
      } else {
        const failure = describe(result.error);
        done[index] = { input, ok: false, error: failure };
        if (result.error instanceof UsageError) usageError ??= result.error;
        if (BATCH_STOPPERS.has(failure.code) || result.error instanceof UsageError) stoppedBy ??= failure;
      }
    };
    const flush = () => {
      while (reported < total && done[reported]) {
        const outcome = done[reported] as FileOutcome;
        outcomes.push(outcome);
        report(reported, outcome);
        reported += 1;
      }
    };
    let nextChunk = 0;
    const worker = async () => {
      while (nextChunk < chunks.length) {
        const indexes = chunks[nextChunk++] ?? [];
        if (stoppedBy !== null) {
          for (const index of indexes) settle(index, null);
        } else {
          const results = await session.signBatch(indexes.map((index) => ({ input: command.inputs[index] ?? '', output: outputs[index] ?? '', password: passwords[index] })));
          results.forEach((result, i) => settle(indexes[i] as number, result));
        }
        flush();
      }
    };
    await Promise.all(Array.from({ length: Math.min(signer.batch ? 1 : IN_FLIGHT, chunks.length) }, worker));
  } finally {
    await signer.close();
  }
  if (usageError) throw usageError;
  if (outcomes.length !== command.inputs.length) throw new Error(`internal: ${outcomes.length} outcomes for ${command.inputs.length} inputs`);
  if (command.json) io.out(`${JSON.stringify(outcomes.length === 1 ? outcomes[0] : outcomes, null, 2)}\n`);
  return outcomes.every((o) => o.ok) ? 0 : 1;
}

/** Reads a secret from the terminal without echoing it; null when stdin is not a terminal. */
export function askSecretOnTty(prompt: string): Promise<string | null> {
  const stdin = process.stdin;
  if (!stdin.isTTY) return Promise.resolve(null);
  return new Promise((resolvePromise) => {
    process.stderr.write(prompt);
    let secret = '';
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const done = (value: string | null) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.removeListener('data', onData);
      process.stderr.write('\n');
      resolvePromise(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done(secret);
        if (ch === '\u0003' || ch === '\u0004') return done(null);
        if (ch === '\u007f' || ch === '\b') secret = secret.slice(0, -1);
        else secret += ch;
      }
    };
    stdin.on('data', onData);
  });
}
