// The renderer's only door to main: window.paraphe verbs, with envelopes unwrapped into values or
// ApiError (which keeps the stable error code for translations and tests, and main's message as
// a catalog key with its params, worded in the interface language where it is shown).
import type { Envelope, ErrorInfo } from '../../../preload/contract/schemas';
import type { UiError } from '../store';
import type { ParapheApi, Verb } from '../../../preload/contract/verbs';

export class ApiError extends Error {
  readonly code: string;
  /** The catalog message that words the error, and its arguments (absent: English `message` only). */
  readonly key: string | undefined;
  readonly params: Readonly<Record<string, string | number>> | undefined;

  constructor(error: ErrorInfo) {
    super(error.message);
    this.code = error.code;
    this.key = error.key;
    this.params = error.params;
  }
}

type Unwrapped<V extends Verb> = ReturnType<ParapheApi[V]> extends Promise<Envelope<infer R>> ? R : never;

export async function call<V extends Verb>(verb: V, ...request: Parameters<ParapheApi[V]>): Promise<Unwrapped<V>> {
  const fn = window.paraphe[verb] as (...args: unknown[]) => Promise<Envelope<unknown>>;
  const envelope = await fn(...request);
  if (!envelope.ok) throw new ApiError(envelope.error);
  return envelope.value as Unwrapped<V>;
}

export function toUiError(error: unknown): UiError {
  if (error instanceof ApiError) {
    return error.key === undefined ? { code: error.code, message: error.message } : { code: error.code, message: error.message, key: error.key, params: error.params ?? {} };
  }
  if (error instanceof Error) return { code: 'unknown', message: error.message };
  return { code: 'unknown', message: String(error) };
}

/** The user said no in main's own confirmation dialog: nothing was done, and nothing is reported. */
export function isDeclined(error: unknown): boolean {
  return error instanceof ApiError && error.code === 'declined';
}
