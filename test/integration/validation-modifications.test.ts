// The modification analysis on real documents (Ghostscript output, qpdf's object-stream,
// linearized and incremental variants): signed with our signature update (zero /Contents), then
// changed after the signature with our own writer.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PdfDict, PdfRef, PdfStream, prepareDssUpdate, prepareSignatureUpdate } from '../../main/pdf';
import type { SignatureUpdateOptions } from '../../main/pdf';
import { findPage } from '../../main/pdf/acroform';
import { name, pdfDict, textString } from '../../main/pdf/serialize';
import { concat, open, update } from '../unit/helpers/pdf-edit';
import { analyzeModifications } from '../../main/validation/modifications';
import type { TestPdfs } from '../fixtures/pdfs';
import { makeTestPdfs } from '../fixtures/pdfs';
import { createTestPki, freePort, missingTools } from '../fixtures/pki';
import { signWithPdfsig } from '../fixtures/signed-by-poppler';

const missing = missingTools('gs', 'qpdf');
const skip = missing.length > 0 ? `not installed: ${missing.join(', ')}` : false;
const missingPoppler = missingTools('gs', 'qpdf', 'pdfsig', 'certutil', 'pk12util', 'openssl');
const skipPoppler = missingPoppler.length > 0 ? `not installed: ${missingPoppler.join(', ')}` : false;

const SIG: SignatureUpdateOptions = { kind: 'signature', subFilter: 'ETSI.CAdES.detached', contentsBytes: 256 };

const sign = async (bytes: Uint8Array, options: Partial<SignatureUpdateOptions> = {}): Promise<Uint8Array> =>
  concat(bytes, (await prepareSignatureUpdate(await open(bytes), { ...SIG, ...options })).bytes);
const analyze = async (bytes: Uint8Array, signed: number) => analyzeModifications(await open(bytes), signed);

