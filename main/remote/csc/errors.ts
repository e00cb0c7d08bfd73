// What a CSC service's error table says, in words (CSC v1.0.4.0 error bodies
// `{"error", "error_description"}`): the failures a signer can act on get their own kind; any
// other failure stays the transport's RemoteError (unreachable, TLS, 429, 5xx, an unknown 400).
import { UserFacingError, msg } from '../../errors';
import { isRemoteError } from '../errors';

export type CscErrorKind =
  /** The PIN was refused; `triesLeft` when the service said how many. */
  | 'invalid-pin'
  /** The OTP was refused (wrong, already used, or expired: `expired`). */
  | 'invalid-otp'
  /** Too many wrong PINs or OTPs: the credential is locked at the service. */
  | 'locked'
  /** The SAD expired or was used up: authorize again. */
  | 'sad-expired'
  /** The access token was refused even after a new one: sign in again. */
  | 'token-expired'
  /** The user refused (implicit approval on the phone, or the browser consent). */
  | 'refused'
  /** The implicit approval was not given in time. */
  | 'approval-timeout'
  /** The answer lacks a field the specification requires, or has one of the wrong type. */
  | 'bad-answer'
  /** The service does not offer what is needed (a method it does not advertise, an auth type). */
  | 'unsupported'
  /** The credential cannot sign: its key is disabled, its certificate not valid, or none was sent. */
  | 'unusable';

export interface CscErrorDetails {
  triesLeft?: number;
  expired?: boolean;
  /** bad-answer: the field; unsupported: the method or auth type; unusable: why. */
  detail?: string;
  cause?: unknown;
}

export class CscError extends UserFacingError<`csc-${CscErrorKind}`> {
  readonly kind: CscErrorKind;
  /** The CSC method that failed, e.g. 'credentials/authorize'. */
  readonly method: string;
  readonly url: string;
  declare readonly triesLeft?: number;
  /** What details.detail said (the field, the method or auth type, why). */
  declare readonly detail?: string;

  constructor(kind: CscErrorKind, method: string, url: string, details: CscErrorDetails = {}) {
    super(
      `csc-${kind}`,
      msg(`error.csc.${kind}`, {
        method,
        tries: details.triesLeft ?? -1,
        expired: details.expired ? 'yes' : 'no',
        detail: details.detail ?? '',
      }),
      details.cause === undefined ? undefined : { cause: details.cause },
    );
    this.kind = kind;
    this.method = method;
    this.url = url;
    if (details.triesLeft !== undefined) this.triesLeft = details.triesLeft;
    if (details.detail !== undefined) this.detail = details.detail;
  }
}

export function isCscError(error: unknown, kind?: CscErrorKind): error is CscError {
  return error instanceof CscError && (kind === undefined || error.kind === kind);
}

/** "3 attempts left", "2 tries remaining", "1 remaining attempt", "tentatives restantes : 2". */
export function triesLeftIn(text: string): number | undefined {
  const found =
    /(\d+)\s*(?:more\s+)?(?:attempts?|tries|try|tentatives?)\s*(?:left|remaining|restantes?)/i.exec(text) ??
    /(?:remaining|left|restantes?)\s*(?:attempts?|tries|tentatives?)?\s*[:=]?\s*(\d+)/i.exec(text);
  if (!found?.[1]) return undefined;
  const n = Number(found[1]);
  return Number.isInteger(n) && n >= 0 && n < 1000 ? n : undefined;
}

/** The CscError a failure of `method` means, or the failure itself when the error table has no words for it. */
export function cscErrorOf(error: unknown, method: string, url: string): unknown {
  if (!isRemoteError(error) || error instanceof CscError) return error;
  const code = error.remote?.error ?? '';
  const said = error.remote?.description ?? '';
  // What the service said decides the kind; the message is Paraphe's own, in the user's language
  // (the service's English stays in the RemoteError, the cause).
  const details = { cause: error };
  if (error.status === 401 && (code === 'invalid_token' || code === '')) return new CscError('token-expired', method, url, details);
  if (error.status !== 400 && error.status !== 403) return error;
  switch (code) {
    case 'invalid_pin':
      return /lock|block/i.test(said) ? new CscError('locked', method, url, details) : new CscError('invalid-pin', method, url, { ...details, ...tries(said) });
    case 'invalid_otp':
      return /lock|block/i.test(said)
        ? new CscError('locked', method, url, details)
        : new CscError('invalid-otp', method, url, { ...details, expired: /expired|used/i.test(said), ...tries(said) });
    case 'access_denied':
      return new CscError('refused', method, url, details);
    case 'expired_token':
      return new CscError('approval-timeout', method, url, details);
    case 'invalid_request':
      if (/\block(ed)?\b|blocked/i.test(said)) return new CscError('locked', method, url, details);
      if (/\bSAD\b/.test(said) && /expired|invalid|exhausted|used/i.test(said)) return new CscError('sad-expired', method, url, details);
      return error;
    default:
      return error;
  }
}

function tries(said: string): { triesLeft?: number } {
  const n = triesLeftIn(said);
  return n === undefined ? {} : { triesLeft: n };
}
