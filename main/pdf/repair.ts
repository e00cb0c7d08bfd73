// Repairing a damaged PDF that carries no signature yet (startxref pointing nowhere, a missing or
// wrong cross-reference table, a file cut after its last object, a broken object stream). Acrobat
// and pdf.js open such files by scanning for objects; signing one needs a document every
// validator reads the same way, so the repair writes a CLEAN COPY: every object found by a scan
// of the whole file (the last definition of each number wins, object streams unpacked into plain
// objects, stream /Length measured), one classic cross-reference table, one trailer. The copy is
// virtual (a ByteSource made of new bytes and ranges of the original): nothing is written to disk,
// and the signing pipeline signs it like any input, as an incremental update on the copy.
// A damaged file that already carries signatures is refused: a clean copy is a different file
// from the one its signers signed, so their signatures would break.
import { PdfError } from './errors';
import { msg } from '../errors';
import { DecodeBudget, decodeFiltersAsync } from './filters';
import type { FilterStep } from './filters';
import { Lexer, PdfSyntaxError } from './lexer';
import { PdfDict, PdfName, PdfRef, latin1, latin1Bytes } from './objects';
import type { PdfObject } from './objects';
import { measureStream, parseIndirectObject, parseObject, parseWindowed } from './parser';
import { openPdf, readHeader } from './reader';
import type { OpenOptions, PdfReader } from './reader';
import { serializeObject } from './serialize';
import type { ByteSource } from './source';
import { withCause } from '../../preload/contract/messages';
import type { Message } from '../../preload/contract/messages';

/** Why a document needs repairing: what the reader refused, in the reader's words. */
export interface Damage {
  readonly code: string;
  readonly message: Message;
  /** The same sentence in English (--json). */
  readonly english: string;
}

export interface RepairedPdf {
  /** The clean copy: read it with openPdf, copy it with its stream/read methods. */
  readonly source: ByteSource;
  readonly damage: Damage;
  /** Objects the copy holds. */
  readonly objects: number;
}

/** Objects one repair keeps in memory at most (each costs its parsed value and an entry). */
const MAX_OBJECTS = 1_000_000;
const CHUNK = 1024 * 1024;
/** Bytes re-read before each chunk, so that a number cut by the chunk's start is seen whole. */
const BACK = 32;
const WS = '[\\0\\t\\n\\f\\r ]';
const HEADER = new RegExp(`(?<![0-9])([0-9]{1,10})${WS}+([0-9]{1,5})${WS}+obj(?![A-Za-z0-9])|trailer(?![A-Za-z0-9])`, 'g');

/** The reader errors that describe a damaged file structure (not a bad object): repairable when unsigned. */
export function isDamage(error: unknown): error is PdfError {
  if (!(error instanceof PdfError)) return false;
  if (error.code === 'broken-xref' || error.code === 'truncated') return true;
  // A broken object stream (header, offsets, members), a stream cut before "endstream", an entry
  // that leads to bytes that are not the object, or structure read from such places: a catalog
  // or page tree that is not one (wrong offsets inside an object stream give other objects).
  return error.code === 'malformed' && error.key !== undefined && (error.key.startsWith('error.pdf.objstm-') || DAMAGE_KEYS.has(error.key));
}

const DAMAGE_KEYS = new Set<string>(['error.pdf.no-endstream', 'error.pdf.malformed-object', 'error.pdf.no-catalog', 'error.pdf.no-page-tree', 'error.pdf.page-count-nan']);

interface Found {
  /** Where `num gen obj` starts in the original. */
  readonly at: number;
  readonly gen: number;
  readonly object: PdfObject;
  /** A stream's data in the original; its /Length is rewritten to `length`. */
  stream: { readonly offset: number; length: number; readonly indirectLength: PdfRef | null } | null;
}

function isSignatureValue(object: PdfObject): boolean {
  return object instanceof PdfDict && object.has('ByteRange') && object.has('Contents');
}

/**
 * Scans `source` for objects and trailers and returns the clean copy. `damage` is the error that
 * made the caller repair (it is carried in the result). Throws PdfError when the file carries
 * signatures ('damaged-signed'), is encrypted, or holds no document catalog.
 */
