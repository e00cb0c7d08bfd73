// The CSC v1.0.4.0 service fixture over real HTTP: info, auth/login, the OAuth 2.0 flows (PKCE,
// code replay, refresh rotation, client credentials), credentials/*, and signatures that
// node:crypto verifies against the original data, for RSA and ECDSA.
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomBytes, verify, X509Certificate } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CscCredentialSpec, CscServer } from '../fixtures/csc-server';
import { startCscServer } from '../fixtures/csc-server';
import type { TestPki } from '../fixtures/pki';
import { createTestPki, skipWithout } from '../fixtures/pki';

const skip = skipWithout('openssl');

const OID = {
  sha256: '2.16.840.1.101.3.4.2.1', sha384: '2.16.840.1.101.3.4.2.2', sha512: '2.16.840.1.101.3.4.2.3',
  rsa: '1.2.840.113549.1.1.1', sha256Rsa: '1.2.840.113549.1.1.11', sha512Rsa: '1.2.840.113549.1.1.13',
  ec: '1.2.840.10045.2.1', ecdsaSha256: '1.2.840.10045.4.3.2', ecdsaSha384: '1.2.840.10045.4.3.3',
};
const INVALID_TOKEN = { error: 'invalid_token', error_description: 'The access or refresh token is expired or has been revoked' };
const REDIRECT = 'http://127.0.0.1:8123/callback';

interface Answer { status: number; body: unknown; headers: Headers }

async function answer(response: Response): Promise<Answer> {
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown), headers: response.headers };
}
/** POST a CSC method (JSON). */
async function call(server: CscServer, method: string, body: unknown, token?: string, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${server.url}/csc/v1/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  return answer(response);
}
/** POST an OAuth endpoint (form). */
async function form(server: CscServer, endpoint: string, params: Record<string, string>, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${server.url}/oauth2/${endpoint}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(params).toString(),
    signal: AbortSignal.timeout(15_000),
  });
  return answer(response);
}
const field = (a: Answer, name: string): unknown => (a.body as Record<string, unknown> | undefined)?.[name];
const str = (a: Answer, name: string): string => {
  const v = field(a, name);
  assert.equal(typeof v, 'string', `${name} in ${JSON.stringify(a.body)}`);
  return v as string;
};
const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const sha = (alg: 'sha256' | 'sha384' | 'sha512', data: Buffer): string => createHash(alg).update(data).digest('base64');

function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

