// Errors a user may see. `code` is stable (tests, the renderer's translations, --json output);
// `message` is one clear English sentence. Each layer has its own subclass with its own codes
// (PdfError, CmsError, SignerError, AppError for services); anything else that escapes a service
// is a bug and is reported as "internal" without its stack crossing to the renderer.
export class UserFacingError<Code extends string = string> extends Error {
  /** Tells services and the IPC layer the message can be shown to the user as it is. */
  readonly userFacing = true;

  constructor(
    readonly code: Code,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A service-level refusal or failure (main/services, the CLI). */
export class AppError extends UserFacingError {}

/** An error whose message is meant for the user. */
export function isUserFacing(error: unknown): error is UserFacingError {
  return error instanceof UserFacingError;
}
