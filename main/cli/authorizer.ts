// The CLI's Authorizer: a secret from the environment variable the command names (--password-env,
// --pin-env, --secret-env), else typed on the terminal without echo, else none (then a usage error
// says how to give it). A PIN pad reader is told to the user and answered with an empty PIN.
// Prompts and messages follow the command's language (--lang or the system locale). Nothing is kept.
import { UsageError } from './args';
import type { Output } from './info';
import { msg } from '../errors';
import { format, formatMessage } from '../../preload/contract/messages';
import type { Authorizer } from '../services/signing/ports';

export interface TerminalAuthorizerOptions {
  env: NodeJS.ProcessEnv;
  /** The variable holding the secret, if the command named one. */
  secretEnv: string | null;
  /** The flag that names it, for messages ("--pin-env"). */
  secretFlag: string;
  askSecret: (prompt: string) => Promise<string | null>;
  io: Output;
}

export function terminalAuthorizer(options: TerminalAuthorizerOptions): Authorizer {
  const { env, secretEnv, secretFlag, askSecret, io } = options;
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
    attempts: secretEnv !== null ? { password: 1, pin: 1, otp: 1 } : { password: 1, pin: 3, otp: 3 },
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