describe('CSC v1.0.4.0 service fixture', { timeout: 120_000 }, () => {
  let dir = '';
  let pki: TestPki;
  let server: CscServer;
  let fast: CscServer; // short lifetimes
  let chain: Uint8Array[];
  let ecChain: Uint8Array[];
  const extraKeys: Record<string, KeyObject> = {};
  const data = Buffer.from('Le contrat signé par Élodie.\n');

  before(async () => {
    if (skip) return;
    dir = mkdtempSync(join(tmpdir(), 'paraphe-csc-server-'));
    pki = await createTestPki(dir);
    const der = (f: string): Uint8Array => readFileSync(f);
    chain = [der(pki.signer.certDer), der(pki.intermediate.certDer), der(pki.root.certDer)];
    ecChain = [der(pki.ecSigner.certDer), der(pki.intermediate.certDer), der(pki.root.certDer)];
    const key = (f: string): string => readFileSync(f, 'utf8');
    const base = { chain, keyPem: key(pki.signer.keyPem), authMode: 'explicit', scal: '1', multisign: 1 } as const;
    const credentials: CscCredentialSpec[] = [
      { ...base, id: 'rsa-pin', description: 'Élodie RSA', multisign: 3, pin: { value: '1234' } },
      { ...base, id: 'lock-me', pin: { value: '1234' } },
      { ...base, id: 'otp-online', otp: { type: 'online' }, pin: { value: '1234' } },
      { ...base, id: 'otp-offline', otp: { type: 'offline', value: '424242', provider: 'Token Co', ID: 'T-1' } },
      { ...base, id: 'scal2', scal: '2', multisign: 2 },
      { ...base, id: 'ec', chain: ecChain, keyPem: key(pki.ecSigner.keyPem), multisign: 5 },
      { ...base, id: 'implicit', authMode: 'implicit' },
      { ...base, id: 'oauth', authMode: 'oauth2code', multisign: 2 },
      { ...base, id: 'oauth-scal2', authMode: 'oauth2code', scal: '2' },
      { ...base, id: 'disabled', keyStatus: 'disabled' },
      { ...base, id: 'revoked', certStatus: 'revoked' },
      { ...base, id: 'bob-only', owner: 'bob' },
    ];
    for (const curve of ['P-384', 'P-521']) {
      const pair = generateKeyPairSync('ec', { namedCurve: curve });
      extraKeys[curve] = pair.publicKey;
      credentials.push({ ...base, id: curve, chain: ecChain, keyPem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() });
    }
    server = await startCscServer({
      prefix: '/documentmanager',
      users: [{ name: 'alice', password: 'wonderland' }, { name: 'bob', password: 'builder' }],
      clients: [
        { id: 'paraphe', redirectUris: [REDIRECT] },
        { id: 'backend', secret: 's3cret', redirectUris: ['https://app.example/cb'] },
      ],
      credentials,
      pageSizeCap: 5,
      implicitApprovalMs: 1000,
    });
    fast = await startCscServer({ users: [{ name: 'alice', password: 'wonderland' }], credentials: credentials.slice(0, 3), sadLifetimeSec: 0.2, otpLifetimeSec: 0.2 });
  });
  after(async () => {
    await server?.close();
    await fast?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function login(s: CscServer = server, user = 'alice', password = 'wonderland'): Promise<string> {
    const a = await call(s, 'auth/login', {}, undefined, { authorization: basic(user, password) });
    assert.equal(a.status, 200, JSON.stringify(a.body));
    return str(a, 'access_token');
  }
  async function sad(s: CscServer, token: string, body: Record<string, unknown>): Promise<string> {
    const a = await call(s, 'credentials/authorize', body, token);
    assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.equal(typeof field(a, 'expiresIn'), 'number');
    return str(a, 'SAD');
  }
  const signatures = (a: Answer): Buffer[] => {
    assert.equal(a.status, 200, JSON.stringify(a.body));
    return (field(a, 'signatures') as string[]).map((s) => Buffer.from(s, 'base64'));
  };
  /** Runs the browser leg of the authorization code flow; returns the Location URL. */
  async function browse(params: Record<string, string>): Promise<{ status: number; location: URL | undefined; body: string }> {
    const response = await fetch(`${server.url}/oauth2/authorize?${new URLSearchParams(params).toString()}`, { redirect: 'manual', signal: AbortSignal.timeout(15_000) });
    const location = response.headers.get('location');
    return { status: response.status, location: location ? new URL(location) : undefined, body: await response.text() };
  }
  async function codeFlow(extra: Record<string, string> = {}, redirectUri = REDIRECT): Promise<{ code: string; verifier: string }> {
    const { verifier, challenge } = pkce();
    const r = await browse({
      response_type: 'code', client_id: 'paraphe', redirect_uri: redirectUri, scope: 'service',
      code_challenge: challenge, code_challenge_method: 'S256', state: 'st-1', ...extra,
    });
    assert.equal(r.status, 302, r.body);
    assert.equal(r.location?.searchParams.get('state'), 'st-1');
    assert.equal(r.location?.searchParams.get('error'), null, r.location?.href);
    return { code: r.location?.searchParams.get('code') ?? '', verifier };
  }

  it('answers info without authorization, under the prefix, with oauth2 = the service root', { skip }, async () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/documentmanager$/);
    const a = await call(server, 'info', {});
    assert.equal(a.status, 200);
    assert.equal(a.headers.get('content-type'), 'application/json');
    assert.deepEqual(
      { ...(a.body as object), methods: undefined },
      {
        specs: '1.0.4.0', name: 'Paraphe Test CSC Service', logo: `${server.url}/logo.png`, region: 'US', lang: 'en-US',
        description: 'A local CSC v1.0.4.0 remote signing service for tests', authType: ['basic', 'oauth2code', 'oauth2client'],
        oauth2: server.url, methods: undefined,
      },
    );
    assert.ok((field(a, 'methods') as string[]).includes('signatures/signHash'));
    assert.deepEqual(server.calls.at(-1), { path: '/csc/v1/info', body: {}, authorization: undefined });
  });

  it('logs in with HTTP Basic, refuses a wrong password, and rotates the rememberMe refresh token', { skip }, async () => {
    const plain = await call(server, 'auth/login', {}, undefined, { authorization: basic('alice', 'wonderland') });
    assert.equal(plain.status, 200);
    assert.equal(field(plain, 'expires_in'), 3600);
    assert.equal(field(plain, 'refresh_token'), undefined);
    const wrong = await call(server, 'auth/login', {}, undefined, { authorization: basic('alice', 'nope') });
    assert.equal(wrong.status, 400);
    assert.deepEqual(wrong.body, { error: 'authentication_error', error_description: 'An error occurred during authentication process' });
    const remembered = await call(server, 'auth/login', { rememberMe: true }, undefined, { authorization: basic('alice', 'wonderland') });
    const refresh = str(remembered, 'refresh_token');
    const again = await call(server, 'auth/login', { refresh_token: refresh });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.notEqual(str(again, 'refresh_token'), refresh);
    assert.equal((await call(server, 'credentials/list', {}, str(again, 'access_token'))).status, 200);
    const replay = await call(server, 'auth/login', { refresh_token: refresh });
    assert.deepEqual([replay.status, field(replay, 'error')], [400, 'invalid_request']);
  });

  it('needs a live bearer token: missing 401, unknown 401 invalid_token, expired after expireAccessTokens()', { skip }, async () => {
    assert.equal((await call(server, 'credentials/list', {})).status, 401);
    const unknown = await call(server, 'credentials/list', {}, 'not-a-token');
    assert.equal(unknown.status, 401);
    assert.deepEqual(unknown.body, INVALID_TOKEN);
    assert.match(unknown.headers.get('www-authenticate') ?? '', /^Bearer error="invalid_token"/);
    const s = await startCscServer({ users: [{ name: 'alice', password: 'wonderland' }], credentials: [] });
    try {
      const remembered = await call(s, 'auth/login', { rememberMe: true }, undefined, { authorization: basic('alice', 'wonderland') });
      const token = str(remembered, 'access_token');
      assert.equal((await call(s, 'credentials/list', {}, token)).status, 200);
      s.expireAccessTokens();
      assert.deepEqual((await call(s, 'credentials/list', {}, token)).body, INVALID_TOKEN);
      const renewed = await call(s, 'auth/login', { refresh_token: str(remembered, 'refresh_token') });
      assert.equal((await call(s, 'credentials/list', {}, str(renewed, 'access_token'))).status, 200);
    } finally {
      await s.close();
    }
  });

  it('lists only the caller\'s credentials, in pages of at most min(maxResults, pageSizeCap)', { skip }, async () => {
    const token = await login();
    const listAll = async (t: string): Promise<{ ids: string[]; pages: number }> => {
      const ids: string[] = [];
      let pageToken: string | undefined;
      let pages = 0;
      do {
        const a = await call(server, 'credentials/list', { maxResults: 50, ...(pageToken ? { pageToken } : {}) }, t);
        assert.equal(a.status, 200);
        const page = field(a, 'credentialIDs') as string[];
        assert.ok(page.length <= 5);
        ids.push(...page);
        pageToken = field(a, 'nextPageToken') as string | undefined;
        pages += 1;
      } while (pageToken);
      return { ids, pages };
    };
    const alice = await listAll(token);
    assert.equal(alice.pages, 3);
    assert.equal(alice.ids.length, 13);
    assert.ok(!alice.ids.includes('bob-only'));
    const small = await call(server, 'credentials/list', { maxResults: 2 }, token);
    assert.deepEqual(field(small, 'credentialIDs'), ['rsa-pin', 'lock-me']);
    const bobToken = await login(server, 'bob', 'builder');
    assert.deepEqual((await listAll(bobToken)).ids.slice(-3), ['bob-only', 'P-384', 'P-521']);
    assert.equal((await call(server, 'credentials/info', { credentialID: 'bob-only' }, bobToken)).status, 200);
    const bad = await call(server, 'credentials/list', { pageToken: 'nope' }, token);
    assert.deepEqual(bad.body, { error: 'invalid_request', error_description: 'Invalid parameter pageToken' });
    const other = await call(server, 'credentials/info', { credentialID: 'bob-only' }, token);
    assert.deepEqual(other.body, { error: 'invalid_request', error_description: 'Invalid parameter credentialID' });
  });

  it('describes an RSA credential: key, certificates none/single/chain, certInfo and authInfo', { skip }, async () => {
    const token = await login();
    const single = await call(server, 'credentials/info', { credentialID: 'rsa-pin' }, token);
    assert.equal(single.status, 200);
    assert.deepEqual(single.body, {
      description: 'Élodie RSA',
      key: { status: 'enabled', algo: [OID.rsa, OID.sha256Rsa], len: 2048 },
      cert: { status: 'valid', certificates: [Buffer.from(chain[0] as Uint8Array).toString('base64')] },
      authMode: 'explicit', SCAL: '1', multisign: 3, lang: 'en-US',
    });
    const none = await call(server, 'credentials/info', { credentialID: 'rsa-pin', certificates: 'none' }, token);
    assert.deepEqual(field(none, 'cert'), { status: 'valid' });
    const full = await call(server, 'credentials/info', { credentialID: 'rsa-pin', certificates: 'chain', certInfo: true, authInfo: true }, token);
    const cert = field(full, 'cert') as Record<string, unknown>;
    assert.equal((cert.certificates as string[]).length, 3);
    const x509 = new X509Certificate(Buffer.from((cert.certificates as string[])[2] ?? '', 'base64'));
    assert.match(x509.subject, /Root CA/);
    assert.equal(cert.serialNumber, pki.signer.serial);
    assert.equal(cert.subjectDN, 'CN=Élodie Signataire,OU=Signataires,O=Paraphe Test,C=FR');
    assert.equal(cert.issuerDN, 'CN=Paraphe Test Issuing CA,O=Paraphe Test,C=FR');
    assert.match(String(cert.validFrom), /^\d{14}Z$/);
    assert.equal(String(cert.validTo).slice(0, 8), new Date(new X509Certificate(readFileSync(pki.signer.certPem)).validTo).toISOString().slice(0, 10).replace(/-/g, ''));
    assert.deepEqual(field(full, 'PIN'), { presence: 'true', format: 'N', label: 'PIN', description: 'Please enter the signature PIN' });
    assert.equal(field(full, 'OTP'), undefined);
    const offline = await call(server, 'credentials/info', { credentialID: 'otp-offline', authInfo: true }, token);
    assert.deepEqual(field(offline, 'OTP'), {
      presence: 'true', type: 'offline', format: 'N', label: 'OTP', description: 'Please enter the code shown by your OTP device', ID: 'T-1', provider: 'Token Co',
    });
    const bad = await call(server, 'credentials/info', { credentialID: 'rsa-pin', certificates: 'all' }, token);
    assert.deepEqual(bad.body, { error: 'invalid_request', error_description: 'Invalid parameter certificates' });
  });

  it('describes an EC credential with its curve', { skip }, async () => {
    const a = await call(server, 'credentials/info', { credentialID: 'ec' }, await login());
    assert.deepEqual(field(a, 'key'), { status: 'enabled', algo: [OID.ec, OID.ecdsaSha256], len: 256, curve: '1.2.840.10045.3.1.7' });
  });

  it('signs with RSA PKCS#1 v1.5: sha256WithRSA and rsaEncryption + hashAlgo verify against the data', { skip }, async () => {
    const token = await login();
    const publicKey = new X509Certificate(Buffer.from(chain[0] as Uint8Array)).publicKey;
    const SAD = await sad(server, token, { credentialID: 'rsa-pin', numSignatures: 3, PIN: '1234' });
    const before = server.signatureCount('rsa-pin');
    const one = signatures(await call(server, 'signatures/signHash', { credentialID: 'rsa-pin', SAD, hash: [sha('sha256', data)], signAlgo: OID.sha256Rsa }, token));
    assert.ok(verify('sha256', data, publicKey, one[0] as Buffer));
    assert.ok(!verify('sha256', Buffer.from('autre chose'), publicKey, one[0] as Buffer));
    const two = signatures(await call(server, 'signatures/signHash', {
      credentialID: 'rsa-pin', SAD, hash: [sha('sha512', data), sha('sha512', Buffer.from('b'))], hashAlgo: OID.sha512, signAlgo: OID.rsa,
    }, token));
    assert.ok(verify('sha512', data, publicKey, two[0] as Buffer));
    assert.ok(verify('sha512', Buffer.from('b'), publicKey, two[1] as Buffer));
    assert.equal(server.signatureCount('rsa-pin') - before, 3);
    const spent = await call(server, 'signatures/signHash', { credentialID: 'rsa-pin', SAD, hash: [sha('sha256', data)], signAlgo: OID.sha256Rsa }, token);
    assert.deepEqual(spent.body, { error: 'invalid_request', error_description: 'Invalid parameter SAD' });
  });

  it('refuses bad signHash parameters without spending the SAD', { skip }, async () => {
    const token = await login();
    const SAD = await sad(server, token, { credentialID: 'rsa-pin', numSignatures: 1, PIN: '1234' });
    const base = { credentialID: 'rsa-pin', SAD, hash: [sha('sha256', data)], signAlgo: OID.sha256Rsa };
    const cases: [Record<string, unknown>, string][] = [
      [{ signAlgo: '1.2.3.4' }, 'Invalid parameter signAlgo'],
      [{ signAlgo: OID.ecdsaSha256 }, 'Invalid parameter signAlgo'],
      [{ signAlgo: OID.rsa }, 'Missing (or invalid type) string parameter hashAlgo'],
      [{ signAlgo: OID.sha512Rsa }, 'Invalid digest value length'],
      [{ hashAlgo: OID.sha384 }, 'Invalid parameter hashAlgo'],
      [{ hash: ['not base64!'] }, 'Invalid Base64 hash string parameter'],
      [{ hash: [sha('sha256', data), sha('sha256', data)] }, 'The SAD authorizes 1 more signature(s), not 2'],
      [{ SAD: 'forged' }, 'Invalid parameter SAD'],
      [{ credentialID: 'lock-me' }, 'Invalid parameter SAD'],
    ];
    for (const [change, description] of cases) {
      const a = await call(server, 'signatures/signHash', { ...base, ...change }, token);
      assert.deepEqual([a.status, a.body], [400, { error: 'invalid_request', error_description: description }], JSON.stringify(change));
    }
    signatures(await call(server, 'signatures/signHash', base, token));
  });

  it('signs with ECDSA over the digest (P-256, P-384, P-521): DER signatures verify against the data', { skip }, async () => {
    const token = await login();
    const publicKey = new X509Certificate(Buffer.from(ecChain[0] as Uint8Array)).publicKey;
    const SAD = await sad(server, token, { credentialID: 'ec', numSignatures: 5 });
    const [s256] = signatures(await call(server, 'signatures/signHash', { credentialID: 'ec', SAD, hash: [sha('sha256', data)], signAlgo: OID.ecdsaSha256 }, token));
    assert.ok(verify('sha256', data, publicKey, s256 as Buffer));
    assert.ok(!verify('sha256', Buffer.from('x'), publicKey, s256 as Buffer));
    const many = signatures(await call(server, 'signatures/signHash', {
      credentialID: 'ec', SAD, hash: [sha('sha384', data), sha('sha384', Buffer.from('y'))], hashAlgo: OID.sha384, signAlgo: OID.ec,
    }, token));
    assert.ok(verify('sha384', data, publicKey, many[0] as Buffer));
    assert.ok(verify('sha384', Buffer.from('y'), publicKey, many[1] as Buffer));
    for (const curve of ['P-384', 'P-521'] as const) {
      for (const [alg, hashAlgo] of [['sha256', OID.sha256], ['sha512', OID.sha512]] as const) {
        const curveSad = await sad(server, token, { credentialID: curve, numSignatures: 1 });
        const [sig] = signatures(await call(server, 'signatures/signHash', { credentialID: curve, SAD: curveSad, hash: [sha(alg, data)], hashAlgo, signAlgo: OID.ec }, token));
        assert.ok(verify(alg, data, extraKeys[curve] as KeyObject, sig as Buffer), `${curve} ${alg}`);
      }
    }
  });

  it('counts wrong PINs and locks the credential after the third', { skip }, async () => {
    const token = await login();
    for (const left of [2, 1, 0]) {
      const a = await call(server, 'credentials/authorize', { credentialID: 'lock-me', numSignatures: 1, PIN: '0000' }, token);
      assert.deepEqual([a.status, a.body], [400, { error: 'invalid_pin', error_description: `The PIN is invalid, ${left} attempts left` }]);
    }
    const locked = await call(server, 'credentials/authorize', { credentialID: 'lock-me', numSignatures: 1, PIN: '1234' }, token);
    assert.deepEqual([locked.status, locked.body], [400, { error: 'invalid_request', error_description: 'The credential is locked' }]);
    // A right PIN resets the count.
    for (const pin of ['0000', '0000', '1234', '0000', '0000', '1234']) {
      const a = await call(server, 'credentials/authorize', { credentialID: 'rsa-pin', numSignatures: 1, PIN: pin }, token);
      assert.equal(a.status, pin === '1234' ? 200 : 400);
    }
    const missing = await call(server, 'credentials/authorize', { credentialID: 'rsa-pin', numSignatures: 1 }, token);
    assert.deepEqual(missing.body, { error: 'invalid_request', error_description: 'Missing (or invalid type) string parameter PIN' });
  });

  it('checks numSignatures against multisign and, for SCAL 2, the hashes', { skip }, async () => {
    const token = await login();
    const high = await call(server, 'credentials/authorize', { credentialID: 'rsa-pin', numSignatures: 4, PIN: '1234' }, token);
    assert.deepEqual(high.body, { error: 'invalid_request', error_description: 'Numbers of signatures is too high' });
    const zero = await call(server, 'credentials/authorize', { credentialID: 'rsa-pin', numSignatures: 0, PIN: '1234' }, token);
    assert.deepEqual(zero.body, { error: 'invalid_request', error_description: 'Invalid value for parameter numSignatures' });
    const noHash = await call(server, 'credentials/authorize', { credentialID: 'scal2', numSignatures: 1 }, token);
    assert.deepEqual(noHash.body, { error: 'invalid_request', error_description: 'Missing (or invalid type) array parameter hash' });
    const count = await call(server, 'credentials/authorize', { credentialID: 'scal2', numSignatures: 2, hash: [sha('sha256', data)] }, token);
    assert.deepEqual(count.body, { error: 'invalid_request', error_description: 'The number of hash values does not match numSignatures' });
    const a = sha('sha256', data);
    const b = sha('sha256', Buffer.from('b'));
    const SAD = await sad(server, token, { credentialID: 'scal2', numSignatures: 2, hash: [a, b] });
    const other = await call(server, 'signatures/signHash', { credentialID: 'scal2', SAD, hash: [sha('sha256', Buffer.from('c'))], signAlgo: OID.sha256Rsa }, token);
    assert.deepEqual(other.body, { error: 'invalid_request', error_description: 'Hash is not authorized by the SAD' });
    assert.equal(signatures(await call(server, 'signatures/signHash', { credentialID: 'scal2', SAD, hash: [b, a], signAlgo: OID.sha256Rsa }, token)).length, 2);
  });

  it('texts a single-use online OTP that a new one replaces; offline OTPs are fixed', { skip }, async () => {
    const token = await login();
    const send = await call(server, 'credentials/sendOTP', { credentialID: 'otp-online' }, token);
    assert.equal(send.status, 204);
    const first = server.sentOtps.at(-1);
    assert.equal(first?.credentialID, 'otp-online');
    assert.match(first?.otp ?? '', /^\d{6}$/);
    await call(server, 'credentials/sendOTP', { credentialID: 'otp-online' }, token);
    const second = server.sentOtps.at(-1)?.otp ?? '';
    const body = { credentialID: 'otp-online', numSignatures: 1, PIN: '1234' };
    if (first?.otp !== second) {
      const replaced = await call(server, 'credentials/authorize', { ...body, OTP: first?.otp }, token);
      assert.deepEqual(replaced.body, { error: 'invalid_otp', error_description: 'The OTP is invalid' });
    }
    await sad(server, token, { ...body, OTP: second });
    const reused = await call(server, 'credentials/authorize', { ...body, OTP: second }, token);
    assert.deepEqual(reused.body, { error: 'invalid_otp', error_description: 'The OTP is invalid' });
    await sad(server, token, { credentialID: 'otp-offline', numSignatures: 1, OTP: '424242' });
    const wrong = await call(server, 'credentials/authorize', { credentialID: 'otp-offline', numSignatures: 1, OTP: '000000' }, token);
    assert.deepEqual(wrong.body, { error: 'invalid_otp', error_description: 'The OTP is invalid' });
    const offlineSend = await call(server, 'credentials/sendOTP', { credentialID: 'otp-offline' }, token);
    assert.deepEqual([offlineSend.status, field(offlineSend, 'error')], [400, 'invalid_request']);
  });

  it('lets OTPs and SADs expire', { skip }, async () => {
    const token = await login(fast);
    await call(fast, 'credentials/sendOTP', { credentialID: 'otp-online' }, token);
    const otp = fast.sentOtps.at(-1)?.otp;
    const SAD = await sad(fast, token, { credentialID: 'rsa-pin', numSignatures: 1, PIN: '1234' });
    await new Promise((r) => setTimeout(r, 300));
    const late = await call(fast, 'credentials/authorize', { credentialID: 'otp-online', numSignatures: 1, PIN: '1234', OTP: otp }, token);
    assert.deepEqual(late.body, { error: 'invalid_otp', error_description: 'The OTP has expired' });
    const expired = await call(fast, 'signatures/signHash', { credentialID: 'rsa-pin', SAD, hash: [sha('sha256', data)], signAlgo: OID.sha256Rsa }, token);
    assert.deepEqual(expired.body, { error: 'invalid_request', error_description: 'SAD expired' });
  });

  it('extends a transaction: the new SAD keeps the remaining count, the old one is invalid', { skip }, async () => {
    const token = await login();
    const SAD = await sad(server, token, { credentialID: 'rsa-pin', numSignatures: 2, PIN: '1234' });
    signatures(await call(server, 'signatures/signHash', { credentialID: 'rsa-pin', SAD, hash: [sha('sha256', data)], signAlgo: OID.sha256Rsa }, token));
    const extended = await call(server, 'credentials/extendTransaction', { credentialID: 'rsa-pin', SAD }, token);
    assert.equal(extended.status, 200);
    const fresh = str(extended, 'SAD');
    const old = await call(server, 'signatures/signHash', { credentialID: 'rsa-pin', SAD, hash: [sha('sha256', data)], signAlgo: OID.sha256Rsa }, token);
    assert.deepEqual(old.body, { error: 'invalid_request', error_description: 'Invalid parameter SAD' });
    const two = await call(server, 'signatures/signHash', { credentialID: 'rsa-pin', SAD: fresh, hash: [sha('sha256', data), sha('sha256', data)], signAlgo: OID.sha256Rsa }, token);
    assert.equal(field(two, 'error_description'), 'The SAD authorizes 1 more signature(s), not 2');
    signatures(await call(server, 'signatures/signHash', { credentialID: 'rsa-pin', SAD: fresh, hash: [sha('sha256', data)], signAlgo: OID.sha256Rsa }, token));
  });

  it('waits for the phone in implicit mode: approved, refused, or no answer in time', { skip }, async () => {
    const token = await login();
    const body = { credentialID: 'implicit', numSignatures: 1 };
    const pending = call(server, 'credentials/authorize', body, token);
    setTimeout(() => server.approve('implicit'), 100);
    assert.equal((await pending).status, 200);
    server.refuse('implicit'); // before the request: kept for the next one
    const refused = await call(server, 'credentials/authorize', body, token);
    assert.deepEqual([refused.status, field(refused, 'error')], [400, 'access_denied']);
    const started = Date.now();
    const silent = await call(server, 'credentials/authorize', body, token);
    assert.ok(Date.now() - started >= 900);
    assert.deepEqual([silent.status, field(silent, 'error')], [400, 'expired_token']);
  });

  it('refuses a disabled key, a revoked certificate and credentials/authorize for an oauth2code credential', { skip }, async () => {
    const token = await login();
    const disabled = await call(server, 'credentials/authorize', { credentialID: 'disabled', numSignatures: 1 }, token);
    assert.deepEqual(disabled.body, { error: 'invalid_request', error_description: 'The signing key of the credential is disabled' });
    const revoked = await call(server, 'credentials/authorize', { credentialID: 'revoked', numSignatures: 1 }, token);
    assert.deepEqual(revoked.body, { error: 'invalid_request', error_description: "Signing certificate 'CN=Élodie Signataire,OU=Signataires,O=Paraphe Test,C=FR' is revoked" });
    const oauth = await call(server, 'credentials/authorize', { credentialID: 'oauth', numSignatures: 1 }, token);
    assert.equal(field(oauth, 'error'), 'invalid_request');
  });

  it('runs the authorization code flow with PKCE (any loopback port), refuses replays and rotates refresh tokens', { skip }, async () => {
    const unknown = await browse({ response_type: 'code', client_id: 'who', redirect_uri: REDIRECT, code_challenge: 'x', code_challenge_method: 'S256' });
    assert.deepEqual([unknown.status, unknown.location], [400, undefined]);
    const elsewhere = await browse({ response_type: 'code', client_id: 'paraphe', redirect_uri: 'http://127.0.0.1:8123/other', code_challenge: 'x', code_challenge_method: 'S256' });
    assert.deepEqual([elsewhere.status, elsewhere.location], [400, undefined]);
    const scope = await browse({ response_type: 'code', client_id: 'paraphe', redirect_uri: REDIRECT, scope: 'everything', code_challenge: 'x', code_challenge_method: 'S256', state: 's' });
    assert.deepEqual([scope.status, scope.location?.searchParams.get('error'), scope.location?.searchParams.get('state')], [302, 'invalid_scope', 's']);

    const otherPort = 'http://127.0.0.1:50999/callback';
    const { code, verifier } = await codeFlow({}, otherPort);
    const wrongVerifier = await form(server, 'token', { grant_type: 'authorization_code', code, client_id: 'paraphe', redirect_uri: otherPort, code_verifier: pkce().verifier });
    assert.deepEqual([wrongVerifier.status, field(wrongVerifier, 'error')], [400, 'invalid_grant']);
    const wrongRedirect = await form(server, 'token', { grant_type: 'authorization_code', code, client_id: 'paraphe', redirect_uri: REDIRECT, code_verifier: verifier });
    assert.deepEqual([wrongRedirect.status, field(wrongRedirect, 'error')], [400, 'invalid_grant']);
    const exchange = { grant_type: 'authorization_code', code, client_id: 'paraphe', redirect_uri: otherPort, code_verifier: verifier };
    const tokens = await form(server, 'token', exchange);
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    assert.deepEqual([field(tokens, 'token_type'), field(tokens, 'expires_in'), field(tokens, 'scope')], ['Bearer', 3600, 'service']);
    const access = str(tokens, 'access_token');
    assert.equal((await call(server, 'credentials/list', {}, access)).status, 200);

    const refreshed = await form(server, 'token', { grant_type: 'refresh_token', refresh_token: str(tokens, 'refresh_token'), client_id: 'paraphe' });
    assert.equal(refreshed.status, 200);
    const stale = await form(server, 'token', { grant_type: 'refresh_token', refresh_token: str(tokens, 'refresh_token'), client_id: 'paraphe' });
    assert.deepEqual([stale.status, field(stale, 'error')], [400, 'invalid_grant']);

    const replay = await form(server, 'token', exchange);
    assert.deepEqual([replay.status, field(replay, 'error')], [400, 'invalid_grant']);
    assert.deepEqual((await call(server, 'credentials/list', {}, access)).body, INVALID_TOKEN);
    assert.deepEqual((await call(server, 'credentials/list', {}, str(refreshed, 'access_token'))).body, INVALID_TOKEN);
    const afterReplay = await form(server, 'token', { grant_type: 'refresh_token', refresh_token: str(refreshed, 'refresh_token'), client_id: 'paraphe' });
    assert.equal(field(afterReplay, 'error'), 'invalid_grant');
  });

  it('authorizes a credential with scope=credential: the access token is the SAD', { skip }, async () => {
    const service = await login();
    const publicKey = new X509Certificate(Buffer.from(chain[0] as Uint8Array)).publicKey;
    const { code, verifier } = await codeFlow({ scope: 'credential', credentialID: 'oauth', numSignatures: '2' });
    const tokens = await form(server, 'token', { grant_type: 'authorization_code', code, client_id: 'paraphe', redirect_uri: REDIRECT, code_verifier: verifier });
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    assert.deepEqual([field(tokens, 'refresh_token'), field(tokens, 'scope'), field(tokens, 'expires_in')], [undefined, 'credential', 300]);
    const credentialToken = str(tokens, 'access_token');
    const [asSad] = signatures(await call(server, 'signatures/signHash', { credentialID: 'oauth', SAD: credentialToken, hash: [sha('sha256', data)], signAlgo: OID.sha256Rsa }, service));
    assert.ok(verify('sha256', data, publicKey, asSad as Buffer));
    // In the Authorization header, without SAD.
    signatures(await call(server, 'signatures/signHash', { credentialID: 'oauth', hash: [sha('sha256', data)], signAlgo: OID.sha256Rsa }, credentialToken));
    const third = await call(server, 'signatures/signHash', { credentialID: 'oauth', hash: [sha('sha256', data)], signAlgo: OID.sha256Rsa }, credentialToken);
    assert.equal(field(third, 'error'), 'invalid_request');
    assert.equal((await call(server, 'credentials/list', {}, credentialToken)).status, 403);

    const tooMany = await browse({
      response_type: 'code', client_id: 'paraphe', redirect_uri: REDIRECT, scope: 'credential', credentialID: 'oauth', numSignatures: '3',
      code_challenge: pkce().challenge, code_challenge_method: 'S256',
    });
    assert.equal(tooMany.location?.searchParams.get('error_description'), 'Numbers of signatures is too high');
    const hash = sha('sha256', data);
    const scal2 = await codeFlow({ scope: 'credential', credentialID: 'oauth-scal2', numSignatures: '1', hash: Buffer.from(hash, 'base64').toString('base64url') });
    const scal2Token = str(await form(server, 'token', { grant_type: 'authorization_code', code: scal2.code, client_id: 'paraphe', redirect_uri: REDIRECT, code_verifier: scal2.verifier }), 'access_token');
    const otherHash = await call(server, 'signatures/signHash', { credentialID: 'oauth-scal2', SAD: scal2Token, hash: [sha('sha256', Buffer.from('z'))], signAlgo: OID.sha256Rsa }, service);
    assert.equal(field(otherHash, 'error_description'), 'Hash is not authorized by the SAD');
    signatures(await call(server, 'signatures/signHash', { credentialID: 'oauth-scal2', SAD: scal2Token, hash: [hash], signAlgo: OID.sha256Rsa }, service));
  });

  it('authenticates clients at the token endpoint: client_credentials, HTTP Basic, invalid_client, unsupported_grant_type', { skip }, async () => {
    const viaBody = await form(server, 'token', { grant_type: 'client_credentials', client_id: 'backend', client_secret: 's3cret' });
    assert.equal(viaBody.status, 200, JSON.stringify(viaBody.body));
    assert.equal(field(viaBody, 'refresh_token'), undefined);
    const seal = str(viaBody, 'access_token');
    assert.equal((await call(server, 'credentials/info', { credentialID: 'bob-only' }, seal)).status, 200);
    const bobs = await call(server, 'credentials/list', { userID: 'bob', maxResults: 2 }, seal);
    assert.deepEqual(field(bobs, 'credentialIDs'), ['rsa-pin', 'lock-me']);
    const viaBasic = await form(server, 'token', { grant_type: 'client_credentials' }, { authorization: basic('backend', 's3cret') });
    assert.equal(viaBasic.status, 200);
    const wrong = await form(server, 'token', { grant_type: 'client_credentials' }, { authorization: basic('backend', 'nope') });
    assert.deepEqual([wrong.status, wrong.body], [401, { error: 'invalid_client', error_description: 'Client authentication failed' }]);
    const publicClient = await form(server, 'token', { grant_type: 'client_credentials', client_id: 'paraphe' });
    assert.deepEqual([publicClient.status, field(publicClient, 'error')], [400, 'unauthorized_client']);
    const grant = await form(server, 'token', { grant_type: 'password', client_id: 'paraphe' });
    assert.deepEqual([grant.status, field(grant, 'error')], [400, 'unsupported_grant_type']);
    const scope = await form(server, 'token', { grant_type: 'client_credentials', client_id: 'backend', client_secret: 's3cret', scope: 'admin' });
    assert.deepEqual([scope.status, field(scope, 'error')], [400, 'invalid_scope']);
  });

  it('revokes tokens: a refresh token takes its access tokens along, auth/revoke kills an access token', { skip }, async () => {
    const { code, verifier } = await codeFlow();
    const tokens = await form(server, 'token', { grant_type: 'authorization_code', code, client_id: 'paraphe', redirect_uri: REDIRECT, code_verifier: verifier });
    const revoked = await form(server, 'revoke', { token: str(tokens, 'refresh_token'), token_type_hint: 'refresh_token', client_id: 'paraphe' });
    assert.equal(revoked.status, 200);
    assert.deepEqual((await call(server, 'credentials/list', {}, str(tokens, 'access_token'))).body, INVALID_TOKEN);
    const token = await login();
    const other = await login();
    const a = await call(server, 'auth/revoke', { token: other, token_type_hint: 'access_token' }, token);
    assert.equal(a.status, 204);
    assert.deepEqual((await call(server, 'credentials/list', {}, other)).body, INVALID_TOKEN);
    assert.equal((await call(server, 'credentials/list', {}, token)).status, 200);
  });

  it('answers failNext() once (429 with Retry-After), records calls, bounds bodies and rejects bad JSON', { skip }, async () => {
    server.failNext('/csc/v1/info', 429, { error: 'too_many_requests', error_description: 'Slow down' }, { 'Retry-After': '1' });
    server.failNext('/oauth2/token', 503, { error: 'temporarily_unavailable' });
    const limited = await call(server, 'info', {});
    assert.deepEqual([limited.status, limited.headers.get('retry-after'), limited.body], [429, '1', { error: 'too_many_requests', error_description: 'Slow down' }]);
    assert.equal((await call(server, 'info', {})).status, 200);
    assert.equal((await form(server, 'token', { grant_type: 'client_credentials', client_id: 'backend', client_secret: 's3cret' })).status, 503);
    await call(server, 'credentials/list', { maxResults: 1 }, 'tok');
    assert.deepEqual(server.calls.at(-1), { path: '/csc/v1/credentials/list', body: { maxResults: 1 }, authorization: 'Bearer tok' });
    const huge = await fetch(`${server.url}/csc/v1/info`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `"${'a'.repeat(1024 * 1024 + 10)}"` });
    assert.equal(huge.status, 413);
    const bad = await fetch(`${server.url}/csc/v1/info`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' });
    assert.deepEqual([bad.status, await bad.json()], [400, { error: 'invalid_request', error_description: 'The request body is not valid JSON' }]);
    const missing = await call(server, 'signatures/timestamp', {});
    assert.equal(missing.status, 501);
  });
});
