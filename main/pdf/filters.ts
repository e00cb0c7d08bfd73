// Stream filters (ISO 32000-2, 7.4) the reader needs for structure: FlateDecode with PNG and TIFF
// predictors (xref and object streams), ASCIIHexDecode, ASCII85Decode, RunLengthDecode. Image
// codecs (DCT, JPX, JBIG2, CCITT) and LZW are not needed to read a document's structure: asking for
// them throws PdfError 'unsupported'.
//
// Every step decodes into bounded memory: a hostile file of a few kilobytes can ask for gigabytes
// (a Flate "bomb" inflates 1000:1, RunLength 128:1 on top of it), so each step gets an allowance
// from the document's DecodeBudget and is refused ('decode-limit') as soon as it would go past it,
// before the memory is taken.
import { constants, inflate as inflateCallback, inflateRaw as inflateRawCallback, inflateRawSync, inflateSync } from 'node:zlib';
import type { ZlibOptions } from 'node:zlib';
import { PdfError } from './errors';
import { excerpt } from './lexer';
import { msg } from '../errors';
import { numberValue } from './objects';
import type { PdfDict } from './objects';

export interface FilterStep {
  /** Filter name without the slash: "FlateDecode", or an inline-image abbreviation ("Fl"). */
  readonly name: string;
  /** /DecodeParms of this step (already resolved), or null. */
  readonly params: PdfDict | null;
}

const ALIASES: Record<string, string> = { AHx: 'ASCIIHexDecode', A85: 'ASCII85Decode', Fl: 'FlateDecode', RL: 'RunLengthDecode', LZW: 'LZWDecode', DCT: 'DCTDecode', CCF: 'CCITTFaxDecode' };

const MiB = 1024 * 1024;

export interface DecodeLimits {
  /** The most bytes one filter step of one stream may produce. */
  readonly stream: number;
  /** The most bytes all the decoding of one document may produce, added up while it is open. */
  readonly document: number;
}

/**
 * What the reader decodes is structure, never page content or images: xref streams (7 to 11 bytes
 * an object, so 64 MiB is 6 to 9 million objects, and an xref stream gets what its /Index needs
 * anyway), object streams (rarely more than a few hundred kilobytes) and DSS certificates, OCSP
 * responses and CRLs. A 200 MB file with large images needs a few megabytes of this.
 */
export const DEFAULT_DECODE_LIMITS: DecodeLimits = { stream: 64 * MiB, document: 1024 * MiB };

/** A limit as messages say it: whole MiB, else bytes. */
function size(bytes: number): { amount: number; unit: 'mib' | 'bytes' } {
  return bytes >= MiB && bytes % MiB === 0 ? { amount: bytes / MiB, unit: 'mib' } : { amount: bytes, unit: 'bytes' };
}

/**
 * The decoded bytes one document may still produce. One budget is shared by everything read from
 * the document (xref streams while opening, object streams, streamData), so many streams each under
 * the per-stream limit cannot add up to gigabytes either.
 */
export class DecodeBudget {
  private used = 0;

  constructor(
    readonly docName: string,
    readonly limits: DecodeLimits = DEFAULT_DECODE_LIMITS,
  ) {}

  /** Bytes decoded so far. */
  get decoded(): number {
    return this.used;
  }

  /** The most bytes the next step may produce (`streamLimit` overrides the per-stream limit, e.g. for an xref stream of known size). */
  allowance(streamLimit = this.limits.stream): Allowance {
    const left = Math.max(0, this.limits.document - this.used);
    const bytes = Math.min(streamLimit, left);
    const docName = this.docName;
    const byDocument = left < streamLimit;
    return {
      bytes,
      refuse: () =>
        byDocument
          ? new PdfError('decode-limit', msg('error.pdf.decode-limit-document', { name: docName, ...size(this.limits.document) }))
          : new PdfError('decode-limit', msg('error.pdf.decode-limit-stream', { name: docName, ...size(streamLimit) })),
    };
  }

  /** Counts `bytes` produced. */
  charge(bytes: number): void {
    this.used += bytes;
  }
}

export interface Allowance {
  readonly bytes: number;
  /** The error to throw when a step would produce more than `bytes`. */
  refuse(): PdfError;
}

/**
 * Applies the filters in order, synchronously (tests and small in-memory data; the reader uses
 * decodeFiltersAsync). `docName` names the document in error messages. A /Crypt step is a no-op
 * here: decryption happens before (PdfReader.streamData). Without a budget, the default limits apply.
 */
