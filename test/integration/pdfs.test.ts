// The test PDFs made by other tools (Ghostscript, qpdf, poppler's pdfsig) have the properties the
// later reader, writer and validator tests rely on, as qpdf, pdfinfo and pdfsig report them.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestPdfs } from '../fixtures/pdfs';
import { makeTestPdfs, PDF_OWNER_PASSWORD, PDF_USER_PASSWORD } from '../fixtures/pdfs';
import type { TestPki } from '../fixtures/pki';
import { createTestPki, freePort, missingTools, run } from '../fixtures/pki';
import { signWithPdfsig, verifyWithPdfsig } from '../fixtures/signed-by-poppler';

const missing = missingTools('gs', 'qpdf', 'pdfinfo', 'pdftotext', 'pdfsig', 'certutil', 'pk12util', 'openssl');
const skip = missing.length > 0 ? `not installed: ${missing.join(', ')}` : false;

const qpdf = (args: string[]) => run('qpdf', args, { allowFailure: true });
const pdfinfo = async (file: string, ...args: string[]) => (await run('pdfinfo', [...args, file], { allowFailure: true })).output;

describe('test PDFs made by other tools', { timeout: 60_000 }, () => {
  let dir = '';
  let pdfs: TestPdfs;
  let pki: TestPki;
  let signed = '';

  before(async () => {
    if (skip) return;
    dir = mkdtempSync(join(tmpdir(), 'paraphe-pdfs-'));
    [pki, pdfs] = await Promise.all([
      (async () => createTestPki(mkdtempSync(join(dir, 'pki-')), { ocspPort: await freePort(), httpPort: await freePort() }))(),
      makeTestPdfs(mkdtempSync(join(dir, 'pdfs-'))),
    ]);
    signed = await signWithPdfsig(pdfs.simple, join(pdfs.dir, 'signed-by-poppler.pdf'), pki, { fieldName: 'Signature1', reason: 'Test' });
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const valid = ['simple', 'objectStreams', 'linearized', 'incrementalBase', 'incremental', 'pdf20', 'encryptedEmptyUserPassword'] as const;
  for (const name of valid) {
    it(`writes ${name} so that qpdf --check finds no error`, { skip }, async () => {
      const r = await qpdf(['--check', pdfs[name]]);
      assert.equal(r.code, 0, r.output);
      assert.match(r.output, /No syntax or stream encoding errors found/);
    });
  }

  it('writes encrypted so that qpdf --check finds no error with the user password, and refuses a wrong one', { skip }, async () => {
    const ok = await qpdf([`--password=${PDF_USER_PASSWORD}`, '--check', pdfs.encrypted]);
    assert.equal(ok.code, 0, ok.output);
    const wrong = await qpdf(['--password=wrong', '--check', pdfs.encrypted]);
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.output, /invalid password/);
  });

  it('makes simple a two-page A4 Ghostscript PDF with real text', { skip }, async () => {
    const info = await pdfinfo(pdfs.simple);
    assert.match(info, /Pages:\s+2\n/);
    assert.match(info, /Producer:\s+GPL Ghostscript/);
    assert.match(info, /Title:\s+Paraphe test document\n/);
    assert.match(info, /Page size:\s+595 x 842 pts \(A4\)/);
    const text = (await run('pdftotext', [pdfs.simple, '-'])).stdout.toString('utf8');
    assert.match(text, /Page 1 of 2\. The quick brown fox/);
    assert.match(text, /Page 2 of 2\. Lorem ipsum/);
  });

  it('gives objectStreams object streams and a cross-reference stream, which simple has not', { skip }, async () => {
    const xref = (await qpdf(['--show-xref', pdfs.objectStreams])).output;
    assert.match(xref, /compressed; stream = \d+, index = \d+/);
    const raw = readFileSync(pdfs.objectStreams).toString('latin1');
    assert.match(raw, /\/Type\s*\/ObjStm/);
    assert.match(raw, /\/Type\s*\/XRef/);
    assert.doesNotMatch((await qpdf(['--show-xref', pdfs.simple])).output, /: compressed;/);
  });

  it('linearizes linearized, and only it', { skip }, async () => {
    const r = await qpdf(['--check-linearization', pdfs.linearized]);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /no linearization errors/);
    assert.match(await pdfinfo(pdfs.linearized), /Optimized:\s+yes/);
    assert.match((await qpdf(['--check-linearization', pdfs.simple])).output, /not linearized/);
  });

  it('appends one real incremental update to incremental, keeping the base bytes', { skip }, async () => {
    const base = readFileSync(pdfs.incrementalBase);
    const file = readFileSync(pdfs.incremental);
    assert.ok(file.length > base.length);
    assert.ok(file.subarray(0, base.length).equals(base), 'the original bytes are a prefix of the updated file');
    const update = file.subarray(base.length).toString('latin1');
    const u = pdfs.incrementalUpdate;
    assert.match(update, new RegExp(`/Prev ${u.prev}\\b`));
    assert.match(update, new RegExp(`startxref\\n${u.startxref}\\n%%EOF\\n$`));
    assert.equal(file.subarray(u.startxref, u.startxref + 4).toString('latin1'), 'xref');
    assert.equal(base.subarray(u.prev, u.prev + 4).toString('latin1'), 'xref');
    assert.equal(file.toString('latin1').match(/%%EOF/g)?.length, 2);
    // qpdf reads the updated objects through the new xref section.
    assert.match((await qpdf([`--show-object=${u.annotationObject}`, pdfs.incremental])).output, /\/Subtype \/Text/);
    assert.match((await qpdf([`--show-object=${u.pageObject}`, pdfs.incremental])).output, new RegExp(`/Annots \\[ ${u.annotationObject} 0 R \\]`));
    assert.match(await pdfinfo(pdfs.incremental), /Title:\s+Paraphe test document \(updated\)/);
    assert.match(await pdfinfo(pdfs.incrementalBase), /Title:\s+Paraphe test document\n/);
  });

  it('marks pdf20 as PDF 2.0 in its header', { skip }, async () => {
    assert.equal(readFileSync(pdfs.pdf20).subarray(0, 8).toString('latin1'), '%PDF-2.0');
    assert.match(await pdfinfo(pdfs.pdf20), /PDF version:\s+2\.0/);
  });

  it('encrypts encrypted with AES-256 behind a user password', { skip }, async () => {
    assert.match(await pdfinfo(pdfs.encrypted), /Incorrect password/);
    const info = await pdfinfo(pdfs.encrypted, '-upw', PDF_USER_PASSWORD);
    assert.match(info, /Encrypted:\s+yes .*algorithm:AES-256/);
    assert.match(info, /Pages:\s+2\n/);
    const enc = (await qpdf([`--password=${PDF_OWNER_PASSWORD}`, '--show-encryption', pdfs.encrypted])).output;
    assert.match(enc, /R = 6/);
    assert.match(enc, /Supplied password is owner password/);
  });

  it('encrypts encryptedEmptyUserPassword with AES-256 but opens it without a password', { skip }, async () => {
    const info = await pdfinfo(pdfs.encryptedEmptyUserPassword);
    assert.match(info, /Encrypted:\s+yes .*algorithm:AES-256/);
    assert.match(info, /Pages:\s+2\n/);
  });

  it('makes notPdf, empty and truncated files that qpdf refuses', { skip }, async () => {
    assert.equal(readFileSync(pdfs.empty).length, 0);
    assert.doesNotMatch(readFileSync(pdfs.notPdf, 'latin1'), /%PDF-/);
    const simpleSize = readFileSync(pdfs.simple).length;
    assert.equal(readFileSync(pdfs.truncated).length, Math.floor(simpleSize / 2));
    for (const file of [pdfs.notPdf, pdfs.empty, pdfs.truncated]) {
      const r = await qpdf(['--check', file]);
      assert.notEqual(r.code, 0, `${file}: ${r.output}`);
    }
  });

  it('makes 500- and 1000-page documents quickly, each page showing its number', { skip }, async () => {
    const started = Date.now();
    const [p500, p1000] = await Promise.all([pdfs.manyPages(500), pdfs.manyPages(1000)]);
    assert.ok(Date.now() - started < 20_000, `took ${Date.now() - started} ms`);
    assert.match(await pdfinfo(p500), /Pages:\s+500\n/);
    assert.match(await pdfinfo(p1000), /Pages:\s+1000\n/);
    const page = (await run('pdftotext', ['-f', '737', '-l', '737', p1000, '-'])).stdout.toString('utf8');
    assert.match(page, /\b737\b/);
    assert.match(page, /Page 737 of 1000/);
    assert.equal(await pdfs.manyPages(1000), p1000, 'cached per n');
    const r = await qpdf(['--check', p1000]);
    assert.equal(r.code, 0, r.output);
  });

  it('signs simple with pdfsig as an incremental update that pdfsig reports as a valid signature by our signer', { skip }, async () => {
    assert.ok(readFileSync(signed).subarray(0, readFileSync(pdfs.simple).length).equals(readFileSync(pdfs.simple)));
    const check = await qpdf(['--check', signed]);
    assert.equal(check.code, 0, check.output);
    // Default NSS store: our root is unknown there, and pdfsig says so.
    const plain = await verifyWithPdfsig(signed);
    assert.equal(plain.signatures.length, 1, plain.output);
    const [sig] = plain.signatures;
    assert.equal(sig?.signatureValidation, 'Signature is Valid.');
    assert.equal(sig?.commonName, 'Élodie Signataire');
    assert.equal(sig?.fieldName, 'Signature1');
    assert.equal(sig?.type, 'adbe.pkcs7.detached');
    assert.equal(sig?.totalDocumentSigned, true);
    assert.notEqual(sig?.certificateValidation, 'Certificate is Trusted.');
    // With our root trusted, the chain is trusted too.
    const trusted = await verifyWithPdfsig(signed, { pki });
    assert.equal(trusted.signatures[0]?.signatureValidation, 'Signature is Valid.');
    assert.equal(trusted.signatures[0]?.certificateValidation, 'Certificate is Trusted.');
  });

  it('lets pdfsig detect a byte changed inside the signed range', { skip }, async () => {
    const bytes = readFileSync(signed);
    const tampered = Buffer.from(bytes);
    // The page text lives in compressed streams; the Info dictionary's title is in the clear.
    const index = bytes.indexOf('(Paraphe test document)');
    assert.ok(index > 0 && index < bytes.indexOf('/ByteRange'), 'the title is in the first signed range');
    tampered[index] = (tampered[index] ?? 0) ^ 0x01;
    const file = join(pdfs.dir, 'signed-tampered.pdf');
    writeFileSync(file, tampered);
    const report = await verifyWithPdfsig(file);
    assert.equal(report.signatures.length, 1, report.output);
    assert.equal(report.signatures[0]?.signatureValidation, 'Digest Mismatch.');
  });

  it('reports no signature in an unsigned file', { skip }, async () => {
    const report = await verifyWithPdfsig(pdfs.simple);
    assert.equal(report.signatures.length, 0);
    assert.match(report.output, /does not contain any signatures/);
  });
});
