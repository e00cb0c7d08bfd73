// Signature-field preparation: the incremental update that carries a signature (or document
// timestamp) dictionary with a /Contents placeholder, the field/widget that holds it, and the page,
// AcroForm and catalog changes they need. The update is laid out once, /ByteRange is patched in
// place (its placeholder has a fixed width), and the caller gets every offset it needs to hash the
// two byte ranges and write the container into /Contents without reading the update again.
// No cryptography here: hashing and CMS belong to main/cms and the services that join the two.
import type { DocMdpPermission } from '../../preload/contract/domain';
import { ObjectEditor, docMdpPermission, findPage } from './acroform';
import { PdfError } from './errors';
import { msg } from '../errors';
import { PdfDict, PdfRef, PdfStream, PdfString, latin1Bytes, numberValue } from './objects';
import type { PdfObject } from './objects';
import type { PdfReader } from './reader';
import { name, pdfDate, pdfDict, textString } from './serialize';
import { IncrementalUpdate } from './writer';

export interface VisibleSignatureOptions {
  /** 1-based page number. */
  readonly page: number;
  /** [x1, y1, x2, y2] in the page's default user space (any two opposite corners). */
  readonly rect: readonly [number, number, number, number];
  /**
   * Builds the appearance: adds its objects with `add` and returns the form XObject for /AP /N,
   * whose /BBox is [0 0 width height].
   */
  readonly appearance: (add: (obj: PdfObject) => PdfRef, width: number, height: number) => PdfRef;
}

export interface SignatureUpdateOptions {
  readonly kind: 'signature' | 'doc-timestamp';
  /**
   * An existing empty signature field (fully qualified name), or the name of a new field. Default:
   * the first of Signature1, Signature2, ... that no field uses.
   */
  readonly fieldName?: string;
  /** A visible signature; invisible when absent. */
  readonly visible?: VisibleSignatureOptions;
  /** 'ETSI.CAdES.detached' for signatures, 'ETSI.RFC3161' for document timestamps. */
  readonly subFilter: string;
  /** /M (signatures only; now by default). */
  readonly signingTime?: Date;
  readonly name?: string;
  readonly reason?: string;
  readonly location?: string;
  readonly contactInfo?: string;
  /** Makes this a certification signature with DocMDP permission P (1 no changes, 2 form filling, 3 annotations). */
  readonly docMdp?: DocMdpPermission;
  /** Capacity of /Contents in bytes (the hex string holds twice as many digits). */
  readonly contentsBytes: number;
}

export interface PreparedSignature {
  /** The update to append after the original file, /ByteRange already filled in. */
  readonly bytes: Uint8Array;
  /** [0, contentsStart, contentsEnd, fileEnd - contentsEnd], absolute offsets in the final file. */
  readonly byteRange: [number, number, number, number];
  /** Absolute offset of the first hex digit of /Contents (just after '<'). */
  readonly contentsOffset: number;
  /** Number of hex digits of /Contents: 2 * contentsBytes. */
  readonly contentsHexLength: number;
  /** The fully qualified name of the field signed. */
  readonly fieldName: string;
  /** Size of the original file: `bytes` starts at this offset of the final file. */
  readonly originalSize: number;
}

/** /ByteRange before layout: fixed-width numbers patched in place afterwards (files up to ~9.3 GB). */
const PLACEHOLDER = 9_999_999_999;
const BYTE_RANGE_PLACEHOLDER = `/ByteRange [0 ${PLACEHOLDER} ${PLACEHOLDER} ${PLACEHOLDER}]`;

/** Prepares the incremental update of one signature or document timestamp. */
export async function prepareSignatureUpdate(reader: PdfReader, options: SignatureUpdateOptions): Promise<PreparedSignature> {
  const { kind, contentsBytes } = options;
  if (!Number.isInteger(contentsBytes) || contentsBytes <= 0) throw new RangeError(`contentsBytes must be a positive integer, got ${contentsBytes}`);
  if (kind === 'doc-timestamp' && options.docMdp !== undefined) throw new TypeError('a document timestamp cannot be a certification signature');
  const update = new IncrementalUpdate(reader); // refuses encryption it cannot keep, and a missing password
  const editor = new ObjectEditor(reader, update);
  const fields = await reader.fields();

  // DocMDP: P=1 forbids any change, but ISO 32000-2 (12.8.2.2.2) and PAdES allow DSS and document
  // timestamp updates at every level, so only a new signature is refused.
  const permission = await docMdpPermission(reader);
  if (permission === 1 && kind === 'signature') {
    throw new PdfError('certified-no-changes', msg('error.pdf.certified-no-changes', { name: reader.name }));
  }
  if (options.docMdp !== undefined && fields.some((f) => f.type === 'Sig' && f.hasValue)) {
    throw new PdfError('already-signed', msg('error.pdf.already-signed', { name: reader.name }));
  }

  const sigRef = update.add(signatureDictionary(options));
  if (options.docMdp !== undefined) (await editor.catalogDict('Perms', 'permissions dictionary')).set('DocMDP', sigRef);

  const requested = options.fieldName;
  const existing = requested === undefined ? undefined : fields.find((f) => f.name === requested);
  if (kind === 'signature') refuseUnlessPermitted(reader, existing !== undefined);
  let fieldName: string;
  if (existing) {
    fieldName = requested as string;
    await signExistingField(reader, update, editor, existing, sigRef, options);
  } else {
    if (requested !== undefined) checkNewFieldName(reader, fields, requested);
    fieldName = requested ?? freeFieldName(fields);
    await addNewField(reader, update, editor, fieldName, sigRef, options);
  }
  await editor.addSignatureField(null);

  return layOut(reader, update, sigRef, contentsBytes, fieldName);
}

