// JSON over HTTPS for the REST APIs of signing and certificate services (Cloud Signature
// Consortium API v1.0.4.0, CertEurope CertSign, DigiCert CertCentral): one call, `exchangeJson`,
// on the transport of http.ts (one connection per attempt, TLS always verified, the fetch policy
// counts every attempt), with a bearer token that never reaches an error, bounded retries for
// what a retry can fix, bounded and depth-checked JSON, and error bodies read into RemoteError.
//
// Deadlines: `timeoutMs` (default 15 s) bounds the whole exchange, retries and waits included;
// `attemptTimeoutMs` (default: the same) bounds each attempt. No wait ever runs past the overall
// deadline or the fetch policy's: when it would, the last failure is thrown at once.
//
// Retries (at most `retry.attempts`, default 3 attempts in all):
// - any method: 429 and 503 (the server says it did not process the request);
// - idempotent requests only (GET, PUT, DELETE, or POST with `idempotent: true`): 502, 504, a
//   connection refused or reset, and an attempt that ran out of its own deadline;
// - never: other statuses, TLS failures, host not found, a 2xx that is not JSON, the caller's abort.
// The wait before a retry is the server's Retry-After (delta-seconds or an HTTP date) when it sent
// one, else `baseMs` * 2^(retry - 1) plus a random jitter of up to as much again; either is capped
// at `maxDelayMs` (default 10 s). `onRetry` is told of each wait before it starts.
//
// Redirects are not followed (an API that moves answers 3xx: `http-status`), so a bearer token
// never goes to a host the caller did not name. Credentials are never sent over plain http, except
// to this machine (loopback; tests, local gateways), and never shown in an error: the bearer token,
// and every header the caller adds, whatever its name (Authorization, CertCentral's X-DC-DEVKEY,
// an X-API-Key...), since only the caller knows which ones are secret: a request with any of them
// goes over https (or loopback) only, and their values (and the credentials after an auth scheme,
// Basic's password) are redacted from its errors, with `secrets` (a PIN or client secret in the body).
//
// Trust anchors: `ca` replaces, for this exchange only, the store TLS verifies against with Node's
// bundled roots (tls.rootCertificates) plus the PEM certificates given: verification stays on, but
// certificates added by NODE_EXTRA_CA_CERTS (or the system store, with --use-system-ca) are not
// trusted for that exchange. The tests use it with a CA they generate (NODE_EXTRA_CA_CERTS would
// have to be set before the process starts).
//
// Headers the transport owns, whatever the caller says: host, connection, content-length,
// transfer-encoding (dropped) and user-agent (always "Paraphe").
import { msg } from '../errors';
import { admit, cancelled, DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT_MS, parseTarget, remainingBudget, sendOnce, statusError } from './http';
import type { HttpMethod, RawReply } from './http';
import { boundedText, redact, RemoteError, remoteError, SERVICE_NAME } from './errors';
import type { RemoteErrorBody, RemoteErrorKind, RemoteSaid } from './errors';

/** The methods of the transport. */
export type JsonMethod = HttpMethod;

export interface RetryPolicy {
  /** Attempts in all, the first included: a whole number, at least 1. Default 3; 1 never retries. */
  attempts?: number;
  /** The first back-off (doubled at each retry, plus up to as much again of jitter): finite, at least 0. Default 250 ms. */
  baseMs?: number;
  /** The longest wait between two attempts, Retry-After included: finite, at least 0. Default 10 s. */
  maxDelayMs?: number;
}

/** What onRetry is told before each wait. */
export interface RetryInfo {
  /** The attempt that failed: 1 for the first. */
  attempt: number;
  /** The wait before the next attempt, in milliseconds: Retry-After or the back-off, capped at maxDelayMs. */
  delayMs: number;
  /** The failure's HTTP status, when there was an answer. */
  status?: number;
  kind: RemoteErrorKind;
}

