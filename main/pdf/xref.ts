// Cross-reference reading (ISO 32000-2, 7.5.4 to 7.5.8): classic tables, xref streams, hybrid
// files (/XRefStm), /Prev chains. Every section is kept with its trailer and the objects it
// defines, so later code can tell which revision defined which object. A broken startxref or
// section is refused with PdfError 'broken-xref': repairing would rewrite the file and break the
// signatures it carries.
import { PdfError } from './errors';
import { msg } from '../errors';
import { DecodeBudget, decodeFiltersAsync } from './filters';
import type { FilterStep } from './filters';
import { PdfSyntaxError, isWhitespace } from './lexer';
import type { Lexer } from './lexer';
import { PdfDict, PdfName, latin1 } from './objects';
import { measureStream, parseIndirectObject, parseObject, parseWindowed, searchForward } from './parser';
import type { ByteSource } from './source';

export type XrefEntry =
  /** A free entry: the object does not exist (in this revision). */
  | { readonly type: 'free'; readonly gen: number; readonly next: number }
  /** An uncompressed object at a byte offset. */
  | { readonly type: 'offset'; readonly offset: number; readonly gen: number }
  /** Object `index` of the object stream number `stream` (its generation is 0). */
  | { readonly type: 'compressed'; readonly stream: number; readonly index: number };

export interface XrefSection {
  /** Where the section starts: the `xref` keyword, or the xref stream's `N G obj`. */
  readonly offset: number;
  readonly kind: 'table' | 'stream';
  /** The trailer dictionary (the stream's dictionary for an xref stream). */
  readonly trailer: PdfDict;
  /** Objects this section defines, by object number. */
  readonly entries: ReadonlyMap<number, XrefEntry>;
  /** /Prev: the offset of the previous section, or null. */
  readonly prev: number | null;
  /** Offset just after the trailer dictionary (after the stream data for an xref stream). */
  readonly end: number;
  /** Hybrid-reference file: the xref stream named by this table's /XRefStm (part of the same revision). */
  readonly xrefStream: XrefSection | null;
}

export interface XrefContext {
  readonly source: ByteSource;
  /** The document's name in messages. */
  readonly name: string;
  warn(message: string): void;
  /** The document's decode budget (a fresh one with the default limits when absent). */
  readonly budget?: DecodeBudget;
}

/** The highest /Size a section may declare: object numbers are 32-bit in every reader (poppler, qpdf). */
const MAX_SIZE = 2 ** 31 - 1;

/** A /Size that is not a count of objects a PDF can have, as words; null when it is fine (or absent). */
function badSize(size: unknown): string | null {
  if (size === undefined) return null;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) return '/Size is not a number of objects';
  if (size > MAX_SIZE) return `/Size ${size} is more objects than a PDF can number`;
  return null;
}

/**
 * Objects `first` to `first + count - 1` as words when some number is past the highest a /Size
 * allows (MAX_SIZE - 1); null when they fit. An update's /Size is one more than the highest number
 * in use, so such a number would make the signed copy unreadable.
 */
function badNumbers(what: string, first: number, count: number): string | null {
  return first + count > MAX_SIZE ? `${what} numbers objects past ${MAX_SIZE - 1}, the highest number a PDF can have` : null;
}

/** `what`: a cross-reference table or stream; `detail` is technical (PDF keys, syntax), in English. */
function broken(ctx: XrefContext, offset: number, detail: string, what = 'cross-reference table'): PdfError {
  return new PdfError('broken-xref', msg('error.pdf.broken-xref', { name: ctx.name, what: what === 'cross-reference stream' ? 'stream' : 'table', offset, detail }));
}

/**
 * Finds `startxref N %%EOF` in the last 2 KiB. Throws 'truncated' when it is not there and
 * 'broken-xref' when N is not a byte offset inside the file.
 */
export async function findStartxref(ctx: XrefContext): Promise<number> {
  const { source } = ctx;
  const tailLength = Math.min(source.size, 2048);
  const tailStart = source.size - tailLength;
  const tail = latin1(await source.read(tailStart, tailLength));
  const eof = tail.lastIndexOf('%%EOF');
  const at = eof < 0 ? -1 : tail.lastIndexOf('startxref', eof);
  if (eof < 0 || at < 0) throw new PdfError('truncated', msg('error.pdf.truncated', { name: ctx.name }));
  const match = /^startxref[\0\t\n\f\r ]+(\d+)/.exec(tail.slice(at, eof));
  if (!match?.[1]) {
    throw new PdfError('broken-xref', msg('error.pdf.startxref-no-offset', { name: ctx.name, offset: tailStart + at }));
  }
  const offset = Number(match[1]);
  if (offset >= source.size) {
    throw new PdfError('broken-xref', msg('error.pdf.startxref-past-end', { name: ctx.name, offset, size: source.size }));
  }
  return offset;
}

