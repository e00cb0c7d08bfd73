// The incremental writer, signature-field preparation and DSS updates on small PDFs written byte by
// byte (and converted by qpdf): what qpdf --check and our own reader make of the appended updates.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { IncrementalUpdate, PdfDict, PdfError, PdfRef, PdfStream, prepareDssUpdate, prepareSignatureUpdate } from '../../main/pdf';
import type { PdfObject, PdfReader, PdfString, SignatureUpdateOptions } from '../../main/pdf';
import { name, pdfDict, textString } from '../../main/pdf/serialize';
import { TestPdfWriter, hybridPdf, qpdf, run, simplePdf } from './helpers/pdf-build';
import { concat, open } from './helpers/pdf-edit';
import { rejectsWith as rejectsWithError } from './helpers/errors';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'paraphe-writer-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

let fileCount = 0;
const write = (bytes: Uint8Array): string => {
  const file = join(dir, `f${++fileCount}.pdf`);
  writeFileSync(file, bytes);
  return file;
};
/** qpdf --check must exit 0 (no warnings either) and find no error. */
const qpdfCheck = (bytes: Uint8Array): void => assert.match(run('qpdf', ['--check', write(bytes)]), /No syntax or stream encoding errors found/);
/** Converts `bytes` with qpdf (e.g. --object-streams=generate) and returns the result. */
const viaQpdf = (bytes: Uint8Array, ...args: string[]): Uint8Array => {
  const out = join(dir, `q${++fileCount}.pdf`);
  qpdf(...args, write(bytes), out);
  return new Uint8Array(readFileSync(out));
};


const rejectsWith = (work: Promise<unknown> | (() => unknown), code: string, message?: RegExp): Promise<void> =>
  rejectsWithError(work, (e): e is PdfError => e instanceof PdfError, code, (text) => {
    if (message) assert.match(text, message);
  });

const SIG: SignatureUpdateOptions = { kind: 'signature', subFilter: 'ETSI.CAdES.detached', contentsBytes: 64 };

/** Prepares a signature update and returns the whole signed file (with zero /Contents) and the result. */
async function signed(base: Uint8Array, options: Partial<SignatureUpdateOptions> = {}) {
  const prepared = await prepareSignatureUpdate(await open(base), { ...SIG, ...options });
  return { prepared, bytes: concat(base, prepared.bytes) };
}

async function sigDictOf(reader: PdfReader, fieldName: string): Promise<PdfDict> {
  const field = (await reader.fields()).find((f) => f.name === fieldName);
  assert.ok(field?.signature?.ref, `field ${fieldName} has a signature dictionary`);
  const dict = await reader.resolve(field.signature.ref);
  assert.ok(dict instanceof PdfDict);
  return dict;
}

