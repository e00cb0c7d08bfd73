// The CLI's Authorizer: a secret from the environment variable the command names (--password-env,
// --pin-env, --secret-env), else typed on the terminal without echo, else none (then a usage error
// says how to give it). A PIN pad reader is told to the user and answered with an empty PIN.
// Prompts and messages follow the command's language (--lang or the system locale). Nothing is kept.
import { UsageError } from './args';
import type { Output } from './info';
import { msg } from '../errors';
import { format, formatMessage } from '../../preload/contract/messages';
import { AppError } from '../errors';
import type { Authorizer, AuthorizationRequest } from '../services/signing/ports';

export interface TerminalAuthorizerOptions {
  env: NodeJS.ProcessEnv;
  /** The variable holding the secret, if the command named one. */
  secretEnv: string | null;
  /** The flag that names it, for messages ("--pin-env"). */
  secretFlag: string;
  askSecret: (prompt: string) => Promise<string | null>;
  io: Output;
  /** --otp-command: a shell command that prints each one-time password (null: VAR or the terminal). */
  otpCommand?: string | null;
}

export function terminalAuthorizer(options: TerminalAuthorizerOptions): Authorizer {
  const { env, secretEnv, secretFlag, askSecret, io } = options;
  const otpCommand = options.otpCommand ?? null;
  const locale = io.locale ?? 'en';
  const fromEnv = (): string => {
    const value = secretEnv === null ? undefined : env[secretEnv];
    if (value === undefined) throw new UsageError(msg('error.usage.env-not-set', { variable: secretEnv ?? '', flag: secretFlag }), 'sign');
    return value;
  };
  const noSecret = (what: 'password' | 'pin' | 'otp') => msg('error.usage.no-secret', { what, flag: secretFlag });
  return {
    // From the environment the same wrong secret would come back: asked once. On a terminal, a
    // wrong PIN is asked again, at most 3 times in all.
    // A command makes a fresh one-time password each time it runs: asked again like a terminal.
    attempts: secretEnv !== null ? { password: 1, pin: 1, otp: otpCommand !== null ? 3 : 1 } : { password: 1, pin: 3, otp: 3 },
    ask: async (request) => {
      switch (request.kind) {
        case 'password': {
          if (secretEnv !== null) return fromEnv();
          const typed = await askSecret(format(locale, 'cli.password-prompt', { file: request.file }));
          if (typed === null) throw new UsageError(noSecret('password'), 'sign');
          return typed;
        }
        case 'pin': {
          if (request.pinPad) {
            io.err(`${format(locale, 'cli.pin-pad', { token: request.token })}\n`);
            return '';
          }
          if (secretEnv !== null) {
            const value = env[secretEnv];
            return value === undefined || value === '' ? null : value;
          }
          if (request.problem !== null) io.err(`paraphe: ${formatMessage(locale, request.problem)}\n`);
          const typed = await askSecret(format(locale, 'cli.pin-prompt', {
            token: request.token,
            context: request.contextSpecific ? 'signature' : 'login',
            tries: request.triesLeft ?? 'unknown',
          }));
          if (typed === null) {
            io.err(`paraphe: ${formatMessage(locale, noSecret('pin'))}\n`);
            return null;
          }
          return typed;
        }
        case 'otp': {
          if (otpCommand !== null) {
            if (request.retry) io.err(`paraphe: ${format(locale, 'cli.otp-refused', { tries: request.triesLeft ?? -1 })}\n`);
            return runOtpCommand(otpCommand, env, request);
          }
          if (secretEnv !== null) return fromEnv();
          if (request.retry) io.err(`paraphe: ${format(locale, 'cli.otp-refused', { tries: request.triesLeft ?? -1 })}\n`);
          const typed = await askSecret(format(locale, 'cli.otp-prompt', { service: request.service, documents: request.documents }));
          if (typed === null) throw new UsageError(noSecret('otp'), 'sign');
          return typed;
        }
        case 'approval':
          io.err(`${format(locale, 'cli.approval', { documents: request.documents, identity: request.identity, service: request.service })}\n`);
          return '';
      }
    },
  };
}

/** How long --otp-command may take (it may wait for the user, e.g. a dialog or a phone). */
export const OTP_COMMAND_TIMEOUT_MS = 300_000;
/** Its standard output is a one-time password, not a document: a few bytes. */
const OTP_COMMAND_MAX_BYTES = 4096;

/**
 * Runs --otp-command through the shell, tells it what is being authorized in PARAPHE_OTP_SERVICE,
 * PARAPHE_OTP_IDENTITY, PARAPHE_OTP_DOCUMENTS and PARAPHE_OTP_RETRY (1 after a refused password),
 * and takes the first line of its output. Its stdin is closed and it runs in its own process group
 * (so the deadline kills what it started): it cannot prompt on the terminal, which paraphe does
 * itself without --otp-command; a dialog or a script can. Its stderr goes to ours; the password is
 * never printed or kept. A command that fails, prints nothing, too much or hangs is refused in words.
 */
export function runOtpCommand(command: string, env: NodeJS.ProcessEnv, request: Extract<AuthorizationRequest, { kind: 'otp' }>, timeoutMs = OTP_COMMAND_TIMEOUT_MS): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    // node:child_process is loaded on first use (most runs never start a command).
    const child = process.getBuiltinModule('node:child_process').spawn(command, {
      shell: true,
      // Its own process group on POSIX, so a deadline kills what the shell started too.
      detached: process.platform !== 'win32',
      stdio: ['ignore', 'pipe', 'inherit'],
      env: {
        ...env,
        PARAPHE_OTP_SERVICE: request.service,
        PARAPHE_OTP_IDENTITY: request.identity,
        PARAPHE_OTP_DOCUMENTS: String(request.documents),
        PARAPHE_OTP_RETRY: request.retry ? '1' : '0',
      },
    });
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const fail = (error: AppError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      try {
        if (process.platform !== 'win32' && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        // already gone
      }
      child.stdout.destroy();
      for (const chunk of chunks) chunk.fill(0);
      reject(error);
    };
    const timer = setTimeout(() => fail(new AppError('otp-command-failed', msg('error.app.otp-command-timeout', { seconds: Math.round(timeoutMs / 1000) }))), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > OTP_COMMAND_MAX_BYTES) fail(new AppError('otp-command-failed', msg('error.app.otp-command-output')));
      else chunks.push(chunk);
    });
    child.on('error', (error: NodeJS.ErrnoException) => fail(new AppError('otp-command-failed', msg('error.app.otp-command-start', { code: error.code ?? 'error' }))));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const output = Buffer.concat(chunks);
      const line = output.toString('utf8').split(/\r?\n/)[0]?.trim() ?? '';
      output.fill(0);
      for (const chunk of chunks) chunk.fill(0);
      if (settled) return;
      if (code !== 0) return fail(new AppError('otp-command-failed', msg('error.app.otp-command-exit', { code: code ?? -1, signal: signal ?? 'none' })));
      if (line === '') return fail(new AppError('otp-command-failed', msg('error.app.otp-command-empty')));
      settled = true;
      resolvePromise(line);
    });
  });
}
