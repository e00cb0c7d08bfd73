// Building later revisions of a PDF in memory with the real writer, for tests of what changed
// after a signature: append one update made by an edit function, open the result.
import { IncrementalUpdate, bytesSource, openPdf } from '../../../main/pdf';
import type { PdfReader } from '../../../main/pdf';
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