/**
 * The permissions of an encrypted document opened with its user password (Table 22): signing an
 * existing field needs bit 9 (fill in form fields, signature fields included; from revision 3) or
 * bit 6; adding a field needs bits 6 and 4 (create form fields). The owner's password lifts them.
 * Document timestamps extend a signature, as DSS updates do, and are not checked.
 */
function refuseUnlessPermitted(reader: PdfReader, existingField: boolean): void {
  const security = reader.security;
  if (!security) return;
  const allowed = existingField ? security.allows(6) || (security.revision >= 3 && security.allows(9)) : security.allows(6) && security.allows(4);
  if (!allowed) throw new PdfError('not-permitted', msg('error.pdf.not-permitted', { name: reader.name, change: existingField ? 'existing_field' : 'new_field' }));
}

function signatureDictionary(options: SignatureUpdateOptions): PdfDict {
  const isSignature = options.kind === 'signature';
  const text = (value: string | undefined) => (value === undefined ? undefined : textString(value));
  const dict = pdfDict({
    Type: name(isSignature ? 'Sig' : 'DocTimeStamp'),
    Filter: name('Adobe.PPKLite'),
    SubFilter: name(options.subFilter),
    // ByteRange and Contents come before any text entry, so the first match of each in the laid-out
    // object is the real one, whatever the user's reason or name says.
    ByteRange: [0, PLACEHOLDER, PLACEHOLDER, PLACEHOLDER],
    Contents: new PdfString(new Uint8Array(options.contentsBytes), true),
    M: isSignature ? textString(pdfDate(options.signingTime ?? new Date())) : options.signingTime ? textString(pdfDate(options.signingTime)) : undefined,
    Name: text(options.name),
    Reason: text(options.reason),
    Location: text(options.location),
    ContactInfo: text(options.contactInfo),
  });
  if (options.docMdp !== undefined) {
    dict.set('Reference', [
      pdfDict({
        Type: name('SigRef'),
        TransformMethod: name('DocMDP'),
        TransformParams: pdfDict({ Type: name('TransformParams'), P: options.docMdp, V: name('1.2') }),
      }),
    ]);
  }
  return dict;
}

function freeFieldName(fields: readonly { name: string | null }[]): string {
  const taken = (candidate: string) => fields.some((f) => f.name !== null && (f.name === candidate || f.name.startsWith(`${candidate}.`)));
  for (let i = 1; ; i++) if (!taken(`Signature${i}`)) return `Signature${i}`;
}

function checkNewFieldName(reader: PdfReader, fields: readonly { name: string | null }[], requested: string): void {
  if (requested === '' || requested.includes('.')) {
    // A period separates partial names (12.7.4.2): "a.b" names a field b under a, which does not exist.
    throw new PdfError('field-not-found', msg('error.pdf.field-name-invalid', { name: reader.name, field: requested }));
  }
  if (fields.some((f) => f.name !== null && f.name.startsWith(`${requested}.`))) {
    throw new PdfError('field-not-found', msg('error.pdf.field-is-group', { name: reader.name, field: requested }));
  }
}

function emptyAppearance(width: number, height: number): PdfStream {
  return PdfStream.fromBytes(pdfDict({ Type: name('XObject'), Subtype: name('Form'), BBox: [0, 0, width, height] }), new Uint8Array(0));
}

async function addNewField(reader: PdfReader, update: IncrementalUpdate, editor: ObjectEditor, fieldName: string, sigRef: PdfRef, options: SignatureUpdateOptions): Promise<void> {
  const visible = options.visible;
  const page = await findPage(reader, visible?.page ?? 1);
  let rect: number[];
  let appearance: PdfRef;
  if (visible) {
    const [x1, y1, x2, y2] = visible.rect;
    if (![x1, y1, x2, y2].every(Number.isFinite)) throw new RangeError('the signature rectangle must be four finite numbers');
    rect = [Math.min(x1, x2), Math.min(y1, y2), Math.max(x1, x2), Math.max(y1, y2)];
    // /Rect is in default user space whatever the page's /Rotate. On a page rotated by 90 or 270
    // degrees the appearance would need a /Matrix turning it with the page (and width/height
    // swapped) to read upright; the caller gets the rectangle's plain width and height.
    appearance = visible.appearance((obj) => update.add(obj), (rect[2] as number) - (rect[0] as number), (rect[3] as number) - (rect[1] as number));
  } else {
    rect = [0, 0, 0, 0];
    appearance = update.add(emptyAppearance(0, 0));
  }
  const widget = pdfDict({
    FT: name('Sig'),
    T: textString(fieldName),
    V: sigRef,
    Type: name('Annot'),
    Subtype: name('Widget'),
    Rect: rect,
    F: 132, // Print | Locked
    P: page.ref,
    AP: pdfDict({ N: appearance }),
  });
  const fieldRef = update.add(widget);
  await editor.addAnnotation(page.ref, fieldRef);
  await editor.addSignatureField(fieldRef);
}

