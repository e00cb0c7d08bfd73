// The renderer's only door to main: window.paraphe verbs, with envelopes unwrapped into values or
// ApiError (which keeps the stable error code for translations and tests).
import type { Envelope } from '../../../preload/contract/schemas';
import type { ParapheApi, Verb } from '../../../preload/contract/verbs';

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type Unwrapped<V extends Verb> = ReturnType<ParapheApi[V]> extends Promise<Envelope<infer R>> ? R : never;

export async function call<V extends Verb>(verb: V, ...request: Parameters<ParapheApi[V]>): Promise<Unwrapped<V>> {
  const fn = window.paraphe[verb] as (...args: unknown[]) => Promise<Envelope<unknown>>;
  const envelope = await fn(...request);
  if (!envelope.ok) throw new ApiError(envelope.error.code, envelope.error.message);
  return envelope.value as Unwrapped<V>;
}

export function toUiError(error: unknown): { code: string; message: string } {
  if (error instanceof ApiError) return { code: error.code, message: error.message };
  if (error instanceof Error) return { code: 'unknown', message: error.message };
  return { code: 'unknown', message: String(error) };
}

/** The user said no in main's own confirmation dialog: nothing was done, and nothing is reported. */
export function isDeclined(error: unknown): boolean {
  return error instanceof ApiError && error.code === 'declined';
}