describe('IncrementalUpdate', () => {
  it('appends a classic xref table that qpdf --check accepts and the reader reads back', async () => {
    const base = simplePdf();
    const reader = await open(base);
    const update = new IncrementalUpdate(reader);
    const added = update.add(pdfDict({ Note: textString('added by an update') }));
    const catalog = new PdfDict((await reader.catalog()).entries).set('Note', added);
    update.set(reader.trailer.get('Root') as PdfRef, catalog);
    const built = update.build();
    const bytes = concat(base, built.bytes);

    qpdfCheck(bytes);
    assert.match(Buffer.from(built.bytes).toString('latin1'), /\nxref\n/);
    const after = await open(bytes);
    assert.equal(after.revisions.length, reader.revisions.length + 1);
    assert.equal(after.sections[0]?.kind, 'table');
    assert.equal(after.sections[0]?.prev, reader.startxref);
    assert.equal(after.startxref, built.startxref);
    const note = await after.get(await after.catalog(), 'Note');
    assert.ok(note instanceof PdfDict);
    assert.equal((note.get('Note') as PdfString).text(), 'added by an update');
    assert.equal(await after.pageCount(), 1);
    assert.deepEqual(bytes.subarray(0, base.length), base, 'the original bytes are unchanged');
    assert.equal(built.offsets.get(added.num), Buffer.from(bytes).indexOf(`${added.num} 0 obj`, base.length, 'latin1'));
  });

  it('numbers new objects from the trailer /Size upward, generation 0', async () => {
    const reader = await open(simplePdf({ pages: 2 })); // objects 1-4, /Size 5
    const update = new IncrementalUpdate(reader);
    assert.deepEqual([update.add(1), update.add(2)].map((r) => [r.num, r.gen]), [[5, 0], [6, 0]]);
    const after = await open(concat(simplePdf({ pages: 2 }), update.build().bytes));
    assert.equal(after.trailer.get('Size'), 7);
    assert.equal(await after.getObject(6), 2);
  });

  it('appends an xref stream to a file whose newest section is an xref stream', async () => {
    const base = viaQpdf(simplePdf({ pages: 3 }), '--object-streams=generate');
    const reader = await open(base);
    assert.equal(reader.sections[0]?.kind, 'stream');
    const update = new IncrementalUpdate(reader);
    const added = update.add(pdfDict({ Note: textString('in an xref-stream update') }));
    update.set(reader.trailer.get('Root') as PdfRef, new PdfDict((await reader.catalog()).entries).set('Note', added));
    const built = update.build();
    const bytes = concat(base, built.bytes);

    qpdfCheck(bytes);
    assert.doesNotMatch(Buffer.from(built.bytes).toString('latin1'), /\nxref\n/);
    const after = await open(bytes);
    assert.equal(after.sections[0]?.kind, 'stream');
    assert.equal(after.sections[0]?.prev, reader.startxref);
    assert.equal(after.revisions.length, reader.revisions.length + 1);
    assert.ok((await after.get(await after.catalog(), 'Note')) instanceof PdfDict);
    assert.equal(await after.pageCount(), 3, 'objects in the original object streams are still found');
  });

  it('writes a classic table for a hybrid-reference file, whose trailer carries the hybrid /XRefStm on', async () => {
    const { bytes: base, xrefStmOffset } = hybridPdf();
    const reader = await open(base);
    const update = new IncrementalUpdate(reader);
    update.add(pdfDict({ Note: textString('x') }));
    const bytes = concat(base, update.build().bytes);
    const after = await open(bytes);
    assert.equal(after.sections[0]?.kind, 'table');
    // The objects only the stream lists stay visible to validators that read revision by revision.
    assert.equal(after.sections[0]?.trailer.get('XRefStm'), xrefStmOffset);
    assert.equal(after.sections[0]?.xrefStream?.offset, xrefStmOffset);
    assert.equal(await after.pageCount(), 2);
    assert.deepEqual(await after.getObject(7), pdfDict({ Note: textString('x') }));
    // Those entries are the original's, not redefined by the update.
    const newest = after.revisions.at(-1) as NonNullable<ReturnType<typeof after.revisions.at>>;
    assert.deepEqual(after.entriesOf(newest).flatMap((m) => [...m.keys()]), [7]);
    assert.equal(after.objectRevision(3)?.number, 1, 'page 3, in the object stream, is the original\'s');
    qpdfCheck(bytes);

    // The next update does not name the stream again: it would be read before the first update's table.
    const second = new IncrementalUpdate(after);
    second.set(new PdfRef(7, 0), pdfDict({ Note: textString('y') }));
    const twice = concat(bytes, second.build().bytes);
    const last = await open(twice);
    assert.equal(last.sections[0]?.trailer.get('XRefStm'), undefined);
    assert.deepEqual(await last.getObject(7), pdfDict({ Note: textString('y') }));
    assert.equal(await last.pageCount(), 2);
    qpdfCheck(twice);
  });

  it('does not carry /XRefStm on when the stream disagrees with the table (the table wins in a hybrid section)', async () => {
    const { bytes: hybrid, xrefStmOffset } = hybridPdf();
    // As read, object 1 (in use in the table) is made to be listed by the stream at another place.
    const reader = await open(hybrid);
    const stream = reader.sections[0]?.xrefStream;
    assert.ok(stream && stream.offset === xrefStmOffset);
    (stream.entries as Map<number, unknown>).set(1, { type: 'offset', offset: 9, gen: 0 });
    const update = new IncrementalUpdate(reader);
    update.add(1);
    const after = await open(concat(hybrid, update.build().bytes));
    assert.equal(after.sections[0]?.trailer.get('XRefStm'), undefined);
  });

  it('starts with an end-of-line marker only when the file does not end with one', async () => {
    const base = simplePdf();
    assert.equal(base.at(-1), 0x0a);
    const withEol = new IncrementalUpdate(await open(base)).build().bytes;
    assert.notEqual(withEol[0], 0x0a);
    assert.notEqual(withEol[0], 0x0d);

    const bare = base.subarray(0, base.length - 1); // "...%%EOF" with no EOL
    const update = new IncrementalUpdate(await open(bare));
    const ref = update.add(42);
    const built = update.build();
    assert.equal(built.bytes[0], 0x0a);
    const bytes = concat(bare, built.bytes);
    qpdfCheck(bytes);
    assert.equal(await (await open(bytes)).getObject(ref.num), 42);
  });

  it("keeps the document's first /ID and gives the update a new second one", async () => {
    const base = simplePdf();
    const before = viaQpdf(base, '--static-id'); // qpdf adds an /ID
    const reader = await open(before);
    const [first, second] = reader.trailer.get('ID') as PdfString[];
    const after = await open(concat(before, new IncrementalUpdate(reader).build().bytes));
    const [newFirst, newSecond] = after.sections[0]?.trailer.get('ID') as PdfString[];
    assert.deepEqual(newFirst?.bytes, first?.bytes);
    assert.notDeepEqual(newSecond?.bytes, second?.bytes);
    assert.equal(newSecond?.bytes.length, 16);
  });

  it('keeps the encryption of an encrypted file (see pdf-encryption.test.ts for the rest)', async () => {
    const encrypted = viaQpdf(simplePdf(), '--encrypt', '', 'owner', '256', '--');
    const reader = await open(encrypted);
    assert.ok(reader.isEncrypted);
    const u = new IncrementalUpdate(reader);
    u.add(pdfDict({ Title: textString('added') }));
    const bytes = concat(encrypted, u.build().bytes);
    qpdfCheck(bytes);
    assert.deepEqual((await open(bytes)).sections[0]?.trailer.get('Encrypt'), reader.trailer.get('Encrypt'));
  });
});

