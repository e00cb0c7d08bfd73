// PDFs signed with a remote credential of the local CSC server (test/fixtures/csc-server.ts)
// through the same signing session as every identity: the CSC provider (main/services/providers/
// csc.ts) lists the account's usable credentials, and a batch of 7 with multisign 3 is authorized
// three times (PIN once, an OTP sent and asked for each authorization: a wrong one asked again
// with retry), the outputs sound for qpdf and pdfsig, their signer the credential's certificate.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CscProvider } from '../../main/services/providers/csc';
import { accountAccess } from '../../main/services/remote-accounts';
import type { SecretStore } from '../../main/services/remote-accounts';
import { SigningSession } from '../../main/services/signing';
import type { AuthorizationRequest, Authorizer } from '../../main/services/signing';
import { isCscError } from '../../main/remote/csc';
import type { RemoteAccount } from '../../preload/contract/schemas/settings';
import { qpdfCheck } from '../fixtures/pdfs';
import { missingTools } from '../fixtures/pki';
import { verifyWithPdfsig } from '../fixtures/signed-by-poppler';
import { createPkiAndPdfs, root } from '../fixtures/signing-bed';
import type { PkiAndPdfs } from '../fixtures/signing-bed';
import { startCscServer } from '../fixtures/csc-server';
import type { CscServer } from '../fixtures/csc-server';

const missing = missingTools('openssl', 'qpdf', 'pdfsig', 'gs');
const skip = missing.length > 0 ? `not installed: ${missing.join(', ')}` : false;

const memorySecrets = (): SecretStore & { map: Map<string, string> } => {
  const map = new Map<string, string>();
  return { map, get: async (a) => map.get(a) ?? null, set: async (a, s) => void map.set(a, s), delete: async (a) => map.delete(a) };
};

