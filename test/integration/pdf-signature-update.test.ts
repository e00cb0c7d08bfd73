// Signature and DSS updates appended to PDFs written by other tools (Ghostscript, qpdf, poppler's
// pdfsig): qpdf --check and pdfsig must accept every output. The /Contents stay zeros (no CMS here),
// so pdfsig lists our field but cannot verify it; an earlier poppler signature must stay valid.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { IncrementalUpdate, PdfDict, PdfStream, fileSource, openPdf, prepareDssUpdate, prepareSignatureUpdate } from '../../main/pdf';
import type { PdfObject, PdfReader, PdfRef, SignatureUpdateOptions } from '../../main/pdf';
import { ObjectEditor, findPage } from '../../main/pdf/acroform';
import { name, pdfDict, textString } from '../../main/pdf/serialize';
import type { TestPdfs } from '../fixtures/pdfs';
import { makeTestPdfs, qpdfCheck } from '../fixtures/pdfs';
import type { TestPki } from '../fixtures/pki';
import { createTestPki, freePort, missingTools, run } from '../fixtures/pki';
import { signWithPdfsig, verifyWithPdfsig } from '../fixtures/signed-by-poppler';

const missing = missingTools('gs', 'qpdf', 'pdfsig', 'pdftoppm', 'certutil', 'pk12util', 'openssl');
const skip = missing.length > 0 ? `not installed: ${missing.join(', ')}` : false;

const SIG: SignatureUpdateOptions = { kind: 'signature', subFilter: 'ETSI.CAdES.detached', contentsBytes: 8192 };

/** A form XObject drawing a filled blue rectangle over the whole box. */
function testAppearance(add: (obj: PdfObject) => PdfRef, width: number, height: number): PdfRef {
  const content = `0 0 1 rg 0 0 ${width} ${height} re f`;
  return add(PdfStream.fromBytes(pdfDict({ Type: name('XObject'), Subtype: name('Form'), BBox: [0, 0, width, height] }), Buffer.from(content)));
}

