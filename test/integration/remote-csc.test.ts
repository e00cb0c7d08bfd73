// The CSC v1.0.4.0 client (main/remote/csc) against the local CSC server of test/fixtures (written
// from the specification): service authorization (code grant with PKCE, the test playing the
// browser; client credentials; auth/login with Basic; refresh with rotation), credentials listed
// page by page and read, explicit authorization with PIN and online OTP (wrong then right, the
// tries left), SCAL 2 hash binding, multisign, an expired token renewed once, a locked credential,
// implicit approval given and refused, and signatures that verify with the credential's key.
import assert from 'node:assert/strict';
import { createHash, randomBytes, verify as cryptoVerify, X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  authorizationUrl, basicLogin, clientCredentials, CscClient, exchangeCode, isCscError, loopbackRedirect, needsOtp, needsPin, pkcePair, refreshTokens, TokenSession, triesLeftIn,
} from '../../main/remote/csc';
import type { TokenSource, Tokens } from '../../main/remote/csc';
import { isRemoteError } from '../../main/remote';
import { startCscServer } from '../fixtures/csc-server';
import type { CscServer } from '../fixtures/csc-server';
import { createTestPki, skipWithout } from '../fixtures/pki';
import type { TestPki } from '../fixtures/pki';

const skip = skipWithout('openssl');
const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';
const SHA256 = '2.16.840.1.101.3.4.2.1';
const ECDSA_SHA256 = '1.2.840.10045.4.3.2';

/** GET a URL without following redirects: the status and the Location (the test is the browser). */
function browse(url: string): Promise<{ status: number; location: string | undefined }> {
  return new Promise((resolve, reject) => {
    httpRequest(url, { method: 'GET' }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location }));
    })
      .on('error', reject)
      .end();
  });
}

const fixed = (token: string): TokenSource => ({ accessToken: async () => token, invalidate: () => undefined });
const digest = (text: string) => new Uint8Array(createHash('sha256').update(text).digest());

async function failure(work: Promise<unknown>): Promise<unknown> {
  try {
    await work;
  } catch (error) {
    return error;
  }
  assert.fail('expected a failure');
}

