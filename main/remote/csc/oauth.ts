// Service authorization for a CSC service: OAuth 2.0 (RFC 6749) with the authorization code and
// PKCE (RFC 7636) through the system browser and a loopback redirect (RFC 8252: 127.0.0.1, a port
// of the system's choosing, the state checked, the listener closed after one answer), client
// credentials for service accounts, refresh with rotation, revocation (RFC 7009); and the CSC
// `auth/login` with HTTP Basic. Tokens live in memory here; whoever keeps a refresh token (the OS
// keychain) is told of each new one through `onTokens`.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { z } from 'zod';
import { exchangeJson } from '../json';
import { isRemoteError } from '../errors';
import { CscError, cscErrorOf } from './errors';
import type { TokenSource } from './client';

export interface Tokens {
  accessToken: string;
  refreshToken?: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  scope?: string;
}

const TokenAnswer = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.number().positive().optional(),
  refresh_token: z.string().min(1).optional(),
  scope: z.string().optional(),
});

/** A token is refreshed this long before the service would refuse it. */
const REFRESH_MARGIN_MS = 60_000;
/** When the service does not say (RFC 6749 makes expires_in optional): an hour, as DTM's. */
const DEFAULT_LIFETIME_S = 3600;

export interface Transport {
  ca?: readonly string[];
  signal?: AbortSignal;
  timeoutMs?: number;
}

function tokensOf(answer: z.infer<typeof TokenAnswer>): Tokens {
  return {
    accessToken: answer.access_token,
    ...(answer.refresh_token ? { refreshToken: answer.refresh_token } : {}),
    expiresAt: Date.now() + (answer.expires_in ?? DEFAULT_LIFETIME_S) * 1000,
    ...(answer.scope ? { scope: answer.scope } : {}),
  };
}

/** The PKCE pair (RFC 7636 4.1-4.2): a 43-character verifier and its S256 challenge. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier, 'ascii').digest('base64url') };
}

export interface AuthorizationRequest {
  /** info.oauth2: the authorization server's base URI; its endpoints are `${oauth2}/oauth2/...`. */
  oauth2: string;
  clientId: string;
  redirectUri: string;
  scope: 'service' | 'credential';
  state: string;
  challenge: string;
  /** scope=credential (authMode oauth2code): the credential, the signatures, and at SCAL 2 the hashes. */
  credentialID?: string;
  numSignatures?: number;
  hashes?: readonly Uint8Array[];
}

/** The URL the system browser opens (CSC 8.3.2 oauth2/authorize). */
export function authorizationUrl(request: AuthorizationRequest): string {
  const url = new URL(`${request.oauth2.replace(/\/+$/, '')}/oauth2/authorize`);
  const query: Record<string, string> = {
    response_type: 'code',
    client_id: request.clientId,
    redirect_uri: request.redirectUri,
    scope: request.scope,
    code_challenge: request.challenge,
    code_challenge_method: 'S256',
    state: request.state,
  };
  if (request.credentialID !== undefined) query.credentialID = request.credentialID;
  if (request.numSignatures !== undefined) query.numSignatures = String(request.numSignatures);
  if (request.hashes) query.hash = request.hashes.map((h) => Buffer.from(h).toString('base64')).join(',');
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  return url.toString();
}

/** The browser's answer on the loopback listener. */
export interface Redirect {
  code: string;
}

/**
 * A one-answer listener on 127.0.0.1 (a port the system picks) at /callback: `wait()` resolves
 * with the code of the first request there whose state matches, rejects for one that carries an
 * error or another state, or when `timeoutMs` passes or `signal` fires; the listener is closed
 * then, whatever happened. Other paths (a browser's /favicon.ico) get 404 and change nothing.
 */