describe('signature and DSS updates on PDFs made by other tools', { timeout: 60_000 }, () => {
  let dir = '';
  let pdfs: TestPdfs;
  let pki: TestPki;
  let signedByPoppler = '';
  let count = 0;

  before(async () => {
    if (skip) return;
    dir = mkdtempSync(join(tmpdir(), 'paraphe-sigupdate-'));
    [pki, pdfs] = await Promise.all([
      (async () => createTestPki(mkdtempSync(join(dir, 'pki-')), { ocspPort: await freePort(), httpPort: await freePort() }))(),
      makeTestPdfs(mkdtempSync(join(dir, 'pdfs-'))),
    ]);
    signedByPoppler = await signWithPdfsig(pdfs.simple, join(dir, 'signed-by-poppler.pdf'), pki, { fieldName: 'PopplerSignature' });
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const open = async (file: string): Promise<PdfReader> => openPdf(await fileSource(file));
  /** Copies `input` and appends `bytes` (as the signing service does), returning the new file. */
  const appendTo = (input: string, bytes: Uint8Array): string => {
    const out = join(dir, `out-${++count}.pdf`);
    copyFileSync(input, out);
    writeFileSync(out, bytes, { flag: 'a' });
    return out;
  };
  /** Prepares a signature update for `input` and writes the signed file (zero /Contents). */
  const sign = async (input: string, options: Partial<SignatureUpdateOptions> = {}) => {
    const reader = await open(input);
    try {
      const prepared = await prepareSignatureUpdate(reader, { ...SIG, ...options });
      return { prepared, file: appendTo(input, prepared.bytes) };
    } finally {
      await reader.source.close();
    }
  };
  /**
   * Test-side stand-in for the signing service: a detached CMS from `openssl cms -sign` over the two
   * byte ranges, written in place into /Contents. pdfsig then checks our offsets for us.
   */
  const fillContents = async (file: string, prepared: { byteRange: readonly number[]; contentsOffset: number; contentsHexLength: number }) => {
    const bytes = readFileSync(file);
    const [, length1 = 0, start2 = 0, length2 = 0] = prepared.byteRange;
    const data = join(dir, `ranges-${++count}.bin`);
    writeFileSync(data, Buffer.concat([bytes.subarray(0, length1), bytes.subarray(start2, start2 + length2)]));
    const cms = (await run('openssl', ['cms', '-sign', '-binary', '-md', 'sha256', '-in', data, '-signer', pki.signer.certPem, '-inkey', pki.signer.keyPem, '-certfile', pki.intermediate.certPem, '-outform', 'DER'])).stdout;
    const hex = cms.toString('hex').toUpperCase();
    assert.ok(hex.length <= prepared.contentsHexLength, 'the CMS fits the placeholder');
    bytes.write(hex, prepared.contentsOffset, 'latin1');
    writeFileSync(file, bytes);
  };
  const page1Image = async (file: string) => (await run('pdftoppm', ['-r', '20', '-f', '1', '-l', '1', file])).stdout;

  const inputs = ['simple', 'objectStreams', 'linearized', 'incremental', 'pdf20', 'signedByPoppler'] as const;
  const pathOf = (input: (typeof inputs)[number]) => (input === 'signedByPoppler' ? signedByPoppler : pdfs[input]);

  for (const input of inputs) {
    it(`appends an invisible signature to ${input} that qpdf --check accepts and pdfsig lists, then verifies once /Contents is filled`, { skip }, async () => {
      const original = pathOf(input);
      const { prepared, file } = await sign(original);
      assert.equal(prepared.fieldName, 'Signature1');
      assert.deepEqual(readFileSync(file).subarray(0, prepared.originalSize), readFileSync(original), 'the original bytes are a prefix of the output');
      assert.equal(prepared.byteRange[2] + prepared.byteRange[3], readFileSync(file).length);
      await qpdfCheck(file);
      const report = await verifyWithPdfsig(file, { pki });
      const ours = report.signatures.at(-1);
      assert.equal(ours?.fieldName, prepared.fieldName, report.output);
      assert.equal(ours?.ranges, `[0 - ${prepared.byteRange[1]}], [${prepared.byteRange[2]} - ${prepared.byteRange[2] + prepared.byteRange[3]}]`);
      if (input === 'signedByPoppler') {
        assert.equal(report.signatures.length, 2, report.output);
        assert.equal(report.signatures[0]?.fieldName, 'PopplerSignature');
        assert.equal(report.signatures[0]?.signatureValidation, 'Signature is Valid.', report.output);
      } else {
        assert.equal(report.signatures.length, 1, report.output);
      }

      // With a real CMS over the ranges, pdfsig verifies it and sees that it covers the whole file.
      await fillContents(file, prepared);
      const verified = await verifyWithPdfsig(file, { pki });
      assert.equal(verified.signatures.at(-1)?.signatureValidation, 'Signature is Valid.', verified.output);
      assert.equal(verified.signatures.at(-1)?.totalDocumentSigned, true, verified.output);
      assert.equal(verified.signatures.length, report.signatures.length);
      if (input === 'signedByPoppler') assert.equal(verified.signatures[0]?.signatureValidation, 'Signature is Valid.', verified.output);
      await qpdfCheck(file);

      const reader = await open(file);
      const before = await open(original);
      assert.equal(reader.revisions.length, before.revisions.length + 1);
      assert.equal(reader.sections[0]?.kind, input === 'objectStreams' ? 'stream' : 'table');
      assert.equal(reader.sections[0]?.prev, before.startxref);
      await Promise.all([reader.source.close(), before.source.close()]);
    });
  }

  it('keeps the first signature valid after a second signature (both with real CMS)', { skip }, async () => {
    const first = await sign(pdfs.incremental);
    await fillContents(first.file, first.prepared);
    const second = await sign(first.file, { reason: 'Second signer' });
    assert.equal(second.prepared.fieldName, 'Signature2');
    await fillContents(second.file, second.prepared);
    await qpdfCheck(second.file);
    const report = await verifyWithPdfsig(second.file, { pki });
    assert.deepEqual(report.signatures.map((s) => [s.fieldName, s.signatureValidation, s.totalDocumentSigned]), [
      ['Signature1', 'Signature is Valid.', false],
      ['Signature2', 'Signature is Valid.', true],
    ], report.output);
  });

  it('draws a visible signature on its page: pdftoppm renders page 1 differently', { skip }, async () => {
    const { file } = await sign(pdfs.objectStreams, { visible: { page: 1, rect: [72, 560, 272, 640], appearance: testAppearance } });
    await qpdfCheck(file);
    const [beforeImage, afterImage] = await Promise.all([page1Image(pdfs.objectStreams), page1Image(file)]);
    assert.equal(afterImage.length, beforeImage.length, 'same page size');
    assert.notDeepEqual(afterImage, beforeImage);
    // An invisible signature changes nothing on the page.
    const invisible = await sign(pdfs.objectStreams);
    assert.deepEqual(await page1Image(invisible.file), beforeImage);
  });

  it('signs an existing empty signature field by name, keeping its rectangle', { skip }, async () => {
    // Build the empty field with our own writer: a merged field/widget without /V on page 1.
    const reader = await open(pdfs.simple);
    const update = new IncrementalUpdate(reader);
    const editor = new ObjectEditor(reader, update);
    const page = await findPage(reader, 1);
    const fieldRef = update.add(
      pdfDict({ FT: name('Sig'), T: textString('Approval'), Type: name('Annot'), Subtype: name('Widget'), Rect: [72, 600, 272, 660], F: 4, P: page.ref }),
    );
    await editor.addAnnotation(page.ref, fieldRef);
    await editor.addSignatureField(fieldRef);
    const withField = appendTo(pdfs.simple, update.build().bytes);
    await reader.source.close();
    await qpdfCheck(withField);

    const { prepared, file } = await sign(withField, { fieldName: 'Approval', visible: { page: 1, rect: [0, 0, 1, 1], appearance: testAppearance } });
    assert.equal(prepared.fieldName, 'Approval');
    await qpdfCheck(file);
    const report = await verifyWithPdfsig(file);
    assert.deepEqual(report.signatures.map((s) => s.fieldName), ['Approval'], report.output);
    const signedReader = await open(file);
    const fields = await signedReader.fields();
    assert.equal(fields.length, 1);
    assert.equal(fields[0]?.ref?.num, fieldRef.num, 'the existing field got the value, no new field was made');
    assert.equal(fields[0]?.signature?.subFilter, 'ETSI.CAdES.detached');
    const widget = (await signedReader.getObject(fieldRef.num)) as PdfDict;
    assert.deepEqual(widget.get('Rect'), [72, 600, 272, 660]);
    assert.notDeepEqual(await page1Image(file), await page1Image(withField), 'the appearance is drawn in the field');
    await signedReader.source.close();
  });

  it('appends a DSS with two certificates, then a second one that does not duplicate them', { skip }, async () => {
    const [root, intermediate, signer] = [pki.root, pki.intermediate, pki.signer].map((c) => new Uint8Array(readFileSync(c.certDer)));
    const crl = new Uint8Array(readFileSync(pki.crl.intermediate.der));
    const first = await open(pdfs.incremental);
    const dss1 = appendTo(pdfs.incremental, (await prepareDssUpdate(first, { certs: [root as Uint8Array, intermediate as Uint8Array], ocsps: [], crls: [] })).bytes);
    await first.source.close();
    await qpdfCheck(dss1);
    const reader1 = await open(dss1);
    const certsOf = async (reader: PdfReader) => {
      const dss = await reader.get(await reader.catalog(), 'DSS');
      assert.ok(dss instanceof PdfDict);
      const certs = await reader.get(dss, 'Certs');
      assert.ok(Array.isArray(certs));
      return Promise.all(certs.map(async (c) => Buffer.from(await reader.streamData((await reader.resolve(c)) as PdfStream))));
    };
    const certs1 = await certsOf(reader1);
    assert.equal(certs1.length, 2);
    assert.deepEqual(certs1[0], Buffer.from(root as Uint8Array));
    await reader1.source.close();

    const second = await open(dss1);
    const dss2 = appendTo(dss1, (await prepareDssUpdate(second, { certs: [intermediate as Uint8Array, signer as Uint8Array], ocsps: [], crls: [crl] })).bytes);
    await second.source.close();
    await qpdfCheck(dss2);
    const reader2 = await open(dss2);
    const certs2 = await certsOf(reader2);
    assert.deepEqual(certs2, [root, intermediate, signer].map((c) => Buffer.from(c as Uint8Array)));
    assert.equal(reader2.revisions.length, 4, 'base, fixture update, two DSS updates');
    await reader2.source.close();
  });
});
