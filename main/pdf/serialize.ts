// Writes PDF objects as bytes (ISO 32000-2, 7.3). Deterministic and minimal: what the incremental
// writer and the appearance builder emit. Integers stay integers; reals are written without an
// exponent, at most 6 decimals; names escape every byte outside the regular printable range.
import { PdfDict, PdfName, PdfReal, PdfRef, PdfStream, PdfString, latin1Bytes } from './objects';
import type { PdfObject } from './objects';

const DELIMITERS = new Set('()<>[]{}/%#'.split('').map((c) => c.charCodeAt(0)));

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`cannot write ${value} in a PDF`);
  if (Number.isInteger(value)) return String(value);
  let text = value.toFixed(6).replace(/0+$/, '').replace(/\.$/, '');
  if (text === '-0') text = '0';
  return text;
}

export function formatName(name: string): string {
  let out = '/';
  for (let i = 0; i < name.length; i += 1) {
    const code = name.charCodeAt(i) & 0xff;
    if (code < 0x21 || code > 0x7e || DELIMITERS.has(code)) out += `#${code.toString(16).padStart(2, '0').toUpperCase()}`;
    else out += name[i];
  }
  return out;
}

function hex(bytes: Uint8Array): string {
  return `<${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex').toUpperCase()}>`;
}

function literal(bytes: Uint8Array): string {
  let out = '(';
  for (const b of bytes) {
    if (b === 0x28 || b === 0x29 || b === 0x5c) out += `\\${String.fromCharCode(b)}`;
    else if (b === 0x0a) out += '\\n';
    else if (b === 0x0d) out += '\\r';
    else if (b < 0x20 || b > 0x7e) out += `\\${b.toString(8).padStart(3, '0')}`;
    else out += String.fromCharCode(b);
  }
  return `${out})`;
}

/** An object as text (one char per byte). Streams are written by serializeIndirect only. */
export function formatObject(obj: PdfObject): string {
  if (obj === null) return 'null';
  if (typeof obj === 'boolean') return obj ? 'true' : 'false';
  if (typeof obj === 'number') return formatNumber(obj);
  if (obj instanceof PdfReal) return formatNumber(obj.value);
  if (obj instanceof PdfName) return formatName(obj.value);
  if (obj instanceof PdfString) return obj.hex ? hex(obj.bytes) : literal(obj.bytes);
  if (obj instanceof PdfRef) return `${obj.num} ${obj.gen} R`;
  if (Array.isArray(obj)) return `[${obj.map(formatObject).join(' ')}]`;
  if (obj instanceof PdfDict) {
    let out = '<<';
    for (const [key, value] of obj.entries) out += `${formatName(key)} ${formatObject(value)}`;
    return `${out}>>`;
  }
  if (obj instanceof PdfStream) throw new TypeError('a stream can only be written as an indirect object');
  throw new TypeError('not a PDF object');
}

export function serializeObject(obj: PdfObject): Uint8Array {
  return latin1Bytes(formatObject(obj));
}

/**
 * "num gen obj ... endobj\n". A stream must be in memory (PdfStream.fromBytes); its /Length is set
 * from its bytes.
 */
export function serializeIndirect(ref: PdfRef, obj: PdfObject): Uint8Array {
  if (obj instanceof PdfStream) {
    if (!obj.bytes) throw new TypeError(`stream ${ref.num} ${ref.gen} has no bytes in memory`);
    const dict = new PdfDict(obj.dict.entries);
    dict.set('Length', obj.bytes.length);
    const head = latin1Bytes(`${ref.num} ${ref.gen} obj\n${formatObject(dict)}\nstream\n`);
    const tail = latin1Bytes('\nendstream\nendobj\n');
    const out = new Uint8Array(head.length + obj.bytes.length + tail.length);
    out.set(head, 0);
    out.set(obj.bytes, head.length);
    out.set(tail, head.length + obj.bytes.length);
    return out;
  }
  return latin1Bytes(`${ref.num} ${ref.gen} obj\n${formatObject(obj)}\nendobj\n`);
}

/** Helpers to build objects tersely: pdfDict({ Type: name('Sig') }). */
export const name = (value: string): PdfName => new PdfName(value);
export const real = (value: number): PdfReal => new PdfReal(value);
/** A number as written: integers stay integers, anything else is a real. */
export const numberObject = (value: number): number | PdfReal => (Number.isInteger(value) ? value : real(value));
export const textString = (text: string): PdfString => {
  // PDFDocEncoding covers ASCII safely; anything else goes as UTF-16BE with a byte order mark.
  if (/^[\x20-\x7e]*$/.test(text)) return new PdfString(latin1Bytes(text));
  const bytes = new Uint8Array(2 + text.length * 2);
  bytes[0] = 0xfe;
  bytes[1] = 0xff;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    bytes[2 + i * 2] = code >> 8;
    bytes[3 + i * 2] = code & 0xff;
  }
  return new PdfString(bytes);
};
export const byteString = (bytes: Uint8Array, asHex = false): PdfString => new PdfString(bytes, asHex);
export function pdfDict(entries: Record<string, PdfObject | undefined>): PdfDict {
  const dict = new PdfDict();
  for (const [key, value] of Object.entries(entries)) if (value !== undefined) dict.set(key, value);
  return dict;
}

/** PDF date string: D:YYYYMMDDHHmmSS+HH'mm' (here always UTC: Z). */
export function pdfDate(date: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `D:${p(date.getUTCFullYear(), 4)}${p(date.getUTCMonth() + 1)}${p(date.getUTCDate())}${p(date.getUTCHours())}${p(date.getUTCMinutes())}${p(date.getUTCSeconds())}Z`;
}
