// PDFs signed with a remote credential of the local CSC server (test/fixtures/csc-server.ts)
// through the same signing session as every identity: the CSC provider (main/services/providers/
// csc.ts) lists the account's usable credentials, and a batch of 7 with multisign 3 is authorized
// three times (PIN once, an OTP sent and asked for each authorization: a wrong one asked again
// with retry), the outputs sound for qpdf and pdfsig, their signer the credential's certificate.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
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
      ],
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
    assert.deepEqual(identities.map((i) => i.service), ['dtm-demo'], 'the disabled credential is not offered');
    const views = await provider.credentials();
    assert.deepEqual(views.map((v) => [v.id, v.status]), [['dtm-1', 'usable'], ['disabled', 'key-disabled']]);
    const [identity] = identities;
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

  it('a missing secret, an unknown account and a disabled credential are refused in words', async () => {
    const noSecret = new CscProvider(async () => [accountAccess(account(), { env: {}, secrets: memorySecrets() })]);
    await assert.rejects(noSecret.find('dtm-demo'), /CSC_SECRET, which is not set/);
    const provider = new CscProvider(async () => [accountAccess(account(), { env: { CSC_SECRET: 'robot-secret-0001' }, secrets: memorySecrets() })]);
    await assert.rejects(provider.find('other'), /no remote signing account named other/);
    await assert.rejects(provider.find('dtm-demo', 'nope'), /has no credential nope/);
    const error = await provider.find('dtm-demo', 'disabled').then(() => null, (e: unknown) => e);
    assert.ok(isCscError(error, 'unusable'), String(error));
    assert.equal((await provider.find('dtm-demo')).service, 'dtm-demo', 'the one usable credential is chosen without --credential');
  });
});