export function decodeFilters(data: Uint8Array, steps: readonly FilterStep[], docName: string, budget = new DecodeBudget(docName), streamLimit?: number): Uint8Array {
  let out = data;
  for (const step of steps) {
    const allowance = budget.allowance(streamLimit);
    const decoded = decodeStep(out, step, docName, allowance, (input) => inflateWithin(input, allowance, docName));
    if (decoded !== out) budget.charge(decoded.length);
    out = decoded;
  }
  return out;
}

/**
 * decodeFilters for the reader: Flate data is inflated off the main thread (zlib's thread pool),
 * so a large stream does not freeze the app while it decodes, and within the same budget.
 */
export async function decodeFiltersAsync(data: Uint8Array, steps: readonly FilterStep[], budget: DecodeBudget, streamLimit?: number): Promise<Uint8Array> {
  const docName = budget.docName;
  let out = data;
  for (const step of steps) {
    const allowance = budget.allowance(streamLimit);
    let decoded: Uint8Array;
    if ((ALIASES[step.name] ?? step.name) === 'FlateDecode' && out.length > SYNC_INFLATE_INPUT) {
      decoded = applyPredictor(await inflateAsync(out, allowance, docName), step.params, docName);
    } else {
      decoded = decodeStep(out, step, docName, allowance, (input) => inflateWithin(input, allowance, docName));
    }
    if (decoded !== out) budget.charge(decoded.length);
    out = decoded;
  }
  return out;
}

/** Below this many compressed bytes, inflating on the main thread costs less than a trip to the thread pool. */
const SYNC_INFLATE_INPUT = 16 * 1024;

function decodeStep(data: Uint8Array, step: FilterStep, docName: string, allowance: Allowance, inflateStep: (input: Uint8Array) => Uint8Array): Uint8Array {
  const name = ALIASES[step.name] ?? step.name;
  switch (name) {
    case 'FlateDecode':
      return applyPredictor(inflateStep(data), step.params, docName);
    case 'ASCIIHexDecode':
      return asciiHexDecode(data, docName, allowance);
    case 'ASCII85Decode':
      return ascii85Decode(data, docName, allowance);
    case 'RunLengthDecode':
      return runLengthDecode(data, allowance);
    case 'Crypt':
      return data;
    default:
      // The name is the file's: quoted in part, its control characters escaped (lexer.ts excerpt).
      throw new PdfError('unsupported', msg('error.pdf.unsupported-filter', { name: docName, filter: excerpt(name, '', '') }));
  }
}

// zlib inflate that tolerates a truncated stream or a wrong/missing Adler-32, as PDF writers produce.
const ZLIB_OPTIONS = { finishFlush: constants.Z_SYNC_FLUSH };

function tooLarge(error: unknown): boolean {
  return (error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE';
}

function inflateFailed(docName: string, error: unknown): PdfError {
  return new PdfError('malformed', msg('error.pdf.inflate-failed', { name: docName, detail: (error as Error).message }));
}

function inflateWithin(data: Uint8Array, allowance: Allowance, docName: string): Uint8Array {
  if (allowance.bytes <= 0) throw allowance.refuse();
  const options: ZlibOptions = { ...ZLIB_OPTIONS, maxOutputLength: allowance.bytes };
  try {
    return bufferBytes(inflateSync(data, options));
  } catch (first) {
    if (tooLarge(first)) throw allowance.refuse();
    // A bad header or checksum: inflate the raw deflate data after the 2-byte zlib header.
    if (data.length < 2) throw inflateFailed(docName, first);
    try {
      return bufferBytes(inflateRawSync(data.subarray(2), options));
    } catch (second) {
      if (tooLarge(second)) throw allowance.refuse();
      throw inflateFailed(docName, first);
    }
  }
}

function inflateCall(fn: typeof inflateCallback, data: Uint8Array, options: ZlibOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => fn(data, options, (error, result) => (error ? reject(error) : resolve(result))));
}

