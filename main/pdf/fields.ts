// Interactive form fields (ISO 32000-2, 12.7): walks /Root /AcroForm /Fields through /Kids,
// inheriting /FT: every node of the tree with its widgets (readFieldTree, what the modification
// analysis needs), and the terminal fields with their fully qualified names (terminalFields): the
// one walk of the field tree. Signature fields (/FT /Sig) also report what their /V signature
// dictionary says.
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

/** One node of the field tree: a field dictionary, terminal or not. */
export interface FieldNode {
  /** The field dictionary's reference (null for a direct dictionary). */
  readonly ref: PdfRef | null;
  readonly dict: PdfDict;
  /** The parent field, null for an entry of /AcroForm /Fields. */
  readonly parent: FieldNode | null;
  /** Partial names (/T) joined with "."; null when a /T is encrypted and the password is unknown; '' for a top node without /T. */
  readonly name: string | null;
  /** /FT, inherited from ancestors: "Sig", "Tx", "Btn", "Ch", or null. */
  readonly type: string | null;
  /** No kid has a /T: a terminal field (12.7.4), what readFields reports. */
  readonly terminal: boolean;
  /** Kids without /T: this field's widget annotations, in /Kids order (kids that are not dictionaries are left out). */
  readonly widgets: readonly { readonly ref: PdfRef | null; readonly dict: PdfDict }[];
  /** A terminal field's own /V is present and not null (false for a non-terminal node: /V is not read). */
  readonly hasValue: boolean;
  /** For a terminal /Sig field whose own /V is a dictionary: that signature dictionary. */
  readonly signature: SignatureValue | null;
}

const MAX_DEPTH = 32;
const MAX_FIELDS = 100_000;

/** The terminal fields of a field tree, with their full names (what PdfReader.fields() returns). */
export function terminalFields(nodes: readonly FieldNode[]): FieldInfo[] {
  return nodes.filter((node) => node.terminal).map(({ name, type, hasValue, ref, signature }) => ({ name, type, hasValue, ref, signature }));
}

/**
 * Every node of the field tree, parents before their kids, in /Fields and /Kids order. A field
 * dictionary listed twice is reported once (with a warning); the walk stops at 32 levels and at
 * 100,000 terminal fields.
 */
export async function readFieldTree(reader: FieldReader): Promise<FieldNode[]> {
  const catalog = await reader.catalog();
  const acroForm = await reader.resolve(catalog.get('AcroForm'));
  if (!(acroForm instanceof PdfDict)) return [];
  const fields = await reader.resolve(acroForm.get('Fields'));
  if (!Array.isArray(fields)) return [];
  const out: FieldNode[] = [];
  const walk = { reader, seen: new Set<string>(), terminals: 0, out };
  await visit(walk, fields, null, '', null, 0);
  return out;
}

interface Walk {
  readonly reader: FieldReader;
  readonly seen: Set<string>;
  terminals: number;
  readonly out: FieldNode[];
}

async function visit(walk: Walk, items: readonly PdfObject[], parent: FieldNode | null, parentName: string | null, parentType: string | null, depth: number): Promise<void> {
  const { reader, seen } = walk;
  if (depth > MAX_DEPTH) {
    reader.warnings.push(`${reader.name}: form fields nested more than ${MAX_DEPTH} deep were ignored`);
    return;
  }
  for (const item of items) {
    if (walk.terminals >= MAX_FIELDS) return;
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
    const widgets: { ref: PdfRef | null; dict: PdfDict }[] = [];
    if (Array.isArray(kids)) {
      for (const kid of kids) {
        const kidDict = await reader.resolve(kid);
        if (!(kidDict instanceof PdfDict)) continue;
        if (kidDict.has('T')) childFields.push(kid);
        else widgets.push({ ref: kid instanceof PdfRef ? kid : null, dict: kidDict });
      }
    }
    if (childFields.length > 0) {
      const node: FieldNode = { ref, dict, parent, name, type, terminal: false, widgets, hasValue: false, signature: null };
      walk.out.push(node);
      await visit(walk, childFields, node, name, type, depth + 1);
      continue;
    }
    const value = dict.get('V');
    const resolvedValue = await reader.resolve(value);
    const signature = type === 'Sig' && resolvedValue instanceof PdfDict ? await signatureValue(reader, resolvedValue, value instanceof PdfRef ? value : null) : null;
    walk.out.push({ ref, dict, parent, name, type, terminal: true, widgets, hasValue: resolvedValue !== null, signature });
    walk.terminals++;
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
