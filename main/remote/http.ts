// The one HTTP client of the trust services (TSA, OCSP, CRL, AIA caIssuers): node:http(s) with
// an overall deadline, a response size limit, no connection reuse (every exchange is one request
// on its own connection, which `openssl ocsp` and many small responders expect), TLS verification
// always on (Node's defaults: the request options never touch rejectUnauthorized), and failures
// turned into CmsError with a service-specific code and a sentence that names the server and URL.
import { AsyncLocalStorage } from 'node:async_hooks';
import { request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { capitalize } from '../cms/engine';
import { CmsError } from '../cms/errors';
import type { CmsErrorCode } from '../cms/errors';

export type TrustService = 'tsa' | 'ocsp' | 'crl' | 'issuer';

const LABEL: Record<TrustService, string> = {
  tsa: 'the timestamp server',
  ocsp: 'the OCSP responder',
  crl: 'the CRL server',
  issuer: 'the CA certificate server',
};

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

const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_MAX_BYTES = 1024 * 1024;

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

/** Counts one exchange to `url` against the current policy; the refusal when it is not allowed. */
function admit(exchange: HttpExchange, url: string): CmsError | null {
  const state = currentPolicy.getStore();
  if (!state) return null;
  const label = capitalize(serverLabel(exchange.service, url));
  const host = hostOf(url);
  if (host === null) return new CmsError(code(exchange.service, 'unreachable'), `${label} cannot be reached (only http and https URLs are supported).`);
  if (state.policy.allowedHosts && !state.policy.allowedHosts.has(host)) {
    return new CmsError(code(exchange.service, 'unreachable'), `${label} was not contacted: ${host} is not among the servers you agreed to contact.`);
  }
  if (state.used >= state.policy.maxFetches) {
    return new CmsError(code(exchange.service, 'unreachable'), `${label} was not contacted: this check already made ${state.policy.maxFetches} requests, the most allowed.`);
  }
  if (Date.now() >= state.deadline) {
    return new CmsError(code(exchange.service, 'timeout'), `${label} was not contacted: this check ran out of its ${secondsText(state.policy.totalMs)}.`);
  }
  state.used += 1;
  return null;
}

/** The time left for this exchange: its own deadline, or less when the current policy's ends first. */
function remainingBudget(deadline: number): number {
  const state = currentPolicy.getStore();
  return Math.max(1, Math.min(deadline, state?.deadline ?? Infinity) - Date.now());
}

/** "The timestamp server at http://...": how messages name a server. */
export function serverLabel(service: TrustService, url: string): string {
  return `${LABEL[service]} at ${url}`;
}

/**
 * Makes one HTTP exchange and returns a 2xx reply. Errors (CmsError): `<service>-unreachable`,
 * `<service>-timeout`, `<service>-http-error` (non-2xx), `<service>-bad-response` (too large),
 * `cancelled` (the signal fired).
 */
export async function httpExchange(exchange: HttpExchange): Promise<HttpReply> {
  const timeoutMs = exchange.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  const maxRedirects = exchange.maxRedirects ?? 3;
  let url = exchange.url;
  for (let hop = 0; ; hop++) {
    const refused = admit(exchange, url);
    if (refused) throw refused;
    const reply = await once({ ...exchange, url }, remainingBudget(deadline), timeoutMs);
    const location = reply.location;
    const redirect = location !== undefined && (exchange.method === 'GET' ? [301, 302, 303, 307, 308] : [307, 308]).includes(reply.status);
    if (redirect && hop < maxRedirects) {
      url = new URL(location, url).toString();
      continue;
    }
    if (reply.status < 200 || reply.status > 299) {
      const label = capitalize(serverLabel(exchange.service, exchange.url));
      throw new CmsError(code(exchange.service, 'http-error'), `${label} answered HTTP ${reply.status}${reply.statusText ? ` (${reply.statusText})` : ''}.`);
    }
    return { status: reply.status, contentType: reply.contentType, body: reply.body, url };
  }
}

interface RawReply {
  status: number;
  statusText: string;
  contentType: string;
  location?: string;
  body: Uint8Array;
}

function once(exchange: HttpExchange, remainingMs: number, timeoutMs: number): Promise<RawReply> {
  const label = capitalize(serverLabel(exchange.service, exchange.url));
  const maxBytes = exchange.maxBytes ?? DEFAULT_MAX_BYTES;
  let target: URL;
  try {
    target = new URL(exchange.url);
  } catch {
    return Promise.reject(new CmsError(code(exchange.service, 'unreachable'), `${label} cannot be reached (the URL is not valid).`));
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    return Promise.reject(new CmsError(code(exchange.service, 'unreachable'), `${label} cannot be reached (only http and https URLs are supported).`));
  }
  if (exchange.signal?.aborted) return Promise.reject(cancelled(exchange));

  return new Promise<RawReply>((resolve, reject) => {
    let settled = false;
    const finish = (error: Error | null, reply?: RawReply): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      exchange.signal?.removeEventListener('abort', onAbort);
      if (error) {
        req.destroy();
        reject(error);
      } else resolve(reply as RawReply);
    };
    const headers: Record<string, string | number> = { 'user-agent': 'Paraphe', connection: 'close' };
    if (exchange.accept) headers.accept = exchange.accept;
    if (exchange.body) {
      headers['content-type'] = exchange.contentType ?? 'application/octet-stream';
      headers['content-length'] = exchange.body.length;
    }
    // agent: false — a fresh connection, closed after the reply. TLS options are Node's defaults:
    // certificates are always verified against the system/bundled CAs.
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(target, { method: exchange.method, headers, agent: false }, (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      const contentType = (res.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
      const declared = Number(res.headers['content-length'] ?? NaN);
      if (Number.isFinite(declared) && declared > maxBytes) {
        finish(new CmsError(code(exchange.service, 'bad-response'), `${label} sent ${sizeText(declared)}, more than the ${sizeText(maxBytes)} accepted.`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) finish(new CmsError(code(exchange.service, 'bad-response'), `${label} sent more than the ${sizeText(maxBytes)} accepted.`));
        else chunks.push(chunk);
      });
      res.on('end', () => {
        const body = new Uint8Array(Buffer.concat(chunks));
        const location = typeof res.headers.location === 'string' ? res.headers.location : undefined;
        finish(null, { status, statusText: res.statusMessage ?? '', contentType, body, ...(location ? { location } : {}) });
      });
      res.on('error', (e) => finish(networkError(exchange, label, e)));
      res.on('close', () => {
        if (!res.complete) finish(networkError(exchange, label, Object.assign(new Error('the connection was closed'), { code: 'ECONNRESET' })));
      });
    });
    req.on('error', (e) => finish(networkError(exchange, label, e)));
    const timer = setTimeout(
      () => finish(new CmsError(code(exchange.service, 'timeout'), `${label} did not answer within ${secondsText(timeoutMs)}.`)),
      remainingMs,
    );
    const onAbort = (): void => finish(cancelled(exchange));
    exchange.signal?.addEventListener('abort', onAbort, { once: true });
    req.end(exchange.body ? Buffer.from(exchange.body.buffer, exchange.body.byteOffset, exchange.body.length) : undefined);
  });
}

const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_REVOKED', 'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE', 'HOSTNAME_MISMATCH',
]);

