// Building later revisions of a PDF in memory with the real writer, for tests of what changed
// after a signature: append one update made by an edit function, open the result.
import { IncrementalUpdate, PdfDict, PdfRef, PdfStream, bytesSource, numberValue, openPdf } from '../../../main/pdf';
import type { PdfObject, PdfReader } from '../../../main/pdf';
import { name, pdfDict, textString } from '../../../main/pdf/serialize';
import { ObjectEditor } from '../../../main/pdf/acroform';

export const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => new Uint8Array(Buffer.concat([a, b]));
export const open = (bytes: Uint8Array): Promise<PdfReader> => openPdf(bytesSource(bytes), { name: 'test.pdf' });

/** Appends one incremental update made by `edit`. */
export async function update(bytes: Uint8Array, edit: (reader: PdfReader, update: IncrementalUpdate, editor: ObjectEditor) => Promise<void>): Promise<Uint8Array> {
  const reader = await open(bytes);
  const u = new IncrementalUpdate(reader);
  await edit(reader, u, new ObjectEditor(reader, u));
  return concat(bytes, u.build().bytes);
}

/**
 * Fills text field `fieldName` the way a PDF editor does, in one incremental update: the field's
 * /V becomes `value` and each of its widgets gets a new normal appearance stream (/AP /N) showing
 * it, with the resources of the widget's previous appearance when it had one.
 */
export async function fillTextField(bytes: Uint8Array, fieldName: string, value: string): Promise<Uint8Array> {
  return update(bytes, async (reader, u) => {
    const field = (await reader.fields()).find((f) => f.name === fieldName);
    if (!field?.ref) throw new Error(`no field "${fieldName}" (as an indirect object)`);
    const dict = await reader.getObject(field.ref.num, field.ref.gen);
    if (!(dict instanceof PdfDict)) throw new Error(`field "${fieldName}" is not a dictionary`);
    const fieldCopy = new PdfDict(dict.entries).set('V', textString(value));
    const kids = await reader.resolve(dict.get('Kids'));
    const widgets = Array.isArray(kids) ? kids.filter((k): k is PdfRef => k instanceof PdfRef) : [field.ref];
    for (const ref of widgets) {
      const widget = ref.num === field.ref.num ? fieldCopy : await reader.getObject(ref.num, ref.gen);
      if (!(widget instanceof PdfDict)) continue;
      const rect = await reader.resolve(widget.get('Rect'));
      const nums = Array.isArray(rect) ? rect.map((n) => numberValue(n) ?? 0) : [0, 0, 100, 20];
      const [x1 = 0, y1 = 0, x2 = 100, y2 = 20] = nums;
      const width = Math.abs(x2 - x1);
      const height = Math.abs(y2 - y1);
      let resources: PdfObject | undefined;
      const oldAp = await reader.resolve(widget.get('AP'));
      if (oldAp instanceof PdfDict) {
        const normal = await reader.resolve(oldAp.get('N'));
        if (normal instanceof PdfStream) resources = normal.dict.get('Resources');
      }
      const resourceDict = await reader.resolve(resources);
      const fonts = resourceDict instanceof PdfDict ? await reader.resolve(resourceDict.get('Font')) : null;
      const font = fonts instanceof PdfDict ? [...fonts.keys()][0] : undefined;
      const escaped = value.replace(/[\\()]/g, (c) => `\\${c}`);
      const text = font ? `BT /${font} 10 Tf 2 ${(height / 2 - 3).toFixed(2)} Td (${escaped}) Tj ET` : '';
      const content = new TextEncoder().encode(`/Tx BMC q ${text} Q EMC`);
      const stream = PdfStream.fromBytes(
        pdfDict({ Type: name('XObject'), Subtype: name('Form'), BBox: [0, 0, width, height], Resources: resources, Length: content.length }),
        content,
      );
      const apRef = u.add(stream);
      const target = ref.num === field.ref.num ? fieldCopy : new PdfDict(widget.entries);
      target.set('AP', pdfDict({ N: apRef }));
      if (target !== fieldCopy) u.set(ref, target);
    }
    u.set(field.ref, fieldCopy);
  });
}
