// Pkcs11Error: every failure of native/pkcs11, with a stable code (the CKR_* name or one of ours)
// and an English message. Messages never contain a PIN.
/** Our own codes, beside the module's CKR_* names. */
export type Pkcs11LocalErrorCode =
  | 'addon-load-failed'
  | 'module-load-failed'
  | 'slot-not-found'
  | 'module-closed'
  | 'key-not-found' // no private key with this CKA_ID (or handle) in the slot's session
  | 'mechanism-unsupported' // the token offers no mechanism that makes the requested signature
  | 'pin-cancelled'; // the caller's PIN callback returned null

export class Pkcs11Error extends Error {
  override readonly name = 'Pkcs11Error';
  /** 'CKR_PIN_INCORRECT', 'CKR_PIN_LOCKED', 'CKR_TOKEN_NOT_PRESENT', ... or a Pkcs11LocalErrorCode. */
  readonly code: string;
  /** The PKCS#11 function that failed ('C_Login'), when known. */
  readonly method: string | undefined;
  /**
   * After CKR_PIN_INCORRECT: what the token flags said once the failure was counted
   * (CKF_USER_PIN_COUNT_LOW -> 'low', CKF_USER_PIN_FINAL_TRY -> 'final'); undefined when the token
   * does not say. PKCS#11 gives no exact count.
   */
  readonly triesLeft: 'low' | 'final' | undefined;
  constructor(code: string, message: string, options: { method?: string; cause?: unknown; triesLeft?: 'low' | 'final' } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.method = options.method;
    this.triesLeft = options.triesLeft;
  }
}

export const MESSAGES: Record<string, string> = {
  CKR_PIN_INCORRECT: 'The PIN is incorrect.',
  CKR_PIN_LOCKED: 'The PIN is locked after too many wrong attempts; the token must be unblocked with its administrator (SO) PIN.',
  CKR_PIN_LEN_RANGE: 'The PIN is too short or too long for this token.',
  CKR_PIN_EXPIRED: 'The PIN has expired and must be changed before the token can be used.',
  CKR_PIN_INVALID: 'The PIN contains characters this token does not accept.',
  CKR_TOKEN_NOT_PRESENT: 'No token is present in this slot.',
  CKR_TOKEN_NOT_RECOGNIZED: 'The token in this slot is not recognized by the module.',
  CKR_DEVICE_REMOVED: 'The token was removed.',
  CKR_DEVICE_ERROR: 'The token reported a device error.',
  CKR_SLOT_ID_INVALID: 'This slot does not exist (any more).',
  CKR_SESSION_HANDLE_INVALID: 'The session with the token was closed (was the token removed?).',
  CKR_SESSION_CLOSED: 'The session with the token was closed.',
  CKR_USER_NOT_LOGGED_IN: 'Log in to the token first.',
  CKR_USER_PIN_NOT_INITIALIZED: 'The token has no user PIN yet: initialise it with the token tools.',
  CKR_FUNCTION_CANCELED: 'The operation was cancelled on the token (PIN pad).',
  CKR_MECHANISM_INVALID: 'The token does not support this signature mechanism.',
  CKR_MECHANISM_PARAM_INVALID: 'The token does not accept the parameters of this signature mechanism.',
  CKR_KEY_TYPE_INCONSISTENT: 'This key cannot be used with this signature mechanism.',
  CKR_KEY_FUNCTION_NOT_PERMITTED: 'This key is not allowed to sign.',
  CKR_DATA_LEN_RANGE: 'The data to sign has the wrong length for this key and mechanism.',
  CKR_CRYPTOKI_NOT_INITIALIZED: 'The PKCS#11 module is not initialised.',
  CKR_GENERAL_ERROR: 'The PKCS#11 module reported a general error.',
};

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Maps anything pkcs11js throws to a Pkcs11Error. */
export function toPkcs11Error(e: unknown, context?: string): Pkcs11Error {
  if (e instanceof Pkcs11Error) return e;
  const message = errorText(e);
  const ckr = /\b(CKR_[A-Z0-9_]+)/.exec(message)?.[1];
  const method =
    typeof e === 'object' && e !== null && 'method' in e && typeof e.method === 'string' && e.method !== '' ? e.method : undefined;
  if (ckr !== undefined) {
    const text = MESSAGES[ckr] ?? `The PKCS#11 module returned ${ckr}${method ? ` from ${method}` : ''}.`;
    return new Pkcs11Error(ckr, context ? `${context}: ${text}` : text, { method, cause: e });
  }
  return new Pkcs11Error('module-load-failed', context ? `${context}: ${message}` : message, { method, cause: e });
}


/** The wrong-PIN error, with what the token flags said about the tries left (re-read after the failure). */
export function pinIncorrectError(triesLeft: 'low' | 'final' | undefined, cause?: unknown): Pkcs11Error {
  const message =
    triesLeft === 'final'
      ? 'The PIN is incorrect. One more wrong PIN will lock the token.'
      : triesLeft === 'low'
        ? 'The PIN is incorrect. Only a few tries are left before the token locks.'
        : 'The PIN is incorrect.';
  return new Pkcs11Error('CKR_PIN_INCORRECT', message, { method: 'C_Login', cause, triesLeft });
}