export async function repairPdf(source: ByteSource, options: { name: string; damage: PdfError; budget?: DecodeBudget }): Promise<RepairedPdf> {
  const { name } = options;
  const { version } = await readHeader(source, name);
  const damage: Damage = { code: options.damage.code, message: options.damage.key ? { key: options.damage.key, params: options.damage.params } : msg('error.app.detail', { detail: options.damage.message }), english: options.damage.message };
  const budget = options.budget ?? new DecodeBudget(name);
  const found = new Map<number, Found>();
  const trailers: { at: number; dict: PdfDict }[] = [];
  const objectStreams: number[] = [];
  let signed = false;

  const objectAt = async (at: number): Promise<number | null> => {
    let parsed;
    try {
      parsed = await parseWindowed(source, at, parseIndirectObject);
    } catch (error) {
      if (error instanceof PdfSyntaxError) return null;
      throw error;
    }
    if (parsed.num <= 0 || parsed.num > 2 ** 31 - 2 || parsed.gen > 65535) return null;
    let end = parsed.end;
    let stream: Found['stream'] = null;
    if (parsed.streamOffset !== null && parsed.object instanceof PdfDict) {
      const declared = parsed.object.get('Length');
      const extent = await measureStream(source, parsed.streamOffset, typeof declared === 'number' ? declared : null);
      // A stream cut before "endstream" (a truncated file) is lost: its end cannot be known.
      if (!extent) return null;
      stream = { offset: parsed.streamOffset, length: extent.length, indirectLength: declared instanceof PdfRef ? declared : null };
      end = parsed.streamOffset + extent.length + 'endstream'.length;
    }
    if (isSignatureValue(parsed.object)) signed = true;
    if (!found.has(parsed.num) && found.size >= MAX_OBJECTS) throw new PdfError('malformed', msg('error.pdf.repair-too-many', { name, max: MAX_OBJECTS }));
    found.set(parsed.num, { at, gen: parsed.gen, object: parsed.object, stream });
    if (parsed.object instanceof PdfDict) {
      const type = parsed.object.getName('Type');
      if (type === 'XRef' && stream) trailers.push({ at, dict: parsed.object });
      if (type === 'ObjStm' && stream) objectStreams.push(parsed.num);
    }
    return end;
  };

  const trailerAt = async (at: number): Promise<number | null> => {
    try {
      const parsed = await parseWindowed(source, at, (lx) => {
        lx.next(); // trailer
        const dict = parseObject(lx);
        return { dict, end: lx.offset };
      });
      if (!(parsed.dict instanceof PdfDict)) return null;
      trailers.push({ at, dict: parsed.dict });
      return parsed.end;
    } catch (error) {
      if (error instanceof PdfSyntaxError) return null;
      throw error;
    }
  };

  // One pass over the file. A parsed object's extent is skipped (its stream data may hold
  // anything, "1 0 obj" included), so the scan reads every byte once and parses each object once.
  let skipUntil = 0;
  for (let pos = 0; pos < source.size; ) {
    const base = Math.max(0, pos - BACK);
    const text = latin1(await source.read(base, pos - base + CHUNK + BACK));
    const limit = Math.min(source.size, pos + CHUNK);
    HEADER.lastIndex = Math.max(pos, skipUntil) - base;
    let next = limit;
    for (let m = HEADER.exec(text); m; m = HEADER.exec(text)) {
      const at = base + m.index;
      if (at >= limit) break;
      const end = m[1] !== undefined ? await objectAt(at) : await trailerAt(at);
      if (end !== null && end > skipUntil) skipUntil = end;
      if (skipUntil >= limit) {
        next = skipUntil;
        break;
      }
      HEADER.lastIndex = Math.max(skipUntil, at + 1) - base;
    }
    pos = next;
  }

  if (signed) throw new PdfError('damaged-signed', msg('error.pdf.damaged-signed', withCause({ name }, damage.message)));
  trailers.sort((a, b) => a.at - b.at);
  if (trailers.some((t) => t.dict.has('Encrypt'))) throw new PdfError('encrypted', msg('error.pdf.damaged-encrypted', { name }));

  // Object streams: unpacked into plain objects. A member counts from where its stream is: a
  // plain object later in the file redefines it, one earlier is redefined by it.
  const members = new Map<number, { at: number; object: PdfObject }>();
  for (const num of objectStreams) {
    const entry = found.get(num);
    if (!entry?.stream || !(entry.object instanceof PdfDict)) continue;
    for (const [memberNum, object] of await unpackObjectStream(source, entry.object, entry.stream, budget)) {
      if (isSignatureValue(object)) throw new PdfError('damaged-signed', msg('error.pdf.damaged-signed', withCause({ name }, damage.message)));
      const plain = found.get(memberNum);
      const earlier = members.get(memberNum);
      if ((plain && plain.at > entry.at && !isStructural(plain.object)) || (earlier && earlier.at > entry.at)) continue;
      members.set(memberNum, { at: entry.at, object });
    }
  }

  // A stream whose /Length is an indirect number: measured again with that number (the first
  // "endstream" may be inside binary data).
  for (const entry of found.values()) {
    const ref = entry.stream?.indirectLength;
    if (!entry.stream || !ref) continue;
    const target = members.get(ref.num)?.object ?? found.get(ref.num)?.object;
    if (typeof target !== 'number') continue;
    const extent = await measureStream(source, entry.stream.offset, target);
    if (extent?.declaredOk) entry.stream.length = extent.length;
  }

  const objects = new Map<number, { gen: number; object: PdfObject; stream: Found['stream'] }>();
  for (const [num, entry] of found) {
    if (isStructural(entry.object)) continue;
    objects.set(num, { gen: entry.gen, object: entry.object, stream: entry.stream });
  }
  for (const [num, member] of members) {
    const plain = found.get(num);
    if (plain && plain.at > member.at && !isStructural(plain.object)) continue;
    objects.set(num, { gen: 0, object: member.object, stream: null });
  }

  // The trailer: the newest one naming a catalog that exists; else the last catalog found.
  const isCatalog = (ref: PdfObject | undefined): ref is PdfRef => {
    if (!(ref instanceof PdfRef)) return false;
    const target = objects.get(ref.num);
    return !!target && target.gen === ref.gen && target.object instanceof PdfDict && (target.object.getName('Type') === 'Catalog' || target.object.has('Pages'));
  };
  const newestWith = (key: string): PdfObject | undefined => {
    for (let i = trailers.length - 1; i >= 0; i--) {
      const value = (trailers[i] as { dict: PdfDict }).dict.get(key);
      if (value !== undefined && value !== null) return value;
    }
    return undefined;
  };
  let root: PdfRef | null = null;
  for (let i = trailers.length - 1; i >= 0 && !root; i--) {
    const candidate = (trailers[i] as { dict: PdfDict }).dict.get('Root');
    if (isCatalog(candidate)) root = candidate;
  }
  if (!root) {
    let best = -1;
    for (const [num, entry] of objects) {
      const at = found.get(num)?.at ?? members.get(num)?.at ?? -1;
      if (entry.object instanceof PdfDict && entry.object.getName('Type') === 'Catalog' && at > best) {
        best = at;
        root = new PdfRef(num, entry.gen);
      }
    }
  }
  // The file's problem stays what it was (truncated, a broken xref...): the repair only failed.
  if (!root) throw new PdfError(options.damage.code, msg('error.pdf.repair-no-catalog', withCause({ name }, damage.message)));
  const info = newestWith('Info');
  const id = newestWith('ID');

  // The copy: header, every object by number, one table, the trailer.
  const out = new SegmentWriter(source);
  out.text(`%PDF-${version}\n%\xe2\xe3\xcf\xd3\n`);
  const offsets = new Map<number, { offset: number; gen: number }>();
  for (const num of [...objects.keys()].sort((a, b) => a - b)) {
    const { gen, object, stream } = objects.get(num) as { gen: number; object: PdfObject; stream: Found['stream'] };
    offsets.set(num, { offset: out.length, gen });
    out.text(`${num} ${gen} obj\n`);
    if (stream && object instanceof PdfDict) {
      const dict = new PdfDict(object.entries);
      dict.set('Length', stream.length);
      out.bytes(serializeObject(dict));
      out.text('\nstream\n');
      out.copy(stream.offset, stream.length);
      out.text('\nendstream\nendobj\n');
    } else {
      out.bytes(serializeObject(object));
      out.text('\nendobj\n');
    }
  }
  const size = Math.max(0, ...offsets.keys()) + 1;
  const xrefOffset = out.length;
  let table = `xref\n0 ${size}\n0000000000 65535 f\r\n`;
  for (let num = 1; num < size; num++) {
    const entry = offsets.get(num);
    table += entry ? `${String(entry.offset).padStart(10, '0')} ${String(entry.gen).padStart(5, '0')} n\r\n` : '0000000000 00000 f\r\n';
    if (table.length > 64 * 1024) {
      out.text(table);
      table = '';
    }
  }
  out.text(table);
  const trailer = new PdfDict([['Size', size], ['Root', root]]);
  if (info instanceof PdfRef && objects.has(info.num)) trailer.set('Info', info);
  if (Array.isArray(id) && id.length === 2) trailer.set('ID', id);
  out.text('trailer\n');
  out.bytes(serializeObject(trailer));
  out.text(`\nstartxref\n${xrefOffset}\n%%EOF\n`);
  return { source: out.source(name), damage, objects: offsets.size };
}