export async function loopbackRedirect(options: { state: string; timeoutMs: number; signal?: AbortSignal }): Promise<{ redirectUri: string; wait(): Promise<Redirect>; close(): Promise<void> }> {
  const { createServer } = process.getBuiltinModule('node:http');
  let settle: (result: { ok: true; code: string } | { ok: false; error: CscError }) => void = () => undefined;
  const outcome = new Promise<{ ok: true; code: string } | { ok: false; error: CscError }>((resolve) => {
    settle = resolve;
  });
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' || url.pathname !== '/callback') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found');
      return;
    }
    const state = url.searchParams.get('state') ?? '';
    const code = url.searchParams.get('code');
    const error = url.searchParams.get('error');
    const sameState = state.length === options.state.length && timingSafeEqual(Buffer.from(state), Buffer.from(options.state));
    const ok = sameState && !error && code !== null && code.length > 0;
    res.writeHead(ok ? 200 : 400, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(
      ok
        ? '<!doctype html><meta charset="utf-8"><title>Paraphe</title><p>Paraphe is signed in. You can close this window. / Paraphe est connecté : vous pouvez fermer cette fenêtre.</p>'
        : '<!doctype html><meta charset="utf-8"><title>Paraphe</title><p>Paraphe was not signed in. / Paraphe n’est pas connecté.</p>',
    );
    if (ok) settle({ ok: true, code });
    else settle({ ok: false, error: new CscError(error === 'access_denied' ? 'refused' : 'bad-answer', 'oauth2/authorize', redirectUri, { detail: sameState ? (error ?? 'code') : 'state' }) });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const redirectUri = `http://127.0.0.1:${port}/callback`;
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  const wait = async (): Promise<Redirect> => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => settle({ ok: false, error: new CscError('refused', 'oauth2/authorize', redirectUri, { detail: 'cancelled' }) });
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const timeout = new Promise<{ ok: false; error: CscError }>((resolve) => {
        timer = setTimeout(() => resolve({ ok: false, error: new CscError('approval-timeout', 'oauth2/authorize', redirectUri) }), options.timeoutMs);
      });
      const result = await Promise.race([outcome, timeout]);
      if (!result.ok) throw result.error;
      return { code: result.code };
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      await close();
    }
  };
  return { redirectUri, wait, close };
}

async function tokenRequest(oauth2: string, form: Record<string, string>, transport: Transport): Promise<Tokens> {
  const url = `${oauth2.replace(/\/+$/, '')}/oauth2/token`;
  try {
    const reply = await exchangeJson({
      service: 'csc',
      url,
      method: 'POST',
      form,
      ...(transport.ca ? { ca: transport.ca } : {}),
      ...(transport.signal ? { signal: transport.signal } : {}),
      timeoutMs: transport.timeoutMs ?? 30_000,
    });
    const parsed = TokenAnswer.safeParse(reply.json);
    if (!parsed.success) throw new CscError('bad-answer', 'oauth2/token', url, { detail: parsed.error.issues[0]?.path.join('.') || 'body' });
    return tokensOf(parsed.data);
  } catch (error) {
    throw oauthErrorOf(error, url);
  }
}

/** An OAuth refusal of a grant (invalid_grant: code used or expired, refresh token revoked) means: sign in again. */
function oauthErrorOf(error: unknown, url: string): unknown {
  const mapped = cscErrorOf(error, 'oauth2/token', url);
  if (mapped !== error) return mapped;
  if (isRemoteError(error) && error.remote?.error === 'invalid_grant') return new CscError('token-expired', 'oauth2/token', url, { cause: error });
  return error;
}

/** The code grant's second half: the code and the PKCE verifier for tokens. */
export function exchangeCode(oauth2: string, request: { code: string; verifier: string; clientId: string; clientSecret?: string; redirectUri: string }, transport: Transport = {}): Promise<Tokens> {
  return tokenRequest(
    oauth2,
    {
      grant_type: 'authorization_code',
      code: request.code,
      code_verifier: request.verifier,
      client_id: request.clientId,
      redirect_uri: request.redirectUri,
      ...(request.clientSecret ? { client_secret: request.clientSecret } : {}),
    },
    transport,
  );
}