describe('modification analysis on documents made by other tools', { timeout: 60_000 }, () => {
  let dir = '';
  let pdfs: TestPdfs;
  before(async () => {
    if (skip) return;
    dir = mkdtempSync(join(tmpdir(), 'paraphe-modifications-'));
    pdfs = await makeTestPdfs(dir);
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const input of ['simple', 'objectStreams', 'linearized', 'incremental'] as const) {
    it(`classifies each kind of later update on ${input}`, { skip }, async () => {
      const signedBytes = await sign(new Uint8Array(readFileSync(pdfs[input])));
      const signed = (await open(signedBytes)).revisions.length;
      const expect = async (bytes: Uint8Array, modifications: string, allowed: boolean) => {
        const result = await analyze(bytes, signed);
        assert.equal(result.modifications, modifications, `${input}: ${result.details.join('\n')}`);
        assert.equal(result.allowed, allowed, `${input}: ${result.details.join('\n')}`);
      };

      await expect(signedBytes, 'none', true);
      const der = new Uint8Array(Buffer.from('0\x03abc', 'latin1'));
      await expect(concat(signedBytes, (await prepareDssUpdate(await open(signedBytes), { certs: [der], ocsps: [], crls: [der] })).bytes), 'dss-timestamps', true);
      await expect(await sign(signedBytes, { kind: 'doc-timestamp', subFilter: 'ETSI.RFC3161' }), 'dss-timestamps', true);
      await expect(await sign(signedBytes), 'form-filling', true);
      const annotated = await update(signedBytes, async (reader, u, editor) => {
        const annot = u.add(pdfDict({ Type: name('Annot'), Subtype: name('Text'), Rect: [50, 50, 70, 70], Contents: textString('A note') }));
        await editor.addAnnotation((await findPage(reader, 1)).ref, annot);
      });
      await expect(annotated, 'annotations', true);
      const rewritten = await update(signedBytes, async (reader, u) => {
        const page = await findPage(reader, 1);
        const contents = page.dict.get('Contents');
        assert.ok(contents instanceof PdfRef, 'Ghostscript writes one content stream per page');
        u.set(contents, PdfStream.fromBytes(new PdfDict(), Buffer.from('BT /F1 24 Tf 72 700 Td (Changed) Tj ET')));
      });
      await expect(rewritten, 'other', false);
      const result = await analyze(rewritten, signed);
      assert.ok(result.details.some((d) => /page 1 content\) changed/.test(d)), result.details.join('\n'));
    });
  }

  it('judges later updates against the certification level', { skip }, async () => {
    const original = new Uint8Array(readFileSync(pdfs.simple));
    const p1 = await sign(original, { docMdp: 1 });
    const p1Signed = (await open(p1)).revisions.length;
    const stamped = await analyze(await sign(p1, { kind: 'doc-timestamp', subFilter: 'ETSI.RFC3161' }), p1Signed);
    assert.deepEqual([stamped.docMdp, stamped.modifications, stamped.allowed], [1, 'dss-timestamps', true]);

    const p2 = await sign(original, { docMdp: 2 });
    const p2Signed = (await open(p2)).revisions.length;
    const second = await analyze(await sign(p2), p2Signed);
    assert.deepEqual([second.docMdp, second.modifications, second.allowed], [2, 'form-filling', true]);
  });

  it("classifies poppler's pdfsig signature updates as form-filling, before and after ours", { skip: skipPoppler }, async () => {
    const pki = await createTestPki(mkdtempSync(join(dir, 'pki-')), { ocspPort: await freePort(), httpPort: await freePort() });
    // Ours first, then pdfsig's.
    const ours = await sign(new Uint8Array(readFileSync(pdfs.simple)));
    const oursFile = join(dir, 'ours.pdf');
    writeFileSync(oursFile, ours);
    const both = new Uint8Array(readFileSync(await signWithPdfsig(oursFile, join(dir, 'ours-then-poppler.pdf'), pki, { fieldName: 'Poppler' })));
    const oursRevision = (await open(ours)).revisions.length;
    const afterOurs = await analyze(both, oursRevision);
    assert.equal(afterOurs.modifications, 'form-filling', afterOurs.details.join('\n'));
    assert.equal(afterOurs.allowed, true);
    assert.ok(afterOurs.details.some((d) => d.includes('"Poppler"')), afterOurs.details.join('\n'));

    // pdfsig's first, then ours.
    const popplerFile = await signWithPdfsig(pdfs.simple, join(dir, 'poppler.pdf'), pki, { fieldName: 'Poppler' });
    const poppler = new Uint8Array(readFileSync(popplerFile));
    const popplerRevision = (await open(poppler)).revisions.length;
    const afterPoppler = await analyze(await sign(poppler), popplerRevision);
    assert.equal(afterPoppler.modifications, 'form-filling', afterPoppler.details.join('\n'));
    assert.equal((await analyze(poppler, popplerRevision)).modifications, 'none');
  });

  it('analyses ten sequential signatures on a 50-page document, each update once', { skip }, async (t) => {
    let bytes: Uint8Array = new Uint8Array(readFileSync(await pdfs.manyPages(50)));
    const signedRevisions: number[] = [];
    for (let i = 0; i < 10; i++) {
      bytes = await sign(bytes);
      signedRevisions.push((await open(bytes)).revisions.length);
    }
    const started = performance.now();
    const reader = await open(bytes);
    const results = [];
    for (const revision of signedRevisions) results.push(await analyzeModifications(reader, revision));
    const elapsed = performance.now() - started;
    t.diagnostic(`10 signatures, 50 pages: every signature analysed in ${elapsed.toFixed(0)} ms`);
    assert.deepEqual(
      results.map((r) => r.modifications),
      [...Array<string>(9).fill('form-filling'), 'none'],
    );
    assert.equal(results[0]?.details.filter((d) => /new signature field/.test(d)).length, 9, results[0]?.details.join('\n'));
  });

  it('reports a change to an annotation that existed before the signature', { skip }, async () => {
    const signedBytes = await sign(new Uint8Array(readFileSync(pdfs.incremental)));
    const signed = (await open(signedBytes)).revisions.length;
    const changed = await update(signedBytes, async (reader, u) => {
      const ref = new PdfRef(pdfs.incrementalUpdate.annotationObject, 0);
      const annot = await reader.getObject(ref.num);
      assert.ok(annot instanceof PdfDict);
      u.set(ref, new PdfDict(annot.entries).set('Contents', textString('edited after signing')));
    });
    const result = await analyze(changed, signed);
    assert.equal(result.modifications, 'annotations', result.details.join('\n'));
    assert.ok(result.details.some((d) => d.includes(`object ${pdfs.incrementalUpdate.annotationObject} (`) && d.includes('annotation on page 1) changed')), result.details.join('\n'));
  });
});
