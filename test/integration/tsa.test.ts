// The RFC 3161 TSA fixture: openssl's own client and verifier accept its timestamps, the nonce
// comes back, and each simulated fault produces that fault.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestPki } from '../fixtures/pki';
import { createTestPki, run, skipWithout } from '../fixtures/pki';
import type { TestTsa } from '../fixtures/tsa';
import { startTsa, TSA_POLICY_OID } from '../fixtures/tsa';

const skip = skipWithout('openssl');

describe('RFC 3161 TSA fixture', { timeout: 60_000 }, () => {
  let dir = '';
  let pki: TestPki;
  let tsa: TestTsa | undefined;
  let data = '';
  let n = 0;

  before(async () => {
    if (skip) return;
    dir = mkdtempSync(join(tmpdir(), 'paraphe-tsa-'));
    pki = await createTestPki(dir);
    tsa = await startTsa(pki);
    data = join(dir, 'data.bin');
    writeFileSync(data, 'Le contrat signé par Élodie.\n');
  });
  after(async () => {
    await tsa?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Makes a query with openssl ts -query and POSTs it; returns the HTTP status, type and body file. */
  async function stamp(server: TestTsa, extra: string[] = ['-sha256', '-cert']) {
    const query = join(dir, `q${++n}.tsq`);
    const reply = join(dir, `r${n}.tsr`);
    await run('openssl', ['ts', '-query', '-data', data, ...extra, '-out', query]);
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/timestamp-query' },
      body: readFileSync(query),
      signal: AbortSignal.timeout(15_000),
    });
    writeFileSync(reply, Buffer.from(await response.arrayBuffer()));
    return { status: response.status, type: response.headers.get('content-type'), query, reply };
  }

  const replyText = async (reply: string) => (await run('openssl', ['ts', '-reply', '-in', reply, '-text'], { allowFailure: true })).output;

  it('grants a timestamp that openssl ts -verify accepts for the data, with the root as trust anchor', { skip }, async () => {
    const server = tsa as TestTsa;
    const r = await stamp(server);
    assert.equal(r.status, 200);
    assert.equal(r.type, 'application/timestamp-reply');
    const verify = await run(
      'openssl',
      ['ts', '-verify', '-data', data, '-in', r.reply, '-CAfile', pki.root.certPem, '-untrusted', pki.chain.caChainPem],
      { allowFailure: true },
    );
    assert.equal(verify.code, 0, verify.output);
    assert.match(verify.output, /Verification: OK/);
  });

  it('does not verify the timestamp against other data', { skip }, async () => {
    const r = await stamp(tsa as TestTsa);
    const other = join(dir, 'other.bin');
    writeFileSync(other, 'Un autre contrat.\n');
    const verify = await run(
      'openssl',
      ['ts', '-verify', '-data', other, '-in', r.reply, '-CAfile', pki.root.certPem, '-untrusted', pki.chain.caChainPem],
      { allowFailure: true },
    );
    assert.notEqual(verify.code, 0);
    assert.match(verify.output, /Verification: FAILED/);
  });

  it('echoes the nonce of the query in the token', { skip }, async () => {
    const r = await stamp(tsa as TestTsa);
    const queryText = (await run('openssl', ['ts', '-query', '-in', r.query, '-text'])).output;
    const nonce = /Nonce: (0x[0-9A-F]+)/i.exec(queryText)?.[1];
    assert.ok(nonce, queryText);
    assert.match(await replyText(r.reply), new RegExp(`Nonce: ${nonce}\\b`));
  });

  it('stamps with the default policy, the requested digest, 1 s accuracy and the TSA name', { skip }, async () => {
    const r = await stamp(tsa as TestTsa, ['-sha384', '-cert']);
    const text = await replyText(r.reply);
    assert.match(text, /Status: Granted/);
    assert.match(text, new RegExp(`Policy OID: ${TSA_POLICY_OID.replaceAll('.', '\\.')}`));
    assert.match(text, /Hash Algorithm: sha384/);
    assert.match(text, /Accuracy: 0x01 seconds/);
    assert.match(text, /TSA: DirName:.*CN ?= ?Paraphe Test TSA/);
    const token = join(dir, 'token.der');
    await run('openssl', ['ts', '-reply', '-in', r.reply, '-token_out', '-out', token]);
    const cms = (await run('openssl', ['cms', '-cmsout', '-print', '-inform', 'DER', '-in', token])).output;
    assert.match(cms, /id-smime-aa-signingCertificateV2/, 'ESSCertIDv2 (sha256) expected');
    assert.match(cms, /Paraphe Test TSA/);
  });

  it('rejects a digest it does not support with a rejection status', { skip }, async () => {
    const r = await stamp(tsa as TestTsa, ['-sha1', '-cert']);
    assert.equal(r.status, 200);
    assert.match(await replyText(r.reply), /Status: Rejected/);
  });

  it('answers HTTP 500 in http500 fault mode', { skip }, async () => {
    const server = await startTsa(pki, { failWith: 'http500' });
    try {
      const r = await stamp(server);
      assert.equal(r.status, 500);
      assert.equal(server.requests, 1);
    } finally {
      await server.stop();
    }
  });

  it('answers a well-formed rejection TimeStampResp in rejection fault mode', { skip }, async () => {
    const server = await startTsa(pki, { failWith: 'rejection' });
    try {
      const r = await stamp(server);
      assert.equal(r.status, 200);
      assert.equal(r.type, 'application/timestamp-reply');
      const text = await replyText(r.reply);
      assert.match(text, /Status: Rejected/);
      assert.match(text, /TST info:\s+Not included/);
    } finally {
      await server.stop();
    }
  });

  it('answers bytes that are no TimeStampResp in garbage fault mode, and can be switched back', { skip }, async () => {
    const server = await startTsa(pki, { failWith: 'garbage' });
    try {
      const bad = await stamp(server);
      assert.equal(bad.status, 200);
      const parsed = await run('openssl', ['ts', '-reply', '-in', bad.reply, '-text'], { allowFailure: true });
      assert.notEqual(parsed.code, 0, parsed.output);
      server.setFailWith(undefined);
      const good = await stamp(server);
      assert.match(await replyText(good.reply), /Status: Granted/);
      assert.equal(server.requests, 2);
      assert.equal(server.queries.length, 2);
    } finally {
      await server.stop();
    }
  });

  it('refuses a request that is not an application/timestamp-query POST', { skip }, async () => {
    const server = tsa as TestTsa;
    const before = server.requests;
    const get = await fetch(server.url);
    assert.equal(get.status, 405);
    const wrongType = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    assert.equal(wrongType.status, 415);
    assert.equal(server.requests, before + 2);
  });
});
