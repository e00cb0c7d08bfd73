// Byte helpers the rest of main/cms shares. pkijs and asn1js give the structures; signatures are
// verified with node:crypto (algorithms.ts), so no pkijs crypto engine is needed here (pkijs picks
// Node's global WebCrypto by itself for code that wants one).
import * as asn1js from 'asn1js';

/** The DER encoding of an asn1js value or pkijs schema, as a Uint8Array. */
export function der(value: { toBER(sizeOnly?: boolean): ArrayBuffer }): Uint8Array {
  return new Uint8Array(value.toBER(false));
}

/** DER length octets (X.690 8.1.3.3-8.1.3.5: short form below 128, else the fewest octets). */
function derLength(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  const octets: number[] = [];
  for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest % 256);
  return Uint8Array.of(0x80 | octets.length, ...octets);
}

/**
 * One DER element of `tag` (a one-octet identifier: universal, context or application class,
 * number below 31) holding `content`, the already encoded elements or octets, in order.
 */
export function derElement(tag: number, ...content: readonly Uint8Array[]): Uint8Array {
  const size = content.reduce((sum, part) => sum + part.length, 0);
  const length = derLength(size);
  const out = new Uint8Array(1 + length.length + size);
  out[0] = tag;
  out.set(length, 1);
  let at = 1 + length.length;
  for (const part of content) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * The elements inside one DER element of definite length (views of `element`), or null when
 * `element` is not exactly one such element whose content is a sequence of them.
 */
export function derChildren(element: Uint8Array): Uint8Array[] | null {
  const outer = derHeader(element, 0);
  if (outer === null || outer.end !== element.length) return null;
  const out: Uint8Array[] = [];
  for (let at = outer.content; at < outer.end; ) {
    const child = derHeader(element, at);
    if (child === null || child.end > outer.end) return null;
    out.push(element.subarray(at, child.end));
    at = child.end;
  }
  return out;
}

/** The tag's, the length's and the content's extent of the element at `at`, or null (no indefinite length, one-octet tags). */
function derHeader(bytes: Uint8Array, at: number): { content: number; end: number } | null {
  if (at + 2 > bytes.length || ((bytes[at] ?? 0) & 0x1f) === 0x1f) return null;
  const first = bytes[at + 1] ?? 0;
  let length = first;
  let content = at + 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4 || content + count > bytes.length) return null;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (bytes[content + i] ?? 0);
    content += count;
  }
  const end = content + length;
  return end > bytes.length ? null : { content, end };
}

/** Parses exactly one BER/DER element spanning all of `bytes`, or returns null. */
export function parseAsn1(bytes: Uint8Array): asn1js.AsnType | null {
  if (bytes.length === 0) return null;
  const parsed = asn1js.fromBER(bytes);
  if (parsed.offset === -1 || parsed.offset !== bytes.length || parsed.result.error) return null;
  return parsed.result;
}

/** The bytes as a view of a plain ArrayBuffer (what WebCrypto-typed APIs such as pkijs' fromBER take). */
export function arrayBufferView(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), Buffer.from(b.buffer, b.byteOffset, b.length)) === 0;
}

function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex').toUpperCase();
}

/** A copy of the bytes of a view (a fresh Uint8Array that owns its buffer). */
export function copyBytes(view: Uint8Array | ArrayBuffer): Uint8Array {
  return view instanceof Uint8Array ? new Uint8Array(view) : new Uint8Array(view.slice(0));
}

/** Upper-case hex of a positive INTEGER without leading zero octets (how serials are compared). */
export function integerHex(value: asn1js.Integer): string {
  const hex = toHex(value.valueBlock.valueHexView).replace(/^(00)+(?=.)/, '');
  return hex === '' ? '00' : hex;
}

/** Normalizes a serial number written in hex (any case, optional separators and leading zeros). */
export function normalizeSerial(serial: string): string {
  const hex = serial.replace(/[^0-9a-f]/gi, '').toUpperCase().replace(/^0+/, '');
  if (hex === '') return '00';
  return hex.length % 2 === 1 ? `0${hex}` : hex;
}

/** The text with its first letter upper-case: a sentence that starts with a label ("the OCSP responder at ..."). */
export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export interface ServerParams {
  [key: string]: string;
  named: 'yes' | 'no';
  url: string;
}

/**
 * How messages name a server, from the label callers give ("the timestamp server at https://…",
 * remote/http.ts serverLabel): by its URL when there is one (`named: 'yes'`), else by its kind
 * alone ("the timestamp server"). The catalog's messages select on `named` and say the kind in
 * each language.
 */
export function serverParams(label: string | undefined): ServerParams {
  // The kinds ("the timestamp server", "the OCSP responder"...) hold no " at "; a URL may.
  const at = label ? label.indexOf(' at ') : -1;
  const url = label && at >= 0 ? label.slice(at + 4) : '';
  return url ? { named: 'yes', url } : { named: 'no', url: '' };
}

/** "2024-05-01 12:34 UTC": dates in messages. */
export function formatDate(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** DER bytes, or the first PEM block of `label` (e.g. 'CERTIFICATE', 'X509 CRL') decoded. */
export function pemOrDer(bytes: Uint8Array, label: string): Uint8Array {
  return pemBlocks(bytes, label)[0] ?? bytes;
}

/** Every PEM block of `label`, decoded (empty when the bytes are not PEM). */
export function pemBlocks(bytes: Uint8Array, label: string): Uint8Array[] {
  const text = pemText(bytes);
  if (text === null) return [];
  const re = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`, 'g');
  return [...text.matchAll(re)].map((m) => new Uint8Array(Buffer.from((m[1] ?? '').replace(/\s+/g, ''), 'base64')));
}

function pemText(bytes: Uint8Array): string | null {
  // DER starts with a SEQUENCE tag (0x30); PEM with text, maybe after a BOM or explanatory lines.
  if (bytes.length === 0 || bytes[0] === 0x30) return null;
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 64 * 1024 * 1024)).toString('latin1');
  return text.includes('-----BEGIN ') ? text : null;
}
