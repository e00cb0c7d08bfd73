// RemoteError: how every HTTP exchange of main/remote fails, whatever the service (trust services,
// JSON APIs). `service` is data (a lower-case word: 'tsa', 'csc', 'certcentral'...), `kind` says
// what went wrong in a closed set, and the message is a catalog message (error.remote.*, worded by
// `remoteMessage`) that names the service and the URL; `message` is its English sentence. Nothing
// secret ever goes in: URLs lose their credentials (and, for the JSON APIs, their query string and
// fragment); no header, request body or bearer token is ever part of an error; text the server
// sent is bounded, stripped of control characters and of the credentials the request carried.
//
// It is a UserFacingError (code `remote-<kind>`), so one that reaches the IPC layer is shown worded
// in the interface language, not as "internal". Callers with their own error codes wrap it with
// the same message (http.ts turns it into CmsError for the trust services).
import { msg, UserFacingError } from '../errors';
import type { Message, MessageParams } from '../../preload/contract/messages';

/**
 * What went wrong, in a closed set:
 * - `bad-url`: not a valid http: or https: URL; nothing was sent.
 * - `not-allowed`: refused before anything was sent: the fetch policy (host not agreed, too many
 *   requests), or a credential (the bearer token, any header the caller adds) that would go over
 *   plain http to another host than this machine.
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

/** The code a RemoteError carries as a UserFacingError: its kind, prefixed. */
export type RemoteErrorCode = `remote-${RemoteErrorKind}`;

export class RemoteError extends UserFacingError<RemoteErrorCode> {
  readonly service: string;
  readonly kind: RemoteErrorKind;
  /** The URL asked, as messages show it (serverUrl): without credentials; JSON APIs also without query string or fragment. */
  readonly url: string;
  declare readonly status?: number;
  /** What the server's Retry-After asked for, in milliseconds (before any cap). */
  declare readonly retryAfterMs?: number;
  declare readonly remote?: RemoteErrorBody;
  declare readonly attempts?: number;

