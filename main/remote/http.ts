// The HTTP transport of main/remote, and the client of the trust services (TSA, OCSP, CRL, AIA
// caIssuers) on top of it. The transport (`sendOnce`, used here and by json.ts) is node:http(s)
// with a deadline, a response size limit, no connection reuse (every attempt is one request on its
// own connection, which `openssl ocsp` and many small responders expect), TLS verification always
// on (the request options never touch rejectUnauthorized; `ca` only changes the anchors), the fetch
// policy (`withFetchPolicy`) applied to every attempt, and failures as RemoteError. `httpExchange`
// turns those into CmsError with a service-specific code and the sentence that names the server.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { CmsError } from '../cms/errors';
import type { CmsErrorCode } from '../cms/errors';
import { messageOf } from '../errors';
import { boundedText, describeServer, RemoteError, remoteError } from './errors';
import type { RemoteErrorDetails, RemoteErrorKind, RemoteSaid } from './errors';

export type TrustService = 'tsa' | 'ocsp' | 'crl' | 'issuer';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface HttpExchange {
  service: TrustService;
  url: string;
  method: 'GET' | 'POST';
  body?: Uint8Array;
  contentType?: string;
  accept?: string;
  /** Deadline for the whole exchange, redirects included. Default 15 s. */
  timeoutMs?: number;
  /** Largest accepted response body. Default 1 MiB. */
  maxBytes?: number;
  signal?: AbortSignal;
  /** Default 3 (GET follows 301/302/303/307/308; POST only 307/308). */
  maxRedirects?: number;
}

export interface HttpReply {
  status: number;
  /** Lower-case media type without parameters ('' when absent). */
  contentType: string;
  body: Uint8Array;
  /** The URL that answered (after redirects). */
  url: string;
}

/** Deadline of an exchange when the caller gives none (trust services and JSON APIs alike). */
export const DEFAULT_TIMEOUT_MS = 15_000;
/** Largest response body accepted when the caller gives no limit. */
export const DEFAULT_MAX_BYTES = 1024 * 1024;

/**
 * Bounds for every exchange made inside one piece of work (an online check of a document the app
 * opened): which hosts may be contacted (the ones the user confirmed), how many exchanges in all,
 * and an overall deadline. Outside `withFetchPolicy` (the CLI's --online, signing) there are none
 * beyond each exchange's own.
 */
export interface FetchPolicy {
  /** Host names (lower case, no port) that may be contacted, redirects included; absent: any. */
  allowedHosts?: ReadonlySet<string>;
  /** Exchanges allowed in all (redirect hops count). */
  maxFetches: number;
  /** Milliseconds from the start of the work after which no exchange is started or continued. */
  totalMs: number;
}

interface PolicyState {
  policy: FetchPolicy;
  used: number;
  deadline: number;
}

const currentPolicy = new AsyncLocalStorage<PolicyState>();

/** Runs `work` with every HTTP exchange it makes bound by `policy`. */
export function withFetchPolicy<T>(policy: FetchPolicy, work: () => Promise<T>): Promise<T> {
  return currentPolicy.run({ policy, used: 0, deadline: Date.now() + policy.totalMs }, work);
}

/** The host a URL names, as FetchPolicy.allowedHosts lists them; null for anything but http(s). */
export function hostOf(url: string): string | null {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
    return parsed.hostname.toLowerCase();
  } catch {
    return null;
  }
}

/**
 * Counts one attempt to `url` against the current policy; the refusal when it is not allowed:
 * `not-allowed` (host not agreed, too many requests), `bad-url`, or `timeout` (the policy's time is up).
 */
export function admit(service: string, url: string): RemoteError | null {
  const state = currentPolicy.getStore();
  if (!state) return null;
  const fail = (kind: RemoteErrorKind, said: RemoteSaid) => remoteError(service, kind, url, said);
  const host = hostOf(url);
  if (host === null) return fail('bad-url', { say: 'unreachable', why: 'scheme' });
  if (state.policy.allowedHosts && !state.policy.allowedHosts.has(host)) return fail('not-allowed', { say: 'not-contacted', why: 'host', host });
  if (state.used >= state.policy.maxFetches) return fail('not-allowed', { say: 'not-contacted', why: 'count', count: state.policy.maxFetches });
  if (Date.now() >= state.deadline) return fail('timeout', { say: 'not-contacted', why: 'time', ms: state.policy.totalMs });
  state.used += 1;
  return null;
}

/** When the current fetch policy's time is up (Infinity outside withFetchPolicy). */
function policyDeadline(): number {
  return currentPolicy.getStore()?.deadline ?? Infinity;
}

/** The time left for this exchange: its own deadline, or less when the current policy's ends first. */
export function remainingBudget(deadline: number): number {
  return Math.max(1, Math.min(deadline, policyDeadline()) - Date.now());
}

/** "The timestamp server at http://...": how messages name a server (describeServer, for the trust services). */
export const serverLabel: (service: TrustService, url: string) => string = describeServer;

