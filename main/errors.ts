// Errors a user may see. `code` is stable (tests, the renderer's translations, --json output);
// `message` is one clear English sentence. Anything else that escapes a service is a bug and is
// reported as "internal" without its stack crossing to the renderer.
export class AppError extends Error {
  override readonly name = 'AppError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** An error whose message is meant for the user: AppError, or any error with a string `code` and `userFacing` set. */
export function isUserFacing(error: unknown): error is Error & { code: string } {
  if (error instanceof AppError) return true;
  return (
    error instanceof Error &&
    typeof (error as { code?: unknown }).code === 'string' &&
    (error as { userFacing?: unknown }).userFacing === true
  );
}
