// The modification analysis of main/validation: documents built with the real incremental writer,
// signature and DSS updates (zero /Contents: only the structure is analysed), then changed after
// the signature in each way the classification knows.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PdfDict, PdfRef, PdfStream, prepareDssUpdate, prepareSignatureUpdate } from '../../main/pdf';
import type { SignatureUpdateOptions } from '../../main/pdf';
import { findPage } from '../../main/pdf/acroform';
import { name, pdfDict, textString } from '../../main/pdf/serialize';
import { concat, open, update } from './helpers/pdf-edit';
import { analyzeModifications, levelAllowed, worseLevel } from '../../main/validation/modifications';
import { simplePdf } from './helpers/pdf-build';

const SIG: SignatureUpdateOptions = { kind: 'signature', subFilter: 'ETSI.CAdES.detached', contentsBytes: 64 };


async function sign(bytes: Uint8Array, options: Partial<SignatureUpdateOptions> = {}): Promise<Uint8Array> {
  return concat(bytes, (await prepareSignatureUpdate(await open(bytes), { ...SIG, ...options })).bytes);
}

const der = (text: string): Uint8Array => new Uint8Array(Buffer.from(`0\x03${text}`, 'latin1'));

/**
 * simplePdf plus a revision giving page 1 a content stream and a text field "Name" (value "Alice"),
 * then a signature: revision 3 is the signed one.
 */
async function prepared(options: Partial<SignatureUpdateOptions> = {}, lock?: { action: string; fields: string[] }): Promise<{ bytes: Uint8Array; signed: number }> {
  const base = await update(simplePdf(), async (reader, u, editor) => {
    const page = await findPage(reader, 1);
    const content = u.add(PdfStream.fromBytes(new PdfDict(), Buffer.from('BT /F1 12 Tf 10 10 Td (Hello) Tj ET')));
    const appearance = u.add(PdfStream.fromBytes(pdfDict({ Type: name('XObject'), Subtype: name('Form'), BBox: [0, 0, 100, 20] }), Buffer.from('')));
    const field = u.add(
      pdfDict({ FT: name('Tx'), T: textString('Name'), V: textString('Alice'), Type: name('Annot'), Subtype: name('Widget'), Rect: [10, 10, 110, 30], P: page.ref, AP: pdfDict({ N: appearance }) }),
    );
    const pageCopy = await editor.dict(page.ref);
    pageCopy.set('Contents', content).set('Annots', [field]);
    const fields = [field];
    if (lock) {
      // A signed field whose signature locks fields with a FieldMDP reference (structure only).
      const reference = pdfDict({ Type: name('SigRef'), TransformMethod: name('FieldMDP'), TransformParams: pdfDict({ Type: name('TransformParams'), Action: name(lock.action), Fields: lock.fields.map((f) => textString(f)), V: name('1.2') }) });
      const sig = u.add(pdfDict({ Type: name('Sig'), Filter: name('Adobe.PPKLite'), SubFilter: name('ETSI.CAdES.detached'), Reference: [reference] }));
      fields.push(u.add(pdfDict({ FT: name('Sig'), T: textString('Locker'), V: sig, Type: name('Annot'), Subtype: name('Widget'), Rect: [0, 0, 0, 0], P: page.ref })));
    }
    (await editor.catalog()).set('AcroForm', pdfDict({ Fields: fields }));
  });
  const bytes = await sign(base, options);
  return { bytes, signed: (await open(bytes)).revisions.length };
}

async function analyze(bytes: Uint8Array, signed: number) {
  return analyzeModifications(await open(bytes), signed);
}