/** Cross-reference streams and object streams describe the damaged file's layout, not the document. */
function isStructural(object: PdfObject): boolean {
  if (!(object instanceof PdfDict)) return false;
  const type = object.getName('Type');
  return type === 'XRef' || type === 'ObjStm';
}

/**
 * The members of an object stream, read as robustly as the data allows: at the offsets its
 * header gives, else one after another from /First (a header whose offsets are wrong). Members
 * that cannot be read are left out; a stream that cannot be decoded gives none.
 */
async function unpackObjectStream(source: ByteSource, dict: PdfDict, stream: { offset: number; length: number }, budget: DecodeBudget): Promise<[number, PdfObject][]> {
  const steps: FilterStep[] = [];
  const filter = dict.get('Filter');
  const parms = dict.get('DecodeParms');
  const names = filter === undefined || filter === null ? [] : Array.isArray(filter) ? filter : [filter];
  const params = parms === undefined || parms === null ? [] : Array.isArray(parms) ? parms : [parms];
  for (const [i, step] of names.entries()) {
    const p = params[i] ?? null;
    if (!(step instanceof PdfName) || (p !== null && !(p instanceof PdfDict))) return [];
    steps.push({ name: step.value, params: p });
  }
  let data: Uint8Array;
  try {
    data = await decodeFiltersAsync(await source.read(stream.offset, stream.length), steps, budget);
  } catch (error) {
    if (error instanceof PdfError && error.code !== 'decode-limit') return [];
    throw error;
  }
  const n = dict.get('N');
  const first = dict.get('First');
  // The header: pairs of integers, as many as it holds (at most /N, when /N is a number).
  const header = new Lexer(data, 0, true);
  const pairs: [number, number][] = [];
  const most = typeof n === 'number' && n >= 0 ? Math.min(n, data.length / 4) : data.length / 4;
  try {
    while (pairs.length < most) {
      const save = header.pos;
      const a = header.next();
      const b = header.next();
      if (a.kind !== 'int' || b.kind !== 'int') {
        header.pos = save;
        break;
      }
      pairs.push([a.value, b.value]);
    }
  } catch (error) {
    if (!(error instanceof PdfSyntaxError)) throw error;
  }
  const start = typeof first === 'number' && first >= 0 && first <= data.length ? first : header.pos;
  // The header's offsets are trusted when each object read there ends where the next one starts
  // (blanks aside) and the last one at the end of the data: a shifted or wrong offset reads a
  // piece of an object (a name, a number) that ends elsewhere.
  const byOffsets: [number, PdfObject][] = [];
  const readsWhole = pairs.every(([num, offset], i) => {
    const at = start + offset;
    const next = i + 1 < pairs.length ? start + (pairs[i + 1] as [number, number])[1] : data.length;
    if (at >= data.length || next > data.length || next <= at) return false;
    try {
      const lx = new Lexer(data.subarray(0, next), 0, true, at);
      const value = parseObject(lx);
      lx.skipSpace();
      if (lx.pos !== next) return false;
      byOffsets.push([num, value]);
      return true;
    } catch (error) {
      if (error instanceof PdfSyntaxError) return false;
      throw error;
    }
  });
  if (readsWhole) return byOffsets;
  const sequential: [number, PdfObject][] = [];
  const lx = new Lexer(data, 0, true, Math.max(start, Math.min(header.pos, data.length)));
  for (const [num] of pairs) {
    try {
      lx.skipSpace();
      if (lx.pos >= data.length) break;
      sequential.push([num, parseObject(lx)]);
    } catch (error) {
      if (error instanceof PdfSyntaxError) break;
      throw error;
    }
  }
  return sequential;
}

