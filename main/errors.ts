// Errors a user may see. `code` is stable (tests, --json output, the renderer's headlines); the
// sentence is a catalog message (`key`, assets/locales) with its `params`, worded where the error
// is shown: the renderer in the interface language, the CLI in the system's or --lang's. `message`
// is that sentence in English, for logs, --json output and callers that need one text. Each layer
// has its own subclass with its own codes (PdfError, CmsError, SignerError, AppError for
// services); anything else that escapes a service is a bug and is reported as "internal" without
// its stack crossing to the renderer.
import { format } from '../preload/contract/messages';
import type { Message, MessageKey, MessageLocale, MessageParams } from '../preload/contract/messages';

export class UserFacingError<Code extends string = string> extends Error {
  /** Tells services and the IPC layer the message can be shown to the user as it is. */
  readonly userFacing = true;
  /**
   * The catalog message that words this error; undefined for an error still made with an English
   * sentence (a throw site not converted yet), which is then shown in English only.
   */
  readonly key: MessageKey | undefined;
  /** The message's arguments: plain data (names, numbers, URLs), never a secret; they cross IPC. */
  readonly params: MessageParams;

  /**
   * `message`: the catalog message and its params (what every throw site should give), or an
   * English sentence (older throw sites).
   */
  constructor(
    readonly code: Code,
    message: Message | string,
    options?: { cause?: unknown },
  ) {
    super(typeof message === 'string' ? message : format('en', message.key, message.params), options);
    this.name = new.target.name;
    this.key = typeof message === 'string' ? undefined : message.key;
    this.params = typeof message === 'string' ? {} : Object.freeze({ ...message.params });
  }

  /** The sentence in `locale` (English for an error made with an English sentence). */
  wordedIn(locale: MessageLocale): string {
    return this.key === undefined ? this.message : format(locale, this.key, this.params);
  }
}

/** A service-level refusal or failure (main/services, the CLI). */
export class AppError extends UserFacingError {}

/** An error whose message is meant for the user. */
export function isUserFacing(error: unknown): error is UserFacingError {
  return error instanceof UserFacingError;
}

/** Any error's sentence in `locale`: a user-facing one from the catalog, anything else as it says. */
export function wordError(locale: MessageLocale, error: unknown): string {
  if (isUserFacing(error)) return error.wordedIn(locale);
  return error instanceof Error ? error.message : String(error);
}

/** `message` with its key typed: `msg('error.pdf.empty', { name })`. */
export function msg(key: MessageKey, params?: MessageParams): Message {
  return params === undefined ? { key } : { key, params };
}

/**
 * Any error as a catalog message, to carry inside another one (withCause) or to word later: a
 * user-facing error's own message; anything else (or one made with an English sentence) as its
 * sentence, shown as it is (error.app.detail).
 */
export function messageOf(error: unknown): Message {
  if (isUserFacing(error) && error.key !== undefined) return { key: error.key, params: error.params };
  return msg('error.app.detail', { detail: error instanceof Error ? error.message : String(error) });
}
