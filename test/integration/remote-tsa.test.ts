// The RFC 3161 client (main/remote/tsa.ts + main/cms/tsp.ts) against the fixture TSA: tokens that
// openssl accepts, every check of the reply, each failure with its code, and B-T signatures.
import assert from 'node:assert/strict';
import { constants, createHash, createPrivateKey, sign as cryptoSign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as pkijs from 'pkijs';
import {
  buildTimeStampRequest, createCadesSignature, estimateCadesSize, isCmsError, parseTimeStampResponse, signatureTimestampTokens,
  signedDataOf, timestampTokenCertificates, verifyTimeStampToken,
} from '../../main/cms';
import type { CmsErrorCode } from '../../main/cms';
import { httpExchange, requestTimestamp, signatureTimestamper } from '../../main/remote';
import type { HashAlgorithm, SignRequest } from '../../main/signers/signer';
import type { TestPki } from '../fixtures/pki';
import { createTestPki, freePort, issueCertificate, run, skipWithout } from '../fixtures/pki';
import type { TestTsa } from '../fixtures/tsa';
import { startTsa, TSA_POLICY_OID } from '../fixtures/tsa';

const skip = skipWithout('openssl');

const sha = (hash: HashAlgorithm, data: string | Uint8Array) => new Uint8Array(createHash(hash).update(data).digest());
const isCode = (code: CmsErrorCode, pattern?: RegExp) => (e: unknown) => isCmsError(e, code) && (pattern === undefined || pattern.test(e.message));

describe('RFC 3161 client (main/remote/tsa, main/cms/tsp)', { timeout: 60_000 }, () => {
  let dir = '';
  let pki: TestPki;
  let tsa: TestTsa;
  let n = 0;
  const file = (bytes: Uint8Array) => {
    const path = join(dir, `f${++n}.der`);
    writeFileSync(path, bytes);
    return path;
  };

  before(async () => {
    if (skip) return;
    dir = mkdtempSync(join(tmpdir(), 'paraphe-remote-tsa-'));
    pki = await createTestPki(dir);
    tsa = await startTsa(pki);
  });
  after(async () => {
    await tsa?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A granted reply for `imprint`, fetched with the request's own nonce. */
  async function rawReply(imprint: Uint8Array) {
    const query = buildTimeStampRequest({ imprint, hash: 'sha256' });
    const reply = await httpExchange({ service: 'tsa', url: tsa.url, method: 'POST', body: query.der, contentType: 'application/timestamp-query' });
    return { query, body: reply.body };
  }

  it('gets a token for the imprint, from the TSA certificate, with the policy and a current genTime', { skip }, async () => {
    const imprint = sha('sha256', 'document');
    const before = Date.now();
    const info = await requestTimestamp(tsa.url, { imprint, hash: 'sha256' });
    assert.deepEqual(info.imprint, imprint);
    assert.equal(info.hash, 'sha256');
    assert.equal(info.policy, TSA_POLICY_OID);
    assert.ok(Math.abs(info.genTime.getTime() - before) < 60_000, `genTime ${info.genTime.toISOString()}`);
    assert.match(info.serialNumber, /^[0-9A-F]+$/);
    assert.equal(info.accuracyMs, 1000);
    assert.deepEqual(info.tsaCertificate, new Uint8Array(readFileSync(pki.tsa.certDer)));
    assert.equal(info.certificates.length, 3, 'TSA certificate, intermediate and root');
  });

  it('sends a query with a 64-bit nonce, certReq and the SHA-384 imprint', { skip }, async () => {
    const imprint = sha('sha384', 'document');
    await requestTimestamp(tsa.url, { imprint, hash: 'sha384' });
    const query = pkijs.TimeStampReq.fromBER(new Uint8Array(tsa.queries[tsa.queries.length - 1] ?? []));
    assert.equal(query.certReq, true);
    assert.ok(query.nonce);
    assert.ok(query.nonce.valueBlock.valueHexView.length <= 9 && query.nonce.toBigInt() > 0n);
    assert.equal(query.messageImprint.hashAlgorithm.algorithmId, '2.16.840.1.101.3.4.2.2');
    assert.deepEqual(new Uint8Array(query.messageImprint.hashedMessage.valueBlock.valueHexView), imprint);
  });

  it('gets tokens that openssl ts -verify accepts for the imprint, with the root as trust anchor', { skip }, async () => {
    for (const hash of ['sha256', 'sha512'] as const) {
      const imprint = sha(hash, `contrat ${hash}`);
      const info = await requestTimestamp(tsa.url, { imprint, hash });
      const r = await run(
        'openssl',
        ['ts', '-verify', '-digest', Buffer.from(imprint).toString('hex'), '-token_in', '-in', file(info.token), '-CAfile', pki.root.certPem, '-untrusted', pki.chain.caChainPem],
        { allowFailure: true },
      );
      assert.equal(r.code, 0, r.output);
      assert.match(r.output, /Verification: OK/);
    }
  });

  it('refuses a reply whose nonce is not the one sent', { skip }, async () => {
    const imprint = sha('sha256', 'nonce');
    const { query, body } = await rawReply(imprint);
    assert.doesNotThrow(() => parseTimeStampResponse(body, { imprint, hash: 'sha256', nonce: query.nonce }));
    assert.throws(() => parseTimeStampResponse(body, { imprint, hash: 'sha256', nonce: (query.nonce ?? 0n) + 1n }), isCode('tsa-nonce-mismatch'));
  });

  it('refuses a token over another imprint or with another hash', { skip }, async () => {
    const imprint = sha('sha256', 'imprint');
    const { query, body } = await rawReply(imprint);
    assert.throws(() => parseTimeStampResponse(body, { imprint: sha('sha256', 'other'), hash: 'sha256', nonce: query.nonce }), isCode('tsa-imprint-mismatch'));
    assert.throws(() => parseTimeStampResponse(body, { imprint: sha('sha384', 'imprint'), hash: 'sha384', nonce: query.nonce }), isCode('tsa-imprint-mismatch'));
  });

  it('refuses a token whose signature was altered', { skip }, async () => {
    const imprint = sha('sha256', 'altered');
    const info = await requestTimestamp(tsa.url, { imprint, hash: 'sha256' });
    const token = new Uint8Array(info.token);
    // The SignerInfo signature is the last element of the token (no unsigned attributes).
    token[token.length - 5] = (token[token.length - 5] ?? 0) ^ 0xff;
    assert.throws(() => verifyTimeStampToken(token, { imprint, hash: 'sha256' }), isCode('tsa-bad-signature'));
  });

  it('refuses a token signed by a certificate without the timeStamping extended key usage', { skip }, async () => {
    const imprint = sha('sha256', 'not a tsa');
    const info = await requestTimestamp(tsa.url, { imprint, hash: 'sha256' });
    const tstInfo = join(dir, 'tstinfo.der');
    await run('openssl', ['cms', '-verify', '-inform', 'DER', '-in', file(info.token), '-noverify', '-out', tstInfo]);
    const plain = await issueCertificate(pki, { name: 'plain-tsa', subject: '/O=Paraphe Test/CN=Pas un horodateur', profile: 'plain' });
    const forged = join(dir, 'forged.der');
    await run('openssl', [
      'cms', '-sign', '-binary', '-nodetach', '-econtent_type', '1.2.840.113549.1.9.16.1.4', '-in', tstInfo, '-signer', plain.certPem, '-inkey', plain.keyPem,
      '-md', 'sha256', '-outform', 'DER', '-out', forged, '-nosmimecap',
    ]);
    assert.throws(
      () => verifyTimeStampToken(new Uint8Array(readFileSync(forged)), { imprint, hash: 'sha256' }),
      isCode('tsa-bad-certificate', /Pas un horodateur.*timeStamping/),
    );
  });

  it('reports an HTTP 500 as tsa-http-error with the status', { skip }, async () => {
    tsa.setFailWith('http500');
    try {
      await assert.rejects(requestTimestamp(tsa.url, { imprint: sha('sha256', 'x'), hash: 'sha256' }), isCode('tsa-http-error', /HTTP 500/));
    } finally {
      tsa.setFailWith(undefined);
    }
  });

  it('reports a rejection as tsa-rejected with the status and failure in words', { skip }, async () => {
    tsa.setFailWith('rejection');
    try {
      await assert.rejects(requestTimestamp(tsa.url, { imprint: sha('sha256', 'x'), hash: 'sha256' }), isCode('tsa-rejected', /rejection: badAlg: the hash algorithm is not supported/));
    } finally {
      tsa.setFailWith(undefined);
    }
  });

  it('reports bytes that are no timestamp response as tsa-bad-response', { skip }, async () => {
    tsa.setFailWith('garbage');
    try {
      await assert.rejects(requestTimestamp(tsa.url, { imprint: sha('sha256', 'x'), hash: 'sha256' }), isCode('tsa-bad-response'));
    } finally {
      tsa.setFailWith(undefined);
    }
  });

  it('reports a closed port as tsa-unreachable, naming the URL and the cause', { skip }, async () => {
    const url = `http://127.0.0.1:${await freePort()}/`;
    await assert.rejects(
      requestTimestamp(url, { imprint: sha('sha256', 'x'), hash: 'sha256' }),
      isCode('tsa-unreachable', new RegExp(`^The timestamp server at ${url.replace(/[.]/g, '\\.')} cannot be reached \\(connection refused\\)\\.$`)),
    );
  });

  it('refuses an HTTPS server whose TLS certificate is not trusted, as tsa-unreachable', { skip }, async () => {
    let hits = 0;
    const server = createHttpsServer({ key: readFileSync(pki.tsa.keyPem), cert: readFileSync(pki.tsa.certPem) }, (_req, res) => {
      hits += 1;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      await assert.rejects(
        requestTimestamp(`https://127.0.0.1:${port}/`, { imprint: sha('sha256', 'x'), hash: 'sha256' }),
        isCode('tsa-unreachable', /its TLS certificate is not trusted/),
      );
      assert.equal(hits, 0, 'no request reached the server');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('reports a server slower than the timeout as tsa-timeout', { skip }, async () => {
    const slow = await startTsa(pki, { delayMs: 1_200 });
    try {
      const started = Date.now();
      await assert.rejects(requestTimestamp(slow.url, { imprint: sha('sha256', 'x'), hash: 'sha256', timeoutMs: 300 }), isCode('tsa-timeout', /within 0\.3 s/));
      assert.ok(Date.now() - started < 2_000);
    } finally {
      await slow.stop();
    }
  });

  it('stops at once when the signal is aborted', { skip }, async () => {
    const slow = await startTsa(pki, { delayMs: 1_200 });
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      await assert.rejects(requestTimestamp(slow.url, { imprint: sha('sha256', 'x'), hash: 'sha256', signal: controller.signal }), isCode('cancelled'));
    } finally {
      await slow.stop();
    }
  });

  it('makes a B-T signature: openssl verifies it, its unsigned attribute holds a token over the signature value', { skip }, async () => {
    const content = join(dir, 'content.bin');
    writeFileSync(content, 'les octets signés');
    const key = createPrivateKey(readFileSync(pki.signer.keyPem));
    const signerCertificate = new Uint8Array(readFileSync(pki.signer.certDer));
    const chain = [new Uint8Array(readFileSync(pki.intermediate.certDer))];
    let tokenSize = 0;
    const cms = await createCadesSignature({
      contentDigest: sha('sha256', readFileSync(content)),
      hash: 'sha256',
      algorithm: 'rsa-pss',
      signerCertificate,
      chain,
      sign: async ({ data, hash }: SignRequest) => new Uint8Array(cryptoSign(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 })),
      timestamp: signatureTimestamper(tsa.url, { hash: 'sha256', onToken: (info) => (tokenSize = info.token.length) }),
    });
    const sig = file(cms);
    const verify = await run('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', sig, '-content', content, '-CAfile', pki.root.certPem, '-purpose', 'any', '-out', '/dev/null'], { allowFailure: true });
    assert.equal(verify.code, 0, verify.output);
    const text = (await run('openssl', ['cms', '-cmsout', '-print', '-inform', 'DER', '-in', sig])).output;
    assert.match(text, /unsignedAttrs:\s*\n\s*object: id-smime-aa-timeStampToken/);

    const [token] = signatureTimestampTokens(cms);
    assert.ok(token);
    const signatureValue = signedDataOf(cms).signerInfos[0]?.signature.valueBlock.valueHexView ?? new Uint8Array(0);
    const tsVerify = await run(
      'openssl',
      ['ts', '-verify', '-digest', createHash('sha256').update(signatureValue).digest('hex'), '-token_in', '-in', file(token), '-CAfile', pki.root.certPem, '-untrusted', pki.chain.caChainPem],
      { allowFailure: true },
    );
    assert.equal(tsVerify.code, 0, tsVerify.output);
    assert.deepEqual(timestampTokenCertificates(cms)[0], new Uint8Array(readFileSync(pki.tsa.certDer)));

    const estimate = await estimateCadesSize({ signerCertificate, chain, keyType: 'rsa', keyBits: 2048, hash: 'sha256', algorithm: 'rsa-pss', timestampTokenSize: tokenSize });
    assert.ok(estimate >= cms.length && estimate - cms.length <= 1024, `estimate ${estimate}, real ${cms.length}`);
  });

  it('refuses a timestamp token that is not over the signature value', { skip }, async () => {
    const key = createPrivateKey(readFileSync(pki.signer.keyPem));
    const other = await requestTimestamp(tsa.url, { imprint: sha('sha256', 'something else'), hash: 'sha256' });
    await assert.rejects(
      createCadesSignature({
        contentDigest: sha('sha256', 'x'),
        hash: 'sha256',
        algorithm: 'rsa-pkcs1',
        signerCertificate: new Uint8Array(readFileSync(pki.signer.certDer)),
        chain: [],
        sign: async ({ data, hash }: SignRequest) => new Uint8Array(cryptoSign(hash, data, key)),
        timestamp: async () => other.token,
      }),
      isCode('bad-timestamp-token'),
    );
  });
});