function networkError(exchange: HttpExchange, label: string, error: Error & { code?: string }): CmsError {
  const errno = error.code ?? '';
  if (errno === 'ETIMEDOUT') {
    return new CmsError(code(exchange.service, 'timeout'), `${label} did not answer in time (connection timed out).`, { cause: error });
  }
  let why: string;
  if (errno === 'ECONNREFUSED') why = 'connection refused';
  else if (errno === 'ENOTFOUND' || errno === 'EAI_AGAIN') why = 'host not found';
  else if (errno === 'ECONNRESET' || errno === 'EPIPE') why = 'the connection was closed';
  else if (errno === 'EHOSTUNREACH' || errno === 'ENETUNREACH') why = 'no route to the host';
  else if (TLS_CODES.has(errno) || /certificate/i.test(error.message)) why = `its TLS certificate is not trusted: ${errno || error.message}`;
  else why = errno || error.message;
  return new CmsError(code(exchange.service, 'unreachable'), `${label} cannot be reached (${why}).`, { cause: error });
}

function cancelled(exchange: HttpExchange): CmsError {
  return new CmsError('cancelled', `The request to ${serverLabel(exchange.service, exchange.url)} was cancelled.`);
}

function code(service: TrustService, kind: 'unreachable' | 'timeout' | 'http-error' | 'bad-response'): CmsErrorCode {
  return `${service}-${kind}` as CmsErrorCode;
}

function sizeText(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(bytes % (1024 * 1024) === 0 ? 0 : 1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}

function secondsText(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
