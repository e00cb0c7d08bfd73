// How every answer crosses to the renderer: a value, or an error that keeps its code.
import { z } from 'zod';

/**
 * An error as it crosses to the renderer: the stable code, the catalog message that words it
 * (`key`, preload/contract/messages) with its arguments, and the English sentence as a fallback
 * for an error that has no key yet. The renderer words `key` in the interface language.
 */
export const ErrorInfo = z.object({
  code: z.string(),
  message: z.string(),
  key: z.string().optional(),
  params: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
});

export type ErrorInfo = z.output<typeof ErrorInfo>;

/** Every call answers with an envelope: errors keep their code across the boundary. */
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: ErrorInfo };
