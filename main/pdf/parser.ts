// Object parser (ISO 32000-2, 7.3 and 7.3.10) over the lexer's byte windows. It builds objects
// but never reads stream data: for `stream` it records where the data starts, and the reader
// works out the length (/Length may be an indirect object).
import { Lexer, NeedMoreData, PdfSyntaxError, excerpt } from './lexer';
import type { Token } from './lexer';
import { PdfDict, PdfName, PdfReal, PdfRef, PdfString } from './objects';
import type { PdfObject } from './objects';
import type { ByteSource } from './source';

// Arrays and dictionaries nest by recursion here, in the serializer and in every walk of an object:
// a hostile file nesting thousands deep would overflow the stack, so nesting is limited at every
// level (no real object nests more than a few levels; 200 is far beyond).
export const MAX_DEPTH = 200;

function describe(token: Token): string {
  switch (token.kind) {
    case 'eof':
      return 'the end of the data';
    case 'delim':
    case 'keyword':
      return excerpt(token.value, '"', '"');
    case 'name':
      return excerpt(token.value, '/', '');
    case 'string':
      return 'a string';
    default:
      return String(token.value);
  }
}

/** Parses one direct object (a reference `N G R` counts as one). */
export function parseObject(lx: Lexer, depth = 0): PdfObject {
  if (depth > MAX_DEPTH) throw lx.error(`objects nested more than ${MAX_DEPTH} deep`);
  const token = lx.next();
  return fromToken(lx, token, depth);
}

function fromToken(lx: Lexer, token: Token, depth: number): PdfObject {
  switch (token.kind) {
    case 'int': {
      // Look ahead for "gen R": a reference.
      const saved = lx.pos;
      const savedOffset = lx.tokenOffset;
      const gen = lx.next();
      if (gen.kind === 'int' && Number.isInteger(token.value) && token.value >= 0) {
        const r = lx.next();
        if (r.kind === 'keyword' && r.value === 'R') return new PdfRef(token.value, gen.value);
      }
      lx.pos = saved;
      lx.tokenOffset = savedOffset;
      return token.value;
    }
    case 'real':
      return new PdfReal(token.value);
    case 'name':
      return new PdfName(token.value);
    case 'string':
      return new PdfString(token.bytes, token.hex);
    case 'delim':
      if ((token.value === '[' || token.value === '<<') && depth >= MAX_DEPTH) throw lx.error(`objects nested more than ${MAX_DEPTH} deep`, lx.tokenOffset);
      if (token.value === '[') return parseArrayBody(lx, depth);
      if (token.value === '<<') return parseDictBody(lx, depth);
      throw lx.error(`unexpected ${describe(token)}`, lx.tokenOffset);
    case 'keyword':
      if (token.value === 'true') return true;
      if (token.value === 'false') return false;
      if (token.value === 'null') return null;
      throw lx.error(`unexpected ${describe(token)}`, lx.tokenOffset);
    case 'eof':
      throw lx.error('unexpected end of data');
  }
}

function parseArrayBody(lx: Lexer, depth: number): PdfObject[] {
  const items: PdfObject[] = [];
  for (;;) {
    const token = lx.next();
    if (token.kind === 'delim' && token.value === ']') return items;
    if (token.kind === 'eof') throw lx.error('unterminated array');
    items.push(fromToken(lx, token, depth + 1));
  }
}

function parseDictBody(lx: Lexer, depth: number): PdfDict {
  const dict = new PdfDict();
  for (;;) {
    const token = lx.next();
    if (token.kind === 'delim' && token.value === '>>') return dict;
    if (token.kind === 'eof') throw lx.error('unterminated dictionary');
    if (token.kind !== 'name') throw lx.error(`expected a name as dictionary key, found ${describe(token)}`, lx.tokenOffset);
    const valueToken = lx.next();
    if (valueToken.kind === 'delim' && valueToken.value === '>>') {
      // A key without a value: read as null, which is the same as an absent key (7.3.7).
      return dict;
    }
    if (valueToken.kind === 'eof') throw lx.error('unterminated dictionary');
    // A repeated key: the last one wins, as in most readers.
    dict.set(token.value, fromToken(lx, valueToken, depth + 1));
  }
}

export interface IndirectObject {
  readonly num: number;
  readonly gen: number;
  /** The object; for a stream, its dictionary. */
  readonly object: PdfObject;
  /** Absolute offset of the first byte of stream data, or null if the object is not a stream. */
  readonly streamOffset: number | null;
  /** Absolute offset just after `endobj` (after the `stream` EOL for a stream). */
  readonly end: number;
  /** `endobj` was missing. */
  readonly missingEndobj: boolean;
}

/** Reads `num gen obj` at the lexer's position; throws PdfSyntaxError if it is not there. */
export function parseObjectHeader(lx: Lexer): { num: number; gen: number } {
  const num = lx.next();
  const numOffset = lx.tokenOffset;
  const gen = lx.next();
  const obj = lx.next();
  if (num.kind !== 'int' || gen.kind !== 'int' || obj.kind !== 'keyword' || obj.value !== 'obj' || num.value < 0 || gen.value < 0) {
    throw new PdfSyntaxError('expected "N G obj"', numOffset);
  }
  return { num: num.value, gen: gen.value };
}