describe('prepareSignatureUpdate', () => {
  for (const xref of ['table', 'stream'] as const) {
    it(`lays out /ByteRange so that the two ranges and the /Contents gap cover the whole file (${xref})`, async () => {
      const base = simplePdf({ xref });
      const { prepared, bytes } = await signed(base, { contentsBytes: 1000 });
      const [start, length1, start2, length2] = prepared.byteRange;
      assert.equal(prepared.originalSize, base.length);
      assert.equal(start, 0);
      assert.equal(start2 + length2, bytes.length, 'the second range ends at the end of the file');
      assert.equal(prepared.contentsHexLength, 2000);
      assert.equal(start2 - length1, prepared.contentsHexLength + 2, 'the gap is exactly <hex digits>');
      assert.equal(prepared.contentsOffset, length1 + 1);
      const gap = Buffer.from(bytes.subarray(length1, start2)).toString('latin1');
      assert.equal(gap, `<${'0'.repeat(2000)}>`);
      assert.ok(length1 > base.length, 'the gap lies in the update');
      const reader = await open(bytes);
      const field = (await reader.fields()).find((f) => f.name === prepared.fieldName);
      assert.deepEqual(field?.signature?.byteRange, [...prepared.byteRange], 'the /ByteRange written is the one returned');
      qpdfCheck(bytes);
    });
  }

  it('writes /Type /Sig, /Filter, /SubFilter, /M and the text entries, UTF-16BE when not ASCII', async () => {
    const time = new Date(Date.UTC(2024, 4, 6, 7, 8, 9));
    const { bytes, prepared } = await signed(simplePdf(), { signingTime: time, name: 'Élodie Signataire', reason: 'I approve', location: 'Paris', contactInfo: 'e@example.com' });
    const sig = await sigDictOf(await open(bytes), prepared.fieldName);
    assert.equal(sig.getName('Type'), 'Sig');
    assert.equal(sig.getName('Filter'), 'Adobe.PPKLite');
    assert.equal(sig.getName('SubFilter'), 'ETSI.CAdES.detached');
    assert.equal((sig.get('M') as PdfString).latin1(), 'D:20240506070809Z');
    const name_ = sig.get('Name') as PdfString;
    assert.equal(name_.text(), 'Élodie Signataire');
    assert.deepEqual([...name_.bytes.subarray(0, 2)], [0xfe, 0xff], 'non-ASCII text is UTF-16BE with a byte order mark');
    assert.equal((sig.get('Reason') as PdfString).latin1(), 'I approve');
    assert.equal((sig.get('Location') as PdfString).text(), 'Paris');
    assert.equal((sig.get('ContactInfo') as PdfString).text(), 'e@example.com');
    assert.ok(!sig.has('Reference'), 'an approval signature has no DocMDP reference');
  });

  it('writes a /DocTimeStamp with /SubFilter /ETSI.RFC3161 and no /M for a document timestamp', async () => {
    const { bytes, prepared } = await signed(simplePdf(), { kind: 'doc-timestamp', subFilter: 'ETSI.RFC3161' });
    const sig = await sigDictOf(await open(bytes), prepared.fieldName);
    assert.equal(sig.getName('Type'), 'DocTimeStamp');
    assert.equal(sig.getName('SubFilter'), 'ETSI.RFC3161');
    assert.ok(!sig.has('M'));
  });

  it('adds an invisible field/widget to page 1, its /Annots and /AcroForm /Fields, with /SigFlags 3', async () => {
    const { bytes, prepared } = await signed(simplePdf({ pages: 2 }));
    assert.equal(prepared.fieldName, 'Signature1');
    const reader = await open(bytes);
    const acroForm = await reader.get(await reader.catalog(), 'AcroForm');
    assert.ok(acroForm instanceof PdfDict);
    assert.equal(acroForm.get('SigFlags'), 3);
    const fields = (await reader.get(acroForm, 'Fields')) as PdfRef[];
    assert.equal(fields.length, 1);
    const widget = (await reader.resolve(fields[0])) as PdfDict;
    assert.equal(widget.getName('FT'), 'Sig');
    assert.equal(widget.getName('Subtype'), 'Widget');
    assert.equal((widget.get('T') as PdfString).text(), 'Signature1');
    assert.deepEqual(widget.get('Rect'), [0, 0, 0, 0]);
    assert.equal(widget.get('F'), 132);
    assert.ok(widget.get('P') instanceof PdfRef && (widget.get('P') as PdfRef).num === 3, '/P is page 1 (object 3)');
    const page1 = (await reader.getObject(3)) as PdfDict;
    assert.deepEqual(page1.get('Annots'), [fields[0]]);
    assert.ok(!((await reader.getObject(4)) as PdfDict).has('Annots'), 'page 2 is untouched');
    const ap = (await reader.get((await reader.get(widget, 'AP')) as PdfDict, 'N')) as PdfStream;
    assert.ok(ap instanceof PdfStream);
    assert.equal(ap.dict.getName('Type'), 'XObject');
    assert.equal(ap.dict.getName('Subtype'), 'Form');
    assert.deepEqual(ap.dict.get('BBox'), [0, 0, 0, 0]);
    assert.equal((await reader.streamData(ap)).length, 0, 'an empty appearance draws nothing');
  });

  it('names new fields Signature1, Signature2, ... skipping names in use', async () => {
    const first = await signed(simplePdf());
    const second = await signed(first.bytes);
    assert.equal(second.prepared.fieldName, 'Signature2');
    const third = await signed(second.bytes, { fieldName: 'Approval' });
    const fourth = await signed(third.bytes);
    assert.equal(fourth.prepared.fieldName, 'Signature3');
    const names = (await (await open(fourth.bytes)).fields()).map((f) => f.name);
    assert.deepEqual(names, ['Signature1', 'Signature2', 'Approval', 'Signature3']);
    qpdfCheck(fourth.bytes);
  });

  it('puts a visible signature at its rectangle on its page with the appearance built for its size', async () => {
    let asked: [number, number] | null = null;
    const { bytes, prepared } = await signed(simplePdf({ pages: 2 }), {
      visible: {
        page: 2,
        rect: [150, 60, 50, 20], // any two opposite corners
        appearance: (add, width, height) => {
          asked = [width, height];
          return add(PdfStream.fromBytes(pdfDict({ Type: name('XObject'), Subtype: name('Form'), BBox: [0, 0, width, height] }), Buffer.from('0 0 1 rg 0 0 100 40 re f')));
        },
      },
    });
    assert.deepEqual(asked, [100, 40]);
    const reader = await open(bytes);
    const page2 = (await reader.getObject(4)) as PdfDict;
    const annots = page2.get('Annots') as PdfRef[];
    assert.equal(annots.length, 1);
    const widget = (await reader.resolve(annots[0])) as PdfDict;
    assert.deepEqual(widget.get('Rect'), [50, 20, 150, 60]);
    assert.equal((widget.get('P') as PdfRef).num, 4);
    const ap = (await reader.get((await reader.get(widget, 'AP')) as PdfDict, 'N')) as PdfStream;
    assert.equal(Buffer.from(await reader.streamData(ap)).toString('latin1'), '0 0 1 rg 0 0 100 40 re f');
    assert.equal(prepared.fieldName, 'Signature1');
  });

  it('keeps existing fields and annotations, rewriting only the indirect /Fields and /Annots arrays', async () => {
    // Catalog 1 -> indirect AcroForm 5 -> indirect /Fields 6 [text field 7]; page 3 -> indirect /Annots 8 [7].
    const w = TestPdfWriter.start();
    w.object(1, '<< /Type /Catalog /Pages 2 0 R /AcroForm 5 0 R >>');
    w.object(2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>');
    w.object(3, '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Annots 8 0 R >>');
    w.object(5, '<< /Fields 6 0 R /SigFlags 3 /DA (/Helv 0 Tf 0 g) >>');
    w.object(6, '[7 0 R]');
    w.object(7, '<< /FT /Tx /T (Name) /V (Alice) /Type /Annot /Subtype /Widget /Rect [10 10 100 30] /P 3 0 R >>');
    w.object(8, '[7 0 R]');
    w.xrefTable('/Root 1 0 R');
    const base = w.bytes();
    const { bytes } = await signed(base);
    const reader = await open(bytes);
    const newRevision = reader.revisions.length;
    for (const unchanged of [1, 3, 5, 7]) assert.equal(reader.objectRevision(unchanged)?.number, 1, `object ${unchanged} is not rewritten`);
    for (const changed of [6, 8]) assert.equal(reader.objectRevision(changed)?.number, newRevision, `object ${changed} is rewritten`);
    assert.deepEqual((await reader.fields()).map((f) => [f.name, f.type]), [['Name', 'Tx'], ['Signature1', 'Sig']]);
    const annots = (await reader.getObject(8)) as PdfRef[];
    assert.equal(annots.length, 2);
    assert.equal(annots[0]?.num, 7);
    qpdfCheck(bytes);
  });

  it('rewrites the catalog when /AcroForm is direct, and creates /AcroForm when there is none', async () => {
    const direct = simplePdf({ catalogExtra: '/AcroForm << /Fields [] /DA (/Helv 0 Tf 0 g) >>' });
    const reader = await open((await signed(direct)).bytes);
    const acroForm = (await reader.catalog()).get('AcroForm');
    assert.ok(acroForm instanceof PdfDict, 'a direct AcroForm stays direct');
    assert.equal((acroForm.get('DA') as PdfString).latin1(), '/Helv 0 Tf 0 g', 'its other entries are kept');
    assert.equal((acroForm.get('Fields') as PdfObject[]).length, 1);
    assert.equal(acroForm.get('SigFlags'), 3);

    const created = await open((await signed(simplePdf())).bytes);
    const ref = (await created.catalog()).get('AcroForm');
    assert.ok(ref instanceof PdfRef, 'a new AcroForm is an indirect object');
  });

  it('signs an existing empty /Sig field by name: sets /V, keeps its rectangle and gives widgets without /AP one', async () => {
    // Field 5 with two widgets 6 and 7 (kids without /T); widget 7 already has an appearance.
    const w = TestPdfWriter.start();
    w.object(1, '<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [5 0 R] >> >>');
    w.object(2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>');
    w.object(3, '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Annots [6 0 R 7 0 R] >>');
    w.object(5, '<< /FT /Sig /T (Approval) /Kids [6 0 R 7 0 R] >>');
    w.object(6, '<< /Type /Annot /Subtype /Widget /Parent 5 0 R /Rect [10 10 110 50] /P 3 0 R /F 4 >>');
    w.object(8, '<< /Type /XObject /Subtype /Form /BBox [0 0 10 10] /Length 0 >>\nstream\n\nendstream');
    w.object(7, '<< /Type /Annot /Subtype /Widget /Parent 5 0 R /Rect [0 0 10 10] /P 3 0 R /AP << /N 8 0 R >> >>');
    w.xrefTable('/Root 1 0 R');
    const base = w.bytes();
    const { bytes, prepared } = await signed(base, { fieldName: 'Approval' });
    assert.equal(prepared.fieldName, 'Approval');
    const reader = await open(bytes);
    const fields = await reader.fields();
    assert.equal(fields.length, 1, 'no new field');
    assert.equal(fields[0]?.name, 'Approval');
    assert.equal(fields[0]?.signature?.type, 'Sig');
    const widget6 = (await reader.getObject(6)) as PdfDict;
    assert.deepEqual(widget6.get('Rect'), [10, 10, 110, 50]);
    const ap = (await reader.get((await reader.get(widget6, 'AP')) as PdfDict, 'N')) as PdfStream;
    assert.deepEqual(ap.dict.get('BBox'), [0, 0, 100, 40]);
    assert.equal(reader.objectRevision(7)?.number, 1, 'a widget with an appearance is not rewritten');
    assert.deepEqual(((await reader.getObject(3)) as PdfDict).get('Annots'), [new PdfRef(6, 0), new PdfRef(7, 0)], 'the page keeps its annotations');
    assert.equal(((await reader.get(await reader.catalog(), 'AcroForm')) as PdfDict).get('SigFlags'), 3);
    qpdfCheck(bytes);
  });

  it('writes a certification signature: /Reference DocMDP with /P and catalog /Perms /DocMDP', async () => {
    const { bytes, prepared } = await signed(simplePdf(), { docMdp: 2 });
    const reader = await open(bytes);
    const sig = await sigDictOf(reader, prepared.fieldName);
    const [reference] = sig.get('Reference') as PdfDict[];
    assert.equal(reference?.getName('Type'), 'SigRef');
    assert.equal(reference?.getName('TransformMethod'), 'DocMDP');
    const params = reference?.get('TransformParams') as PdfDict;
    assert.equal(params.getName('Type'), 'TransformParams');
    assert.equal(params.get('P'), 2);
    assert.equal(params.getName('V'), '1.2');
    const perms = (await reader.catalog()).get('Perms') as PdfDict;
    const field = (await reader.fields())[0];
    assert.ok((perms.get('DocMDP') as PdfRef).equals(field?.signature?.ref as PdfRef));
  });

  describe('refusals', () => {
    it('refuses a new signature on a document certified with "no changes allowed", but not a document timestamp', async () => {
      const { bytes } = await signed(simplePdf(), { docMdp: 1 });
      const reader = await open(bytes);
      await rejectsWith(prepareSignatureUpdate(reader, SIG), 'certified-no-changes', /^test\.pdf is certified with "no changes allowed": it cannot be signed again$/);
      const timestamp = await prepareSignatureUpdate(reader, { kind: 'doc-timestamp', subFilter: 'ETSI.RFC3161', contentsBytes: 64 });
      assert.equal(timestamp.fieldName, 'Signature2');
    });

    it('accepts a new signature on a document certified with P=2', async () => {
      const { bytes } = await signed(simplePdf(), { docMdp: 2 });
      assert.equal((await prepareSignatureUpdate(await open(bytes), SIG)).fieldName, 'Signature2');
    });

    it('refuses a certification signature on a document that is already signed', async () => {
      const { bytes } = await signed(simplePdf());
      await rejectsWith(prepareSignatureUpdate(await open(bytes), { ...SIG, docMdp: 2 }), 'already-signed', /already signed/);
    });

    it('refuses to sign a field that is already signed', async () => {
      const { bytes } = await signed(simplePdf(), { fieldName: 'Approval' });
      await rejectsWith(prepareSignatureUpdate(await open(bytes), { ...SIG, fieldName: 'Approval' }), 'field-already-signed', /"Approval" that is already signed/);
    });

    it('refuses a named field that is not a signature field, and a new name with a period', async () => {
      const w = TestPdfWriter.start();
      w.object(1, '<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] >> >>');
      w.object(2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>');
      w.object(3, '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>');
      w.object(4, '<< /FT /Tx /T (Name) /Rect [0 0 10 10] /Subtype /Widget >>');
      w.xrefTable('/Root 1 0 R');
      const reader = await open(w.bytes());
      await rejectsWith(prepareSignatureUpdate(reader, { ...SIG, fieldName: 'Name' }), 'field-not-found', /"Name" that is not a signature field/);
      await rejectsWith(prepareSignatureUpdate(reader, { ...SIG, fieldName: 'Form.Sig' }), 'field-not-found', /cannot be empty or contain a period/);
    });

    it('refuses a visible signature on a page the document does not have', async () => {
      const reader = await open(simplePdf({ pages: 2 }));
      const visible = (page: number) => ({ page, rect: [0, 0, 10, 10] as [number, number, number, number], appearance: () => new PdfRef(1, 0) });
      await rejectsWith(prepareSignatureUpdate(reader, { ...SIG, visible: visible(3) }), 'page-out-of-range', /has no page 3 \(it has 2 pages\)/);
      await rejectsWith(prepareSignatureUpdate(reader, { ...SIG, visible: visible(0) }), 'page-out-of-range');
    });

    it('refuses a document with no pages in words of its own, not as "no page 1" of an invisible signature', async () => {
      // Found by the mutation fuzzer: /Count 2 changed to 0, and `paraphe sign` (invisible) said
      // "has no page 1 (it has 0 pages)", a page the user never asked for.
      const bytes = Buffer.from(Buffer.from(simplePdf({ pages: 2 })).toString('latin1').replace('/Count 2', '/Count 0'), 'latin1');
      const reader = await open(bytes);
      await rejectsWith(prepareSignatureUpdate(reader, SIG), 'malformed', /has no pages \(its page tree's \/Count is 0\): there is no page to attach the signature to$/);
    });
  });
});

describe('prepareDssUpdate', () => {
  const der = (text: string) => new Uint8Array(Buffer.from(text));
  /** The decoded data, as text, of each stream of a DSS array (direct or indirect). */
  const streamTexts = async (reader: PdfReader, list: PdfObject | undefined) =>
    Promise.all(((await reader.resolve(list)) as PdfRef[]).map(async (r) => Buffer.from(await reader.streamData((await reader.resolve(r)) as PdfStream)).toString()));

  it('adds /DSS with /Certs, /OCSPs, /CRLs streams and /VRI entries pointing at the same streams', async () => {
    const base = simplePdf();
    const vri = new Map([['abcdef0123', { certs: [der('cert-b')], ocsps: [der('ocsp-a')], crls: [], tu: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)) }]]);
    const { bytes } = await prepareDssUpdate(await open(base), { certs: [der('cert-a'), der('cert-b')], ocsps: [der('ocsp-a')], crls: [der('crl-a')], vri });
    const all = concat(base, bytes);
    qpdfCheck(all);
    const reader = await open(all);
    const catalog = await reader.catalog();
    const dss = (await reader.get(catalog, 'DSS')) as PdfDict;
    assert.deepEqual(await streamTexts(reader, dss.get('Certs')), ['cert-a', 'cert-b']);
    assert.deepEqual(await streamTexts(reader, dss.get('OCSPs')), ['ocsp-a']);
    assert.deepEqual(await streamTexts(reader, dss.get('CRLs')), ['crl-a']);
    const entry = (dss.get('VRI') as PdfDict).get('ABCDEF0123') as PdfDict;
    assert.ok(entry, 'VRI keys are upper-case');
    assert.deepEqual(entry.get('Cert'), [(dss.get('Certs') as PdfRef[])[1]], 'the VRI refers to the DSS stream, not a copy');
    assert.deepEqual(entry.get('OCSP'), dss.get('OCSPs'));
    assert.ok(!entry.has('CRL'));
    assert.equal((entry.get('TU') as PdfString).latin1(), 'D:20240102030405Z');
    const esic = ((await reader.get(catalog, 'Extensions')) as PdfDict).get('ESIC') as PdfDict;
    assert.equal(esic.getName('BaseVersion'), '1.7');
    assert.equal(esic.get('ExtensionLevel'), 5);
  });

  it('extends an existing DSS without adding the same bytes twice, keeping other extensions', async () => {
    const base = simplePdf({ catalogExtra: '/Extensions << /ADBE << /BaseVersion /1.7 /ExtensionLevel 3 >> >>' });
    const first = concat(base, (await prepareDssUpdate(await open(base), { certs: [der('cert-a'), der('cert-b')], ocsps: [], crls: [der('crl-a')] })).bytes);
    const second = concat(first, (await prepareDssUpdate(await open(first), { certs: [der('cert-b'), der('cert-c')], ocsps: [der('ocsp-a')], crls: [] })).bytes);
    const reader = await open(second);
    const catalog = await reader.catalog();
    const dss = (await reader.get(catalog, 'DSS')) as PdfDict;
    assert.deepEqual(await streamTexts(reader, dss.get('Certs')), ['cert-a', 'cert-b', 'cert-c']);
    assert.equal(((await reader.resolve(dss.get('CRLs'))) as PdfRef[]).length, 1, 'the first update\'s CRLs are kept');
    assert.equal(((await reader.resolve(dss.get('OCSPs'))) as PdfRef[]).length, 1);
    const extensions = (await reader.get(catalog, 'Extensions')) as PdfDict;
    assert.ok(extensions.get('ADBE') instanceof PdfDict, 'existing extensions are kept');
    assert.ok(extensions.get('ESIC') instanceof PdfDict);
    qpdfCheck(second);
  });

  it('adds no /Extensions to a PDF 2.0 file', async () => {
    const base = simplePdf({ version: '2.0' });
    const reader = await open(concat(base, (await prepareDssUpdate(await open(base), { certs: [der('c')], ocsps: [], crls: [] })).bytes));
    const catalog = await reader.catalog();
    assert.ok(catalog.has('DSS'));
    assert.ok(!catalog.has('Extensions'));
    assert.ok(catalog.get('DSS') instanceof PdfRef, 'the DSS is an indirect object');
  });
});