const MAX_SECTIONS = 10_000;

/** Reads the section at `startxref` and every /Prev before it; the newest section comes first. */
export async function readXrefChain(ctx: XrefContext, startxref: number): Promise<XrefSection[]> {
  const sections: XrefSection[] = [];
  const seen = new Set<number>();
  let offset: number | null = startxref;
  while (offset !== null) {
    if (seen.has(offset)) throw broken(ctx, offset, 'the /Prev chain loops back to this section');
    seen.add(offset);
    const section = await readXrefSection(ctx, offset, true);
    sections.push(section);
    offset = section.prev;
    // Each section is one revision: real files have a few, or a few hundred. Reading 100000 tiny
    // ones already takes seconds, and every later revision walk multiplies that.
    if (sections.length > MAX_SECTIONS) throw broken(ctx, section.offset, `more than ${MAX_SECTIONS} sections in the /Prev chain`);
  }
  return sections;
}

/** Reads one section (table or stream) at `offset`; with `followXRefStm`, a table's /XRefStm too. */
export async function readXrefSection(ctx: XrefContext, offset: number, followXRefStm: boolean): Promise<XrefSection> {
  const { source } = ctx;
  if (!Number.isInteger(offset) || offset < 0 || offset >= source.size) {
    throw broken(ctx, offset, `the offset is outside the file (${source.size} bytes)`);
  }
  let isTable: boolean;
  try {
    isTable = await parseWindowed(source, offset, (lx) => {
      lx.skipSpace();
      const token = lx.peek();
      return token.kind === 'keyword' && token.value === 'xref';
    }, 64);
  } catch (error) {
    if (error instanceof PdfSyntaxError) throw broken(ctx, offset, error.message);
    throw error;
  }
  if (isTable) return readTable(ctx, offset, followXRefStm);
  return readStreamSection(ctx, offset);
}

// ---------------------------------------------------------------------------------------------
// Classic tables

interface ParsedTable {
  entries: Map<number, XrefEntry>;
  trailer: PdfDict;
  end: number;
}

function readNumber(lx: Lexer): number {
  let value = 0;
  let digits = 0;
  for (;;) {
    const c = lx.byteAt(lx.pos);
    if (c < 0x30 || c > 0x39) break;
    value = value * 10 + (c - 0x30);
    digits++;
    lx.pos++;
  }
  if (digits === 0) throw lx.error('expected a number in an xref entry');
  return value;
}

function skipBlanks(lx: Lexer): void {
  while (isWhitespace(lx.byteAt(lx.pos))) lx.pos++;
}

/** Parses `xref`, its subsections and the trailer. Entries are nominally 20 bytes; tolerate 19 and 21. */
function parseTable(lx: Lexer): ParsedTable {
  lx.skipSpace();
  lx.next(); // xref
  const entries = new Map<number, XrefEntry>();
  for (;;) {
    lx.skipSpace();
    const token = lx.peek();
    if (token.kind === 'keyword' && token.value === 'trailer') {
      lx.next();
      const trailer = parseObject(lx);
      if (!(trailer instanceof PdfDict)) throw lx.error('the trailer is not a dictionary');
      return { entries, trailer, end: lx.offset };
    }
    if (token.kind !== 'int') throw lx.error(`expected a subsection header or "trailer"`);
    const start = readNumber(lx);
    while (lx.byteAt(lx.pos) === 0x20) lx.pos++;
    const count = readNumber(lx);
    const numbers = badNumbers(`subsection ${start} ${count}`, start, count);
    if (numbers) throw lx.error(numbers);
    for (let i = 0; i < count; i++) {
      skipBlanks(lx);
      const entryOffset = lx.offset;
      const field1 = readNumber(lx);
      while (lx.byteAt(lx.pos) === 0x20) lx.pos++;
      const gen = readNumber(lx);
      while (lx.byteAt(lx.pos) === 0x20) lx.pos++;
      const type = lx.byteAt(lx.pos);
      lx.pos++;
      const after = lx.byteAt(lx.pos);
      if ((type !== 0x6e && type !== 0x66) || (after >= 0 && !isWhitespace(after))) {
        throw lx.error(`entry ${i + 1} of subsection ${start} is not "offset gen n|f"`, entryOffset);
      }
      const num = start + i;
      if (entries.has(num)) continue;
      // "0000000000 00000 n" is how some writers mark an object they never wrote: nothing is at byte 0.
      if (type === 0x6e && field1 > 0) entries.set(num, { type: 'offset', offset: field1, gen });
      else entries.set(num, { type: 'free', gen, next: field1 });
    }
  }
}