  /**
   * `message`: remoteMessage(...) (what main/remote gives); an English sentence is shown in
   * English only. Either must already be safe to show.
   */
  constructor(service: string, kind: RemoteErrorKind, url: string, message: Message | string, details: RemoteErrorDetails = {}) {
    super(`remote-${kind}`, message, details.cause === undefined ? undefined : { cause: details.cause });
    this.service = service;
    this.kind = kind;
    this.url = serverUrl(service, url);
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

/**
 * "the timestamp server at https://tsa.example/": how a server is named in English outside the
 * catalog (the `server` labels main/cms takes, logs). Messages name it with remoteMessage.
 */
export function describeServer(service: string, url: string): string {
  const label = LABELS[service] ?? (SERVICE_NAME.test(service) ? `the ${service} service` : 'the service');
  return `${label} at ${serverUrl(service, url)}`;
}

/** The trust services, whose URLs come from certificates (AIA, CRL distribution points) or the TSA setting. */
const TRUST_SERVICES: ReadonlySet<string> = new Set(['tsa', 'ocsp', 'crl', 'issuer']);

/**
 * A URL as messages and RemoteError.url show it. Trust services: as written (the URL a certificate
 * names, query included: "http://ca.example/getcrl?id=7"), only control characters scrubbed and
 * user:password@ removed. JSON APIs: displayUrl (no query string or fragment, where API keys and
 * tokens travel; bounded).
 */
function serverUrl(service: string, url: string): string {
  return TRUST_SERVICES.has(service) ? boundedText(withoutCredentials(url), Infinity) : displayUrl(url);
}

/** The URL without the user:password@ of its authority. */
function withoutCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:[/\\]{2})[^/\\?#]*@/i, '$1');
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
  return boundedText(withoutCredentials(url.replace(/[?#][\s\S]*$/, '')), MAX_URL_CHARS);
}

/** Server text in errors: control characters become spaces, runs of spaces one, at most `max` characters. */
export function boundedText(text: string, max = 300): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').replace(/ {2,}/g, ' ').trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/**
 * Every occurrence of each secret (at least 4 characters) replaced with "[redacted]": in any case
 * (the transport lower-cases a content type), also as boundedText shows it (control characters
 * and runs of spaces made one space), and at the end of text boundedText cut short ("…"), where
 * only the secret's start is left.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  // Longest first: "Bearer <token>" goes as a whole before the token alone.
  for (const secret of [...secrets].sort((x, y) => y.length - x.length)) {
    for (const form of new Set([secret, boundedText(secret, Infinity)])) {
      if (form.length >= 4) out = out.replace(new RegExp(form.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi'), REDACTED);
    }
    if (secret.length >= 4 && out.endsWith('…')) {
      const kept = out.slice(0, -1);
      const start = secret.toLowerCase();
      for (let n = Math.min(secret.length - 1, kept.length); n >= 4; n--) {
        if (start.startsWith(kept.slice(-n).toLowerCase())) {
          out = `${kept.slice(0, -n)}${REDACTED}…`;
          break;
        }
      }
    }
  }
  return out;
}

const REDACTED = '[redacted]';

/**
 * What a remote failure says beyond naming the server, sentence by sentence (the error.remote.*
 * messages): `say` picks the message, `why` the variant, the rest are its arguments.
 */
export type RemoteSaid =
  | { say: 'unreachable'; why: 'invalidUrl' | 'scheme' | 'refused' | 'notFound' | 'closed' | 'noRoute' }
  /** tls: the certificate problem (an OpenSSL code); other: the network error's code or words. */
  | { say: 'unreachable'; why: 'tls' | 'other'; detail: string }
  | { say: 'not-contacted'; why: 'host'; host: string }
  | { say: 'not-contacted'; why: 'count'; count: number }
  | { say: 'not-contacted'; why: 'time'; ms: number }
  | { say: 'not-contacted'; why: 'plainHttp' }
  | { say: 'timeout'; why: 'connect' }
  | { say: 'timeout'; why: 'deadline'; ms: number }
  /** text: the status line's reason phrase; detail: what the error body said (both may be empty). */
  | { say: 'http-status'; status: number; text: string; detail: string }
  /** size: what the server announced (Content-Length), absent when it streamed more than `max`. */
  | { say: 'too-large'; size?: number; max: number }
  | { say: 'bad-response'; why: 'type'; contentType: string }
  | { say: 'bad-response'; why: 'deep'; depth: number }
  | { say: 'bad-response'; why: 'noType' | 'notUtf8' | 'parse' }
  | { say: 'cancelled' };

/**
 * The catalog message of a remote failure: the one place main/remote words its errors. Every
 * message names the server as the error.cms.* ones do: `service` (a known one in words, any other
 * lower-case word as "the <service> service", anything else "the service"), and `named` (yes when
 * there is a URL to show) with `url`.
 */
export function remoteMessage(service: string, url: string, said: RemoteSaid): Message {
  const shown = serverUrl(service, url);
  const server = { service: SERVICE_NAME.test(service) ? service : 'unnamed', named: shown ? 'yes' : 'no', url: shown };
  switch (said.say) {
    case 'unreachable':
      return msg('error.remote.unreachable', { ...server, why: said.why, ...('detail' in said ? { detail: said.detail } : {}) });
    case 'not-contacted': {
      const more: MessageParams = said.why === 'host' ? { host: said.host } : said.why === 'count' ? { count: said.count } : said.why === 'time' ? { seconds: said.ms / 1000 } : {};
      return msg('error.remote.not-contacted', { ...server, why: said.why, ...more });
    }
    case 'timeout':
      return msg('error.remote.timeout', { ...server, why: said.why, ...(said.why === 'deadline' ? { seconds: said.ms / 1000 } : {}) });
    case 'http-status':
      return msg('error.remote.http-status', {
        ...server,
        status: said.status,
        texted: said.text ? 'yes' : 'no',
        text: said.text,
        detailed: said.detail ? 'yes' : 'no',
        detail: said.detail,
      });
    case 'too-large':
      return msg('error.remote.too-large', {
        ...server,
        declared: said.size === undefined ? 'no' : 'yes',
        ...(said.size === undefined ? {} : sizeParams(said.size, 'size')),
        ...sizeParams(said.max, 'max'),
      });
    case 'bad-response': {
      const more: MessageParams = said.why === 'type' ? { contentType: said.contentType } : said.why === 'deep' ? { depth: said.depth } : {};
      return msg('error.remote.bad-response', { ...server, why: said.why, ...more });
    }
    case 'cancelled':
      return msg('error.remote.cancelled', server);
  }
}

/** A RemoteError worded by remoteMessage: how main/remote makes its errors. */
export function remoteError(service: string, kind: RemoteErrorKind, url: string, said: RemoteSaid, details?: RemoteErrorDetails): RemoteError {
  return new RemoteError(service, kind, url, remoteMessage(service, url, said), details);
}

/** A size as messages give it: MB (one decimal at most) from 1 MiB, else KB rounded up; `name` and `nameUnit`. */
function sizeParams(bytes: number, name: string): MessageParams {
  const mib = 1024 * 1024;
  return bytes >= mib
    ? { [name]: Number((bytes / mib).toFixed(1)), [`${name}Unit`]: 'mb' }
    : { [name]: Math.ceil(bytes / 1024), [`${name}Unit`]: 'kb' };
}
