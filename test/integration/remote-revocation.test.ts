// OCSP, CRLs, AIA and B-LT data (main/remote/revocation + main/cms ocsp, crl, chain, dss) against
// the fixture `openssl ocsp` responder and the CRL/CA-certificate HTTP server of the test PKI.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as pkijs from 'pkijs';
import {
  buildChain, buildOcspRequest, certificateUrls, collectValidationData, fingerprint, isCmsError, parseCrl, parseOcspResponse,
} from '../../main/cms';
import type { CmsErrorCode } from '../../main/cms';
import { fetchCrl, fetchIssuer, fetchOcsp, fetchValidationData, httpExchange, revocationFetchers } from '../../main/remote';
import type { PkiHttpServer } from '../fixtures/http';
import { startPkiHttpServer } from '../fixtures/http';
import type { OcspResponder } from '../fixtures/ocsp';
import { startOcspResponder } from '../fixtures/ocsp';
import type { CertFiles, TestPki } from '../fixtures/pki';
import { createTestPki, freePort, generateCrls, issueCertificate, revokeCertificate, run, skipWithout } from '../fixtures/pki';

const skip = skipWithout('openssl');

const isCode = (code: CmsErrorCode, pattern?: RegExp) => (e: unknown) => isCmsError(e, code) && (pattern === undefined || pattern.test(e.message));

