// The app's Authorizer: a .p12 password comes with the sign request (the user typed it in the sign
// panel, for this one signature); a PIN is asked through the renderer's PIN dialog (main's
// `prompt:pin` request), again after a wrong PIN. OTP and approval prompts arrive with the remote
// backends; until then nobody answers them (null). Nothing is kept.
import type { RendererRequestOf } from '../../preload/contract/schemas';
import type { Authorizer } from './signing/ports';

export type AskPin = (request: RendererRequestOf<'prompt:pin'>) => Promise<string | null>;

export function appAuthorizer(options: { password?: string; askPin: AskPin }): Authorizer {
  return {
    ask: async (request) => {
      switch (request.kind) {
        case 'password':
          return options.password ?? null;
        case 'pin':
          return options.askPin({
            tokenLabel: request.token,
            keyLabel: request.key,
            triesLeft: request.triesLeft === 'final' ? 1 : null,
            pinCountLow: request.triesLeft === 'low',
            finalTry: request.triesLeft === 'final',
            retry: request.retry,
            pinPad: request.pinPad,
            contextSpecific: request.contextSpecific,
          });
        default:
          return null;
      }
    },
    // The password typed for this signature is the same at every ask.
    attempts: { password: 1 },
  };
}
