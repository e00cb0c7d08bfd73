// `paraphe remote ...` and `paraphe sign --remote` against the local CSC server: the command line
// as scripts run it (a child process, settings in a temp folder, the one-time password printed by
// --otp-command), and `remote login`/`logout` of a code-grant account in process, the test playing
// the browser and a map standing for the keychain.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runRemote } from '../../main/cli/remote';
import { parseCommandLine } from '../../main/cli/args';
import type { RemoteCommand } from '../../main/cli/args';
import { SettingsService } from '../../main/services/settings';
import { accountAccess } from '../../main/services/remote-accounts';
import { qpdfCheck } from '../fixtures/pdfs';
import { listenLocal, missingTools } from '../fixtures/pki';
import { verifyWithPdfsig } from '../fixtures/signed-by-poppler';
import { createPkiAndPdfs, paraphe, requireCliBundle } from '../fixtures/signing-bed';
import type { PkiAndPdfs } from '../fixtures/signing-bed';
import { startCscServer } from '../fixtures/csc-server';
import { startTsa } from '../fixtures/tsa';
import type { TestTsa } from '../fixtures/tsa';
import { requestTimestamp } from '../../main/remote';
import type { CscServer } from '../fixtures/csc-server';

const missing = missingTools('openssl', 'qpdf', 'pdfsig', 'gs');
const skip = missing.length > 0 ? `not installed: ${missing.join(', ')}` : false;
const SECRET = 'robot-secret-0001';

/** GET without following redirects. */
function browse(url: string): Promise<{ status: number; location: string | undefined }> {
  return new Promise((resolve, reject) => {
    httpRequest(url, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location }));
    })
      .on('error', reject)
      .end();
  });
}