async function readTable(ctx: XrefContext, offset: number, followXRefStm: boolean): Promise<XrefSection> {
  let parsed: ParsedTable;
  try {
    parsed = await parseWindowed(ctx.source, offset, parseTable, 64 * 1024);
  } catch (error) {
    if (error instanceof PdfSyntaxError) throw broken(ctx, offset, error.message);
    throw error;
  }
  const { trailer } = parsed;
  const sizeProblem = badSize(trailer.get('Size'));
  if (sizeProblem) throw broken(ctx, offset, sizeProblem);
  const prev = readPrev(ctx, trailer, offset);
  let xrefStream: XrefSection | null = null;
  const xrefStm = trailer.get('XRefStm');
  if (followXRefStm && xrefStm !== undefined) {
    if (typeof xrefStm !== 'number') throw broken(ctx, offset, '/XRefStm is not a byte offset');
    const section = await readXrefSection(ctx, xrefStm, false);
    if (section.kind !== 'stream') throw broken(ctx, xrefStm, '/XRefStm does not point at a cross-reference stream');
    xrefStream = section;
  }
  return { offset, kind: 'table', trailer, entries: parsed.entries, prev, end: parsed.end, xrefStream };
}

function readPrev(ctx: XrefContext, trailer: PdfDict, offset: number, what?: string): number | null {
  const prev = trailer.get('Prev');
  if (prev === undefined || prev === null) return null;
  if (typeof prev !== 'number' || prev < 0) throw broken(ctx, offset, '/Prev is not a byte offset', what);
  return prev;
}

// ---------------------------------------------------------------------------------------------
// Cross-reference streams

function filterSteps(ctx: XrefContext, dict: PdfDict, offset: number): FilterStep[] {
  const filter = dict.get('Filter');
  const parms = dict.get('DecodeParms');
  const names = filter === undefined || filter === null ? [] : Array.isArray(filter) ? filter : [filter];
  const params = parms === undefined || parms === null ? [] : Array.isArray(parms) ? parms : [parms];
  return names.map((name, i) => {
    const p = params[i] ?? null;
    if (!(name instanceof PdfName) || (p !== null && !(p instanceof PdfDict))) {
      throw broken(ctx, offset, '/Filter and /DecodeParms of an xref stream must be direct', 'cross-reference stream');
    }
    return { name: name.value, params: p };
  });
}

