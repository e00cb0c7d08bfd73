// The app's Authorizer: a .p12 password comes with the sign request (the user typed it in the sign
// panel, for this one signature); a PIN is asked through the renderer's PIN dialog (main's
// `prompt:pin` request), again after a wrong PIN; a one-time password through the OTP dialog
// (`prompt:otp`), again after a refused one, with the tries the service says are left. Phone
// approval waits on the service, not on the user: nobody answers it here yet (null). Nothing is kept.
import type { RendererRequestOf } from '../../preload/contract/schemas';
import type { Authorizer } from './signing/ports';

export type AskPin = (request: RendererRequestOf<'prompt:pin'>) => Promise<string | null>;
export type AskOtp = (request: RendererRequestOf<'prompt:otp'>) => Promise<string | null>;

export function appAuthorizer(options: { password?: string; askPin: AskPin; askOtp?: AskOtp }): Authorizer {
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
        case 'otp':
          return options.askOtp
            ? options.askOtp({ service: request.service, identity: request.identity, documents: request.documents, triesLeft: request.triesLeft, retry: request.retry })
            : null;
        default:
          return null;
      }
    },
    // The password typed for this signature is the same at every ask.
    attempts: { password: 1 },
  };
}
