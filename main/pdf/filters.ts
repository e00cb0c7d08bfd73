// Stream filters (ISO 32000-2, 7.4) the reader needs for structure: FlateDecode with PNG and TIFF
// predictors (xref and object streams), ASCIIHexDecode, ASCII85Decode, RunLengthDecode. Image
// codecs (DCT, JPX, JBIG2, CCITT) and LZW are not needed to read a document's structure: asking for
// them throws PdfError 'unsupported'.
import { constants, inflateRawSync, inflateSync } from 'node:zlib';
import { PdfError } from './errors';
import { numberValue } from './objects';
import type { PdfDict } from './objects';

export interface FilterStep {
  /** Filter name without the slash: "FlateDecode", or an inline-image abbreviation ("Fl"). */
  readonly name: string;
  /** /DecodeParms of this step (already resolved), or null. */
  readonly params: PdfDict | null;
}

const ALIASES: Record<string, string> = { AHx: 'ASCIIHexDecode', A85: 'ASCII85Decode', Fl: 'FlateDecode', RL: 'RunLengthDecode', LZW: 'LZWDecode', DCT: 'DCTDecode', CCF: 'CCITTFaxDecode' };

/**
 * Applies the filters in order. `docName` names the document in error messages. A /Crypt step is
 * a no-op here: decryption happens before (PdfReader.streamData).
 */
export function decodeFilters(data: Uint8Array, steps: readonly FilterStep[], docName: string): Uint8Array {
  let out = data;
  for (const step of steps) {
    const name = ALIASES[step.name] ?? step.name;
    switch (name) {
      case 'FlateDecode':
        out = applyPredictor(inflate(out, docName), step.params, docName);
        break;
      case 'ASCIIHexDecode':
        out = asciiHexDecode(out, docName);
        break;
      case 'ASCII85Decode':
        out = ascii85Decode(out, docName);
        break;
      case 'RunLengthDecode':
        out = runLengthDecode(out);
        break;
      case 'Crypt':
        break;
      default:
        throw new PdfError('unsupported', `${docName} uses the ${name} filter, which Paraphe cannot decode`);
    }
  }
  return out;
}

/** zlib inflate that tolerates a truncated stream or a wrong/missing Adler-32, as PDF writers produce. */
export function inflate(data: Uint8Array, docName = 'the document'): Uint8Array {
  const options = { finishFlush: constants.Z_SYNC_FLUSH };
  try {
    return new Uint8Array(inflateSync(data, options));
  } catch (first) {
    // A bad header or checksum: inflate the raw deflate data after the 2-byte zlib header.
    try {
      if (data.length < 2) throw first;
      return new Uint8Array(inflateRawSync(data.subarray(2), options));
    } catch {
      throw new PdfError('malformed', `${docName} has a FlateDecode stream that cannot be inflated (${(first as Error).message})`);
    }
  }
}

function param(params: PdfDict | null, key: string, fallback: number): number {
  const value = numberValue(params?.get(key));
  return value === undefined ? fallback : Math.trunc(value);
}

