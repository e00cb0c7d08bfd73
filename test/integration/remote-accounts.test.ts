// RemoteAccountService (main/services/remote-accounts.ts) against the local CSC server, in
// process: what Settings → Accounts and `paraphe remote` rely on. A secret typed in the app goes
// to the keychain (a map here: the real one is the UI test's) and signs in from there, never into
// settings; a name is new unless replacing; a service or client that changed forgets the old
// sign-in; a browser sign-in that is refused, cancelled or not finished says so in words of the
// account; a service naming a non-https sign-in page is not opened in the browser.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AppError } from '../../main/errors';
import { keptSecretKey, RemoteAccountService } from '../../main/services/remote-accounts';
import { SettingsService } from '../../main/services/settings';
import { missingTools, run } from '../fixtures/pki';
import { startCscServer } from '../fixtures/csc-server';
import type { CscServer } from '../fixtures/csc-server';

const SECRET = 'robot-secret-0001';
const skip = missingTools('openssl').length > 0 ? 'not installed: openssl' : false;
if (skip) console.log(`SKIPPED RemoteAccountService tests: ${skip}`);

function mapSecrets() {
  const map = new Map<string, string>();
  return { map, store: { get: async (a: string) => map.get(a) ?? null, set: async (a: string, s: string) => void map.set(a, s), delete: async (a: string) => map.delete(a) } };
}

function follow(url: string): Promise<{ status: number; location: string | undefined }> {
  return new Promise((resolve, reject) => {
    httpRequest(url, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location }));
    })
      .on('error', reject)
      .end();
  });
}

async function rejectsWith(work: Promise<unknown>, code: string, words: RegExp): Promise<void> {
  await assert.rejects(work, (error: unknown) => {
    assert.ok(error instanceof AppError || (error instanceof Error && 'code' in error), String(error));
    assert.equal((error as { code: string }).code, code);
    assert.match((error as Error).message, words);
    return true;
  });
}