describe('the CSC client against the local CSC server', { skip, timeout: 120_000 }, () => {
  let dir = '';
  let pki: TestPki;
  let server: CscServer;
  let chain: Uint8Array[];
  let ecChain: Uint8Array[];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'paraphe-csc-'));
    await mkdir(join(dir, 'pki'));
    pki = await createTestPki(join(dir, 'pki'), { ocspPort: 9, httpPort: 9 });
    const der = async (path: string) => new Uint8Array(await readFile(path));
    const pemDer = (pem: string) => new Uint8Array(new X509Certificate(pem).raw);
    const caChain = (await readFile(pki.chain.caChainPem, 'utf8')).split(/(?=-----BEGIN CERTIFICATE-----)/).filter((p) => p.includes('BEGIN')).map(pemDer);
    chain = [await der(pki.signer.certDer), ...caChain];
    ecChain = [await der(pki.ecSigner.certDer), ...caChain];
    const keyPem = await readFile(pki.signer.keyPem, 'utf8');
    const ecKeyPem = await readFile(pki.ecSigner.keyPem, 'utf8');
    const credentials = [];
    // Twelve credentials: listing takes two pages of at most 10.
    credentials.push({ id: 'pin-otp', description: 'Signature PIN + SMS', keyPem, chain, authMode: 'explicit' as const, scal: '1' as const, multisign: 3, pin: { value: '123456', format: 'N' as const, label: 'PIN' }, otp: { type: 'online' as const, format: 'N' as const, label: 'SMS code' } });
    credentials.push({ id: 'scal2', keyPem: ecKeyPem, chain: ecChain, authMode: 'explicit' as const, scal: '2' as const, multisign: 5, pin: { value: '2468' } });
    credentials.push({ id: 'lockme', keyPem, chain, authMode: 'explicit' as const, scal: '1' as const, multisign: 1, pin: { value: '0000' } });
    credentials.push({ id: 'phone', keyPem, chain, authMode: 'implicit' as const, scal: '1' as const, multisign: 10 });
    for (let i = 0; i < 8; i++) credentials.push({ id: `spare-${i}`, keyPem, chain, authMode: 'explicit' as const, scal: '1' as const, multisign: 1, pin: { value: '9999' } });
    server = await startCscServer({
      prefix: '/documentmanager',
      clients: [{ id: 'paraphe-desktop', redirectUris: ['http://127.0.0.1/callback'] }, { id: 'batch-robot', secret: 'robot-secret-0001' }],
      users: [{ name: 'alice', password: 'alice-password' }],
      credentials,
      pageSizeCap: 10,
      implicitApprovalMs: 1500,
    });
  });
  after(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reads info without a token, and lists every credential over two pages', async () => {
    const login = await basicLogin(server.url, 'alice', 'alice-password');
    const client = new CscClient({ root: server.url, tokens: fixed(login.accessToken) });
    const info = await client.info();
    assert.equal(info.specs, '1.0.4.0');
    assert.equal(info.oauth2, server.url);
    assert.ok(info.methods.includes('signatures/signHash'));
    const ids = await client.listCredentials();
    assert.equal(ids.length, 12);
    assert.ok(ids.includes('pin-otp') && ids.includes('spare-7'));
    const lists = server.calls.filter((c) => c.path === '/csc/v1/credentials/list');
    assert.equal(lists.length, 2, 'two pages');
    assert.equal(server.calls.find((c) => c.path === '/csc/v1/info')?.authorization, undefined, 'info sends no token');
  });

  it('refuses a wrong Basic password, and never shows it', async () => {
    const error = await failure(basicLogin(server.url, 'alice', 'wrong-password-42'));
    assert.ok(error instanceof Error);
    assert.ok(!JSON.stringify({ message: error.message, e: error }).includes('wrong-password-42'));
  });

  it('code grant with PKCE through a loopback redirect (the test plays the browser), then a refresh rotates the refresh token', async () => {
    const info = await new CscClient({ root: server.url, tokens: fixed('') }).info();
    assert.ok(info.oauth2);
    const { verifier, challenge } = pkcePair();
    assert.match(verifier, /^[A-Za-z0-9_-]{43}$/);
    const state = randomBytes(16).toString('hex');
    const listener = await loopbackRedirect({ state, timeoutMs: 10_000 });
    assert.match(listener.redirectUri, /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    const url = authorizationUrl({ oauth2: info.oauth2, clientId: 'paraphe-desktop', redirectUri: listener.redirectUri, scope: 'service', state, challenge });
    const answered = listener.wait();
    const consent = await browse(url);
    assert.equal(consent.status, 302);
    assert.ok(consent.location?.startsWith(listener.redirectUri));
    // A favicon request first changes nothing; then the redirect.
    assert.equal((await browse(`${listener.redirectUri.replace('/callback', '/favicon.ico')}`)).status, 404);
    assert.equal((await browse(consent.location ?? '')).status, 200);
    const { code } = await answered;
    await assert.rejects(browse(listener.redirectUri), 'the listener closed after one answer');

    const tokens = await exchangeCode(info.oauth2, { code, verifier, clientId: 'paraphe-desktop', redirectUri: listener.redirectUri });
    assert.ok(tokens.accessToken && tokens.refreshToken);
    const ids = await new CscClient({ root: server.url, tokens: fixed(tokens.accessToken) }).listCredentials();
    assert.equal(ids.length, 12);
    // The code is single use: a second exchange fails (and revokes what it gave).
    assert.ok(isCscError(await failure(exchangeCode(info.oauth2, { code, verifier, clientId: 'paraphe-desktop', redirectUri: listener.redirectUri })), 'token-expired'));

    const again = await exchangeCodeFlow(info.oauth2);
    const rotated = await refreshTokens(info.oauth2, { refreshToken: again.refreshToken ?? '', clientId: 'paraphe-desktop' });
    assert.ok(rotated.refreshToken && rotated.refreshToken !== again.refreshToken, 'rotated');
    assert.ok(isCscError(await failure(refreshTokens(info.oauth2, { refreshToken: again.refreshToken ?? '', clientId: 'paraphe-desktop' })), 'token-expired'), 'the old refresh token no longer works');
  });

  it('a wrong PKCE verifier or state is refused', async () => {
    const info = await new CscClient({ root: server.url, tokens: fixed('') }).info();
    const oauth2 = info.oauth2 ?? '';
    const state = 'state-1234';
    const listener = await loopbackRedirect({ state, timeoutMs: 5_000 });
    const { challenge } = pkcePair();
    const answered = listener.wait();
    const consent = await browse(authorizationUrl({ oauth2, clientId: 'paraphe-desktop', redirectUri: listener.redirectUri, scope: 'service', state, challenge }));
    await browse(consent.location ?? '');
    const { code } = await answered;
    assert.ok(isCscError(await failure(exchangeCode(oauth2, { code, verifier: pkcePair().verifier, clientId: 'paraphe-desktop', redirectUri: listener.redirectUri }))));

    const other = await loopbackRedirect({ state: 'expected-state', timeoutMs: 5_000 });
    const waited = failure(other.wait());
    await browse(`${other.redirectUri}?code=abc&state=forged-state`);
    assert.ok(isCscError(await waited, 'bad-answer'), 'another state is refused');
  });

  async function exchangeCodeFlow(oauth2: string): Promise<Tokens> {
    const { verifier, challenge } = pkcePair();
    const state = randomBytes(8).toString('hex');
    const listener = await loopbackRedirect({ state, timeoutMs: 5_000 });
    const answered = listener.wait();
    const consent = await browse(authorizationUrl({ oauth2, clientId: 'paraphe-desktop', redirectUri: listener.redirectUri, scope: 'service', state, challenge }));
    await browse(consent.location ?? '');
    const { code } = await answered;
    return exchangeCode(oauth2, { code, verifier, clientId: 'paraphe-desktop', redirectUri: listener.redirectUri });
  }

  it('client credentials, and an expired access token renewed once through the TokenSession', async () => {
    let grants = 0;
    const session = new TokenSession(null, async () => {
      grants++;
      return clientCredentials(server.url, { clientId: 'batch-robot', clientSecret: 'robot-secret-0001' });
    });
    const client = new CscClient({ root: server.url, tokens: session });
    assert.equal((await client.credentialInfo('pin-otp')).multisign, 3);
    assert.equal(grants, 1);
    server.expireAccessTokens();
    assert.equal((await client.credentialInfo('pin-otp')).authMode, 'explicit');
    assert.equal(grants, 2, 'renewed once after the 401');
    const wrong = await failure(clientCredentials(server.url, { clientId: 'batch-robot', clientSecret: 'not-the-secret' }));
    assert.ok(wrong instanceof Error);
    assert.ok(!JSON.stringify({ m: wrong.message, e: wrong }).includes('not-the-secret'), 'the secret never shows');
  });

  it('credentials/info: the chain, the key, PIN and OTP as the service describes them', async () => {
    const login = await basicLogin(server.url, 'alice', 'alice-password');
    const info = await new CscClient({ root: server.url, tokens: fixed(login.accessToken) }).credentialInfo('pin-otp');
    assert.equal(info.key.status, 'enabled');
    assert.ok(info.key.algo.includes(SHA256_WITH_RSA) || info.key.algo.includes('1.2.840.113549.1.1.1'));
    assert.deepEqual(info.cert?.certificates?.map((c) => Buffer.from(c, 'base64')), chain.map((c) => Buffer.from(c)));
    assert.equal(info.cert?.status, 'valid');
    assert.ok(needsPin(info) && needsOtp(info));
    assert.equal(info.OTP?.type, 'online');
    assert.equal(info.SCAL, '1');
  });

  it('explicit: a wrong PIN says the tries left, a wrong OTP is refused, the right ones give a SAD for 3 signatures that verify', async () => {
    const login = await basicLogin(server.url, 'alice', 'alice-password');
    const client = new CscClient({ root: server.url, tokens: fixed(login.accessToken) });
    await client.sendOtp('pin-otp');
    const otp = server.sentOtps.at(-1)?.otp ?? '';
    assert.match(otp, /^\d{6}$/);
    const wrongPin = await failure(client.authorize('pin-otp', { numSignatures: 3, pin: '654321', otp }));
    assert.ok(isCscError(wrongPin, 'invalid-pin'), String(wrongPin));
    assert.equal(wrongPin.triesLeft, 2);
    assert.ok(!wrongPin.message.includes('654321'));
    assert.match(wrongPin.message, /refused the PIN; 2 tries left/);
    const wrongOtp = await failure(client.authorize('pin-otp', { numSignatures: 3, pin: '123456', otp: otp === '000000' ? '111111' : '000000' }));
    assert.ok(isCscError(wrongOtp, 'invalid-otp'), String(wrongOtp));
    await client.sendOtp('pin-otp');
    const sad = await client.authorize('pin-otp', { numSignatures: 3, pin: '123456', otp: server.sentOtps.at(-1)?.otp ?? '' });
    const documents = ['one', 'two', 'three'];
    const signatures = await client.signHash(sad, documents.map(digest), { hashAlgo: SHA256, signAlgo: SHA256_WITH_RSA });
    const cert = new X509Certificate(Buffer.from(chain[0] ?? new Uint8Array()));
    for (const [i, text] of documents.entries()) assert.ok(cryptoVerify('sha256', Buffer.from(text), cert.publicKey, signatures[i] ?? new Uint8Array()), `signature ${i}`);
    // The SAD is used up: one more is refused.
    assert.ok(isCscError(await failure(client.signHash(sad, [digest('four')], { hashAlgo: SHA256, signAlgo: SHA256_WITH_RSA })), 'sad-expired'));
    // More than multisign at once is refused before any PIN is checked.
    const tooMany = await failure(client.authorize('pin-otp', { numSignatures: 4, pin: '123456' }));
    assert.ok(isRemoteError(tooMany, 'http-status') && tooMany.status === 400 && /too high/i.test(tooMany.remote?.description ?? ''), String(tooMany));
  });

  it('SCAL 2: the SAD signs the hashes it was authorized for, no other; ECDSA signatures verify', async () => {
    const login = await basicLogin(server.url, 'alice', 'alice-password');
    const client = new CscClient({ root: server.url, tokens: fixed(login.accessToken) });
    const hashes = [digest('a'), digest('b')];
    const sad = await client.authorize('scal2', { numSignatures: 2, hashes, pin: '2468' });
    const other = await failure(client.signHash(sad, [digest('c')], { hashAlgo: SHA256, signAlgo: ECDSA_SHA256 }));
    assert.ok(isRemoteError(other, 'http-status') && /not authorized/i.test(other.remote?.description ?? ''), `a hash not authorized: ${String(other)}`);
    const signatures = await client.signHash(sad, hashes, { hashAlgo: SHA256, signAlgo: ECDSA_SHA256 });
    const cert = new X509Certificate(Buffer.from(ecChain[0] ?? new Uint8Array()));
    assert.ok(cryptoVerify('sha256', Buffer.from('a'), { key: cert.publicKey, dsaEncoding: 'der' }, signatures[0] ?? new Uint8Array()));
    assert.ok(cryptoVerify('sha256', Buffer.from('b'), { key: cert.publicKey, dsaEncoding: 'der' }, signatures[1] ?? new Uint8Array()));
    const extended = await client.authorize('scal2', { numSignatures: 1, hashes: [digest('d')], pin: '2468' });
    const renewed = await client.extendTransaction(extended, [digest('d')]);
    assert.notEqual(renewed.value, extended.value);
    assert.equal((await client.signHash(renewed, [digest('d')], { hashAlgo: SHA256, signAlgo: ECDSA_SHA256 })).length, 1);
  });

  it('three wrong PINs lock the credential, and the right one is refused then', async () => {
    const login = await basicLogin(server.url, 'alice', 'alice-password');
    const client = new CscClient({ root: server.url, tokens: fixed(login.accessToken) });
    for (const left of [2, 1]) {
      const e = await failure(client.authorize('lockme', { numSignatures: 1, pin: '1111' }));
      assert.ok(isCscError(e, 'invalid-pin') && e.triesLeft === left, String(e));
    }
    const third = await failure(client.authorize('lockme', { numSignatures: 1, pin: '1111' }));
    assert.ok(isCscError(third, 'invalid-pin') || isCscError(third, 'locked'), String(third));
    assert.ok(isCscError(await failure(client.authorize('lockme', { numSignatures: 1, pin: '0000' })), 'locked'));
  });

  it('implicit: approved on the phone gives a SAD; refused says so', async () => {
    const login = await basicLogin(server.url, 'alice', 'alice-password');
    const client = new CscClient({ root: server.url, tokens: fixed(login.accessToken) });
    const pending = client.authorize('phone', { numSignatures: 2 });
    setTimeout(() => server.approve('phone'), 100);
    const sad = await pending;
    assert.ok(sad.value);
    const refused = client.authorize('phone', { numSignatures: 1 });
    setTimeout(() => server.refuse('phone'), 100);
    assert.ok(isCscError(await failure(refused), 'refused'));
  });

  it('a 429 is waited out (Retry-After) and sent again; a 503 on signHash too; a service that keeps refusing says so', async () => {
    const login = await basicLogin(server.url, 'alice', 'alice-password');
    const client = new CscClient({ root: server.url, tokens: fixed(login.accessToken) });
    server.failNext('/csc/v1/credentials/info', 429, { error: 'too_many_requests', error_description: 'Slow down' }, { 'Retry-After': '1' });
    const before = server.calls.length;
    assert.equal((await client.credentialInfo('pin-otp')).multisign, 3);
    assert.equal(server.calls.slice(before).filter((c) => c.path === '/csc/v1/credentials/info').length, 2, 'sent twice');
    const sad = await client.authorize('scal2', { numSignatures: 1, hashes: [digest('x')], pin: '2468' });
    server.failNext('/csc/v1/signatures/signHash', 503, { error: 'temporarily_unavailable', error_description: 'Maintenance' }, { 'Retry-After': '1' });
    assert.equal((await client.signHash(sad, [digest('x')], { hashAlgo: SHA256, signAlgo: ECDSA_SHA256 })).length, 1);
    for (let i = 0; i < 3; i++) server.failNext('/csc/v1/credentials/list', 429, { error: 'too_many_requests', error_description: 'Slow down' }, { 'Retry-After': '0' });
    const refused = await failure(client.listCredentials());
    assert.ok(refused instanceof Error && /HTTP 429|busy|rate/i.test(`${refused.message} ${(refused as { kind?: string }).kind ?? ''}`), String(refused));
  });

  it('the TokenSession renews a token about to expire, once for concurrent callers, and keeps the rotated set', async () => {
    let renewals = 0;
    const kept: Tokens[] = [];
    const session = new TokenSession(
      { accessToken: 'old', refreshToken: 'r0', expiresAt: Date.now() + 30_000 },
      async () => {
        renewals++;
        await new Promise((resolve) => setTimeout(resolve, 20));
        return { accessToken: `new-${renewals}`, refreshToken: `r${renewals}`, expiresAt: Date.now() + 3_600_000 };
      },
      (tokens) => void kept.push(tokens),
    );
    const tokens = await Promise.all([session.accessToken(), session.accessToken(), session.accessToken()]);
    assert.deepEqual(tokens, ['new-1', 'new-1', 'new-1'], 'within a minute of expiry: renewed, once');
    assert.equal(await session.accessToken(), 'new-1', 'then kept');
    assert.deepEqual(kept.map((t) => t.refreshToken), ['r1']);
    session.invalidate();
    assert.equal(await session.accessToken(), 'new-2');
    assert.equal(session.refreshToken, 'r2');
  });

  it('reads the tries left in the wordings services use', () => {
    assert.equal(triesLeftIn('The PIN is invalid, 2 attempts left'), 2);
    assert.equal(triesLeftIn('Invalid OTP. 1 try remaining.'), 1);
    assert.equal(triesLeftIn('PIN incorrect (remaining attempts: 4)'), 4);
    assert.equal(triesLeftIn('Code erroné, 3 tentatives restantes'), 3);
    assert.equal(triesLeftIn('The PIN is invalid'), undefined);
  });
});
