// B-LT needs revocation data for every certificate of the signer's and the TSA's chains. When
// the OCSP responder is down, the CRL serves; when neither can be reached, nothing is written
// and the error names both causes (no silent downgrade to B-T).
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { run } from '../fixtures/pki';
import type { TestPki } from '../fixtures/pki';
import { startPkiHttpServer } from '../fixtures/http';
import type { PkiHttpServer } from '../fixtures/http';
import { startTsa } from '../fixtures/tsa';
import type { TestTsa } from '../fixtures/tsa';
import type { TestPdfs } from '../fixtures/pdfs';
import { P12_ENV, cli, createPkiAndPdfs, p12Args } from '../fixtures/signing-bed';
import { PdfDict, PdfStream, fileSource, openPdf } from '../../main/pdf';
import { qpdfCheck } from '../fixtures/pdfs';

describe('B-LT without an OCSP responder', { timeout: 120_000 }, () => {
  let dir: string;
  let pki: TestPki;
  let http: PkiHttpServer | undefined;
  let tsa: TestTsa;
  let pdfs: TestPdfs;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'paraphe-revocation-'));
    // The OCSP port is reserved in the certificates, but no responder ever listens on it.
    const bed = await createPkiAndPdfs(dir);
    ({ pki, pdfs } = bed);
    http = await startPkiHttpServer(pki, bed.ports.httpPort);
    tsa = await startTsa(pki);
  });

  after(async () => {
    await Promise.allSettled([tsa?.stop(), http?.stop()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const sign = (out: string) =>
    run(process.execPath, [cli, 'sign', pdfs.simple, '-o', out, ...p12Args(pki.p12.signer), '--level', 'B-LT', '--tsa', tsa.url], {
      env: { ...process.env, ...P12_ENV }, allowFailure: true, timeoutMs: 90_000,
    });

  it('falls back to the CRLs and still reaches B-LT', async () => {
    const out = join(dir, 'crl-only.pdf');
    const result = await sign(out);
    assert.equal(result.code, 0, result.output);
    const source = await fileSource(out);
    try {
      const reader = await openPdf(source);
      const dss = await reader.resolve((await reader.catalog()).get('DSS') ?? null);
      assert.ok(dss instanceof PdfDict, 'a /DSS');
      const crls = await reader.resolve(dss.get('CRLs') ?? null);
      assert.ok(Array.isArray(crls) && crls.length > 0, 'the DSS holds CRLs');
      for (const ref of crls) assert.ok((await reader.resolve(ref)) instanceof PdfStream);
      const ocsps = await reader.resolve(dss.get('OCSPs') ?? null);
      assert.ok(ocsps === null || ocsps === undefined || (Array.isArray(ocsps) && ocsps.length === 0), 'no OCSP response could be fetched');
    } finally {
      await source.close();
    }
    await qpdfCheck(out);
  });

  it('writes nothing when neither OCSP nor CRL can be reached', async () => {
    await http?.stop();
    http = undefined;
    const out = join(dir, 'none.pdf');
    const result = await sign(out);
    assert.equal(result.code, 1, result.output);
    const stderr = result.stderr.toString('utf8');
    assert.match(stderr, /B-LT could not be reached/);
    assert.match(stderr, /OCSP|CRL|revocation/i);
    await assert.rejects(readFile(out));
    assert.deepEqual((await readdir(dir)).filter((f) => f.endsWith('.tmp')), []);
  });
});