async function signExistingField(
  reader: PdfReader,
  update: IncrementalUpdate,
  editor: ObjectEditor,
  field: { name: string | null; type: string | null; hasValue: boolean; ref: PdfRef | null },
  sigRef: PdfRef,
  options: SignatureUpdateOptions,
): Promise<void> {
  if (field.type !== 'Sig') {
    throw new PdfError('field-not-found', msg('error.pdf.field-not-signature', { name: reader.name, field: String(field.name) }));
  }
  if (field.hasValue) throw new PdfError('field-already-signed', msg('error.pdf.field-already-signed', { name: reader.name, field: String(field.name) }));
  if (!field.ref) throw new PdfError('unsupported', msg('error.pdf.field-direct', { name: reader.name, field: String(field.name) }));
  const fieldDict = await editor.dict(field.ref, 'signature field');
  fieldDict.set('V', sigRef);

  // The field's widgets: the field itself (merged dictionary) or its /Kids without /T (12.7.4).
  const kids = await reader.resolve(fieldDict.get('Kids'));
  const widgets: { ref: PdfRef; dict: PdfDict }[] = [];
  if (Array.isArray(kids)) {
    for (const kid of kids) {
      const dict = await reader.resolve(kid);
      if (kid instanceof PdfRef && dict instanceof PdfDict && !dict.has('T')) widgets.push({ ref: kid, dict });
    }
  } else if (fieldDict.getName('Subtype') === 'Widget' || fieldDict.has('Rect')) {
    widgets.push({ ref: field.ref, dict: fieldDict });
  }
  for (const widget of widgets) {
    const rect = await reader.resolve(widget.dict.get('Rect'));
    const numbers = Array.isArray(rect) ? await Promise.all(rect.map(async (x) => numberValue(await reader.resolve(x)))) : [];
    const [x1 = 0, y1 = 0, x2 = 0, y2 = 0] = numbers.length === 4 && numbers.every((x) => x !== undefined) ? (numbers as number[]) : [];
    const width = Math.abs(x2 - x1);
    const height = Math.abs(y2 - y1);
    // The field keeps its rectangle. A visible appearance replaces the widget's; an invisible
    // signature leaves an existing appearance alone and gives an empty one to a widget without.
    let appearance: PdfRef | null = null;
    if (options.visible && width > 0 && height > 0) appearance = options.visible.appearance((obj) => update.add(obj), width, height);
    else if (!widget.dict.has('AP')) appearance = update.add(emptyAppearance(width, height));
    if (appearance) (await editor.dict(widget.ref, 'signature widget')).set('AP', pdfDict({ N: appearance }));
  }
}

function layOut(reader: PdfReader, update: IncrementalUpdate, sigRef: PdfRef, contentsBytes: number, fieldName: string): PreparedSignature {
  const built = update.build();
  const bytes = built.bytes;
  const originalSize = reader.size;
  const fileEnd = originalSize + bytes.length;
  if (fileEnd > PLACEHOLDER) throw new PdfError('unsupported', msg('error.pdf.too-large-to-sign', { name: reader.name, limit: PLACEHOLDER }));
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const sigAt = (built.offsets.get(sigRef.num) as number) - originalSize;
  const contentsKey = view.indexOf('/Contents <', sigAt, 'latin1');
  const rangeAt = view.indexOf(BYTE_RANGE_PLACEHOLDER, sigAt, 'latin1');
  if (contentsKey < 0 || rangeAt < 0) throw new Error('the signature dictionary was not laid out as expected');
  const contentsStart = originalSize + contentsKey + '/Contents '.length; // offset of '<'
  const contentsHexLength = 2 * contentsBytes;
  const contentsEnd = contentsStart + contentsHexLength + 2; // just after '>'
  if (bytes[contentsEnd - 1 - originalSize] !== 0x3e) throw new Error('the /Contents placeholder was not laid out as expected');
  const byteRange: [number, number, number, number] = [0, contentsStart, contentsEnd, fileEnd - contentsEnd];
  const text = `/ByteRange [${byteRange.join(' ')}`.padEnd(BYTE_RANGE_PLACEHOLDER.length - 1, ' ') + ']';
  bytes.set(latin1Bytes(text), rangeAt);
  return { bytes, byteRange, contentsOffset: contentsStart + 1, contentsHexLength, fieldName, originalSize };
}