async function inflateAsync(data: Uint8Array, allowance: Allowance, docName: string): Promise<Uint8Array> {
  if (allowance.bytes <= 0) throw allowance.refuse();
  const options: ZlibOptions = { ...ZLIB_OPTIONS, maxOutputLength: allowance.bytes };
  try {
    return bufferBytes(await inflateCall(inflateCallback, data, options));
  } catch (first) {
    if (tooLarge(first)) throw allowance.refuse();
    if (data.length < 2) throw inflateFailed(docName, first);
    try {
      return bufferBytes(await inflateCall(inflateRawCallback, data.subarray(2), options));
    } catch (second) {
      if (tooLarge(second)) throw allowance.refuse();
      throw inflateFailed(docName, first);
    }
  }
}

/** A view of the Buffer's bytes (no copy): the caller owns them, and predictors work in place. */
function bufferBytes(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** zlib inflate with the default limits (tests, small in-memory data). */
export function inflate(data: Uint8Array, docName = 'the document'): Uint8Array {
  return inflateWithin(data, new DecodeBudget(docName).allowance(), docName);
}

function param(params: PdfDict | null, key: string, fallback: number): number {
  const value = numberValue(params?.get(key));
  return value === undefined ? fallback : Math.trunc(value);
}

// Beyond these the parameters describe no real data (an image 16 million samples wide with 32
// components already is absurd); refusing them keeps the row arithmetic exact.
const MAX_COLORS = 32;
const MAX_COLUMNS = 1 << 24;

/**
 * PNG (10-15) and TIFF (2) predictors of FlateDecode/LZWDecode (7.4.4.4). Works in place: `data`
 * (which the caller owns, fresh from inflate) is overwritten and a view of it is returned, so a
 * large stream is not copied again.
 */
export function applyPredictor(data: Uint8Array, params: PdfDict | null, docName = 'the document'): Uint8Array {
  const predictor = param(params, 'Predictor', 1);
  if (predictor <= 1) return data;
  const colors = param(params, 'Colors', 1);
  const bpc = param(params, 'BitsPerComponent', 8);
  const columns = param(params, 'Columns', 1);
  if (colors < 1 || colors > MAX_COLORS || columns < 1 || columns > MAX_COLUMNS || ![1, 2, 4, 8, 16].includes(bpc)) {
    throw new PdfError('malformed', msg('error.pdf.predictor-parameters', { name: docName, colors, bpc, columns }));
  }
  const bpp = Math.max(1, Math.ceil((colors * bpc) / 8));
  const rowLength = Math.ceil((colors * bpc * columns) / 8);
  if (predictor === 2) return tiffPredictor(data, rowLength, colors, bpc, docName);
  if (predictor < 10 || predictor > 15) throw new PdfError('unsupported', msg('error.pdf.unsupported-predictor', { name: docName, predictor }));

  // Row r is read from [r * (rowLength + 1) + 1, ...) and written to [r * rowLength, ...): each
  // byte is written at or before where it was read, after it was read, so one buffer serves both;
  // the prior row is the previous output row, already decoded.
  const rows = Math.ceil(data.length / (rowLength + 1));
  let written = 0;
  for (let r = 0; r < rows; r++) {
    const start = r * (rowLength + 1);
    const type = data[start] ?? 0;
    const at = r * rowLength;
    const priorAt = at - rowLength;
    const available = Math.min(rowLength, data.length - start - 1);
    for (let i = 0; i < available; i++) {
      const raw = data[start + 1 + i] as number;
      const left = i >= bpp ? (data[at + i - bpp] as number) : 0;
      const up = r > 0 ? (data[priorAt + i] as number) : 0;
      const upLeft = r > 0 && i >= bpp ? (data[priorAt + i - bpp] as number) : 0;
      let value: number;
      switch (type) {
        case 0: value = raw; break;
        case 1: value = raw + left; break;
        case 2: value = raw + up; break;
        case 3: value = raw + ((left + up) >> 1); break;
        case 4: {
          const p = left + up - upLeft;
          const pa = Math.abs(p - left);
          const pb = Math.abs(p - up);
          const pc = Math.abs(p - upLeft);
          value = raw + (pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft);
          break;
        }
        default:
          throw new PdfError('malformed', msg('error.pdf.png-row-type', { name: docName, type }));
      }
      data[at + i] = value & 0xff;
    }
    written += Math.max(0, available);
  }
  return data.subarray(0, written);
}

function tiffPredictor(data: Uint8Array, rowLength: number, colors: number, bpc: number, docName: string): Uint8Array {
  if (bpc !== 8 && bpc !== 16) throw new PdfError('unsupported', msg('error.pdf.tiff-bpc', { name: docName, bpc }));
  const out = data;
  for (let start = 0; start < out.length; start += rowLength) {
    const end = Math.min(out.length, start + rowLength);
    if (bpc === 8) {
      for (let i = start + colors; i < end; i++) out[i] = ((out[i] as number) + (out[i - colors] as number)) & 0xff;
    } else {
      for (let i = start + 2 * colors; i + 1 < end; i += 2) {
        const value = (((out[i] as number) << 8) | (out[i + 1] as number)) + (((out[i - 2 * colors] as number) << 8) | (out[i - 2 * colors + 1] as number));
        out[i] = (value >> 8) & 0xff;
        out[i + 1] = value & 0xff;
      }
    }
  }
  return out;
}

/**
 * Decoded bytes in a buffer that doubles as it fills, never past the allowance: going past it
 * throws the allowance's refusal before anything larger is allocated.
 */
class ByteSink {
  private buf: Uint8Array;
  length = 0;

  constructor(
    private readonly allowance: Allowance,
    expected: number,
  ) {
    this.buf = new Uint8Array(Math.max(0, Math.min(expected, allowance.bytes)));
  }

  private grow(needed: number): void {
    if (needed > this.allowance.bytes) throw this.allowance.refuse();
    const next = new Uint8Array(Math.min(this.allowance.bytes, Math.max(needed, this.buf.length * 2, 4096)));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  push(byte: number): void {
    if (this.length === this.buf.length) this.grow(this.length + 1);
    this.buf[this.length++] = byte;
  }

  fill(byte: number, count: number): void {
    if (this.length + count > this.buf.length) this.grow(this.length + count);
    this.buf.fill(byte, this.length, this.length + count);
    this.length += count;
  }

  append(bytes: Uint8Array): void {
    if (this.length + bytes.length > this.buf.length) this.grow(this.length + bytes.length);
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

function asciiHexDecode(data: Uint8Array, docName: string, allowance: Allowance): Uint8Array {
  const out = new ByteSink(allowance, Math.ceil(data.length / 2));
  let high = -1;
  for (const c of data) {
    if (c === 0x3e) break;
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x0c || c === 0x00) continue;
    const v = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x41 && c <= 0x46 ? c - 0x37 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1;
    if (v < 0) throw new PdfError('malformed', msg('error.pdf.asciihex-char', { name: docName }));
    if (high < 0) high = v;
    else {
      out.push(high * 16 + v);
      high = -1;
    }
  }
  if (high >= 0) out.push(high * 16);
  return out.bytes();
}

function ascii85Decode(data: Uint8Array, docName: string, allowance: Allowance): Uint8Array {
  const out = new ByteSink(allowance, Math.ceil((data.length * 4) / 5));
  const group = new Uint8Array(5);
  let count = 0;
  let i = 0;
  if (data[0] === 0x3c && data[1] === 0x7e) i = 2; // an optional <~
  const flush = (n: number) => {
    let value = 0;
    for (let k = 0; k < 5; k++) value = value * 85 + (k < n ? (group[k] as number) : 84);
    const bytes = [(value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
    for (let k = 0; k < n - 1; k++) out.push(bytes[k] as number);
    count = 0;
  };
  for (; i < data.length; i++) {
    const c = data[i] as number;
    if (c === 0x7e) break; // ~>
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x0c || c === 0x00) continue;
    if (c === 0x7a && count === 0) {
      out.fill(0, 4);
      continue;
    }
    if (c < 0x21 || c > 0x75) throw new PdfError('malformed', msg('error.pdf.ascii85-char', { name: docName }));
    group[count++] = c - 0x21;
    if (count === 5) flush(5);
  }
  if (count === 1) throw new PdfError('malformed', msg('error.pdf.ascii85-truncated', { name: docName }));
  if (count > 1) flush(count);
  return out.bytes();
}

function runLengthDecode(data: Uint8Array, allowance: Allowance): Uint8Array {
  const out = new ByteSink(allowance, data.length * 2);
  let i = 0;
  while (i < data.length) {
    const length = data[i++] as number;
    if (length === 128) break;
    if (length < 128) {
      const end = Math.min(data.length, i + length + 1);
      out.append(data.subarray(i, end));
      i = end;
    } else {
      const value = data[i++];
      if (value === undefined) break;
      out.fill(value, 257 - length);
    }
  }
  return out.bytes();
}
