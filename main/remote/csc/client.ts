// A client of the Cloud Signature Consortium API v1.0.4.0 (the remote signing API DigiCert Document
// Trust Manager serves; any CSC service): `info`, credentials (list with paging, info, sendOTP,
// authorize, extendTransaction) and signatures/signHash. The service's answers are checked field
// by field before use (zod): a missing or mistyped field is `bad-answer`, never a crash later.
// Authorization of the service itself (the access token) is the TokenSource's (oauth.ts); on an
// expired token (401 invalid_token) the client asks it once for a new one and sends again.
//
// Errors: the transport's RemoteError as it is (unreachable, TLS, timeout, 429 after retries...),
// and CscError for what the CSC error table says in words: a wrong PIN or OTP (with the tries the
// service says are left), a locked credential, an expired SAD or token, a refused approval.
import { z } from 'zod';
import { exchangeJson } from '../json';
import { isRemoteError } from '../errors';
import type { RemoteError } from '../errors';
import { CscError, cscErrorOf } from './errors';

/** The access token for the service scope, and a way to get a new one when it expired. */
export interface TokenSource {
  /** A current access token (refreshed before expiry by the source). */
  accessToken(): Promise<string>;
  /** The service said the token is expired or revoked: the next accessToken() must be a new one. */
  invalidate(): void;
}

export interface CscClientOptions {
  /** The service root, before /csc/v1 (for DTM `https://HOST/documentmanager`). */
  root: string;
  tokens: TokenSource;
  /** PEM trust anchors added to Node's roots (a private CA; tests). TLS checks stay on. */
  ca?: readonly string[];
  /** Deadline of each call, retries included (default 30 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64');
const flag = z.union([z.boolean(), z.enum(['true', 'false', 'optional'])]);

export const CscInfo = z.object({
  specs: z.string(),
  name: z.string(),
  logo: z.string().optional(),
  region: z.string().optional(),
  lang: z.string().optional(),
  description: z.string().optional(),
  authType: z.array(z.string()),
  oauth2: z.string().optional(),
  methods: z.array(z.string()),
});
export type CscInfo = z.infer<typeof CscInfo>;

const CredentialList = z.object({ credentialIDs: z.array(z.string()), nextPageToken: z.string().optional() });

export const CscCredentialInfo = z.object({
  description: z.string().optional(),
  key: z.object({
    status: z.enum(['enabled', 'disabled']),
    algo: z.array(z.string()),
    len: z.number().int().positive(),
    curve: z.string().optional(),
  }),
  cert: z
    .object({
      status: z.enum(['valid', 'expired', 'revoked', 'suspended']).optional(),
      certificates: z.array(base64).optional(),
      issuerDN: z.string().optional(),
      serialNumber: z.string().optional(),
      subjectDN: z.string().optional(),
      validFrom: z.string().optional(),
      validTo: z.string().optional(),
    })
    .optional(),
  authMode: z.enum(['implicit', 'explicit', 'oauth2code']),
  SCAL: z.enum(['1', '2']).optional(),
  PIN: z.object({ presence: flag, format: z.enum(['A', 'N']).optional(), label: z.string().optional(), description: z.string().optional() }).optional(),
  OTP: z
    .object({
      presence: flag,
      type: z.enum(['offline', 'online']).optional(),
      format: z.enum(['A', 'N']).optional(),
      label: z.string().optional(),
      description: z.string().optional(),
      ID: z.string().optional(),
      provider: z.string().optional(),
    })
    .optional(),
  multisign: z.number().int().positive(),
  lang: z.string().optional(),
});
export type CscCredentialInfo = z.infer<typeof CscCredentialInfo>;

const Sad = z.object({ SAD: z.string().min(1), expiresIn: z.number().int().positive().optional() });
const Signatures = z.object({ signatures: z.array(base64) });
const Timestamp = z.object({ timestamp: base64.min(1) });

/** A Signature Activation Data: what authorizes `remaining` more signatures with one credential. */
export interface Sad {
  credentialID: string;
  value: string;
  /** When the service said it expires (the spec's default: 3600 s). */
  expiresAt: number;
}

/** What a credential needs at authorization, from credentials/info (authInfo). */
export function needsPin(info: CscCredentialInfo): boolean {
  return info.authMode === 'explicit' && info.PIN !== undefined && String(info.PIN.presence) === 'true';
}

export function needsOtp(info: CscCredentialInfo): boolean {
  return info.authMode === 'explicit' && info.OTP !== undefined && String(info.OTP.presence) === 'true';
}

/** The most credentials/list pages read (a service that never stops paging is refused). */
const MAX_PAGES = 100;
const DEFAULT_TIMEOUT_MS = 30_000;

export class CscClient {
  private readonly root: string;

  constructor(private readonly options: CscClientOptions) {
    this.root = options.root.replace(/\/+$/, '');
  }

  /** The service's description (no token needed): its methods, auth types and OAuth server. */
  async info(): Promise<CscInfo> {
    return this.call('info', { lang: 'en-US' }, CscInfo, { token: false });
  }

  /** Every credential of the signer, all pages read. */
  async listCredentials(): Promise<string[]> {
    const ids: string[] = [];
    let pageToken: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const answer = await this.call('credentials/list', { maxResults: 100, ...(pageToken === undefined ? {} : { pageToken }) }, CredentialList);
      ids.push(...answer.credentialIDs);
      if (!answer.nextPageToken) return [...new Set(ids)];
      if (answer.nextPageToken === pageToken) break;
      pageToken = answer.nextPageToken;
    }
    throw new CscError('bad-answer', 'credentials/list', this.url('credentials/list'), { detail: 'pages' });
  }

