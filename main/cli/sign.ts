// `paraphe sign`: the same services and signing session as the app (identity providers opened
// with a terminal Authorizer), for scripts and batches. One identity (one
// password entry) for every input; a line per file as it is done; exit 0 when every input was
// signed, 1 when any failed (each failure reported, nothing partial written), 2 for usage errors.
import { mkdir, readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { AppError, isUserFacing, msg } from '../errors';
import type { Services } from '../services';
import { openP12File } from '../services/providers/pkcs12';
import { openTokenSigner } from '../services/providers/pkcs11';
import { SigningSession } from '../services/signing';
import type { SignResult } from '../services/signing';
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
  if (isUserFacing(error)) return error.key === undefined ? { code: error.code, message: error.message } : failureOf(error.code, { key: error.key, params: error.params });
  return failureOf('internal', msg('cli.internal-error', { detail: error instanceof Error ? error.message : String(error) }));
}

function say(locale: MessageLocale, said: Failure): string {
  const message = wording.get(said);
  return message === undefined ? said.message : formatMessage(locale, message);
}

/** A document not signed because an earlier failure stopped the batch (a token unplugged, say). */
function stopped(by: Failure): Failure {
  const cause = wording.get(by) ?? msg('error.app.detail', { detail: by.message });
  return failureOf('batch-stopped', msg('cli.batch-stopped', withCause({}, cause)));
}

/** The identity the command names, opened through the same providers as the app, with a terminal Authorizer. */
async function openSigner(command: SignCommand, deps: SignDeps, services: Services, io: Output): Promise<Signer> {
  const { identity } = command;
  const secretEnv = identity.kind === 'p12' ? identity.passwordEnv : identity.kind === 'pkcs11' ? identity.pinEnv : identity.kind === 'id' ? identity.secretEnv : null;
  const secretFlag = identity.kind === 'p12' ? '--password-env' : identity.kind === 'pkcs11' ? '--pin-env' : '--secret-env';
  if (secretEnv !== null && deps.env[secretEnv] === undefined) throw new UsageError(msg('error.usage.env-not-set', { variable: secretEnv, flag: secretFlag }), 'sign');
  const otpCommand = identity.kind === 'id' ? identity.otpCommand : null;
  const authorizer = terminalAuthorizer({ env: deps.env, secretEnv, secretFlag, askSecret: deps.askSecret, io, otpCommand });
  switch (identity.kind) {
    case 'self-signed': {
      const [first] = (await services.identities.list()).filter((i) => i.kind === 'personal');
      if (!first) throw new AppError('no-personal-id', msg('error.app.no-personal-id'));
      return services.identities.openSigner(first.id, authorizer);
    }
    case 'p12':
      return openP12File(identity.file, authorizer);
    case 'pkcs11':
      return openTokenSigner(services.tokens, { token: identity.token, key: identity.key }, authorizer);
    case 'id':
      return services.identities.openSigner(identity.id, authorizer);
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
  try {
    signer = await openSigner(command, deps, services, io);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    io.err(`paraphe: ${say(locale, describe(error))}\n`);
    if (command.json) io.out(`${JSON.stringify(command.inputs.map((input) => ({ input, ok: false, error: describe(error) })), null, 2)}\n`);
    return 1;
  }
  const outcomes: FileOutcome[] = [];
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
    const session = new SigningSession(signer, {
      level: command.level,
      tsaUrl: command.tsa ?? undefined,
      hash: command.hash,
      field: command.field ?? undefined,
      visible: command.visible ?? undefined,
      image,
      reason: command.reason ?? undefined,
      location: command.location ?? undefined,
      certify: command.certify ?? undefined,
    }, deps.root);
    const total = command.inputs.length;
    const report = (index: number, outcome: FileOutcome) => {
      const counter = total > 1 ? `[${index + 1}/${total}] ` : '';
      if (outcome.ok) {
        if (!command.json) io.out(`${counter}${format(locale, 'cli.signed', { input: outcome.input, output: outcome.output ?? '', level: outcome.level ?? '', field: outcome.field ?? '' })}\n`);
      } else {
        io.err(`${counter}paraphe: ${outcome.input}: ${outcome.error ? say(locale, outcome.error) : ''}\n`);
      }
    };
    const signOne = async (index: number): Promise<FileOutcome> => {
      const input = command.inputs[index] ?? '';
      try {
        const result: SignResult = await session.sign(input, outputs[index] ?? '');
        return { input, ok: true, output: result.output, field: result.field, level: result.level, signedAt: result.signedAt, timestampedAt: result.timestampedAt };
      } catch (error) {
        return { input, ok: false, error: describe(error) };
      }
    };
    // A few at a time, reported in input order as soon as each one's turn comes. When the token
    // goes away the batch stops: what was signed stays, the rest is reported as not signed.
    const done: (FileOutcome | undefined)[] = new Array(total);
    let next = 0;
    let reported = 0;
    let stoppedBy: Failure | null = null;
    const worker = async () => {
      while (next < total) {
        const index = next++;
        if (stoppedBy !== null) {
          done[index] = { input: command.inputs[index] ?? '', ok: false, error: stopped(stoppedBy) };
        } else {
          done[index] = await signOne(index);
          const failure = done[index]?.error;
          if (failure && BATCH_STOPPERS.has(failure.code)) stoppedBy ??= failure;
        }
        flush();
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
    if (signer.batch) {
      // A backend authorized per call (one OTP, one CSC authorization for N hashes): the inputs go
      // in batches of what one authorization covers, each prepared whole, then signed in one call.
      const size = Math.max(1, signer.batch.max);
      for (let start = 0; start < total; start += size) {
        const indexes = Array.from({ length: Math.min(size, total - start) }, (_, i) => start + i);
        if (stoppedBy !== null) {
          for (const index of indexes) done[index] = { input: command.inputs[index] ?? '', ok: false, error: stopped(stoppedBy) };
        } else {
          const results = await session.signBatch(indexes.map((index) => ({ input: command.inputs[index] ?? '', output: outputs[index] ?? '' })));
          results.forEach((result, i) => {
            const index = indexes[i] as number;
            const input = command.inputs[index] ?? '';
            done[index] = result.ok
              ? { input, ok: true, output: result.result.output, field: result.result.field, level: result.result.level, signedAt: result.result.signedAt, timestampedAt: result.result.timestampedAt }
              : { input, ok: false, error: describe(result.error) };
            const failure = done[index]?.error;
            if (failure && BATCH_STOPPERS.has(failure.code)) stoppedBy ??= failure;
          });
        }
        flush();
      }
    } else {
      await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, total) }, worker));
    }
  } finally {
    await signer.close();
  }
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