/** PNG (10-15) and TIFF (2) predictors of FlateDecode/LZWDecode (7.4.4.4). */
export function applyPredictor(data: Uint8Array, params: PdfDict | null, docName = 'the document'): Uint8Array {
  const predictor = param(params, 'Predictor', 1);
  if (predictor <= 1) return data;
  const colors = param(params, 'Colors', 1);
  const bpc = param(params, 'BitsPerComponent', 8);
  const columns = param(params, 'Columns', 1);
  if (colors < 1 || columns < 1 || ![1, 2, 4, 8, 16].includes(bpc)) {
    throw new PdfError('malformed', `${docName} has a stream with invalid predictor parameters (/Colors ${colors} /BitsPerComponent ${bpc} /Columns ${columns})`);
  }
  const bpp = Math.max(1, Math.ceil((colors * bpc) / 8));
  const rowLength = Math.ceil((colors * bpc * columns) / 8);
  if (predictor === 2) return tiffPredictor(data, rowLength, colors, bpc, docName);
  if (predictor < 10 || predictor > 15) throw new PdfError('unsupported', `${docName} uses predictor ${predictor}, which Paraphe cannot decode`);

  const rows = Math.ceil(data.length / (rowLength + 1));
  const out = new Uint8Array(rows * rowLength);
  let prior = new Uint8Array(rowLength);
  let written = 0;
  for (let r = 0; r < rows; r++) {
    const start = r * (rowLength + 1);
    const type = data[start] ?? 0;
    const row = out.subarray(r * rowLength, (r + 1) * rowLength);
    const available = Math.min(rowLength, data.length - start - 1);
    for (let i = 0; i < available; i++) {
      const raw = data[start + 1 + i] as number;
      const left = i >= bpp ? (row[i - bpp] as number) : 0;
      const up = prior[i] as number;
      const upLeft = i >= bpp ? (prior[i - bpp] as number) : 0;
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
          throw new PdfError('malformed', `${docName} has a stream with an invalid PNG predictor row type ${type}`);
      }
      row[i] = value & 0xff;
    }
    written += Math.max(0, available);
    prior = row;
  }
  return out.subarray(0, written);
}

function tiffPredictor(data: Uint8Array, rowLength: number, colors: number, bpc: number, docName: string): Uint8Array {
  if (bpc !== 8 && bpc !== 16) throw new PdfError('unsupported', `${docName} uses the TIFF predictor with ${bpc} bits per component, which Paraphe cannot decode`);
  const out = new Uint8Array(data);
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

function asciiHexDecode(data: Uint8Array, docName: string): Uint8Array {
  const out: number[] = [];
  let high = -1;
  for (const c of data) {
    if (c === 0x3e) break;
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x0c || c === 0x00) continue;
    const v = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x41 && c <= 0x46 ? c - 0x37 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1;
    if (v < 0) throw new PdfError('malformed', `${docName} has an ASCIIHexDecode stream with an invalid character`);
    if (high < 0) high = v;
    else {
      out.push(high * 16 + v);
      high = -1;
    }
  }
  if (high >= 0) out.push(high * 16);
  return Uint8Array.from(out);
}

function ascii85Decode(data: Uint8Array, docName: string): Uint8Array {
  const out: number[] = [];
  const group: number[] = [];
  let i = 0;
  if (data[0] === 0x3c && data[1] === 0x7e) i = 2; // an optional <~
  const flush = (count: number) => {
    let value = 0;
    for (let k = 0; k < 5; k++) value = value * 85 + (k < count ? (group[k] as number) : 84);
    const bytes = [(value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
    out.push(...bytes.slice(0, count - 1));
    group.length = 0;
  };
  for (; i < data.length; i++) {
    const c = data[i] as number;
    if (c === 0x7e) break; // ~>
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x0c || c === 0x00) continue;
    if (c === 0x7a && group.length === 0) {
      out.push(0, 0, 0, 0);
      continue;
    }
    if (c < 0x21 || c > 0x75) throw new PdfError('malformed', `${docName} has an ASCII85Decode stream with an invalid character`);
    group.push(c - 0x21);
    if (group.length === 5) flush(5);
  }
  if (group.length === 1) throw new PdfError('malformed', `${docName} has an ASCII85Decode stream with a truncated final group`);
  if (group.length > 1) flush(group.length);
  return Uint8Array.from(out);
}

function runLengthDecode(data: Uint8Array): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (i < data.length) {
    const length = data[i++] as number;
    if (length === 128) break;
    if (length < 128) {
      for (let k = 0; k <= length && i < data.length; k++) out.push(data[i++] as number);
    } else {
      const value = data[i++];
      if (value === undefined) break;
      for (let k = 0; k < 257 - length; k++) out.push(value);
    }
  }
  return Uint8Array.from(out);
}
