// The PDF object model (ISO 32000-2, 7.3). Integers are plain JS numbers and reals are PdfReal, so
// a writer can serialize each as it was; names and dictionary keys are "binary strings" (one char
// per byte, #xx escapes decoded) so that any byte sequence round-trips.

export class PdfReal {
  constructor(readonly value: number) {}
  toString(): string {
    return String(this.value);
  }
}

export class PdfName {
  /** The name's bytes as a binary string (one char per byte), without the leading slash. */
  constructor(readonly value: string) {}
  toString(): string {
    return `/${this.value}`;
  }
}

export class PdfString {
  constructor(
    readonly bytes: Uint8Array,
    /** Written as <hex> rather than (literal). */
    readonly hex: boolean = false,
    /** Still encrypted: the file is encrypted and the reader does not have the password. */
    readonly encrypted: boolean = false,
  ) {}

  /** The string as a text string (PDFDocEncoding, UTF-16BE or UTF-8 with a byte order mark). */
  text(): string {
    return decodeTextString(this.bytes);
  }

  /** Each byte as one char (for ASCII content such as dates or /Filter values). */
  latin1(): string {
    return latin1(this.bytes);
  }
}

export class PdfRef {
  constructor(
    readonly num: number,
    readonly gen: number,
  ) {}
  get key(): string {
    return refKey(this.num, this.gen);
  }
  equals(other: PdfRef): boolean {
    return other.num === this.num && other.gen === this.gen;
  }
  toString(): string {
    return `${this.num} ${this.gen} R`;
  }
}

export class PdfDict {
  readonly entries: Map<string, PdfObject>;

  constructor(entries?: Iterable<readonly [string, PdfObject]>) {
    this.entries = new Map(entries);
  }

  get(key: string): PdfObject | undefined {
    return this.entries.get(key);
  }
  has(key: string): boolean {
    return this.entries.has(key);
  }
  set(key: string, value: PdfObject): this {
    this.entries.set(key, value);
    return this;
  }
  delete(key: string): boolean {
    return this.entries.delete(key);
  }
  keys(): IterableIterator<string> {
    return this.entries.keys();
  }
  get size(): number {
    return this.entries.size;
  }

  /** The value of a direct name entry (`/Type /Catalog` -> "Catalog"), else undefined. */
  getName(key: string): string | undefined {
    const value = this.entries.get(key);
    return value instanceof PdfName ? value.value : undefined;
  }
  /** The value of a direct integer entry, else undefined. */
  getInt(key: string): number | undefined {
    const value = this.entries.get(key);
    return typeof value === 'number' ? value : undefined;
  }
}

/**
 * A stream: its dictionary and where its raw (still encoded, maybe encrypted) data lies in the
 * file. The data is read only when asked for (PdfReader.streamData). Streams built in memory carry
 * their bytes instead.
 */
export class PdfStream {
  constructor(
    readonly dict: PdfDict,
    /** Offset of the first data byte in the source (-1 for an in-memory stream). */
    readonly dataOffset: number,
    /** Number of raw data bytes. */
    readonly dataLength: number,
    /** The indirect object holding this stream (decryption keys depend on it). */
    readonly ref: PdfRef | null = null,
    /** Raw bytes of an in-memory stream. */
    readonly bytes: Uint8Array | null = null,
  ) {}

  static fromBytes(dict: PdfDict, bytes: Uint8Array, ref: PdfRef | null = null): PdfStream {
    return new PdfStream(dict, -1, bytes.length, ref, bytes);
  }
}

export type PdfObject = null | boolean | number | PdfReal | PdfString | PdfName | PdfObject[] | PdfDict | PdfStream | PdfRef;

export function refKey(num: number, gen: number): string {
  return `${num} ${gen}`;
}

/** A number's value, integer or real; undefined for anything else. */
export function numberValue(value: PdfObject | undefined): number | undefined {
  if (typeof value === 'number') return value;
  if (value instanceof PdfReal) return value.value;
  return undefined;
}