export interface JsonExchange {
  /** Who is asked, a lower-case word ('csc', 'certsign', 'certcentral'): names the server in messages. */
  service: string;
  /** http: or https:. The query string is sent but never shown in errors. */
  url: string;
  method: JsonMethod;
  /** Serialized with JSON.stringify and sent as application/json (not with GET). */
  body?: unknown;
  /**
   * Sent as application/x-www-form-urlencoded instead (OAuth 2.0 token and revocation endpoints,
   * RFC 6749 4.1.3); not with `body`, not with GET. The values of `client_secret`, `code`,
   * `code_verifier`, `refresh_token`, `token` and `password` are secrets (as are `secrets`).
   */
  form?: Readonly<Record<string, string>>;
  /** OAuth access token, sent as `Authorization: Bearer`; never logged, never in an error. */
  bearer?: string;
  /**
   * More request headers, each one a credential: never sent over plain http except to loopback,
   * its value never in an error. Reserved, dropped: host, connection, content-length,
   * transfer-encoding, and user-agent (the transport always sends "Paraphe").
   */
  headers?: Readonly<Record<string, string>>;
  /**
   * More values never to show in an error (a PIN or client secret sent in the body); at least 4
   * characters. A request that carries any is refused over plain http but to loopback.
   */
  secrets?: readonly string[];
  /** Deadline of the whole exchange, retries and waits included. Default 15 s. */
  timeoutMs?: number;
  /** Deadline of each attempt. Default (and at most) timeoutMs. */
  attemptTimeoutMs?: number;
  /** Largest accepted response body. Default 1 MiB. */
  maxBytes?: number;
  signal?: AbortSignal;
  /** A POST the server can safely receive twice. Default: true for GET, PUT and DELETE, false for POST. */
  idempotent?: boolean;
  /** false: a single attempt. */
  retry?: RetryPolicy | false;
  /**
   * PEM trust anchors (a private CA, the tests). Verification stays on, against Node's bundled
   * roots plus these: for this exchange they replace the default store, so NODE_EXTRA_CA_CERTS's
   * certificates are not trusted.
   */
  ca?: readonly string[];
  /**
   * Told before each wait between two attempts: which attempt failed, why, and how long the wait
   * is (a UI can say "retrying in 3 s"; the tests check the waits asked for without timing them).
   * Not called when no retry follows. What it throws ends the exchange.
   */
  onRetry?: (info: RetryInfo) => void;
}

export interface JsonReply<T> {
  status: number;
  /** The parsed body, unchecked: validate it before use. null for 204 and 205. */
  json: T;
  /** Response headers, lower-case names. */
  headers: Readonly<Record<string, string>>;
}

const DEFAULT_ATTEMPTS = 3;
const DEFAULT_BASE_MS = 250;
const DEFAULT_MAX_DELAY_MS = 10_000;
/** Deepest nesting of arrays and objects accepted in a JSON body. */
const MAX_JSON_DEPTH = 64;
/** Headers the transport owns (sendOnce sets user-agent, connection and content-length itself). */
const RESERVED_HEADERS = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'user-agent']);
/** Form fields whose values are credentials (RFC 6749, RFC 7009). */
const SECRET_FORM_FIELDS = new Set(['client_secret', 'code', 'code_verifier', 'refresh_token', 'token', 'password']);
/** Network failures after which an idempotent request is sent again. */
const RETRY_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE']);

/**
 * Sends one JSON request (with the retries above) and returns the 2xx answer, parsed. TypeError,
 * before anything is sent, for a request that makes no sense: a service that is no lower-case word,
 * a GET with a body, retry settings out of range (attempts not a whole number ≥ 1, baseMs or
 * maxDelayMs negative or not finite), a timeoutMs, attemptTimeoutMs or maxBytes not above 0. Errors:
 * RemoteError of kind `bad-url`, `not-allowed`, `unreachable`, `tls`, `timeout`, `aborted`,
 * `rate-limited` (429), `unauthorized` (401, 403), `http-status` (any other non-2xx; with the
 * error body's `remote`), `too-large`, `bad-response` (a 2xx that is not JSON).
 */