describe('paraphe remote and sign --remote', { skip, timeout: 240_000 }, () => {
  let dir = '';
  let bed: PkiAndPdfs;
  let server: CscServer;
  let otpDesk: { port: number; close(): Promise<void> };
  let tsa: TestTsa;
  let env: Record<string, string>;

  before(async () => {
    if (skip) return;
    requireCliBundle();
    dir = await mkdtemp(join(tmpdir(), 'paraphe-remote-cli-'));
    bed = await createPkiAndPdfs(dir);
    const signerDer = new Uint8Array(await readFile(bed.pki.signer.certDer));
    const caChain = (await readFile(bed.pki.chain.caChainPem, 'utf8')).split(/(?=-----BEGIN CERTIFICATE-----)/).filter((p) => p.includes('BEGIN')).map((p) => new Uint8Array(new X509Certificate(p).raw));
    const keyPem = await readFile(bed.pki.signer.keyPem, 'utf8');
    tsa = await startTsa(bed.pki);
    server = await startCscServer({
      // signatures/timestamp answers with the local RFC 3161 TSA's token over the hash.
      timestamp: async ({ hash }) => (await requestTimestamp(tsa.url, { imprint: hash, hash: 'sha256' })).token,
      prefix: '/documentmanager',
      clients: [{ id: 'robot', secret: SECRET }, { id: 'desktop', redirectUris: ['http://127.0.0.1/callback'] }],
      users: [{ name: 'alice', password: 'alice-password' }],
      credentials: [
        { id: 'dtm-1', description: 'Élodie (DTM)', keyPem, chain: [signerDer, ...caChain], authMode: 'explicit', scal: '1', multisign: 2, pin: { value: '424242' }, otp: { type: 'online' } },
        { id: 'revoked', keyPem, chain: [signerDer, ...caChain], authMode: 'explicit', scal: '1', multisign: 1, certStatus: 'revoked' },
        { id: 'phone', keyPem, chain: [signerDer, ...caChain], authMode: 'implicit', scal: '1', multisign: 5 },
      ],
    });
    // What the signer's phone would show: the last OTP the server "texted", for --otp-command.
    otpDesk = await listenLocal(createServer((_req, res) => res.end(server.sentOtps.at(-1)?.otp ?? '')));
    env = { PARAPHE_USER_DATA_DIR: join(dir, 'user-data'), CSC_SECRET: SECRET, DTM_PIN: '424242' };
  });
  after(async () => {
    await otpDesk?.close();
    await server?.close();
    await tsa?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('adds an account (no secret in settings), lists it, and lists its credentials with their status', async () => {
    const added = await paraphe(['remote', 'add', 'robot', '--csc-url', server.url, '--client-id', 'robot', '--client-secret-env', 'CSC_SECRET', '--grant', 'client_credentials'], env);
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /added remote signing account robot/);
    const settings = await readFile(join(dir, 'user-data', 'settings.json'), 'utf8');
    assert.ok(settings.includes('"clientSecretEnv": "CSC_SECRET"') && !settings.includes(SECRET), 'the variable name, never the secret');
    const listed = await paraphe(['remote', 'list', '--json'], env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual((JSON.parse(listed.stdout) as { name: string; grant: string }[]).map((a) => [a.name, a.grant]), [['robot', 'client_credentials']]);
    const credentials = await paraphe(['remote', 'credentials', 'robot', '--json'], env);
    assert.equal(credentials.code, 0, credentials.stderr);
    const views = JSON.parse(credentials.stdout) as Record<string, unknown>[];
    for (const key of ['id', 'description', 'status', 'subject', 'authMode', 'scal', 'multisign']) assert.ok(views.every((v) => key in v), key);
    assert.deepEqual(views.map((v) => [v.id, v.status, v.authMode, v.scal, v.multisign]), [['dtm-1', 'usable', 'explicit', '1', 2], ['revoked', 'certificate-revoked', 'explicit', '1', 1], ['phone', 'usable', 'implicit', '1', 5]]);
    const text = await paraphe(['remote', 'credentials', 'robot'], env);
    assert.match(text.stdout, /dtm-1 .*can sign; PIN \+ online OTP; SCAL 1, up to 2 per authorization/);
    assert.match(text.stdout, /revoked .*cannot sign: certificate-revoked/);
    assert.match(text.stdout, /phone .*can sign; approval on the phone/);
  });

  it('implicit mode on the command line: says to approve on the phone, then signs', async () => {
    const input = join(dir, 'phone.pdf');
    await copyFile(bed.pdfs.simple, input);
    server.approve('phone');
    const signed = await paraphe(['sign', input, '-o', join(dir, 'phone-signed.pdf'), '--remote', 'robot', '--credential', 'phone'], env);
    assert.equal(signed.code, 0, signed.stderr);
    assert.match(signed.stderr, /Approve the signature of 1 document for .* on your phone \(robot\)/);
    assert.equal((await verifyWithPdfsig(join(dir, 'phone-signed.pdf'), { pki: bed.pki })).signatures[0]?.signatureValidation, 'Signature is Valid.');
  });

  it('signs 3 documents with --remote: PIN from --pin-env, each OTP from --otp-command, two authorizations; every output valid', async () => {
    const folder = join(dir, 'batch');
    await mkdir(folder, { recursive: true });
    const inputs = [];
    for (let i = 0; i < 3; i++) {
      const input = join(folder, `doc-${i}.pdf`);
      await copyFile(bed.pdfs.simple, input);
      inputs.push(input);
    }
    const otpCommand = `${JSON.stringify(process.execPath)} -e "fetch('http://127.0.0.1:${otpDesk.port}/').then((r) => r.text()).then((t) => process.stdout.write(t))"`;
    const before = server.calls.filter((c) => c.path === '/csc/v1/credentials/authorize').length;
    const signed = await paraphe(['sign', ...inputs, '--out-dir', join(folder, 'out'), '--remote', 'robot', '--credential', 'dtm-1', '--pin-env', 'DTM_PIN', '--otp-command', otpCommand, '--json'], env);
    assert.equal(signed.code, 0, signed.stderr);
    const authorizes = server.calls.filter((c) => c.path === '/csc/v1/credentials/authorize').slice(before);
    assert.deepEqual(authorizes.map((c) => (c.body as { numSignatures: number }).numSignatures), [2, 1]);
    assert.ok(!signed.stdout.includes('424242') && !signed.stderr.includes('424242'), 'the PIN is never printed');
    for (let i = 0; i < 3; i++) {
      const output = join(folder, 'out', `doc-${i}.pdf`);
      await qpdfCheck(output);
      const report = await verifyWithPdfsig(output, { pki: bed.pki });
      assert.equal(report.signatures[0]?.signatureValidation, 'Signature is Valid.', report.output);
    }
  });

  it('B-T with --tsa csc: the signatures/timestamp of the account is the TSA, the token checked, the signature timestamped', async () => {
    const input = join(dir, 'bt.pdf');
    await copyFile(bed.pdfs.simple, input);
    const output = join(dir, 'bt-signed.pdf');
    const otpCommand = `${JSON.stringify(process.execPath)} -e "fetch('http://127.0.0.1:${otpDesk.port}/').then((r) => r.text()).then((t) => process.stdout.write(t))"`;
    const signed = await paraphe(['sign', input, '-o', output, '--remote', 'robot', '--credential', 'dtm-1', '--pin-env', 'DTM_PIN', '--otp-command', otpCommand, '--level', 'B-T', '--tsa', 'csc'], env);
    assert.equal(signed.code, 0, signed.stderr);
    // One token sizes the placeholder (as with any TSA), one timestamps the signature.
    assert.ok(server.calls.filter((c) => c.path === '/csc/v1/signatures/timestamp').length >= 1);
    const verified = await paraphe(['verify', output, '--json', '--trust', bed.pki.root.certPem, '--no-system-trust'], env);
    const sig = (JSON.parse(verified.stdout) as { signatures: { timestamp?: { valid: boolean } | null; level?: string }[] }).signatures[0];
    assert.equal(sig?.timestamp?.valid, true, verified.stdout);
    assert.equal(sig?.level, 'B-T');
    const notRemote = await paraphe(['sign', input, '-o', join(dir, 'bt2.pdf'), '--p12', 'x.p12', '--level', 'B-T', '--tsa', 'csc'], env);
    assert.equal(notRemote.code, 2, 'csc as the TSA goes with --remote');
  });

  it('says what is wrong: no such account, a credential that cannot sign, the secret variable unset, bad arguments', async () => {
    const input = join(dir, 'one.pdf');
    await copyFile(bed.pdfs.simple, input);
    const unknown = await paraphe(['sign', input, '-o', join(dir, 'x.pdf'), '--remote', 'nobody'], env);
    assert.equal(unknown.code, 1, unknown.stderr);
    assert.match(unknown.stderr, /no remote signing account named nobody/);
    const revoked = await paraphe(['sign', input, '-o', join(dir, 'y.pdf'), '--remote', 'robot', '--credential', 'revoked'], env);
    assert.equal(revoked.code, 1, revoked.stderr);
    assert.match(revoked.stderr, /cannot sign \(certificate-revoked\)/);
    const noSecret = await paraphe(['remote', 'credentials', 'robot'], { ...env, CSC_SECRET: '' });
    assert.equal(noSecret.code, 1);
    assert.match(noSecret.stderr, /environment variable CSC_SECRET, which is not set/);
    for (const args of [
      ['remote', 'add', 'x', '--client-id', 'c'],
      ['remote', 'add', 'x', '--csc-url', 'http://csc.example/', '--client-id', 'c'],
      ['remote', 'add', 'x', '--dtm', 'production', '--client-id', 'c'],
      ['remote', 'add', 'x', '--dtm', 'demo/mars', '--client-id', 'c'],
      ['remote', 'add', 'x', '--csc-url', 'https://csc.example', '--client-id', 'c', '--grant', 'client_credentials'],
      ['remote', 'frobnicate'],
      ['remote', 'list', 'extra'],
      ['sign', input, '-o', join(dir, 'z.pdf'), '--p12', 'a.p12', '--credential', 'dtm-1'],
    ]) {
      const result = await paraphe(args, env);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    }
    const dtm = parseCommandLine(['remote', 'add', 'demo-us', '--dtm', 'demo', '--client-id', 'c']) as RemoteCommand;
    assert.deepEqual(dtm.action === 'add' && dtm.dtm, { environment: 'demo', region: 'us' });
  });

  it('login with the code grant (the test plays the browser) keeps a refresh token; signing rotates it; logout revokes it', async () => {
    const settings = new SettingsService(join(dir, 'in-process'));
    const keychain = new Map<string, string>();
    const secrets = { get: async (a: string) => keychain.get(a) ?? null, set: async (a: string, s: string) => void keychain.set(a, s), delete: async (a: string) => keychain.delete(a) };
    const out: string[] = [];
    const io = { out: (t: string) => void out.push(t), err: (t: string) => void out.push(t) };
    const openBrowser = async (url: string) => {
      // The browser: the consent page redirects to Paraphe's loopback listener, which answers.
      const consent = await browse(url);
      assert.equal(consent.status, 302);
      await browse(consent.location ?? '');
    };
    const deps = { settings, env: {}, secrets, openBrowser, loginTimeoutMs: 10_000 };
    assert.equal(await runRemote(parseCommandLine(['remote', 'add', 'me', '--csc-url', server.url, '--client-id', 'desktop']) as RemoteCommand, io, deps), 0);
    assert.equal(await runRemote(parseCommandLine(['remote', 'login', 'me']) as RemoteCommand, io, deps), 0, out.join(''));
    const first = keychain.get('me');
    assert.ok(first, 'a refresh token in the keychain');
    assert.ok(out.join('').includes('/oauth2/authorize?'), 'the URL is shown too');
    const [account] = (await settings.get()).remoteAccounts ?? [];
    assert.ok(account);
    const access = accountAccess(account, { env: {}, secrets });
    assert.ok(await access.tokens.accessToken());
    assert.notEqual(keychain.get('me'), first, 'the rotated refresh token replaced the old one');
    out.length = 0;
    assert.equal(await runRemote(parseCommandLine(['remote', 'list', '--json']) as RemoteCommand, io, deps), 0);
    assert.equal((JSON.parse(out.join('')) as { signedIn: boolean }[])[0]?.signedIn, true);
    const kept = keychain.get('me') ?? '';
    assert.equal(await runRemote(parseCommandLine(['remote', 'logout', 'me']) as RemoteCommand, io, deps), 0);
    assert.equal(keychain.has('me'), false);
    const afterLogout = accountAccess(account, { env: {}, secrets: { ...secrets, get: async () => kept } });
    await assert.rejects(afterLogout.tokens.accessToken(), /sign in to the account again|not signed in/, 'the revoked refresh token no longer works');
  });
});