  /** A credential: its key, its certificate chain, how it is authorized. */
  async credentialInfo(credentialID: string): Promise<CscCredentialInfo> {
    return this.call('credentials/info', { credentialID, certificates: 'chain', certInfo: true, authInfo: true, lang: 'en-US' }, CscCredentialInfo);
  }

  /** Asks the service to send the credential's online OTP (by SMS or e-mail). */
  async sendOtp(credentialID: string): Promise<void> {
    await this.call('credentials/sendOTP', { credentialID }, z.unknown());
  }

  /**
   * credentials/authorize: a SAD for `numSignatures` signatures (and, at SCAL 2, for these very
   * hashes). The PIN and OTP travel once, in this body, and are never kept.
   */
  async authorize(credentialID: string, request: { numSignatures: number; hashes?: readonly Uint8Array[]; pin?: string; otp?: string; description?: string }): Promise<Sad> {
    const body = {
      credentialID,
      numSignatures: request.numSignatures,
      ...(request.hashes ? { hash: request.hashes.map(b64) } : {}),
      ...(request.pin === undefined ? {} : { PIN: request.pin }),
      ...(request.otp === undefined ? {} : { OTP: request.otp }),
      ...(request.description === undefined ? {} : { description: request.description.slice(0, 500) }),
    };
    const secrets = [request.pin, request.otp].filter((s): s is string => typeof s === 'string' && s.length > 0);
    const answer = await this.call('credentials/authorize', body, Sad, { secrets, timeoutMs: request.pin === undefined && request.otp === undefined ? undefined : DEFAULT_TIMEOUT_MS });
    return { credentialID, value: answer.SAD, expiresAt: Date.now() + (answer.expiresIn ?? 3600) * 1000 };
  }

  /** A new SAD for the rest of the transaction (the old one stops working). */
  async extendTransaction(sad: Sad, hashes?: readonly Uint8Array[]): Promise<Sad> {
    const answer = await this.call('credentials/extendTransaction', { credentialID: sad.credentialID, SAD: sad.value, ...(hashes ? { hash: hashes.map(b64) } : {}) }, Sad, { secrets: [sad.value] });
    return { credentialID: sad.credentialID, value: answer.SAD, expiresAt: Date.now() + (answer.expiresIn ?? 3600) * 1000 };
  }

  /** signatures/signHash: one signature value per hash, in order. */
  async signHash(sad: Sad, hashes: readonly Uint8Array[], algorithms: { hashAlgo: string; signAlgo: string; signAlgoParams?: Uint8Array }): Promise<Uint8Array[]> {
    const body = {
      credentialID: sad.credentialID,
      SAD: sad.value,
      hash: hashes.map(b64),
      hashAlgo: algorithms.hashAlgo,
      signAlgo: algorithms.signAlgo,
      ...(algorithms.signAlgoParams ? { signAlgoParams: b64(algorithms.signAlgoParams) } : {}),
    };
    const answer = await this.call('signatures/signHash', body, Signatures, { secrets: [sad.value] });
    if (answer.signatures.length !== hashes.length) {
      throw new CscError('bad-answer', 'signatures/signHash', this.url('signatures/signHash'), { detail: 'count' });
    }
    return answer.signatures.map((s) => new Uint8Array(Buffer.from(s, 'base64')));
  }

  /** signatures/timestamp (CSC 11.10): an RFC 3161 token over `hash`, to be checked by the caller. */
  async timestamp(hash: Uint8Array, hashAlgo: string, nonce?: string): Promise<Uint8Array> {
    const answer = await this.call('signatures/timestamp', { hash: b64(hash), hashAlgo, ...(nonce === undefined ? {} : { nonce }) }, Timestamp);
    return new Uint8Array(Buffer.from(answer.timestamp, 'base64'));
  }

  private url(method: string): string {
    return `${this.root}/csc/v1/${method}`;
  }

  private async call<T>(method: string, body: unknown, schema: z.ZodType<T>, options: { token?: boolean; secrets?: string[]; timeoutMs?: number } = {}): Promise<T> {
    const url = this.url(method);
    const send = async (): Promise<unknown> => {
      const bearer = options.token === false ? undefined : await this.options.tokens.accessToken();
      const reply = await exchangeJson({
        service: 'csc',
        url,
        method: 'POST',
        body,
        ...(bearer === undefined ? {} : { bearer }),
        ...(options.secrets && options.secrets.length > 0 ? { secrets: options.secrets } : {}),
        ...(this.options.ca ? { ca: this.options.ca } : {}),
        timeoutMs: options.timeoutMs ?? this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        ...(this.options.signal ? { signal: this.options.signal } : {}),
        // Only reads are sent again after a failure the server may have processed.
        idempotent: method === 'info' || method === 'credentials/list' || method === 'credentials/info',
      });
      return reply.json;
    };
    let json: unknown;
    try {
      json = await send();
    } catch (error) {
      if (options.token !== false && isExpiredToken(error)) {
        this.options.tokens.invalidate();
        try {
          json = await send();
        } catch (again) {
          throw cscErrorOf(again, method, url);
        }
      } else {
        throw cscErrorOf(error, method, url);
      }
    }
    // 204 (sendOTP) answers null.
    const parsed = schema.safeParse(json ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new CscError('bad-answer', method, url, { detail: issue ? issue.path.join('.') || 'body' : 'body' });
    }
    return parsed.data;
  }
}

function isExpiredToken(error: unknown): error is RemoteError {
  return isRemoteError(error, 'unauthorized') && error.status === 401 && (error.remote?.error === 'invalid_token' || error.remote?.error === undefined);
}

function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