/** Parses `num gen obj ... endobj` (or `... stream EOL`) at the lexer's position. */
export function parseIndirectObject(lx: Lexer): IndirectObject {
  const { num, gen } = parseObjectHeader(lx);
  const object = parseObject(lx);
  const token = lx.next();
  if (token.kind === 'keyword' && token.value === 'stream') {
    if (!(object instanceof PdfDict)) throw lx.error('"stream" after an object that is not a dictionary', lx.tokenOffset);
    // The keyword is followed by CR LF or LF (7.3.8.1); accept stray spaces before it and a lone CR.
    let p = lx.pos;
    while (lx.byteAt(p) === 0x20) p++;
    const c = lx.byteAt(p);
    if (c === 0x0d || c === 0x0a) {
      lx.pos = p;
      lx.skipEol();
    }
    return { num, gen, object, streamOffset: lx.offset, end: lx.offset, missingEndobj: false };
  }
  if (token.kind === 'keyword' && token.value === 'endobj') {
    return { num, gen, object, streamOffset: null, end: lx.offset, missingEndobj: false };
  }
  return { num, gen, object, streamOffset: null, end: lx.tokenOffset, missingEndobj: true };
}

const MAX_WINDOW = 512 * 1024 * 1024;

/**
 * Runs a synchronous parse on a window of `source` starting at `offset`, growing the window while
 * the parse needs more bytes. Most objects fit the first 4 KiB.
 */
export async function parseWindowed<T>(source: ByteSource, offset: number, parse: (lx: Lexer) => T, initial = 4096): Promise<T> {
  let size = initial;
  for (;;) {
    const buf = await source.read(offset, size);
    const complete = offset + buf.length >= source.size;
    try {
      return parse(new Lexer(buf, offset, complete));
    } catch (error) {
      if (!(error instanceof NeedMoreData) || complete) throw error;
      if (size >= MAX_WINDOW) throw new PdfSyntaxError(`an object larger than ${MAX_WINDOW} bytes`, offset);
      size = Math.min(size * 4, MAX_WINDOW);
    }
  }
}

function startsWithAscii(bytes: Uint8Array, at: number, text: string): boolean {
  if (at + text.length > bytes.length) return false;
  for (let i = 0; i < text.length; i++) if (bytes[at + i] !== text.charCodeAt(i)) return false;
  return true;
}

/**
 * Absolute offset of the first occurrence of `text` at or after `from`, or -1. Reads the source
 * in 64 KiB chunks; `limit` bounds how far it looks (to the end by default).
 */
export async function searchForward(source: ByteSource, from: number, text: string, limit = source.size): Promise<number> {
  const needle = Buffer.from(text, 'latin1');
  const chunk = 64 * 1024;
  const end = Math.min(limit, source.size);
  for (let at = from; at < end; at += chunk - needle.length + 1) {
    const bytes = await source.read(at, Math.min(chunk, end - at));
    const found = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(needle);
    if (found >= 0) return at + found;
    if (at + bytes.length >= end) break;
  }
  return -1;
}

export interface StreamExtent {
  /** Number of raw data bytes. */
  readonly length: number;
  /** The declared /Length was right (false: the data was measured by searching `endstream`). */
  readonly declaredOk: boolean;
}

/**
 * Checks a stream's declared length against the `endstream` keyword that must follow the data;
 * when it is wrong (or not a number), measures the data up to the next `endstream` instead.
 * Returns null when there is no `endstream` at all.
 */
export async function measureStream(source: ByteSource, dataOffset: number, declared: number | null): Promise<StreamExtent | null> {
  if (declared !== null && Number.isInteger(declared) && declared >= 0 && dataOffset + declared <= source.size) {
    const after = await source.read(dataOffset + declared, 64);
    let i = 0;
    while (i < after.length && (after[i] === 0x0d || after[i] === 0x0a || after[i] === 0x20 || after[i] === 0x09 || after[i] === 0x0c || after[i] === 0x00)) i++;
    if (startsWithAscii(after, i, 'endstream')) return { length: declared, declaredOk: true };
  }
  const at = await searchForward(source, dataOffset, 'endstream');
  if (at < 0) return null;
  // The EOL before `endstream` is not part of the data (7.3.8.1).
  let end = at;
  const before = await source.read(Math.max(dataOffset, at - 2), at - Math.max(dataOffset, at - 2));
  if (before.length > 0 && before[before.length - 1] === 0x0a) {
    end--;
    if (before.length > 1 && before[before.length - 2] === 0x0d) end--;
  } else if (before.length > 0 && before[before.length - 1] === 0x0d) {
    end--;
  }
  return { length: end - dataOffset, declaredOk: false };
}
