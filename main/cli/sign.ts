// `paraphe sign`: the same signing session as the app, for scripts and batches. One identity (one
// password entry) for every input; a line per file as it is done; exit 0 when every input was
// signed, 1 when any failed (each failure reported, nothing partial written), 2 for usage errors.
import { mkdir, readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { isUserFacing } from '../errors';
import { SigningSession } from '../services/signing';
import type { SignResult } from '../services/signing';
import type { Signer } from '../signers/signer';
import type { Pkcs11Identity, SignCommand } from './args';
import { UsageError } from './args';
import type { Output } from './info';

export interface SignDeps {
  /** The folder holding assets/ (fonts for visible signatures). */
  root: string;
  env: NodeJS.ProcessEnv;
  /** Asks for a secret on the terminal without echo; null when there is no terminal. */
  askSecret: (prompt: string) => Promise<string | null>;
  /** Opens the identity: a PKCS#12 file with its password, or the personal digital ID. */
  openP12: (file: string, password: string) => Promise<Signer>;
  openPersonalId: () => Promise<Signer>;
  /** Finds the token key the options name, logs in once (PIN from --pin-env, the terminal or the PIN pad). */
  openPkcs11: (identity: Pkcs11Identity) => Promise<Signer>;
}

interface FileOutcome {
  input: string;
  ok: boolean;
  output?: string;
  field?: string;
  level?: string;
  signedAt?: string;
  timestampedAt?: string | null;
  error?: { code: string; message: string };
}

function describe(error: unknown): { code: string; message: string } {
  if (isUserFacing(error)) return { code: error.code, message: error.message };
  return { code: 'internal', message: `internal error: ${error instanceof Error ? error.message : String(error)}` };
}

async function openSigner(command: SignCommand, deps: SignDeps): Promise<Signer> {
  if (command.identity.kind === 'self-signed') return deps.openPersonalId();
  if (command.identity.kind === 'pkcs11') {
    const { pinEnv } = command.identity;
    if (pinEnv !== null && deps.env[pinEnv] === undefined) throw new UsageError(`the environment variable ${pinEnv} (--pin-env) is not set`, 'sign');
    return deps.openPkcs11(command.identity);
  }
  const { file, passwordEnv } = command.identity;
  let password: string | null;
  if (passwordEnv !== null) {
    password = deps.env[passwordEnv] ?? null;
    if (password === null) throw new UsageError(`the environment variable ${passwordEnv} (--password-env) is not set`, 'sign');
  } else {
    password = await deps.askSecret(`Password for ${basename(file)}: `);
    if (password === null) throw new UsageError('no password: give --password-env VAR, or run in a terminal to be asked', 'sign');
  }
  return deps.openP12(file, password);
}

/** Where each input goes; two inputs may not land on the same output. */
async function outputsFor(command: SignCommand): Promise<string[]> {
  if ('file' in command.output) return [resolve(command.output.file)];
  const dir = resolve(command.output.dir);
  const outputs = command.inputs.map((input) => join(dir, basename(input)));
  const seen = new Map<string, string>();
  for (const [i, output] of outputs.entries()) {
    const other = seen.get(output);
    if (other !== undefined) throw new UsageError(`${other} and ${command.inputs[i]} would both be written to ${output}`, 'sign');
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
  let signer: Signer;
  try {
    signer = await openSigner(command, deps);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const { message } = describe(error);
    io.err(`paraphe: ${message}\n`);
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
        io.err(`paraphe: the image ${command.image} cannot be read\n`);
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
        if (!command.json) io.out(`${counter}signed ${outcome.input} -> ${outcome.output} (${outcome.level}, field ${outcome.field})\n`);
      } else {
        io.err(`${counter}paraphe: ${outcome.input}: ${outcome.error?.message}\n`);
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
    let stoppedBy: string | null = null;
    const worker = async () => {
      while (next < total) {
        const index = next++;
        if (stoppedBy !== null) {
          done[index] = { input: command.inputs[index] ?? '', ok: false, error: { code: 'batch-stopped', message: `not signed: the batch stopped (${stoppedBy})` } };
        } else {
          done[index] = await signOne(index);
          const failure = done[index]?.error;
          if (failure && BATCH_STOPPERS.has(failure.code)) stoppedBy ??= failure.message.replace(/\.$/, '');
        }
        while (reported < total && done[reported]) {
          const outcome = done[reported] as FileOutcome;
          outcomes.push(outcome);
          report(reported, outcome);
          reported += 1;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, total) }, worker));
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