export function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** One byte per char (the low 8 bits, as a binary string means). */
export function latin1Bytes(text: string): Uint8Array {
  const buffer = Buffer.from(text, 'latin1');
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

// PDFDocEncoding (ISO 32000-2, Annex D.3) where it differs from Latin-1; undefined bytes are -1.
const PDF_DOC_HIGH: Record<number, number> = {
  0x18: 0x02d8, 0x19: 0x02c7, 0x1a: 0x02c6, 0x1b: 0x02d9, 0x1c: 0x02dd, 0x1d: 0x02db, 0x1e: 0x02da, 0x1f: 0x02dc,
  0x7f: -1,
  0x80: 0x2022, 0x81: 0x2020, 0x82: 0x2021, 0x83: 0x2026, 0x84: 0x2014, 0x85: 0x2013, 0x86: 0x0192, 0x87: 0x2044,
  0x88: 0x2039, 0x89: 0x203a, 0x8a: 0x2212, 0x8b: 0x2030, 0x8c: 0x201e, 0x8d: 0x201c, 0x8e: 0x201d, 0x8f: 0x2018,
  0x90: 0x2019, 0x91: 0x201a, 0x92: 0x2122, 0x93: 0xfb01, 0x94: 0xfb02, 0x95: 0x0141, 0x96: 0x0152, 0x97: 0x0160,
  0x98: 0x0178, 0x99: 0x017d, 0x9a: 0x0131, 0x9b: 0x0142, 0x9c: 0x0153, 0x9d: 0x0161, 0x9e: 0x017e, 0x9f: -1,
  0xa0: 0x20ac, 0xad: -1,
};

/** The PDFDocEncoding byte of each character it has (the inverse of the table above). */
let pdfDocBytes: Map<number, number> | null = null;

/** `text` in PDFDocEncoding (Annex D.3), or null when a character is not in it. */
export function encodePdfDoc(text: string): Uint8Array | null {
  if (!pdfDocBytes) {
    pdfDocBytes = new Map();
    for (let byte = 0; byte < 256; byte++) {
      const mapped = PDF_DOC_HIGH[byte];
      const code = mapped === undefined ? byte : mapped;
      if (code >= 0) pdfDocBytes.set(code, byte);
    }
  }
  const out: number[] = [];
  for (const char of text) {
    const byte = pdfDocBytes.get(char.codePointAt(0) ?? -1);
    if (byte === undefined) return null;
    out.push(byte);
  }
  return Uint8Array.from(out);
}

/**
 * Decodes a PDF text string: UTF-16BE with a FE FF byte order mark, UTF-8 with EF BB BF (PDF 2.0),
 * otherwise PDFDocEncoding. UTF-16LE with FF FE is not standard but common enough to accept.
 */
export function decodeTextString(bytes: Uint8Array): string {
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return new TextDecoder('utf-8').decode(bytes.subarray(3));
  let out = '';
  for (const byte of bytes) {
    const mapped = PDF_DOC_HIGH[byte];
    out += mapped === undefined ? String.fromCharCode(byte) : mapped < 0 ? '\ufffd' : String.fromCharCode(mapped);
  }
  return out;
}

/** A PDF date string (D:YYYYMMDDHHmmSSOHH'mm', ISO 32000-1 §7.9.4) as ISO 8601, or null. */
export function readPdfDate(value: PdfObject | undefined): string | null {
  if (!(value instanceof PdfString)) return null;
  const text = decodeTextString(value.bytes);
  const m = /^(?:D:)?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?([Zz+-])?(\d{2})?'?(\d{2})?'?/.exec(text.trim());
  if (!m) return null;
  const [, y, mo = '01', d = '01', h = '00', mi = '00', s = '00', sign, oh = '00', om = '00'] = m;
  const offset = sign === '+' || sign === '-' ? `${sign}${oh}:${om}` : 'Z';
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}${offset}`);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}
