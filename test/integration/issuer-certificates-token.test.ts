// Issue 11, part 4 (the app), hardware tokens: the chain notice is decided from what a token holds,
// read without a login (no PIN is asked to warn), and a token's signer is completed from the
// settings' issuer certificates like any other. SoftHSM2 tokens made here: C holds the signer's key
// and certificate alone, D also holds the CA certificates. Nothing listens at the certificates' AIA
// URL, so the issuers a signature carries come from the settings.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { createServices, TokenService } from '../../main/services';
import type { Services } from '../../main/services';
import { fingerprint } from '../../main/x509';
import { createTestPki, missingTools } from '../fixtures/pki';
import type { TestPki } from '../fixtures/pki';
import { createSoftHsm, findSoftHsmModule } from '../fixtures/softhsm';
import type { SoftHsm } from '../fixtures/softhsm';

const missing = missingTools('openssl', 'softhsm2-util', 'pkcs11-tool');
const moduleFound = await findSoftHsmModule();
const skip = missing.length > 0 ? `not installed: ${missing.join(', ')}` : moduleFound === undefined ? 'libsofthsm2.so not found' : false;
if (skip) console.log(`SKIPPED issuer certificates on tokens: ${skip}`);
const root = fileURLToPath(new URL('../..', import.meta.url));

describe('issuer certificates and hardware tokens', { skip, timeout: 180_000 }, () => {
  let dir = '';
  let pki: TestPki;
  let hsm: SoftHsm | undefined;
  let services: Services | undefined;
  const fp = async (pem: string) => fingerprint(new Uint8Array(new X509Certificate(await readFile(pem)).raw));

  before(async () => {
    if (skip) return;
    dir = await mkdtemp(join(tmpdir(), 'paraphe-issuers-token-'));
    await mkdir(join(dir, 'pki'));
    pki = await createTestPki(join(dir, 'pki'));
    hsm = await createSoftHsm();
    const c = await hsm.initToken({ label: 'Paraphe C', pin: '2468', soPin: '24682468' });
    await hsm.importKeyAndCert(c, { keyPem: pki.signer.keyPem, certPem: pki.signer.certPem, id: '0c', label: 'Élodie on C' });
    const d = await hsm.initToken({ label: 'Paraphe D', pin: '1357', soPin: '13571357' });
    await hsm.importKeyAndCert(d, { keyPem: pki.ecSigner.keyPem, certPem: pki.ecSigner.certPem, id: '0d', label: 'Zoë on D' });
    await hsm.importCertificate(d, { certPem: pki.root.certPem, id: 'ca01', label: 'Paraphe Test Root CA' });
    await hsm.importCertificate(d, { certPem: pki.intermediate.certPem, id: 'ca02', label: 'Paraphe Test Issuing CA' });
    const modulePath = hsm.modulePath;
    services = createServices({
      userDataDir: join(dir, 'profile'),
      appRoot: root,
      env: { appName: 'Paraphe', version: 'test', platform: process.platform, systemLocale: 'en-US' },
      dialogs: { chooseDocument: async () => null, chooseCertificateFile: async () => null, chooseModuleFile: async () => null, chooseSavePath: async () => null },
      tokens: new TokenService({ userModules: () => [], knownModules: () => [modulePath], aiaTimeoutMs: 1000 }),
    });
  });

  after(async () => {
    await services?.dispose();
    await hsm?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('warns of the token that holds its certificate alone, not of the one that holds the CA certificates; no PIN asked', async () => {
    const s = services as Services;
    const identities = await s.identities.list();
    const onC = identities.find((i) => i.holder === 'token' && i.token.label === 'Paraphe C');
    const onD = identities.find((i) => i.holder === 'token' && i.token.label === 'Paraphe D');
    assert.ok(onC && onD, JSON.stringify({ identities: identities.map((i) => i.name), scan: await s.tokens.scan() }));
    assert.deepEqual(await s.identities.signingWarnings(onC.id), [{ code: 'CHAIN_INCOMPLETE', subject: 'Élodie Signataire', stopsAt: null }]);
    assert.deepEqual(await s.identities.signingWarnings(onD.id), []);
    assert.equal(s.tokens.stats().logins, 0, 'no login to warn');
  });

  it('the issuers imported in settings end the notice, and the token signer carries them', async () => {
    const s = services as Services;
    const onC = (await s.identities.list()).find((i) => i.holder === 'token' && i.token.label === 'Paraphe C');
    assert.ok(onC);
    await s.issuers.importFile(pki.chain.caChainPem);
    assert.deepEqual(await s.identities.signingWarnings(onC.id), []);
    const signer = await s.identities.openSigner(onC.id, { ask: async (request) => (request.kind === 'pin' ? '2468' : null) });
    try {
      assert.deepEqual(signer.chain.map((c) => fingerprint(c)), [await fp(pki.intermediate.certPem), await fp(pki.root.certPem)]);
      assert.equal(fingerprint(signer.certificate), await fp(pki.signer.certPem));
    } finally {
      await signer.close();
    }
    assert.deepEqual(await s.identities.signingWarnings(onC.id), [], 'after the signer was opened, still nothing to say');
  });
});
