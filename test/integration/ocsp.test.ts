// Revocation services of the test PKI: the openssl OCSP responder answers from the CA database,
// and the HTTP server publishes the CRLs and CA certificates at the URLs the certificates carry.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { PkiHttpServer } from '../fixtures/http';
import { startPkiHttpServer } from '../fixtures/http';
import type { OcspResponder } from '../fixtures/ocsp';
import { startOcspResponder } from '../fixtures/ocsp';
import type { CertFiles, TestPki } from '../fixtures/pki';
import { createTestPki, freePort, generateCrls, issueCertificate, revokeCertificate, run, skipWithout } from '../fixtures/pki';

const skip = skipWithout('openssl');

describe('OCSP responder and CRL server', { timeout: 60_000 }, () => {
  let dir = '';
  let pki: TestPki;
  let ocsp: OcspResponder | undefined;
  let http: PkiHttpServer | undefined;

  before(async () => {
    if (skip) return;
    dir = mkdtempSync(join(tmpdir(), 'paraphe-ocsp-'));
    pki = await createTestPki(dir);
    ocsp = await startOcspResponder(pki, { port: pki.ocspPort, maxRequests: 20 });
    http = await startPkiHttpServer(pki, pki.httpPort);
  });
  after(async () => {
    await ocsp?.stop();
    await http?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Asks the responder named in the certificate's AIA (not a URL of ours) about `cert`. */
  async function askOcsp(cert: CertFiles): Promise<string> {
    const url = (await run('openssl', ['x509', '-in', cert.certPem, '-noout', '-ocsp_uri'])).stdout.toString('utf8').trim();
    assert.equal(url, ocsp?.url);
    const r = await run(
      'openssl',
      ['ocsp', '-issuer', pki.intermediate.certPem, '-cert', cert.certPem, '-url', url, '-CAfile', pki.root.certPem, '-timeout', '10', '-resp_text'],
      { timeoutMs: 20_000 },
    );
    return r.output;
  }

  it('answers good for the signer, in a response signed by the nocheck responder certificate', { skip }, async () => {
    const out = await askOcsp(pki.signer);
    assert.match(out, /Response verify OK/);
    assert.match(out, new RegExp(`${pki.signer.certPem}: good`));
    assert.match(out, /OCSP No Check/);
    assert.match(out, /Next Update:/);
  });

  it('answers revoked, with the reason, for the revoked signer', { skip }, async () => {
    const out = await askOcsp(pki.revokedSigner);
    assert.match(out, /Response verify OK/);
    assert.match(out, new RegExp(`${pki.revokedSigner.certPem}: revoked`));
    assert.match(out, /Reason: keyCompromise/);
  });

  it('serves the issuing CA CRL at the certificate CRL distribution point, listing the revoked serial', { skip }, async () => {
    const text = (await run('openssl', ['x509', '-in', pki.signer.certPem, '-noout', '-ext', 'crlDistributionPoints'])).stdout.toString('utf8');
    const url = /URI:(\S+)/.exec(text)?.[1];
    assert.equal(url, pki.urls.intermediateCrl);
    const response = await fetch(url);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/pkix-crl');
    const file = join(dir, 'fetched.crl');
    writeFileSync(file, Buffer.from(await response.arrayBuffer()));
    const crl = await run('openssl', ['crl', '-inform', 'DER', '-in', file, '-CAfile', pki.chain.caChainPem, '-noout', '-text']);
    assert.match(crl.output, /verify OK/);
    assert.match(crl.output, new RegExp(`Serial Number: ${pki.revokedSigner.serial}`));
    assert.doesNotMatch(crl.output, new RegExp(pki.signer.serial));
  });

  it('serves the CA certificates named by AIA caIssuers as DER', { skip }, async () => {
    for (const [url, cert] of [[pki.urls.intermediateCert, pki.intermediate], [pki.urls.rootCert, pki.root]] as const) {
      const response = await fetch(url);
      assert.equal(response.status, 200, url);
      assert.equal(response.headers.get('content-type'), 'application/pkix-cert');
      assert.deepEqual(Buffer.from(await response.arrayBuffer()), readFileSync(cert.certDer));
    }
    assert.equal((await fetch(`${http?.url}/nothing-here`)).status, 404);
    assert.ok(http?.requests.includes('/intermediate.crt'));
  });

  it('reports a certificate issued and revoked during the run as revoked, in OCSP and in the served CRL', { skip }, async () => {
    const late = await issueCertificate(pki, { name: 'late', subject: '/O=Paraphe Test/CN=Révoqué Tardif', profile: 'signer' });
    await ocsp?.refresh();
    assert.match(await askOcsp(late), new RegExp(`${late.certPem}: good`));
    await revokeCertificate(pki, late, 'superseded');
    await generateCrls(pki);
    await ocsp?.refresh();
    const out = await askOcsp(late);
    assert.match(out, new RegExp(`${late.certPem}: revoked`));
    assert.match(out, /Reason: superseded/);
    const crl = join(dir, 'late.crl');
    writeFileSync(crl, Buffer.from(await (await fetch(pki.urls.intermediateCrl)).arrayBuffer()));
    const text = (await run('openssl', ['crl', '-inform', 'DER', '-in', crl, '-noout', '-text'])).output;
    assert.match(text, new RegExp(`Serial Number: ${late.serial}`));
    assert.match(text, new RegExp(`Serial Number: ${pki.revokedSigner.serial}`));
  });

  it('exits by itself after maxRequests requests', { skip }, async () => {
    const port = await freePort();
    const one = await startOcspResponder(pki, { port, maxRequests: 1 });
    try {
      const ask = () =>
        run('openssl', ['ocsp', '-issuer', pki.intermediate.certPem, '-cert', pki.signer.certPem, '-url', one.url, '-noverify', '-timeout', '5'], {
          allowFailure: true,
          timeoutMs: 15_000,
        });
      assert.match((await ask()).output, /: good/);
      const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('responder still running')), 5_000).unref());
      assert.equal(await Promise.race([one.exited, timeout]), 0);
      const refused = await new Promise<string>((resolve) => {
        const socket = connect({ host: '127.0.0.1', port }, () => {
          socket.destroy();
          resolve('connected');
        });
        socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      });
      assert.equal(refused, 'ECONNREFUSED');
    } finally {
      await one.stop();
    }
    assert.throws(() => process.kill(one.pid, 0), /ESRCH/);
  });

  it('stop() kills a running responder by PID and waits for its exit', { skip }, async () => {
    const responder = await startOcspResponder(pki, { port: await freePort() });
    assert.doesNotThrow(() => process.kill(responder.pid, 0));
    await responder.stop();
    assert.throws(() => process.kill(responder.pid, 0), /ESRCH/);
    await responder.stop(); // idempotent
  });
});