export async function exchangeJson<T = unknown>(exchange: JsonExchange): Promise<JsonReply<T>> {
  const { service, url, method } = exchange;
  if (!SERVICE_NAME.test(service)) throw new TypeError('exchangeJson: service must be a lower-case word');
  if (method === 'GET' && (exchange.body !== undefined || exchange.form !== undefined)) throw new TypeError('exchangeJson: a GET request has no body');
  if (exchange.body !== undefined && exchange.form !== undefined) throw new TypeError('exchangeJson: a body or a form, not both');
  const timeoutMs = exchange.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const retry = exchange.retry === false ? { attempts: 1 } : (exchange.retry ?? {});
  const maxAttempts = retry.attempts ?? DEFAULT_ATTEMPTS;
  const baseMs = retry.baseMs ?? DEFAULT_BASE_MS;
  const maxDelayMs = retry.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
  // NaN or a negative number would never end the retry loop but at the deadline: refused.
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new TypeError('exchangeJson: retry.attempts must be a whole number of at least 1');
  if (!Number.isFinite(baseMs) || baseMs < 0) throw new TypeError('exchangeJson: retry.baseMs must be a finite number of at least 0');
  if (!Number.isFinite(maxDelayMs) || maxDelayMs < 0) throw new TypeError('exchangeJson: retry.maxDelayMs must be a finite number of at least 0');
  for (const [name, value] of [['timeoutMs', timeoutMs], ['attemptTimeoutMs', exchange.attemptTimeoutMs], ['maxBytes', exchange.maxBytes]] as const) {
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) throw new TypeError(`exchangeJson: ${name} must be a finite number above 0`);
  }
  const attemptTimeoutMs = Math.min(exchange.attemptTimeoutMs ?? timeoutMs, timeoutMs);
  const deadline = Date.now() + timeoutMs;
  const idempotent = exchange.idempotent ?? method !== 'POST';

  // What must never show: the token, every header value the caller gives, and what it names as secret.
  const secrets: string[] = [...(exchange.secrets ?? [])];
  const headers: Record<string, string> = { accept: 'application/json' };
  let credentials = secrets.length > 0;
  for (const [name, value] of Object.entries(exchange.headers ?? {})) {
    const lower = name.toLowerCase();
    if (RESERVED_HEADERS.has(lower)) continue;
    headers[lower] = value;
    credentials = true;
    secrets.push(...secretsOf(value));
  }
  if (exchange.bearer !== undefined) {
    headers.authorization = `Bearer ${exchange.bearer}`;
    credentials = true;
    secrets.push(exchange.bearer, headers.authorization);
  }
  let body: Uint8Array | undefined;
  if (exchange.form !== undefined) {
    body = new Uint8Array(Buffer.from(new URLSearchParams(exchange.form).toString(), 'utf8'));
    headers['content-type'] = 'application/x-www-form-urlencoded';
    for (const [name, value] of Object.entries(exchange.form)) {
      if (!SECRET_FORM_FIELDS.has(name) || value.length === 0) continue;
      secrets.push(value, encodeURIComponent(value));
      credentials = true;
    }
  } else if (exchange.body !== undefined) {
    body = new Uint8Array(Buffer.from(JSON.stringify(exchange.body), 'utf8'));
    headers['content-type'] = 'application/json';
  }

  // Every failure leaves through the catch below, where the secrets are redacted, once.
  let made = 0;
  try {
    const target = parseTarget(service, url);
    if (credentials && target.protocol === 'http:' && !isLoopback(target.hostname)) {
      throw remoteError(service, 'not-allowed', url, { say: 'not-contacted', why: 'plainHttp' });
    }
    for (let attempt = 1; ; attempt++) {
      if (exchange.signal?.aborted) throw cancelled(service, url);
      const refused = admit(service, url);
      if (refused) throw refused;
      const left = remainingBudget(deadline);
      const attemptBound = attemptTimeoutMs < left;
      let failure: RemoteError;
      let retryable: boolean;
      let retryAfterMs: number | undefined;
      made = attempt;
      try {
        const reply = await sendOnce({
          service,
          url,
          method,
          headers,
          body,
          maxBytes: exchange.maxBytes ?? DEFAULT_MAX_BYTES,
          remainingMs: Math.min(attemptTimeoutMs, left),
          timeoutMs: attemptBound ? attemptTimeoutMs : timeoutMs,
          signal: exchange.signal,
          ca: exchange.ca,
        });
        if (reply.status >= 200 && reply.status <= 299) {
          return { status: reply.status, json: parseReply(service, url, reply) as T, headers: reply.headers };
        }
        retryAfterMs = parseRetryAfter(reply.headers['retry-after']);
        const remote = errorBody(reply);
        failure = statusError(service, url, reply, { ...(retryAfterMs !== undefined ? { retryAfterMs } : {}), ...(remote ? { remote } : {}) });
        retryable = reply.status === 429 || reply.status === 503 || (idempotent && (reply.status === 502 || reply.status === 504));
      } catch (e) {
        // Transport failures, and a 2xx that is not JSON (bad-response: never retried).
        if (!(e instanceof RemoteError)) throw e;
        failure = e;
        const errno = (e.cause as { code?: unknown } | undefined)?.code;
        const connection = e.kind === 'unreachable' && typeof errno === 'string' && RETRY_ERRNOS.has(errno);
        retryable = idempotent && (connection || (e.kind === 'timeout' && attemptBound));
      }
      if (!retryable || attempt >= maxAttempts) throw failure;
      const backoff = baseMs * 2 ** (attempt - 1);
      const delayMs = Math.round(Math.min(maxDelayMs, retryAfterMs ?? backoff + Math.random() * backoff));
      if (delayMs >= remainingBudget(deadline)) throw failure;
      exchange.onRetry?.({ attempt, delayMs, ...(failure.status !== undefined ? { status: failure.status } : {}), kind: failure.kind });
      await sleep(delayMs, exchange.signal, () => cancelled(service, url));
    }
  } catch (e) {
    throw e instanceof RemoteError ? settled(e, made, secrets) : e;
  }
}