/** Client credentials (a service account: DTM's "client credential flow"). */
export function clientCredentials(oauth2: string, client: { clientId: string; clientSecret: string; scope?: string }, transport: Transport = {}): Promise<Tokens> {
  return tokenRequest(oauth2, { grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret, ...(client.scope ? { scope: client.scope } : {}) }, transport);
}

/** A new access token from a refresh token (the service may rotate it: keep the one returned). */
export function refreshTokens(oauth2: string, request: { refreshToken: string; clientId: string; clientSecret?: string }, transport: Transport = {}): Promise<Tokens> {
  return tokenRequest(
    oauth2,
    { grant_type: 'refresh_token', refresh_token: request.refreshToken, client_id: request.clientId, ...(request.clientSecret ? { client_secret: request.clientSecret } : {}) },
    transport,
  );
}

/** RFC 7009 revocation at sign-out; a service that answers an error has nothing left to revoke. */
export async function revokeToken(oauth2: string, request: { token: string; hint: 'access_token' | 'refresh_token'; clientId: string; clientSecret?: string }, transport: Transport = {}): Promise<void> {
  await exchangeJson({
    service: 'csc',
    url: `${oauth2.replace(/\/+$/, '')}/oauth2/revoke`,
    method: 'POST',
    form: { token: request.token, token_type_hint: request.hint, client_id: request.clientId, ...(request.clientSecret ? { client_secret: request.clientSecret } : {}) },
    ...(transport.ca ? { ca: transport.ca } : {}),
    ...(transport.signal ? { signal: transport.signal } : {}),
    timeoutMs: transport.timeoutMs ?? 15_000,
    retry: false,
  });
}

/** CSC auth/login with HTTP Basic (CSC 8.2.1): an access token, and a refresh token when remembered. */
export async function basicLogin(root: string, user: string, password: string, transport: Transport & { remember?: boolean } = {}): Promise<Tokens> {
  const url = `${root.replace(/\/+$/, '')}/csc/v1/auth/login`;
  try {
    const reply = await exchangeJson({
      service: 'csc',
      url,
      method: 'POST',
      body: { rememberMe: transport.remember ?? false },
      headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}` },
      secrets: password.length >= 4 ? [password] : [],
      ...(transport.ca ? { ca: transport.ca } : {}),
      ...(transport.signal ? { signal: transport.signal } : {}),
      timeoutMs: transport.timeoutMs ?? 30_000,
      retry: false,
    });
    const parsed = TokenAnswer.safeParse(reply.json);
    if (!parsed.success) throw new CscError('bad-answer', 'auth/login', url, { detail: parsed.error.issues[0]?.path.join('.') || 'body' });
    return tokensOf(parsed.data);
  } catch (error) {
    throw cscErrorOf(error, 'auth/login', url);
  }
}

/**
 * A TokenSource over a sign-in: the access token until shortly before it expires, then
 * `renew(current)` (a refresh, or client credentials again); each new set goes to `onTokens`
 * (to keep a rotated refresh token). Concurrent callers share one renewal.
 */
export class TokenSession implements TokenSource {
  private renewing: Promise<Tokens> | null = null;

  constructor(
    private tokens: Tokens | null,
    private readonly renew: (current: Tokens | null) => Promise<Tokens>,
    private readonly onTokens: (tokens: Tokens) => void | Promise<void> = () => undefined,
  ) {}

  async accessToken(): Promise<string> {
    const current = this.tokens;
    if (current && current.expiresAt - REFRESH_MARGIN_MS > Date.now()) return current.accessToken;
    this.renewing ??= (async () => {
      try {
        const next = await this.renew(current);
        this.tokens = next;
        await this.onTokens(next);
        return next;
      } finally {
        this.renewing = null;
      }
    })();
    return (await this.renewing).accessToken;
  }

  invalidate(): void {
    if (this.tokens) this.tokens = { ...this.tokens, expiresAt: 0 };
  }

  /** The current refresh token, if any (sign-out revokes it). */
  get refreshToken(): string | undefined {
    return this.tokens?.refreshToken;
  }
}
