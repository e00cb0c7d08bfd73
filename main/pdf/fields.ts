// Interactive form fields (ISO 32000-2, 12.7): walks /Root /AcroForm /Fields through /Kids,
// inheriting /FT, and reports terminal fields with their fully qualified names. Signature fields
// (/FT /Sig) also report what their /V signature dictionary says.
import { PdfDict, PdfName, PdfRef, PdfString, numberValue } from './objects';
import type { PdfObject } from './objects';

export interface SignatureValue {
  /** The signature dictionary, if /V is a reference. */
  readonly ref: PdfRef | null;
  /** /Type: "Sig", "DocTimeStamp", or null when absent. */
  readonly type: string | null;
  readonly filter: string | null;
  readonly subFilter: string | null;
  /** /ByteRange as numbers, or null when absent or not an array of numbers. */
  readonly byteRange: readonly number[] | null;
}

export interface FieldInfo {
  /** Partial names (/T) joined with "."; null when a /T is encrypted and the password is unknown. */
  readonly name: string | null;
  /** /FT, inherited from ancestors: "Sig", "Tx", "Btn", "Ch", or null. */
  readonly type: string | null;
  /** /V is present and not null. */
  readonly hasValue: boolean;
  /** The field dictionary's reference (null for a direct dictionary). */
  readonly ref: PdfRef | null;
  /** For a /Sig field whose /V is a dictionary: that signature dictionary. */
  readonly signature: SignatureValue | null;
}

export interface FieldReader {
  catalog(): Promise<PdfDict>;
  resolve(value: PdfObject | undefined): Promise<PdfObject>;
  readonly warnings: string[];
  readonly name: string;
}

const MAX_DEPTH = 32;
const MAX_FIELDS = 100_000;

export async function readFields(reader: FieldReader): Promise<FieldInfo[]> {
  const catalog = await reader.catalog();
  const acroForm = await reader.resolve(catalog.get('AcroForm'));
  if (!(acroForm instanceof PdfDict)) return [];
  const fields = await reader.resolve(acroForm.get('Fields'));
  if (!Array.isArray(fields)) return [];
  const out: FieldInfo[] = [];
  const seen = new Set<string>();
  await walk(reader, fields, '', null, 0, seen, out);
  return out;
}

async function walk(reader: FieldReader, items: readonly PdfObject[], parentName: string | null, parentType: string | null, depth: number, seen: Set<string>, out: FieldInfo[]): Promise<void> {
  if (depth > MAX_DEPTH) {
    reader.warnings.push(`${reader.name}: form fields nested more than ${MAX_DEPTH} deep were ignored`);
    return;
  }
  for (const item of items) {
    if (out.length >= MAX_FIELDS) return;
    const ref = item instanceof PdfRef ? item : null;
    if (ref) {
      if (seen.has(ref.key)) {
        reader.warnings.push(`${reader.name}: the form field ${ref.num} ${ref.gen} appears twice in the field tree`);
        continue;
      }
      seen.add(ref.key);
    }
    const dict = await reader.resolve(item);
    if (!(dict instanceof PdfDict)) continue;
    const t = await reader.resolve(dict.get('T'));
    let name = parentName;
    if (t instanceof PdfString) {
      const partial = t.encrypted ? null : t.text();
      name = parentName === null || partial === null ? null : parentName === '' ? partial : `${parentName}.${partial}`;
    }
    const ft = await reader.resolve(dict.get('FT'));
    const type = ft instanceof PdfName ? ft.value : parentType;

    // Kids with a /T are fields; kids without are this field's widgets (12.7.4).
    const kids = await reader.resolve(dict.get('Kids'));
    const childFields: PdfObject[] = [];
    if (Array.isArray(kids)) {
      for (const kid of kids) {
        const kidDict = await reader.resolve(kid);
        if (kidDict instanceof PdfDict && kidDict.has('T')) childFields.push(kid);
      }
    }
    if (childFields.length > 0) {
      await walk(reader, childFields, name, type, depth + 1, seen, out);
      continue;
    }
    const value = dict.get('V');
    const resolvedValue = await reader.resolve(value);
    const hasValue = resolvedValue !== null;
    let signature: SignatureValue | null = null;
    if (type === 'Sig' && resolvedValue instanceof PdfDict) signature = await signatureValue(reader, resolvedValue, value instanceof PdfRef ? value : null);
    out.push({ name, type, hasValue, ref, signature });
  }
}

async function signatureValue(reader: FieldReader, dict: PdfDict, ref: PdfRef | null): Promise<SignatureValue> {
  const nameOf = async (key: string) => {
    const value = await reader.resolve(dict.get(key));
    return value instanceof PdfName ? value.value : null;
  };
  const range = await reader.resolve(dict.get('ByteRange'));
  let byteRange: number[] | null = null;
  if (Array.isArray(range)) {
    const numbers = await Promise.all(range.map(async (x) => numberValue(await reader.resolve(x))));
    if (numbers.every((x): x is number => x !== undefined)) byteRange = numbers;
  }
  return { ref, type: await nameOf('Type'), filter: await nameOf('Filter'), subFilter: await nameOf('SubFilter'), byteRange };
}