interface Segment {
  /** Offset in the copy. */
  readonly start: number;
  readonly length: number;
  /** New bytes, or a range of the original starting at `from`. */
  readonly data: Uint8Array | null;
  readonly from: number;
}

/** Lays out the copy as new bytes and ranges of the original. */
class SegmentWriter {
  private readonly segments: Segment[] = [];
  private pending: Uint8Array[] = [];
  private pendingLength = 0;
  length = 0;

  constructor(private readonly original: ByteSource) {}

  text(value: string): void {
    if (value.length > 0) this.bytes(latin1Bytes(value));
  }

  bytes(value: Uint8Array): void {
    this.pending.push(value);
    this.pendingLength += value.length;
    this.length += value.length;
  }

  copy(from: number, length: number): void {
    this.flush();
    if (length > 0) this.segments.push({ start: this.length, length, data: null, from });
    this.length += length;
  }

  private flush(): void {
    if (this.pendingLength === 0) return;
    const data = new Uint8Array(this.pendingLength);
    let at = 0;
    for (const part of this.pending) {
      data.set(part, at);
      at += part.length;
    }
    this.segments.push({ start: this.length - this.pendingLength, length: data.length, data, from: 0 });
    this.pending = [];
    this.pendingLength = 0;
  }

  source(name: string): ByteSource {
    this.flush();
    return segmentedSource(this.original, this.segments, this.length, name);
  }
}

