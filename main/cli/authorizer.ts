// The CLI's Authorizer: a secret from the environment variable the command names (--password-env,
// --pin-env, --secret-env), else typed on the terminal without echo, else none (then a usage error
// says how to give it). A PIN pad reader is told to the user and answered with an empty PIN.
// Nothing is kept.
import { UsageError } from './args';
import type { Output } from './info';
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
  const fromEnv = (): string => {
    const value = secretEnv === null ? undefined : env[secretEnv];
    if (value === undefined) throw new UsageError(`the environment variable ${secretEnv} (${secretFlag}) is not set`, 'sign');
    return value;
  };
  return {
    // From the environment the same wrong secret would come back: asked once. On a terminal, a
    // wrong PIN is asked again, at most 3 times in all.
    attempts: secretEnv !== null ? { password: 1, pin: 1, otp: 1 } : { password: 1, pin: 3, otp: 3 },
    ask: async (request) => {
      switch (request.kind) {
        case 'password': {
          if (secretEnv !== null) return fromEnv();
          const typed = await askSecret(`Password for ${request.file}: `);
          if (typed === null) throw new UsageError(`no password: give ${secretFlag} VAR, or run in a terminal to be asked`, 'sign');
          return typed;
        }
        case 'pin': {
          if (request.pinPad) {
            io.err(`Enter the PIN of ${request.token} on the reader's keypad.\n`);
            return '';
          }
          if (secretEnv !== null) {
            const value = env[secretEnv];
            return value === undefined || value === '' ? null : value;
          }
          if (request.problem !== null) io.err(`paraphe: ${request.problem}\n`);
          const note = request.triesLeft === 'final' ? ' (last try before the token locks)' : request.triesLeft === 'low' ? ' (few tries left)' : '';
          const what = request.contextSpecific ? 'PIN for this signature' : 'PIN';
          const typed = await askSecret(`${what} of ${request.token}${note}: `);
          if (typed === null) {
            io.err(`paraphe: no PIN: give ${secretFlag} VAR, or run in a terminal to be asked\n`);
            return null;
          }
          return typed;
        }
        case 'otp': {
          if (secretEnv !== null) return fromEnv();
          if (request.retry) io.err(`paraphe: the one-time password was not accepted${request.triesLeft === null ? '' : ` (${request.triesLeft} tries left)`}\n`);
          const typed = await askSecret(`One-time password from ${request.service} for ${request.documents} document${request.documents === 1 ? '' : 's'}: `);
          if (typed === null) throw new UsageError(`no one-time password: give ${secretFlag} VAR, or run in a terminal to be asked`, 'sign');
          return typed;
        }
        case 'approval':
          io.err(`Approve the signature of ${request.documents} document${request.documents === 1 ? '' : 's'} for ${request.identity} on your phone (${request.service})...\n`);
          return '';
      }
    },
  };
}