/** The body of a 2xx reply, parsed; `bad-response` when it is not JSON. */
function parseReply(service: string, url: string, reply: RawReply): unknown {
  if (reply.status === 204 || reply.status === 205) return null;
  const bad = (said: Extract<RemoteSaid, { say: 'bad-response' }>) => remoteError(service, 'bad-response', url, said, { status: reply.status });
  if (!isJsonType(reply.contentType)) {
    throw bad(reply.contentType ? { say: 'bad-response', why: 'type', contentType: boundedText(reply.contentType, 60) } : { say: 'bad-response', why: 'noType' });
  }
  const text = decodeUtf8(reply.body);
  if (text === null) throw bad({ say: 'bad-response', why: 'notUtf8' });
  if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) throw bad({ say: 'bad-response', why: 'deep', depth: MAX_JSON_DEPTH });
  try {
    return JSON.parse(text);
  } catch {
    // The parser's message quotes the body: not kept.
    throw bad({ say: 'bad-response', why: 'parse' });
  }
}

/** What a JSON error body says, bounded (its secrets are redacted with the rest, by settled); undefined when it says nothing readable. */
function errorBody(reply: RawReply): RemoteErrorBody | undefined {
  if (reply.body.length === 0) return undefined;
  const text = decodeUtf8(reply.body);
  if (text === null || (!isJsonType(reply.contentType) && !/^\s*\{/.test(text)) || jsonDepthExceeds(text, MAX_JSON_DEPTH)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(parsed)) return undefined;
  let error: unknown;
  let description: unknown;
  if (typeof parsed.error === 'string') {
    // CSC and OAuth 2.0 (RFC 6749 5.2): {"error": "invalid_request", "error_description": "..."}
    error = parsed.error;
    description = parsed.error_description;
  } else if (isRecord(parsed.error)) {
    // {"error": {"code": ..., "message": ...}}
    error = parsed.error.code;
    description = parsed.error.message;
  } else if (Array.isArray(parsed.errors) && isRecord(parsed.errors[0])) {
    // DigiCert CertCentral: {"errors": [{"code": "invalid_order", "message": "..."}]}
    error = parsed.errors[0].code;
    description = parsed.errors[0].message;
  } else {
    description = parsed.message;
  }
  const clean = (value: unknown, max: number) =>
    typeof value === 'string' || typeof value === 'number' ? boundedText(String(value), max) : '';
  const remote: RemoteErrorBody = {};
  const code = clean(error, 100);
  const words = clean(description, 300);
  if (code) remote.error = code;
  if (words) remote.description = words;
  return code || words ? remote : undefined;
}

/** @internal exported for the tests. True when arrays and objects nest deeper than `max` (strings skipped): checked before JSON.parse. */
export function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** @internal exported for the tests. Retry-After (RFC 9110 10.2.3): delta-seconds or an HTTP date, in milliseconds from now. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d{1,10}$/.test(text)) return Number(text) * 1000;
  // An HTTP-date starts with the day name (IMF-fixdate, RFC 850, asctime); Date.parse alone takes '-5'.
  if (!/^[A-Za-z]{3,9},? /.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

function isJsonType(contentType: string): boolean {
  return contentType === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(contentType);
}

function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A header value and what in it is secret on its own: the credentials after an auth scheme
 * ("Bearer x", "Basic x", "SSWS x"), and for Basic the decoded user:password and the password.
 */
function secretsOf(value: string): string[] {
  const out = [value];
  const scheme = /^([A-Za-z][\w.+-]*) +(\S+)$/.exec(value.trim());
  const [, name, credentials] = scheme ?? [];
  if (name && credentials) {
    out.push(credentials);
    if (name.toLowerCase() === 'basic') {
      const decoded = Buffer.from(credentials, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon >= 0) out.push(decoded, decoded.slice(colon + 1));
    }
  }
  return out;
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/**
 * The error exchangeJson throws: the one place the request's secrets are redacted, from every text
 * it holds (the message's params, so its sentence in every language; the URL; what the error body
 * said), with how many attempts were made.
 */
function settled(error: RemoteError, attempts: number, secrets: readonly string[]): RemoteError {
  const clean = (text: string) => redact(text, secrets);
  const params = Object.fromEntries(Object.entries(error.params).map(([name, value]) => [name, typeof value === 'string' ? clean(value) : value]));
  const message = error.key === undefined ? msg('error.app.detail', { detail: clean(error.message) }) : { key: error.key, params };
  const said = error.remote;
  const remote: RemoteErrorBody | undefined = said && {
    ...(said.error !== undefined ? { error: clean(said.error) } : {}),
    ...(said.description !== undefined ? { description: clean(said.description) } : {}),
  };
  const tried = attempts >= 1 ? attempts : error.attempts;
  return new RemoteError(error.service, error.kind, clean(error.url), message, {
    ...(error.status !== undefined ? { status: error.status } : {}),
    ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
    ...(remote ? { remote } : {}),
    ...(tried !== undefined ? { attempts: tried } : {}),
    cause: error.cause,
  });
}

function sleep(ms: number, signal: AbortSignal | undefined, onAbort: () => RemoteError): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(onAbort());
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', abort);
      resolve();
    }, ms);
    const abort = (): void => {
      clearTimeout(timer);
      reject(onAbort());
    };
    signal?.addEventListener('abort', abort, { once: true });
  });
}
