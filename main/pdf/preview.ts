// A stand-alone one-page PDF whose page is exactly a signature's rectangle and shows its
// appearance (the same Form XObject the signing engine puts in the widget's /AP /N): what the
// interface draws with pdf.js as a preview before anything is signed. Written from scratch (a
// classic cross-reference table), a few KB: the appearance and its font subset, nothing else.
import { buildSignatureAppearance } from './appearance';
import type { SignatureAppearanceOptions } from './appearance';
import { PdfRef, PdfStream, latin1Bytes } from './objects';
import type { PdfObject } from './objects';
import { name, numberObject, pdfDict, serializeIndirect, serializeObject } from './serialize';

/** A PDF 1.7 file of one page, width x height points, that draws the signature appearance. */
export function appearancePreviewPdf(options: SignatureAppearanceOptions): Uint8Array {
  const objects = new Map<number, PdfObject>();
  let next = 1;
  const add = (obj: PdfObject): PdfRef => {
    const ref = new PdfRef(next++, 0);
    objects.set(ref.num, obj);
    return ref;
  };
  // Numbers first, bodies once every reference is known.
  const catalog = add(null);
  const pages = add(null);
  const page = add(null);
  const content = add(null);
  const appearance = buildSignatureAppearance(add, options);

  objects.set(catalog.num, pdfDict({ Type: name('Catalog'), Pages: pages }));
  objects.set(pages.num, pdfDict({ Type: name('Pages'), Kids: [page], Count: 1 }));
  objects.set(page.num, pdfDict({
    Type: name('Page'),
    Parent: pages,
    MediaBox: [0, 0, numberObject(options.width), numberObject(options.height)],
    Resources: pdfDict({ XObject: pdfDict({ Sig: appearance }) }),
    Contents: content,
  }));
  objects.set(content.num, PdfStream.fromBytes(pdfDict({}), latin1Bytes('q /Sig Do Q\n')));

  const chunks: Uint8Array[] = [latin1Bytes('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n')];
  let length = chunks[0]?.length ?? 0;
  const offsets: number[] = [];
  for (let num = 1; num < next; num++) {
    offsets[num] = length;
    const bytes = serializeIndirect(new PdfRef(num, 0), objects.get(num) ?? null);
    chunks.push(bytes);
    length += bytes.length;
  }
  let xref = `xref\n0 ${next}\n0000000000 65535 f\r\n`;
  for (let num = 1; num < next; num++) xref += `${String(offsets[num]).padStart(10, '0')} 00000 n\r\n`;
  const tail = [
    latin1Bytes(`${xref}trailer\n`),
    serializeObject(pdfDict({ Size: next, Root: catalog })),
    latin1Bytes(`\nstartxref\n${length}\n%%EOF\n`),
  ];
  chunks.push(...tail);
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}