describe('revocation data over HTTP (main/remote/revocation, main/cms)', { timeout: 60_000 }, () => {
  let dir = '';
  let pki: TestPki;
  let ocsp: OcspResponder | undefined;
  let http: PkiHttpServer | undefined;
  const der = (cert: CertFiles) => new Uint8Array(readFileSync(cert.certDer));
  const has = (list: readonly Uint8Array[], cert: Uint8Array) => list.some((c) => fingerprint(c) === fingerprint(cert));

  before(async () => {
    if (skip) return;
    dir = mkdtempSync(join(tmpdir(), 'paraphe-remote-rev-'));
    pki = await createTestPki(dir);
    // openssl ocsp counts every TCP connection as a request: about 15 are made here.
    ocsp = await startOcspResponder(pki, { port: pki.ocspPort, maxRequests: 60 });
    http = await startPkiHttpServer(pki, pki.httpPort);
  });
  after(async () => {
    await ocsp?.stop();
    await http?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reads the OCSP, caIssuers and CRL URLs of a certificate', { skip }, () => {
    assert.deepEqual(certificateUrls(der(pki.signer)), { ocsp: [pki.urls.ocsp], caIssuers: [pki.urls.intermediateCert], crl: [pki.urls.intermediateCrl] });
    assert.deepEqual(certificateUrls(der(pki.intermediate)), { ocsp: [], caIssuers: [pki.urls.rootCert], crl: [pki.urls.rootCrl] });
    assert.deepEqual(certificateUrls(der(pki.root)), { ocsp: [], caIssuers: [], crl: [] });
  });

  it('gets a good OCSP answer for the signer, signed by the delegated responder, that openssl also reads as good', { skip }, async () => {
    const before = Date.now();
    const result = await fetchOcsp(der(pki.signer), der(pki.intermediate));
    assert.equal(result.status, 'good');
    assert.ok(Math.abs(result.producedAt.getTime() - before) < 60_000);
    assert.ok(result.thisUpdate.getTime() <= Date.now() + 1000);
    assert.ok(result.nextUpdate && result.nextUpdate.getTime() > Date.now());
    assert.ok(has(result.responderCertificates, der(pki.ocsp)));
    assert.deepEqual(result.responderCertificate, der(pki.ocsp));
    const file = join(dir, 'good.ocsp');
    writeFileSync(file, result.der);
    const r = await run('openssl', ['ocsp', '-respin', file, '-issuer', pki.intermediate.certPem, '-cert', pki.signer.certPem, '-CAfile', pki.root.certPem, '-no_nonce'], { allowFailure: true });
    assert.match(r.output, /Response verify OK/);
    assert.match(r.output, /: good/);
  });

  it('gets a revoked OCSP answer for the revoked signer, with the date and reason', { skip }, async () => {
    const result = await fetchOcsp(der(pki.revokedSigner), der(pki.intermediate));
    assert.equal(result.status, 'revoked');
    assert.ok(result.revokedAt && Math.abs(result.revokedAt.getTime() - Date.now()) < 10 * 60_000);
    assert.equal(result.revocationReason, 'keyCompromise');
  });

  it('sees a certificate revoked during the run as revoked once the responder has reread its index', { skip }, async () => {
    const late = await issueCertificate(pki, { name: 'late', subject: '/O=Paraphe Test/CN=Révoqué Tardif', profile: 'signer' });
    await ocsp?.refresh();
    assert.equal((await fetchOcsp(der(late), der(pki.intermediate))).status, 'good');
    await revokeCertificate(pki, late, 'superseded');
    await generateCrls(pki);
    await ocsp?.refresh();
    const result = await fetchOcsp(der(late), der(pki.intermediate));
    assert.equal(result.status, 'revoked');
    assert.equal(result.revocationReason, 'superseded');
    const crl = await fetchCrl(der(late), der(pki.intermediate));
    assert.equal(crl.isRevoked(late.serial)?.reason, 'superseded');
  });

  it('refuses an OCSP answer that echoes another nonce, or checked against another issuer', { skip }, async () => {
    const request = buildOcspRequest(der(pki.signer), der(pki.intermediate));
    const reply = await httpExchange({ service: 'ocsp', url: pki.urls.ocsp, method: 'POST', body: request.der, contentType: 'application/ocsp-request' });
    const options = { certificate: der(pki.signer), issuer: der(pki.intermediate) };
    assert.equal(parseOcspResponse(reply.body, { ...options, nonce: request.nonce }).status, 'good');
    assert.throws(() => parseOcspResponse(reply.body, { ...options, nonce: new Uint8Array(16).fill(9) }), isCode('ocsp-nonce-mismatch'));
    // The responder certificate was not issued by the root: the answer does not count for a root-issued certificate.
    assert.throws(() => parseOcspResponse(reply.body, { ...options, issuer: der(pki.root) }), isCode('ocsp-bad-signature', /did not issue/));
    // One bit of the response signature flipped.
    const ocspResponse = pkijs.OCSPResponse.fromBER(new Uint8Array(reply.body));
    const basic = pkijs.BasicOCSPResponse.fromBER(new Uint8Array(ocspResponse.responseBytes?.response.valueBlock.valueHexView ?? []));
    const at = Buffer.from(reply.body).indexOf(Buffer.from(basic.signature.valueBlock.valueHexView));
    assert.ok(at > 0);
    const tampered = new Uint8Array(reply.body);
    tampered[at + 10] = (tampered[at + 10] ?? 0) ^ 1;
    assert.throws(() => parseOcspResponse(tampered, { ...options, nonce: request.nonce }), isCode('ocsp-bad-signature', /does not verify/));
  });

  it('reports a responder that is down as ocsp-unreachable, naming it', { skip }, async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    await assert.rejects(
      fetchOcsp(der(pki.signer), der(pki.intermediate), { urls: [url] }),
      isCode('ocsp-unreachable', new RegExp(`The OCSP responder at ${url.replace(/\./g, '\\.')} cannot be reached \\(connection refused\\)`)),
    );
  });

  it('reports a certificate without an OCSP URL as ocsp-no-url', { skip }, async () => {
    await assert.rejects(fetchOcsp(der(pki.intermediate), der(pki.root)), isCode('ocsp-no-url', /^The certificate of Paraphe Test Issuing CA names no OCSP responder\.$/));
  });

  it('downloads the issuing CA CRL, checked against the CA, listing the revoked serial only', { skip }, async () => {
    const crl = await fetchCrl(der(pki.signer), der(pki.intermediate));
    assert.equal(crl.issuer, 'Paraphe Test Issuing CA');
    assert.deepEqual(crl.der, new Uint8Array(readFileSync(pki.crl.intermediate.der)));
    const entry = crl.isRevoked(pki.revokedSigner.serial);
    assert.ok(entry);
    assert.equal(entry.reason, 'keyCompromise');
    assert.equal(crl.isRevoked(pki.revokedSigner.serial.toLowerCase()), entry);
    assert.equal(crl.isRevoked(pki.signer.serial), null);
    assert.ok(crl.nextUpdate && crl.nextUpdate.getTime() > Date.now());
    assert.ok(http?.requests.includes('/intermediate.crl'));
  });

  it('reads a PEM CRL, and refuses a CRL checked against another CA', { skip }, () => {
    const pem = new Uint8Array(readFileSync(pki.crl.intermediate.pem));
    assert.ok(parseCrl(pem, { issuer: der(pki.intermediate) }).isRevoked(pki.revokedSigner.serial));
    assert.throws(() => parseCrl(pem, { issuer: der(pki.root) }), isCode('crl-bad-signature'));
    assert.throws(() => parseCrl(new Uint8Array([1, 2, 3]), { issuer: der(pki.root) }), isCode('crl-bad-response'));
  });

  it('refuses a CRL past its next update as crl-stale', { skip }, async () => {
    const later = new Date(Date.now() + 40 * 24 * 3600 * 1000);
    await assert.rejects(fetchCrl(der(pki.signer), der(pki.intermediate), { now: later }), isCode('crl-stale'));
  });

  it('fetches the issuing CA named by AIA caIssuers, and nothing for a root', { skip }, async () => {
    assert.deepEqual(await fetchIssuer(der(pki.signer)), der(pki.intermediate));
    assert.deepEqual(await fetchIssuer(der(pki.intermediate)), der(pki.root));
    assert.equal(await fetchIssuer(der(pki.root)), null);
  });

  it('orders a chain leaf to root from unordered candidates, and completes a missing issuer through AIA', { skip }, async () => {
    const expected = [der(pki.signer), der(pki.intermediate), der(pki.root)];
    assert.deepEqual(await buildChain(der(pki.signer), [der(pki.root), der(pki.tsa), der(pki.intermediate), der(pki.ecSigner)]), expected);
    assert.deepEqual(await buildChain(der(pki.signer), [der(pki.root)], { fetchMissing: (c) => fetchIssuer(c) }), expected);
    assert.deepEqual(await buildChain(der(pki.signer), [der(pki.root)]), [der(pki.signer)]);
    await assert.rejects(buildChain(der(pki.signer), [der(pki.root)], { requireRoot: true }), isCode('chain-incomplete', /Élodie Signataire/));
  });

  it('collects OCSP answers for the signer and the TSA, the root CRL for the CA, and every certificate once', { skip }, async () => {
    const signerChain = [der(pki.signer), der(pki.intermediate), der(pki.root)];
    const tsaChain = [der(pki.tsa), der(pki.intermediate), der(pki.root)];
    const data = await collectValidationData({ chains: [signerChain, tsaChain], ...revocationFetchers() });
    assert.equal(data.ocsps.length, 2);
    assert.deepEqual(data.crls, [new Uint8Array(readFileSync(pki.crl.root.der))]);
    assert.equal(data.certs.length, 5, 'signer, intermediate, root, TSA, OCSP responder');
    for (const cert of [pki.signer, pki.intermediate, pki.root, pki.tsa, pki.ocsp]) assert.ok(has(data.certs, der(cert)), cert.name);
    const sources = new Map(data.checks.map((c) => [fingerprint(c.certificate), c.source]));
    assert.equal(sources.get(fingerprint(der(pki.signer))), 'ocsp');
    assert.equal(sources.get(fingerprint(der(pki.tsa))), 'ocsp');
    assert.equal(sources.get(fingerprint(der(pki.intermediate))), 'crl');
    assert.equal(sources.get(fingerprint(der(pki.root))), 'none');
  });

  it('fails with the name and date when a certificate of the chain is revoked', { skip }, async () => {
    await assert.rejects(
      collectValidationData({ chains: [[der(pki.revokedSigner), der(pki.intermediate), der(pki.root)]], ...revocationFetchers() }),
      isCode('revoked', /^The certificate of Révoqué Signataire was revoked on \d{4}-\d\d-\d\d \d\d:\d\d UTC \(keyCompromise\)\.$/),
    );
  });

  it('falls back to the CRL when the OCSP responder is down, and fails with both reasons when the CRL is unreachable too', { skip }, async () => {
    const down = `http://127.0.0.1:${await freePort()}`;
    const chain = [der(pki.signer), der(pki.intermediate), der(pki.root)];
    const fetchOcspDown = (cert: Uint8Array, issuer: Uint8Array) => fetchOcsp(cert, issuer, { urls: [down] });
    const data = await collectValidationData({ chains: [chain], fetchOcsp: fetchOcspDown, fetchCrl: (c, i) => fetchCrl(c, i) });
    assert.equal(data.ocsps.length, 0);
    assert.equal(data.crls.length, 2, 'the issuing CA CRL for the signer, the root CRL for the CA');
    await assert.rejects(
      collectValidationData({
        chains: [chain],
        fetchOcsp: fetchOcspDown,
        fetchCrl: (c, i) => (fingerprint(c) === fingerprint(chain[0] as Uint8Array) ? fetchCrl(c, i, { urls: [`${down}/x.crl`] }) : fetchCrl(c, i)),
      }),
      isCode('no-revocation-data', /Élodie Signataire cannot be obtained: the OCSP responder at .* cannot be reached \(connection refused\)\. And the CRL server at .* cannot be reached/),
    );
  });

  it('gathers B-LT data online from a flat list of certificates, fetching the root through AIA', { skip }, async () => {
    const data = await fetchValidationData({ certificates: [der(pki.signer), der(pki.intermediate), der(pki.tsa)] });
    assert.ok(has(data.certs, der(pki.root)));
    assert.equal(data.ocsps.length, 2);
    assert.equal(data.crls.length, 1);
    assert.ok(http?.requests.includes('/root.crt'));
  });
});