/**
 * Makes one HTTP exchange and returns a 2xx reply. Errors (CmsError): `<service>-unreachable`,
 * `<service>-timeout`, `<service>-http-error` (non-2xx), `<service>-bad-response` (too large),
 * `cancelled` (the signal fired). The RemoteError behind each one is its `cause`.
 */
export async function httpExchange(exchange: HttpExchange): Promise<HttpReply> {
  try {
    return await trustExchange(exchange);
  } catch (e) {
    throw e instanceof RemoteError ? toCmsError(exchange.service, e) : e;
  }
}

async function trustExchange(exchange: HttpExchange): Promise<HttpReply> {
  const timeoutMs = exchange.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  const maxRedirects = exchange.maxRedirects ?? 3;
  const headers: Record<string, string> = {};
  if (exchange.accept) headers.accept = exchange.accept;
  if (exchange.body) headers['content-type'] = exchange.contentType ?? 'application/octet-stream';
  let url = exchange.url;
  for (let hop = 0; ; hop++) {
    const refused = admit(exchange.service, url);
    if (refused) throw refused;
    const reply = await sendOnce({
      service: exchange.service,
      url,
      method: exchange.method,
      headers,
      body: exchange.body,
      maxBytes: exchange.maxBytes ?? DEFAULT_MAX_BYTES,
      remainingMs: remainingBudget(deadline),
      timeoutMs,
      signal: exchange.signal,
    });
    const location = reply.location;
    const redirect = location !== undefined && (exchange.method === 'GET' ? [301, 302, 303, 307, 308] : [307, 308]).includes(reply.status);
    if (redirect && hop < maxRedirects) {
      url = new URL(location, url).toString();
      continue;
    }
    if (reply.status < 200 || reply.status > 299) throw statusError(exchange.service, exchange.url, reply);
    return { status: reply.status, contentType: reply.contentType, body: reply.body, url };
  }
}

/** The CmsError code of each kind, for a trust service. */
const CMS_SUFFIX: Record<Exclude<RemoteErrorKind, 'aborted'>, 'unreachable' | 'timeout' | 'http-error' | 'bad-response'> = {
  'bad-url': 'unreachable',
  'not-allowed': 'unreachable',
  unreachable: 'unreachable',
  tls: 'unreachable',
  timeout: 'timeout',
  'http-status': 'http-error',
  'rate-limited': 'http-error',
  unauthorized: 'http-error',
  'too-large': 'bad-response',
  'bad-response': 'bad-response',
};

/** The CmsError a trust-service caller has always seen: same code, same sentence, now a catalog message (the RemoteError's). */
function toCmsError(service: TrustService, error: RemoteError): CmsError {
  const code: CmsErrorCode = error.kind === 'aborted' ? 'cancelled' : `${service}-${CMS_SUFFIX[error.kind]}`;
  return new CmsError(code, messageOf(error), { cause: error });
}

/** One attempt: one request on its own connection (internal to main/remote: http.ts, json.ts). */
export interface Attempt {
  service: string;
  url: string;
  method: HttpMethod;
  /** Lower-case names. user-agent ("Paraphe"), connection and content-length are set here, over the caller's. */
  headers?: Readonly<Record<string, string>>;
  body?: Uint8Array;
  maxBytes: number;
  /** How long this attempt may take. */
  remainingMs: number;
  /** The deadline the timeout message names. */
  timeoutMs: number;
  signal?: AbortSignal;
  /**
   * PEM trust anchors: verification (always on) is then against Node's bundled roots
   * (tls.rootCertificates) plus these, instead of the default store, so NODE_EXTRA_CA_CERTS's
   * certificates are not trusted for this attempt.
   */
  ca?: readonly string[];
}

export interface RawReply {
  status: number;
  statusText: string;
  contentType: string;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  location?: string;
  body: Uint8Array;
}

/**
 * The URL of an exchange, parsed; `bad-url` (nothing is sent) when it is not a valid http: or
 * https: URL. The one check of sendOnce and exchangeJson.
 */
export function parseTarget(service: string, url: string): URL {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw remoteError(service, 'bad-url', url, { say: 'unreachable', why: 'invalidUrl' });
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw remoteError(service, 'bad-url', url, { say: 'unreachable', why: 'scheme' });
  }
  return target;
}