describe('signing with a remote CSC credential', { skip, timeout: 240_000 }, () => {
  let dir = '';
  let bed: PkiAndPdfs;
  let server: CscServer;
  let signerDer: Uint8Array;

  before(async () => {
    if (skip) return;
    dir = await mkdtemp(join(tmpdir(), 'paraphe-sign-csc-'));
    bed = await createPkiAndPdfs(dir);
    signerDer = new Uint8Array(await readFile(bed.pki.signer.certDer));
    const caChain = (await readFile(bed.pki.chain.caChainPem, 'utf8')).split(/(?=-----BEGIN CERTIFICATE-----)/).filter((p) => p.includes('BEGIN')).map((p) => new Uint8Array(new X509Certificate(p).raw));
    const keyPem = await readFile(bed.pki.signer.keyPem, 'utf8');
    server = await startCscServer({
      prefix: '/documentmanager',
      clients: [{ id: 'robot', secret: 'robot-secret-0001' }],
      credentials: [
        { id: 'dtm-1', description: 'Élodie (DTM)', keyPem, chain: [signerDer, ...caChain], authMode: 'explicit', scal: '1', multisign: 3, pin: { value: '424242' }, otp: { type: 'online' } },
        { id: 'disabled', keyPem, chain: [signerDer, ...caChain], authMode: 'explicit', scal: '1', multisign: 1, keyStatus: 'disabled' },
        { id: 'phone', keyPem, chain: [signerDer, ...caChain], authMode: 'implicit', scal: '1', multisign: 5 },
      ],
      implicitApprovalMs: 3000,
    });
  });
  after(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const account = (): RemoteAccount => ({ name: 'dtm-demo', url: server.url, clientId: 'robot', grant: 'client_credentials', clientSecretEnv: 'CSC_SECRET', addedAt: new Date().toISOString() });

  it('a batch of 7 with multisign 3: three authorizations, one OTP each (a wrong one asked again), every output valid and signed by the credential', async () => {
    const provider = new CscProvider(async () => [accountAccess(account(), { env: { CSC_SECRET: 'robot-secret-0001' }, secrets: memorySecrets() })]);
    const identities = await provider.list();
    assert.deepEqual(identities.map((i) => i.service), ['dtm-demo', 'dtm-demo'], 'the disabled credential is not offered');
    const views = await provider.credentials();
    assert.deepEqual(views.map((v) => [v.id, v.status]), [['dtm-1', 'usable'], ['disabled', 'key-disabled'], ['phone', 'usable']]);
    const identity = await provider.find('dtm-demo', 'dtm-1');
    assert.ok(identity);
    const asked: AuthorizationRequest[] = [];
    let wrongOnce = true;
    const authorizer: Authorizer = {
      ask: async (request) => {
        asked.push(request);
        if (request.kind === 'pin') return '424242';
        if (request.kind === 'otp') {
          if (wrongOnce) {
            wrongOnce = false;
            return '000000';
          }
          return server.sentOtps.at(-1)?.otp ?? null;
        }
        return null;
      },
    };
    const signer = await provider.open(identity, authorizer);
    assert.deepEqual(Buffer.from(signer.certificate), Buffer.from(signerDer));
    assert.equal(signer.batch?.max, 3);
    const folder = join(dir, 'batch');
    await mkdir(join(folder, 'out'), { recursive: true });
    const items = [];
    for (let i = 0; i < 7; i++) {
      const input = join(folder, `doc-${i}.pdf`);
      await copyFile(i % 2 === 0 ? bed.pdfs.simple : bed.pdfs.objectStreams, input);
      items.push({ input, output: join(folder, 'out', `doc-${i}.pdf`) });
    }
    const outcomes = await new SigningSession(signer, { level: 'B-B', hash: 'sha256' }, root).signBatch(items);
    await signer.close();
    assert.deepEqual(outcomes.map((o) => o.ok), new Array(7).fill(true), JSON.stringify(outcomes.filter((o) => !o.ok)));
    const authorizes = server.calls.filter((c) => c.path === '/csc/v1/credentials/authorize');
    assert.equal(authorizes.length, 4, 'three authorizations, one of them sent twice after the wrong OTP');
    assert.deepEqual(authorizes.map((c) => (c.body as { numSignatures: number }).numSignatures), [3, 3, 3, 1]);
    assert.deepEqual(server.calls.filter((c) => c.path === '/csc/v1/signatures/signHash').map((c) => (c.body as { hash: string[] }).hash.length), [3, 3, 1]);
    const otps = asked.filter((r) => r.kind === 'otp');
    assert.deepEqual(otps.map((r) => r.kind === 'otp' && [r.documents, r.retry]), [[3, false], [3, true], [3, false], [1, false]]);
    assert.ok(asked.filter((r) => r.kind === 'pin').length >= 1);
    assert.equal(server.signatureCount('dtm-1'), 7);
    for (const item of items) {
      await qpdfCheck(item.output);
      const report = await verifyWithPdfsig(item.output, { pki: bed.pki });
      assert.equal(report.signatures.length, 1, report.output);
      assert.equal(report.signatures[0]?.signatureValidation, 'Signature is Valid.', report.output);
    }
    const all = JSON.stringify({ asked, calls: server.calls.map((c) => c.path) });
    assert.ok(!all.includes('robot-secret-0001'));
  });

  const signTwo = async (credential: string, authorizer: Authorizer, name: string): Promise<{ ok: boolean; code?: string }[]> => {
    const provider = new CscProvider(async () => [accountAccess(account(), { env: { CSC_SECRET: 'robot-secret-0001' }, secrets: memorySecrets() })]);
    const signer = await provider.open(await provider.find('dtm-demo', credential), authorizer);
    const folder = join(dir, name);
    await mkdir(join(folder, 'out'), { recursive: true });
    const items = [];
    for (let i = 0; i < 2; i++) {
      const input = join(folder, `doc-${i}.pdf`);
      await copyFile(bed.pdfs.simple, input);
      items.push({ input, output: join(folder, 'out', `doc-${i}.pdf`) });
    }
    const outcomes = await new SigningSession(signer, { level: 'B-B', hash: 'sha256' }, root).signBatch(items);
    await signer.close();
    for (const [i, o] of outcomes.entries()) if (o.ok) assert.equal((await verifyWithPdfsig(items[i]?.output ?? '', { pki: bed.pki })).signatures[0]?.signatureValidation, 'Signature is Valid.');
    return outcomes.map((o) => (o.ok ? { ok: true } : { ok: false, code: (o.error as { code?: string }).code ?? '' }));
  };

  it('implicit: the user is told to approve on the phone, approved signs, refused signs nothing', async () => {
    const told: AuthorizationRequest[] = [];
    const authorizer: Authorizer = { ask: async (request) => (told.push(request), '') };
    server.approve('phone');
    assert.deepEqual(await signTwo('phone', authorizer, 'implicit-yes'), [{ ok: true }, { ok: true }]);
    assert.deepEqual(told.map((r) => r.kind === 'approval' && [r.service, r.documents]), [['dtm-demo', 2]]);
    server.refuse('phone');
    assert.deepEqual(await signTwo('phone', authorizer, 'implicit-no'), [{ ok: false, code: 'csc-refused' }, { ok: false, code: 'csc-refused' }]);
    assert.deepEqual(await readdir(join(dir, 'implicit-no', 'out')), [], 'nothing written');
    // An Authorizer that cannot tell the user (null): cancelled, nothing asked of the service.
    const before = server.calls.length;
    assert.deepEqual(await signTwo('phone', { ask: async () => null }, 'implicit-nobody'), [{ ok: false, code: 'cancelled' }, { ok: false, code: 'cancelled' }]);
    assert.equal(server.calls.slice(before).filter((c) => c.path === '/csc/v1/credentials/authorize').length, 0);
  });

  it('a SAD that expired before signHash is authorized again once (a new OTP), then signs', async () => {
    const asked: AuthorizationRequest[] = [];
    const authorizer: Authorizer = { ask: async (request) => (asked.push(request), request.kind === 'pin' ? '424242' : (server.sentOtps.at(-1)?.otp ?? null)) };
    server.failNext('/csc/v1/signatures/signHash', 400, { error: 'invalid_request', error_description: 'SAD expired' });
    assert.deepEqual(await signTwo('dtm-1', authorizer, 'sad-expired'), [{ ok: true }, { ok: true }]);
    assert.equal(asked.filter((r) => r.kind === 'otp').length, 2, 'a second OTP for the second authorization');
  });

  it('a missing secret, an unknown account and a disabled credential are refused in words', async () => {
    const noSecret = new CscProvider(async () => [accountAccess(account(), { env: {}, secrets: memorySecrets() })]);
    await assert.rejects(noSecret.find('dtm-demo'), /CSC_SECRET, which is not set/);
    const provider = new CscProvider(async () => [accountAccess(account(), { env: { CSC_SECRET: 'robot-secret-0001' }, secrets: memorySecrets() })]);
    await assert.rejects(provider.find('other'), /no remote signing account named other/);
    await assert.rejects(provider.find('dtm-demo', 'nope'), /has no credential nope/);
    const error = await provider.find('dtm-demo', 'disabled').then(() => null, (e: unknown) => e);
    assert.ok(isCscError(error, 'unusable'), String(error));
    await assert.rejects(provider.find('dtm-demo'), /has 2 credentials that can sign: choose one with --credential/, 'two usable credentials: one must be named');
  });
});