async function fillName(bytes: Uint8Array): Promise<Uint8Array> {
  return update(bytes, async (reader, u) => {
    const field = (await reader.fields()).find((f) => f.name === 'Name');
    assert.ok(field);
    const acroForm = await reader.resolve((await reader.catalog()).get('AcroForm'));
    const fields = acroForm instanceof PdfDict ? await reader.resolve(acroForm.get('Fields')) : null;
    const ref = Array.isArray(fields) ? fields[0] : null;
    assert.ok(ref instanceof PdfRef);
    const dict = await reader.getObject(ref.num);
    assert.ok(dict instanceof PdfDict);
    const appearance = u.add(PdfStream.fromBytes(pdfDict({ Type: name('XObject'), Subtype: name('Form'), BBox: [0, 0, 100, 20] }), Buffer.from('BT (Bob) Tj ET')));
    u.set(ref, new PdfDict(dict.entries).set('V', textString('Bob')).set('AP', pdfDict({ N: appearance })));
  });
}

async function addTextAnnotation(bytes: Uint8Array): Promise<Uint8Array> {
  return update(bytes, async (reader, u, editor) => {
    const page = await findPage(reader, 1);
    const annot = u.add(pdfDict({ Type: name('Annot'), Subtype: name('Text'), Rect: [50, 50, 70, 70], Contents: textString('A note') }));
    await editor.addAnnotation(page.ref, annot);
  });
}

async function changeContent(bytes: Uint8Array): Promise<Uint8Array> {
  return update(bytes, async (reader, u) => {
    const page = await findPage(reader, 1);
    const contents = page.dict.get('Contents');
    assert.ok(contents instanceof PdfRef);
    u.set(contents, PdfStream.fromBytes(new PdfDict(), Buffer.from('BT /F1 12 Tf 10 10 Td (Goodbye) Tj ET')));
  });
}