describe('RemoteAccountService', { skip, timeout: 60_000 }, () => {
  let dir = '';
  let server: CscServer;
  let badOauth: CscServer;

  before(async () => {
    if (skip) return;
    dir = await mkdtemp(join(tmpdir(), 'paraphe-remote-accounts-'));
    // A self-signed signer (the credentials are listed, not signed with, here).
    const keyFile = join(dir, 'key.pem');
    const certFile = join(dir, 'cert.der');
    await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile, '-outform', 'DER', '-out', certFile, '-subj', '/CN=Remote Signer', '-days', '30']);
    const keyPem = await readFile(keyFile, 'utf8');
    const chain = [new Uint8Array(await readFile(certFile))];
    server = await startCscServer({
      clients: [{ id: 'robot', secret: SECRET }, { id: 'desktop', redirectUris: ['http://127.0.0.1/callback'] }],
      users: [{ name: 'alice', password: 'alice-password' }],
      credentials: [{ id: 'c1', keyPem, chain, authMode: 'explicit', scal: '1', multisign: 1 }],
    });
    badOauth = await startCscServer({ clients: [{ id: 'desktop' }], credentials: [] });
  });
  after(async () => {
    await server?.close();
    await badOauth?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('keeps a secret typed in the app in the keychain, signs in with it, and forgets it on removal', async () => {
    const settings = new SettingsService(join(dir, 'typed'));
    const { map, store } = mapSecrets();
    const service = new RemoteAccountService(settings, { env: {}, secrets: store });
    await service.add({ name: 'robot', service: { kind: 'csc', url: server.url }, clientId: 'robot', grant: 'client_credentials', secret: SECRET }, { replace: false });
    await service.add({ name: 'alice', service: { kind: 'csc', url: server.url }, clientId: 'x', grant: 'basic', user: 'alice', secret: 'alice-password' }, { replace: false });
    assert.equal(map.get(keptSecretKey('robot')), SECRET);
    const file = await readFile(settings.file, 'utf8');
    assert.doesNotMatch(file, /robot-secret|alice-password/, 'no secret in settings');
    assert.deepEqual((await service.list()).map((a) => [a.name, a.secretKept, a.signedIn]), [['robot', true, null], ['alice', true, null]]);
    assert.equal(await service.login('robot'), 'checked');
    assert.equal(await service.login('alice'), 'checked');
    assert.deepEqual((await service.credentials('robot')).map((c) => c.id), ['c1']);
    // A wrong secret typed: the service refuses, in words.
    await service.add({ name: 'robot', service: { kind: 'csc', url: server.url }, clientId: 'robot', grant: 'client_credentials', secret: 'wrong' }, { replace: true });
    await assert.rejects(service.login('robot'));
    await service.remove('robot');
    assert.equal(map.has(keptSecretKey('robot')), false, 'the kept secret is deleted with the account');
    assert.deepEqual((await service.list()).map((a) => a.name), ['alice']);
  });

  it('refuses a name already taken unless replacing; a changed service forgets the old sign-in', async () => {
    const settings = new SettingsService(join(dir, 'names'));
    const { map, store } = mapSecrets();
    const service = new RemoteAccountService(settings, { env: {}, secrets: store, openBrowser: async (url) => void (await follow((await follow(url)).location ?? '')) });
    await service.add({ name: 'me', service: { kind: 'csc', url: server.url }, clientId: 'desktop', grant: 'code' }, { replace: false });
    await rejectsWith(service.add({ name: 'me', service: { kind: 'dtm', environment: 'demo', region: 'us' }, clientId: 'desktop', grant: 'code' }, { replace: false }), 'remote-account-exists', /already a remote signing account named me/);
    assert.equal(await service.login('me'), 'kept');
    assert.ok(map.get('me'), 'a refresh token kept');
    assert.deepEqual((await service.list()).map((a) => a.signedIn), [true]);
    // The same service and client again: still signed in.
    await service.add({ name: 'me', service: { kind: 'csc', url: server.url }, clientId: 'desktop', grant: 'code' }, { replace: true });
    assert.ok(map.get('me'));
    // Another service under the same name: the old token is revoked and forgotten.
    await service.add({ name: 'me', service: { kind: 'dtm', environment: 'production', region: 'nl' }, clientId: 'desktop', grant: 'code' }, { replace: true });
    assert.equal(map.has('me'), false);
    assert.ok(server.calls.some((c) => c.path === '/oauth2/revoke'), 'revoked at the old service');
    const [account] = await service.list();
    assert.equal(account?.url, 'https://one.nl.digicert.com/documentmanager');
  });

  it('words a browser sign-in that was refused, cancelled, or not finished in time', async () => {
    const settings = new SettingsService(join(dir, 'login'));
    const { map, store } = mapSecrets();
    let browser: (url: string) => Promise<void> = async () => undefined;
    const service = new RemoteAccountService(settings, { env: {}, secrets: store, openBrowser: (url) => browser(url), loginTimeoutMs: 400 });
    await service.add({ name: 'me', service: { kind: 'csc', url: server.url }, clientId: 'desktop', grant: 'code' }, { replace: false });
    // The user says no on the consent page: the service redirects with error=access_denied.
    browser = async (url) => {
      const redirect = new URL(url).searchParams.get('redirect_uri') ?? '';
      const state = new URL(url).searchParams.get('state') ?? '';
      await follow(`${redirect}?error=access_denied&state=${state}`);
    };
    await rejectsWith(service.login('me'), 'remote-login-refused', /me did not let Paraphe sign in: the sign-in was refused in the browser \(access_denied\)/);
    browser = async () => undefined;
    await rejectsWith(service.login('me'), 'remote-login-timeout', /was not finished in the browser within 1 minute/);
    const pending = service.login('me');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(service.cancelLogin('me'), true);
    await rejectsWith(pending, 'remote-login-cancelled', /sign-in to me was cancelled/);
    assert.equal(service.cancelLogin('me'), false, 'nothing waits any more');
    assert.equal(map.size, 0, 'nothing kept');
  });

  it('does not open a sign-in page the service names outside https', async () => {
    const settings = new SettingsService(join(dir, 'bad-oauth'));
    const opened: string[] = [];
    const service = new RemoteAccountService(settings, { env: {}, secrets: mapSecrets().store, openBrowser: async (url) => void opened.push(url) });
    await service.add({ name: 'odd', service: { kind: 'csc', url: badOauth.url }, clientId: 'desktop', grant: 'code' }, { replace: false });
    badOauth.failNext('/csc/v1/info', 200, { specs: '1.0.4.0', name: 'Odd', logo: '', region: 'FR', lang: 'en', description: 'x', authType: ['oauth2code'], oauth2: 'file:///etc/passwd', methods: ['credentials/list'] });
    await rejectsWith(service.login('odd'), 'csc-bad-answer', /oauth2/);
    assert.deepEqual(opened, []);
  });
});