/** A ByteSource over segments (sorted, contiguous from 0 to `size`). The original stays its owner's to close. */
function segmentedSource(original: ByteSource, segments: readonly Segment[], size: number, name: string): ByteSource {
  const indexOf = (position: number): number => {
    let lo = 0;
    let hi = segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((segments[mid] as Segment).start <= position) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const each = async (position: number, length: number, visit: (chunk: Uint8Array) => void | Promise<void>): Promise<void> => {
    const end = Math.min(size, position + length);
    for (let i = indexOf(position), at = position; at < end && i < segments.length; i++) {
      const segment = segments[i] as Segment;
      const from = at - segment.start;
      const take = Math.min(segment.length - from, end - at);
      if (take <= 0) continue;
      if (segment.data) {
        await visit(segment.data.subarray(from, from + take));
      } else {
        for (let done = 0; done < take; ) {
          const piece = await original.read(segment.from + from + done, Math.min(CHUNK, take - done));
          if (piece.length === 0) throw new PdfError('io', msg('error.pdf.unreadable-at', { name, offset: segment.from + from + done, detail: 'short read' }));
          await visit(piece);
          done += piece.length;
        }
      }
      at += take;
    }
  };
  return {
    size,
    name,
    async read(position: number, length: number): Promise<Uint8Array<ArrayBuffer>> {
      const out = new Uint8Array(Math.max(0, Math.min(size, position + length) - position));
      let at = 0;
      await each(position, out.length, (chunk) => {
        out.set(chunk, at);
        at += chunk.length;
      });
      return out;
    },
    async stream(position: number, length: number, sink: (chunk: Uint8Array) => void): Promise<void> {
      await each(position, length, sink);
    },
    async close(): Promise<void> {
      // The original belongs to whoever opened it.
    },
  };
}

/**
 * Runs `work` on the document; when it meets damage (isDamage), on the repaired copy instead.
 * `repaired` says which one it read. Work must be repeatable: it runs again from the start.
 */
export async function withRepair<T>(source: ByteSource, options: OpenOptions & { name: string }, work: (reader: PdfReader) => Promise<T>): Promise<{ result: T; repaired: RepairedPdf | null }> {
  try {
    return { result: await work(await openPdf(source, options)), repaired: null };
  } catch (error) {
    if (!isDamage(error)) throw error;
    const repaired = await repairPdf(source, { name: options.name, damage: error, budget: options.budget });
    return { result: await work(await openPdf(repaired.source, options)), repaired };
  }
}