/** Sends one request and reads the whole reply (any status), within the limits. Errors: RemoteError. */
export async function sendOnce(attempt: Attempt): Promise<RawReply> {
  const { service, url, maxBytes } = attempt;
  const target = parseTarget(service, url);
  if (attempt.signal?.aborted) throw cancelled(service, url);

  return new Promise<RawReply>((resolve, reject) => {
    let settled = false;
    const finish = (error: Error | null, reply?: RawReply): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      attempt.signal?.removeEventListener('abort', onAbort);
      if (error) {
        req.destroy();
        reject(error);
      } else resolve(reply as RawReply);
    };
    const headers: Record<string, string | number> = { ...attempt.headers, 'user-agent': 'Paraphe', connection: 'close' };
    if (attempt.body) headers['content-length'] = attempt.body.length;
    // agent: false — a fresh connection, closed after the reply. TLS: Node's defaults, certificates
    // always verified against the default store; with `ca`, against the bundled roots plus `ca`
    // (Node's `ca` option replaces the store: NODE_EXTRA_CA_CERTS is left out, so it is kept out here too).
    // Loaded on first use: node:http, node:https and node:tls are a tenth of a command's start-up,
    // and most commands (a B-B signature, `info`) never go online.
    const send = target.protocol === 'https:' ? process.getBuiltinModule('node:https').request : process.getBuiltinModule('node:http').request;
    const tls = attempt.ca && attempt.ca.length > 0 ? { ca: [...process.getBuiltinModule('node:tls').rootCertificates, ...attempt.ca] } : {};
    const req = send(target, { method: attempt.method, headers, agent: false, ...tls }, (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      const contentType = (res.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
      const declared = Number(res.headers['content-length'] ?? NaN);
      if (Number.isFinite(declared) && declared > maxBytes) {
        finish(remoteError(service, 'too-large', url, { say: 'too-large', size: declared, max: maxBytes }, { status }));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) finish(remoteError(service, 'too-large', url, { say: 'too-large', max: maxBytes }, { status }));
        else chunks.push(chunk);
      });
      res.on('end', () => {
        const body = new Uint8Array(Buffer.concat(chunks));
        const location = typeof res.headers.location === 'string' ? res.headers.location : undefined;
        const statusText = boundedText(res.statusMessage ?? '', 100);
        finish(null, { status, statusText, contentType, headers: flatHeaders(res.headers), body, ...(location ? { location } : {}) });
      });
      res.on('error', (e) => finish(networkError(attempt, e)));
      res.on('close', () => {
        if (!res.complete) finish(networkError(attempt, Object.assign(new Error('the connection was closed'), { code: 'ECONNRESET' })));
      });
    });
    req.on('error', (e) => finish(networkError(attempt, e)));
    const timer = setTimeout(() => finish(remoteError(service, 'timeout', url, { say: 'timeout', why: 'deadline', ms: attempt.timeoutMs })), attempt.remainingMs);
    const onAbort = (): void => finish(cancelled(service, url));
    attempt.signal?.addEventListener('abort', onAbort, { once: true });
    req.end(attempt.body ? Buffer.from(attempt.body.buffer, attempt.body.byteOffset, attempt.body.length) : undefined);
  });
}

/** The RemoteError of a non-2xx reply: `rate-limited` (429), `unauthorized` (401, 403), else `http-status`. */
export function statusError(
  service: string,
  url: string,
  reply: Pick<RawReply, 'status' | 'statusText'>,
  details: Pick<RemoteErrorDetails, 'retryAfterMs' | 'remote' | 'attempts'> = {},
): RemoteError {
  const kind: RemoteErrorKind = reply.status === 429 ? 'rate-limited' : reply.status === 401 || reply.status === 403 ? 'unauthorized' : 'http-status';
  // What the body said is the server's text, quoted as it is (its code, then its description).
  const detail = [details.remote?.error, details.remote?.description?.replace(/[.\s]+$/, '')].filter((t) => t).join(': ');
  return remoteError(service, kind, url, { say: 'http-status', status: reply.status, text: reply.statusText, detail }, { status: reply.status, ...details });
}

function flatHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  return flat;
}

const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_REVOKED', 'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE', 'HOSTNAME_MISMATCH',
]);

function networkError(attempt: Attempt, error: Error & { code?: string }): RemoteError {
  const { service, url } = attempt;
  const errno = error.code ?? '';
  const fail = (kind: RemoteErrorKind, said: RemoteSaid) => remoteError(service, kind, url, said, { cause: error });
  if (errno === 'ETIMEDOUT') return fail('timeout', { say: 'timeout', why: 'connect' });
  if (errno === 'ECONNREFUSED') return fail('unreachable', { say: 'unreachable', why: 'refused' });
  if (errno === 'ENOTFOUND' || errno === 'EAI_AGAIN') return fail('unreachable', { say: 'unreachable', why: 'notFound' });
  if (errno === 'ECONNRESET' || errno === 'EPIPE') return fail('unreachable', { say: 'unreachable', why: 'closed' });
  if (errno === 'EHOSTUNREACH' || errno === 'ENETUNREACH') return fail('unreachable', { say: 'unreachable', why: 'noRoute' });
  const detail = errno || boundedText(error.message, 100);
  if (TLS_CODES.has(errno) || /certificate/i.test(error.message)) return fail('tls', { say: 'unreachable', why: 'tls', detail });
  return fail(/^ERR_(SSL|TLS)_/.test(errno) ? 'tls' : 'unreachable', { say: 'unreachable', why: 'other', detail });
}

/** The caller's signal fired (before or during an attempt, or during a wait between two). */
export function cancelled(service: string, url: string): RemoteError {
  return remoteError(service, 'aborted', url, { say: 'cancelled' });
}
