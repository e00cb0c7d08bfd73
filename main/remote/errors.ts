// RemoteError: how every HTTP exchange of main/remote fails, whatever the service (trust services,
// JSON APIs). `service` is data (a lower-case word: 'tsa', 'csc', 'certcentral'...), `kind` says
// what went wrong in a closed set, and the message is one English sentence that names the service
// and the URL. Nothing secret ever goes in: URLs lose their query string, fragment and
// credentials; no header, request body or bearer token is ever part of an error; text the server
// sent is bounded, stripped of control characters and of the credentials the request carried.
//
// Callers with their own error codes wrap it (http.ts turns it into CmsError for the trust
// services); it is not a UserFacingError on its own because the code a user sees belongs to the
// layer that knows what was being done.

/**
 * What went wrong, in a closed set:
 * - `bad-url`: not a valid http: or https: URL; nothing was sent.
 * - `not-allowed`: refused before anything was sent: the fetch policy (host not agreed, too many
 *   requests), or a credential that would go over plain http to another host than this machine.
 * - `unreachable`: no answer at the network level (host not found, connection refused or reset,
 *   no route, connection closed before the reply was complete).
 * - `tls`: the TLS handshake failed (the certificate is not trusted, expired, for another name...).
 * - `timeout`: a deadline passed (the attempt's, the whole exchange's, or the fetch policy's).
 * - `aborted`: the caller's AbortSignal fired.
 * - `http-status`: a non-2xx status other than those below (3xx included when not followed).
 * - `rate-limited`: HTTP 429.
 * - `unauthorized`: HTTP 401 or 403.
 * - `too-large`: the response body is larger than the exchange accepts.
 * - `bad-response`: a 2xx answer that is not what was asked for (not JSON, JSON that does not
 *   parse, nested too deep, not UTF-8).
 */
export type RemoteErrorKind =
  | 'bad-url'
  | 'not-allowed'
  | 'unreachable'
  | 'tls'
  | 'timeout'
  | 'aborted'
  | 'http-status'
  | 'rate-limited'
  | 'unauthorized'
  | 'too-large'
  | 'bad-response';

/** What a JSON API said in its error body (CSC/OAuth `error`, `error_description`; CertCentral `errors[0]`). */
export interface RemoteErrorBody {
  error?: string;
  description?: string;
}

export interface RemoteErrorDetails {
  status?: number;
  retryAfterMs?: number;
  remote?: RemoteErrorBody;
  /** How many attempts were made (JSON exchanges with retries). */
  attempts?: number;
  cause?: unknown;
}

export class RemoteError extends Error {
  readonly service: string;
  readonly kind: RemoteErrorKind;
  /** The URL asked, without query string, fragment or credentials. */
  readonly url: string;
  declare readonly status?: number;
  /** What the server's Retry-After asked for, in milliseconds (before any cap). */
  declare readonly retryAfterMs?: number;
  declare readonly remote?: RemoteErrorBody;
  declare readonly attempts?: number;

  /** `message` must already be safe to show: build it with the helpers of this file. */
  constructor(service: string, kind: RemoteErrorKind, url: string, message: string, details: RemoteErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'RemoteError';
    this.service = service;
    this.kind = kind;
    this.url = displayUrl(url);
    if (details.status !== undefined) this.status = details.status;
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
    if (details.remote !== undefined) this.remote = details.remote;
    if (details.attempts !== undefined) this.attempts = details.attempts;
  }

  /** What --json output and logs see: the same fields, and the message. Never the cause. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      service: this.service,
      kind: this.kind,
      url: this.url,
      message: this.message,
      ...(this.status !== undefined ? { status: this.status } : {}),
      ...(this.retryAfterMs !== undefined ? { retryAfterMs: this.retryAfterMs } : {}),
      ...(this.remote !== undefined ? { remote: this.remote } : {}),
      ...(this.attempts !== undefined ? { attempts: this.attempts } : {}),
    };
  }
}

export function isRemoteError(error: unknown, kind?: RemoteErrorKind): error is RemoteError {
  return error instanceof RemoteError && (kind === undefined || error.kind === kind);
}

/** How messages name each service; any other one is "the <service> service". */
const LABELS: Readonly<Record<string, string>> = {
  tsa: 'the timestamp server',
  ocsp: 'the OCSP responder',
  crl: 'the CRL server',
  issuer: 'the CA certificate server',
  csc: 'the remote signing service',
  certsign: 'the CertSign service',
  certcentral: 'the DigiCert CertCentral service',
};

/** Service names are lower-case words: 'tsa', 'csc', 'cert-central'. */
export const SERVICE_NAME = /^[a-z][a-z0-9-]{0,31}$/;

/** "the timestamp server at https://tsa.example/": how messages name a server. */
export function describeServer(service: string, url: string): string {
  const label = LABELS[service] ?? (SERVICE_NAME.test(service) ? `the ${service} service` : 'the service');
  return `${label} at ${displayUrl(url)}`;
}

/** Longest URL a message quotes. */
const MAX_URL_CHARS = 300;

/**
 * @internal exported for the tests.
 * A URL as errors show it: without query string, fragment or user:password@, control characters
 * removed, bounded. Otherwise the string as given (no normalisation), so messages quote what the
 * user or the certificate wrote.
 */
export function displayUrl(url: string): string {
  let shown = url.replace(/[?#][\s\S]*$/, '');
  shown = shown.replace(/^([a-z][a-z0-9+.-]*:[/\\]{2})[^/\\?#]*@/i, '$1');
  return boundedText(shown, MAX_URL_CHARS);
}

/** Server text in errors: control characters become spaces, runs of spaces one, at most `max` characters. */
export function boundedText(text: string, max = 300): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').replace(/ {2,}/g, ' ').trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/** Replaces every occurrence of each secret (at least 4 characters) with "[redacted]". */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  return out;
}

export function sizeText(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(bytes % (1024 * 1024) === 0 ? 0 : 1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}

export function secondsText(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