describe('analyzeModifications', () => {
  it('finds nothing when nothing follows the signature', async () => {
    const { bytes, signed } = await prepared();
    const result = await analyze(bytes, signed);
    assert.deepEqual(result, { modifications: 'none', allowed: true, docMdp: null, details: [] });
  });

  it('classifies a DSS update as dss-timestamps', async () => {
    const { bytes, signed } = await prepared();
    const withDss = concat(bytes, (await prepareDssUpdate(await open(bytes), { certs: [der('cert')], ocsps: [der('ocsp')], crls: [] })).bytes);
    const result = await analyze(withDss, signed);
    assert.equal(result.modifications, 'dss-timestamps', result.details.join('\n'));
    assert.equal(result.allowed, true);
    assert.ok(result.details.some((d) => /DSS/.test(d)), result.details.join('\n'));
  });

  it('classifies a document timestamp update as dss-timestamps', async () => {
    const { bytes, signed } = await prepared();
    const stamped = await sign(bytes, { kind: 'doc-timestamp', subFilter: 'ETSI.RFC3161' });
    const result = await analyze(stamped, signed);
    assert.equal(result.modifications, 'dss-timestamps', result.details.join('\n'));
    assert.equal(result.allowed, true);
  });

  it('classifies a second signature as form-filling', async () => {
    const { bytes, signed } = await prepared();
    const result = await analyze(await sign(bytes), signed);
    assert.equal(result.modifications, 'form-filling', result.details.join('\n'));
    assert.equal(result.allowed, true);
    assert.ok(result.details.some((d) => /signature field "Signature2"/.test(d)), result.details.join('\n'));
  });

  it('classifies a changed text field value as form-filling', async () => {
    const { bytes, signed } = await prepared();
    const result = await analyze(await fillName(bytes), signed);
    assert.equal(result.modifications, 'form-filling', result.details.join('\n'));
    assert.equal(result.allowed, true);
    assert.ok(result.details.some((d) => /form field "Name".*value changed/.test(d)), result.details.join('\n'));
  });

  it('classifies a new text annotation as annotations', async () => {
    const { bytes, signed } = await prepared();
    const result = await analyze(await addTextAnnotation(bytes), signed);
    assert.equal(result.modifications, 'annotations', result.details.join('\n'));
    assert.equal(result.allowed, true);
    assert.ok(result.details.some((d) => /Text annotation/.test(d)), result.details.join('\n'));
  });

  it('classifies a changed page content stream as other, not allowed', async () => {
    const { bytes, signed } = await prepared();
    const result = await analyze(await changeContent(bytes), signed);
    assert.equal(result.modifications, 'other');
    assert.equal(result.allowed, false);
    assert.ok(result.details.some((d) => /page 1 content\) changed/.test(d)), result.details.join('\n'));
  });

  it('takes the most severe change over several updates', async () => {
    const { bytes, signed } = await prepared();
    const later = await addTextAnnotation(await sign(await fillName(bytes)));
    const result = await analyze(later, signed);
    assert.equal(result.modifications, 'annotations', result.details.join('\n'));
    // Analysed from the second signature's revision, only the annotation follows.
    const second = (await open(later)).revisions.length - 1;
    assert.equal((await analyze(later, second)).modifications, 'annotations');
    assert.equal((await analyze(later, signed + 1)).modifications, 'annotations');
  });

  it('does not allow a second signature after a certification with P=1 (crafted: our writer refuses it)', async () => {
    const { bytes, signed } = await prepared({ docMdp: 1 });
    // prepareSignatureUpdate refuses to sign a P=1 document, so the second signature is written
    // with P=2 in force and the certification's /P patched back to 1 afterwards (same length).
    const text = Buffer.from(bytes).toString('latin1');
    const at = text.lastIndexOf('/P 1');
    assert.ok(at > 0);
    const asP2 = Buffer.from(bytes);
    asP2.write('/P 2', at, 'latin1');
    const twice = await sign(new Uint8Array(asP2));
    const patched = Buffer.from(twice);
    patched.write('/P 1', at, 'latin1');
    const result = await analyze(new Uint8Array(patched), signed);
    assert.equal(result.docMdp, 1);
    assert.equal(result.modifications, 'form-filling', result.details.join('\n'));
    assert.equal(result.allowed, false);
  });

  it('allows DSS and document timestamps after a certification with P=1', async () => {
    const { bytes, signed } = await prepared({ docMdp: 1 });
    const stamped = await sign(bytes, { kind: 'doc-timestamp', subFilter: 'ETSI.RFC3161' });
    const result = await analyze(stamped, signed);
    assert.deepEqual([result.docMdp, result.modifications, result.allowed], [1, 'dss-timestamps', true]);
  });

  it('allows form filling but not annotations after a certification with P=2', async () => {
    const { bytes, signed } = await prepared({ docMdp: 2 });
    const filled = await analyze(await fillName(bytes), signed);
    assert.deepEqual([filled.docMdp, filled.modifications, filled.allowed], [2, 'form-filling', true]);
    const annotated = await analyze(await addTextAnnotation(bytes), signed);
    assert.deepEqual([annotated.docMdp, annotated.modifications, annotated.allowed], [2, 'annotations', false]);
  });

  it('allows annotations after a certification with P=3', async () => {
    const { bytes, signed } = await prepared({ docMdp: 3 });
    const annotated = await analyze(await addTextAnnotation(bytes), signed);
    assert.deepEqual([annotated.docMdp, annotated.modifications, annotated.allowed], [3, 'annotations', true]);
  });

  it('does not allow a change to a field that a FieldMDP reference locks', async () => {
    const locked = await prepared({}, { action: 'Include', fields: ['Name'] });
    const result = await analyze(await fillName(locked.bytes), locked.signed);
    assert.equal(result.modifications, 'form-filling', result.details.join('\n'));
    assert.equal(result.allowed, false);
    assert.ok(result.details.some((d) => /field "Name" is locked by the signature in field "Locker" \(FieldMDP\)/.test(d)), result.details.join('\n'));

    const all = await prepared({}, { action: 'All', fields: [] });
    assert.equal((await analyze(await fillName(all.bytes), all.signed)).allowed, false);
    const others = await prepared({}, { action: 'Include', fields: ['Address'] });
    assert.equal((await analyze(await fillName(others.bytes), others.signed)).allowed, true);
    const excluded = await prepared({}, { action: 'Exclude', fields: ['Name'] });
    assert.equal((await analyze(await fillName(excluded.bytes), excluded.signed)).allowed, true);
    // A lock does not stop new signatures in other fields.
    assert.equal((await analyze(await sign(locked.bytes), locked.signed)).allowed, true);
  });

  it('ignores new objects nothing uses, but not one that a dangling reference brings to life', async () => {
    const { bytes, signed } = await prepared();
    const orphan = await update(bytes, async (_reader, u) => {
      u.add(PdfStream.fromBytes(pdfDict({ Subtype: name('Form'), BBox: [0, 0, 1, 1] }), Buffer.from('0 0 m')));
    });
    assert.deepEqual(await analyze(orphan, signed), { modifications: 'none', allowed: true, docMdp: null, details: [] });

    // The signed revision already refers to object 99, which does not exist yet (a null): defining
    // it later changes what the signed document shows.
    const dangling = await update(simplePdf(), async (reader, u, editor) => {
      (await editor.dict((await findPage(reader, 1)).ref)).set('Thumb', new PdfRef(99, 0));
    });
    const signedDangling = await sign(dangling);
    const revision = (await open(signedDangling)).revisions.length;
    const alive = await update(signedDangling, async (_reader, u) => {
      u.set(new PdfRef(99, 0), PdfStream.fromBytes(pdfDict({ Width: 1, Height: 1 }), Buffer.from('x')));
    });
    const result = await analyze(alive, revision);
    assert.equal(result.modifications, 'other', result.details.join('\n'));
    assert.ok(result.details.some((d) => /object 99 added/.test(d)), result.details.join('\n'));
  });

  it('classifies other catalog entries, removed fields and replaced signatures as other', async () => {
    const { bytes, signed } = await prepared();
    const openAction = await update(bytes, async (_reader, _u, editor) => {
      (await editor.catalog()).set('OpenAction', [new PdfRef(3, 0), name('Fit')]);
    });
    const result = await analyze(openAction, signed);
    assert.equal(result.modifications, 'other');
    assert.ok(result.details.some((d) => /document catalog\): \/OpenAction changed/.test(d)), result.details.join('\n'));

    const removed = await update(bytes, async (reader, _u, editor) => {
      const acroForm = await reader.resolve((await reader.catalog()).get('AcroForm'));
      assert.ok(acroForm instanceof PdfDict);
      const fields = acroForm.get('Fields');
      assert.ok(Array.isArray(fields));
      (await editor.acroForm()).set('Fields', fields.slice(1));
    });
    const removal = await analyze(removed, signed);
    assert.equal(removal.modifications, 'other');
    assert.ok(removal.details.some((d) => /field object \d+ removed/.test(d)), removal.details.join('\n'));

    const replaced = await update(bytes, async (reader, u) => {
      const field = (await reader.fields()).find((f) => f.name === 'Signature1');
      assert.ok(field?.ref);
      const dict = await reader.getObject(field.ref.num);
      assert.ok(dict instanceof PdfDict);
      u.set(field.ref, new PdfDict(dict.entries).set('V', u.add(pdfDict({ Type: name('Sig'), Filter: name('Adobe.PPKLite') }))));
    });
    const replacement = await analyze(replaced, signed);
    assert.equal(replacement.modifications, 'other');
    assert.ok(replacement.details.some((d) => /signature field "Signature1"\): its signature was replaced/.test(d)), replacement.details.join('\n'));
  });

  it('refuses a revision that does not exist', async () => {
    const { bytes } = await prepared();
    await assert.rejects(analyze(bytes, 0), RangeError);
    await assert.rejects(analyze(bytes, 99), RangeError);
  });

  it('orders levels and applies DocMDP ceilings', () => {
    assert.equal(worseLevel('form-filling', 'annotations'), 'annotations');
    assert.equal(worseLevel('other', 'none'), 'other');
    assert.equal(levelAllowed('annotations', null), true);
    assert.equal(levelAllowed('other', null), false);
    assert.equal(levelAllowed('form-filling', 1), false);
    assert.equal(levelAllowed('dss-timestamps', 1), true);
    assert.equal(levelAllowed('annotations', 2), false);
    assert.equal(levelAllowed('annotations', 3), true);
    assert.equal(levelAllowed('other', 3), false);
  });
});