async function readStreamSection(ctx: XrefContext, offset: number): Promise<XrefSection> {
  const { source } = ctx;
  const what = 'cross-reference stream';
  let parsed;
  try {
    parsed = await parseWindowed(source, offset, (lx) => {
      lx.skipSpace();
      return parseIndirectObject(lx);
    });
  } catch (error) {
    if (error instanceof PdfSyntaxError) throw broken(ctx, offset, 'expected "xref" or a cross-reference stream');
    throw error;
  }
  const dict = parsed.object;
  if (parsed.streamOffset === null || !(dict instanceof PdfDict) || dict.getName('Type') !== 'XRef') {
    throw broken(ctx, offset, 'expected "xref" or a cross-reference stream');
  }
  const declared = dict.get('Length');
  if (typeof declared !== 'number') ctx.warn(`${ctx.name}: the cross-reference stream at byte ${offset} has an indirect or missing /Length`);
  const extent = await measureStream(source, parsed.streamOffset, typeof declared === 'number' ? declared : null);
  if (!extent) throw broken(ctx, offset, 'its data has no "endstream"', what);
  if (!extent.declaredOk && typeof declared === 'number') {
    ctx.warn(`${ctx.name}: the cross-reference stream at byte ${offset} has a wrong /Length (${declared}; its data is ${extent.length} bytes)`);
  }
  // What the entries are is checked before any decoding: the decoded data may then be no larger
  // than the entries need, which defeats an xref stream that inflates to gigabytes.
  const w = dict.get('W');
  const size = dict.get('Size');
  if (!Array.isArray(w) || w.length < 3 || !w.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= 8)) {
    throw broken(ctx, offset, '/W is not an array of three field widths', what);
  }
  if (size === undefined) throw broken(ctx, offset, '/Size is missing', what);
  const sizeProblem = badSize(size);
  if (sizeProblem) throw broken(ctx, offset, sizeProblem, what);
  const [w0, w1, w2] = w as [number, number, number];
  const index = dict.get('Index') ?? [0, size as number];
  if (!Array.isArray(index) || index.length % 2 !== 0 || !index.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= MAX_SIZE)) {
    throw broken(ctx, offset, '/Index is not an array of pairs', what);
  }
  for (let i = 0; i < index.length; i += 2) {
    const numbers = badNumbers(`/Index [${index[i] as number} ${index[i + 1] as number}]`, index[i] as number, index[i + 1] as number);
    if (numbers) throw broken(ctx, offset, numbers, what);
  }
  const width = w0 + w1 + w2;
  const total = (index as number[]).reduce((sum, x, i) => (i % 2 === 1 ? sum + x : sum), 0);
  // Every object takes a few bytes of the file (compressed ones too, in their object stream):
  // more entries than the file has bytes describe objects that cannot be there.
  if (total > source.size) {
    throw broken(ctx, offset, `/Index lists ${total} objects, more than a file of ${source.size} bytes can hold`, what);
  }
  const raw = await source.read(parsed.streamOffset, extent.length);
  let data: Uint8Array;
  try {
    // Each row: its fields, plus one byte when a PNG predictor tags the row; a little slack for
    // writers that pad the data.
    const needed = total * (width + 1) + 64 * 1024;
    data = await decodeFiltersAsync(raw, filterSteps(ctx, dict, offset), ctx.budget ?? new DecodeBudget(ctx.name), needed);
  } catch (error) {
    // A refusal to decode more keeps its own code: the file may be fine, only too costly.
    if (error instanceof PdfError && error.code !== 'broken-xref' && error.code !== 'decode-limit') {
      throw new PdfError('broken-xref', msg('error.pdf.xref-undecodable', { name: ctx.name, what: what === 'cross-reference stream' ? 'stream' : 'table', offset, detail: error.message }), { cause: error });
    }
    throw error;
  }
  if (width === 0 || data.length < total * width) {
    throw broken(ctx, offset, `its data holds ${width === 0 ? 0 : Math.floor(data.length / width)} entries, /Index says ${total}`, what);
  }
  const field = (at: number, length: number): number => {
    let value = 0;
    for (let i = 0; i < length; i++) value = value * 256 + (data[at + i] as number);
    return value;
  };
  const entries = new Map<number, XrefEntry>();
  let at = 0;
  for (let i = 0; i < index.length; i += 2) {
    const start = index[i] as number;
    const count = index[i + 1] as number;
    for (let k = 0; k < count; k++, at += width) {
      const type = w0 === 0 ? 1 : field(at, w0);
      const f2 = field(at + w0, w1);
      const f3 = field(at + w0 + w1, w2);
      const num = start + k;
      if (entries.has(num)) continue;
      if (type === 0) entries.set(num, { type: 'free', next: f2, gen: f3 });
      else if (type === 1) entries.set(num, { type: 'offset', offset: f2, gen: f3 });
      else if (type === 2) entries.set(num, { type: 'compressed', stream: f2, index: f3 });
      // Other types are reserved: a reference to such an object is a reference to null (7.5.8.3).
    }
  }
  return { offset, kind: 'stream', trailer: dict, entries, prev: readPrev(ctx, dict, offset, what), end: parsed.streamOffset + extent.length, xrefStream: null };
}

// ---------------------------------------------------------------------------------------------

/** The merged view of a chain of sections: the newest definition of each object wins. */
export class XrefTable {
  private readonly map = new Map<number, XrefEntry>();

  /** @param sections newest first, as readXrefChain returns them */
  constructor(sections: readonly XrefSection[]) {
    for (const section of sections) {
      // Hybrid files: the table first, then its /XRefStm, then older sections (7.5.8.4). Objects
      // in object streams are free in the table, so the table's free entries come last.
      const layers: Iterable<readonly [number, XrefEntry]>[] = section.xrefStream
        ? [[...section.entries].filter(([, e]) => e.type !== 'free'), section.xrefStream.entries, [...section.entries].filter(([, e]) => e.type === 'free')]
        : [section.entries];
      for (const layer of layers) {
        for (const [num, entry] of layer) if (!this.map.has(num)) this.map.set(num, entry);
      }
    }
  }

  get(num: number): XrefEntry | undefined {
    return this.map.get(num);
  }

  /** Object numbers with an entry (free or not). */
  numbers(): IterableIterator<number> {
    return this.map.keys();
  }

  get size(): number {
    return this.map.size;
  }
}

/**
 * Where the revision whose last xref section ends at `from` ends: just after the next `%%EOF` and
 * its end-of-line marker. Null when there is no %%EOF before `limit`.
 */
export async function findRevisionEnd(source: ByteSource, from: number, limit = source.size): Promise<number | null> {
  const at = await searchForward(source, from, '%%EOF', limit);
  if (at < 0) return null;
  let end = at + 5;
  const eol = await source.read(end, 2);
  if (eol[0] === 0x0d) end += eol[1] === 0x0a ? 2 : 1;
  else if (eol[0] === 0x0a) end += 1;
  return end;
}
