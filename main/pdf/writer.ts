// The incremental writer (ISO 32000-2, 7.5.6): an update holds new and replaced objects, a
// cross-reference section for exactly those objects and a trailer whose /Prev chains to the file's
// newest section. The original bytes are never rewritten: earlier signatures cover them, and any
// rewrite (even "equivalent" re-serialization) breaks those signatures. The caller appends the
// bytes build() returns after an unchanged copy of the original file.
//
// In a document encrypted with a password (the standard security handler), the update keeps the
// document's encryption: every string and stream it writes is encrypted with the document's key
// and methods for the object it lives in (ISO 32000-2, 7.6.2), except the /Contents of a signature
// dictionary (always in clear, so that /ByteRange can leave it out) and the cross-reference stream;
// the trailer keeps /Encrypt and the first /ID, from which the key derives.
import { deflateSync } from 'node:zlib';
import { PdfError } from './errors';
import { msg } from '../errors';
import { PdfDict, PdfName, PdfRef, PdfStream, PdfString, latin1Bytes } from './objects';
import type { PdfObject } from './objects';
import type { PdfReader } from './reader';
import { isSignatureContents, isSupportedStandard } from './security';
import type { Encryptor } from './security';
import { serializeIndirect, serializeObject } from './serialize';

export interface BuiltUpdate {
  /** The bytes to append after the original file (a leading EOL included when the file lacks one). */
  readonly bytes: Uint8Array;
  /** Object number -> absolute offset of its "num gen obj" in the final file (original size + position). */
  readonly offsets: Map<number, number>;
  /** Absolute offset of the new cross-reference section (what the update's startxref says). */
  readonly startxref: number;
}

/**
 * One incremental update of a document opened by openPdf. add() allocates new object numbers from
 * the trailer's /Size upward (generation 0); set() replaces an existing object in this update.
 * build() lays the update out: objects, then a cross-reference section of the same kind as the
 * file's newest one (a classic table for table and hybrid files, an xref stream for xref-stream
 * files), trailer, startxref, %%EOF.
 */
export class IncrementalUpdate {
  private readonly objects = new Map<number, { ref: PdfRef; obj: PdfObject }>();
  private nextNum: number;
  private readonly baseSize: number;
  /** The document's security handler when it is encrypted: what the update writes is encrypted with it. */
  private readonly encryptor: Encryptor | null;

  constructor(readonly reader: PdfReader) {
    this.encryptor = encryptorOf(reader);
    let size = 0;
    for (const section of reader.sections) {
      for (const trailer of [section.trailer, section.xrefStream?.trailer]) {
        const value = trailer?.get('Size');
        if (typeof value === 'number' && value > size) size = value;
      }
    }
    // A /Size smaller than the highest object number in use is wrong, but new numbers must not collide.
    for (const num of reader.xref.numbers()) if (num >= size) size = num + 1;
    this.baseSize = size;
    this.nextNum = size;
  }

  /** Adds a new object (generation 0) and returns its reference. */
  add(obj: PdfObject): PdfRef {
    const ref = new PdfRef(this.nextNum, 0);
    this.nextNum += 1;
    this.objects.set(ref.num, { ref, obj });
    return ref;
  }

  /** Replaces object `ref` (an existing object, or one added to this update) in this update. */
  set(ref: PdfRef, obj: PdfObject): void {
    if (ref.num <= 0 || !Number.isInteger(ref.num)) throw new RangeError(`cannot write object number ${ref.num}`);
    this.objects.set(ref.num, { ref, obj });
  }

  /** The object this update will write for `ref`, if any. */
  get(ref: PdfRef): PdfObject | undefined {
    const entry = this.objects.get(ref.num);
    return entry && entry.ref.gen === ref.gen ? entry.obj : undefined;
  }

  /** Whether this update writes object `num`. */
  has(num: number): boolean {
    return this.objects.has(num);
  }

  build(): BuiltUpdate {
    const reader = this.reader;
    const originalSize = reader.size;
    const chunks: Uint8Array[] = [];
    let length = 0;
    const push = (bytes: Uint8Array): void => {
      chunks.push(bytes);
      length += bytes.length;
    };
    if (!endsWithEol(reader)) push(latin1Bytes('\n'));

    const offsets = new Map<number, number>();
    const nums = [...this.objects.keys()].sort((a, b) => a - b);
    for (const num of nums) {
      const { ref, obj } = this.objects.get(num) as { ref: PdfRef; obj: PdfObject };
      offsets.set(num, originalSize + length);
      push(serializeIndirect(ref, this.encryptor ? encryptObject(obj, ref, this.encryptor) : obj));
    }

    const newest = reader.sections[0];
    const useStream = newest?.kind === 'stream';
    const xrefOffset = originalSize + length;
    const trailer = new PdfDict();
    let size = Math.max(this.baseSize, this.nextNum);
    let xrefNum = 0;
    if (useStream) {
      xrefNum = Math.max(size, (nums.at(-1) ?? 0) + 1);
      size = xrefNum + 1;
    } else {
      size = Math.max(size, (nums.at(-1) ?? 0) + 1);
    }
    trailer.set('Size', size);
    const root = reader.trailer.get('Root');
    if (root !== undefined) trailer.set('Root', root);
    const info = reader.trailer.get('Info');
    if (info !== undefined && info !== null) trailer.set('Info', info);
    const id = this.fileId(chunks, length);
    if (id) trailer.set('ID', id);
    // The same /Encrypt (reference or dictionary): the update is encrypted as the document is.
    const encrypt = reader.trailer.get('Encrypt');
    if (this.encryptor && encrypt !== undefined && encrypt !== null) trailer.set('Encrypt', encrypt);
    trailer.set('Prev', reader.startxref);
    const hidden = hiddenObjectsStream(reader);
    if (!useStream && hidden !== null) trailer.set('XRefStm', hidden);

    if (useStream) {
      const entries = new Map<number, { ref: PdfRef; offset: number }>();
      for (const num of nums) entries.set(num, { ref: (this.objects.get(num) as { ref: PdfRef }).ref, offset: offsets.get(num) as number });
      entries.set(xrefNum, { ref: new PdfRef(xrefNum, 0), offset: xrefOffset });
      offsets.set(xrefNum, xrefOffset);
      push(serializeIndirect(new PdfRef(xrefNum, 0), xrefStream(trailer, entries, xrefOffset)));
    } else {
      let text = 'xref\n';
      for (const [start, count] of ranges(nums)) {
        text += `${start} ${count}\n`;
        for (let num = start; num < start + count; num++) {
          const gen = (this.objects.get(num) as { ref: PdfRef }).ref.gen;
          text += `${String(offsets.get(num)).padStart(10, '0')} ${String(gen).padStart(5, '0')} n\r\n`;
        }
      }
      push(latin1Bytes(text));
      push(latin1Bytes('trailer\n'));
      push(serializeObject(trailer));
      push(latin1Bytes('\n'));
    }
    push(latin1Bytes(`startxref\n${xrefOffset}\n%%EOF\n`));

    const bytes = new Uint8Array(length);
    let at = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, at);
      at += chunk.length;
    }
    return { bytes, offsets, startxref: xrefOffset };
  }

  /**
   * /ID [first second]: the first identifier stays the document's (7.5.5); the second changes with
   * every update. main/pdf does no cryptography, so the second is a 128-bit FNV-1a mix of the
   * update's bytes, the original size and the clock: unique enough for an identifier, not a digest.
   */
  private fileId(chunks: readonly Uint8Array[], length: number): PdfString[] | null {
    const seeds = [0x811c9dc5, 0x01000193 ^ length, 0x9e3779b9 ^ this.reader.size, (Date.now() ^ (Math.random() * 0x100000000)) >>> 0];
    const state = seeds.map((s) => s >>> 0);
    // The first 4 KiB (the new objects' start: numbers, field names, the signing time) with the
    // sizes, the clock and a random seed are plenty to tell updates apart; mixing a 20 KB /Contents
    // placeholder of zeros byte by byte cost 7 ms of a one-page signing.
    let budget = 4 * 1024;
    for (const chunk of chunks) {
      for (const byte of chunk.subarray(0, budget)) {
        for (let i = 0; i < 4; i++) state[i] = Math.imul(((state[i] as number) ^ byte) >>> 0, 0x01000193) >>> 0;
      }
      budget -= Math.min(budget, chunk.length);
    }
    const second = new Uint8Array(16);
    state.forEach((s, i) => {
      second[i * 4] = s >>> 24;
      second[i * 4 + 1] = (s >>> 16) & 0xff;
      second[i * 4 + 2] = (s >>> 8) & 0xff;
      second[i * 4 + 3] = s & 0xff;
    });
    const id = this.reader.trailer.get('ID');
    const first = Array.isArray(id) && id[0] instanceof PdfString ? id[0] : null;
    // The key of an encrypted document derives from its first /ID (empty when it has none): a new
    // one would make the document unreadable. Without one, it keeps none.
    if (!first && this.encryptor) return null;
    return [first ? new PdfString(first.bytes, true) : new PdfString(second, true), new PdfString(second, true)];
  }
}

/**
 * The /XRefStm an update of a hybrid-reference file must carry on: the offset of the newest
 * revision's own cross-reference stream, when that revision is a hybrid table (7.5.8.4), else
 * null. That stream lists the objects only readers of xref streams see (in object streams, free
 * in the table). A table section without /XRefStm ends the hybrid arrangement: validators that
 * resolve object by object per revision (pyHanko) then see those objects as free from our
 * revision on, and one that walks a rewritten page to its font stops with "no object 5".
 * Pointing at the same stream again is exact: this update's table is read first, the stream's
 * entries are all older than it. Only the revision that wrote the stream passes it on: a later
 * update would read that stream BEFORE the earlier updates' tables (their redefinitions would
 * lose); it finds the hidden objects through /Prev, in the section that carried it.
 */
function hiddenObjectsStream(reader: PdfReader): number | null {
  const newest = reader.sections[0];
  const stream = newest?.xrefStream;
  if (!newest || newest.kind !== 'table' || !stream) return null;
  const revisions = reader.revisions;
  const start = revisions.length > 1 ? (revisions[revisions.length - 2] as { end: number }).end : 0;
  if (stream.offset < start) return null;
  // In the hybrid section the table wins over its stream; in ours, the stream would win over the
  // older table. Pass it on only when they never disagree: the stream lists no object the table
  // has in use elsewhere (the usual layout: the table marks the stream's objects free).
  for (const [num, entry] of stream.entries) {
    const inTable = newest.entries.get(num);
    if (inTable?.type !== 'offset') continue;
    if (entry.type !== 'offset' || entry.offset !== inTable.offset || entry.gen !== inTable.gen) return null;
  }
  return stream.offset;
}

/**
 * The security handler an update of `reader` encrypts with, or null when the document is not
 * encrypted. Refused: a handler we cannot keep (certificates, another handler, an unknown
 * revision), and a document opened without the password it needs. Callers may ask it before any
 * work (the app and the command line do, before a PIN is asked).
 */
export function encryptorOf(reader: PdfReader): Encryptor | null {
  const encryption = reader.encryption;
  if (!encryption) return null;
  if (encryption.filter === 'Adobe.PubSec') throw new PdfError('unsupported-encryption', msg('error.pdf.pubsec-sign', { name: reader.name }));
  if (!isSupportedStandard(encryption)) {
    throw new PdfError('unsupported-encryption', msg('error.pdf.encryption-unsupported', { name: reader.name, handler: encryption.filter, revision: encryption.r }));
  }
  const security = reader.security;
  if (!security) throw new PdfError('needs-password', msg('error.pdf.needs-password', { name: reader.name }));
  return security;
}

/**
 * `obj` as written in object `ref` of an encrypted document: its strings (hex: they are binary
 * now) and, for a stream, its data encrypted, each with the document's method for it. The
 * /Contents of a signature dictionary stays in clear (7.6.2).
 */
function encryptObject(obj: PdfObject, ref: PdfRef, encryptor: Encryptor): PdfObject {
  const method = encryptor.stringMethod;
  const strings = (value: PdfObject): PdfObject => {
    if (value instanceof PdfString) {
      // A string the reader could not decrypt would be encrypted twice: never written (a bug).
      if (value.encrypted) throw new Error(`internal: object ${ref.num} ${ref.gen} holds a string still encrypted`);
      return method === 'none' ? value : new PdfString(encryptor.encrypt(value.bytes, ref.num, ref.gen, method), true);
    }
    if (Array.isArray(value)) return value.map(strings);
    if (value instanceof PdfDict) {
      const out = new PdfDict();
      for (const [key, item] of value.entries) out.set(key, isSignatureContents(value, key) ? item : strings(item));
      return out;
    }
    return value;
  };
  if (obj instanceof PdfStream) {
    // A stream not in memory is refused by serializeIndirect, as it would be unencrypted.
    if (!obj.bytes) return obj;
    const data = encryptor.encrypt(obj.bytes, ref.num, ref.gen, encryptor.streamMethodOf(obj.dict));
    return PdfStream.fromBytes(strings(obj.dict) as PdfDict, data, obj.ref);
  }
  return strings(obj);
}

/**
 * Whether the file ends with an end-of-line marker. The reader knows where its last revision ends
 * (just after %%EOF and its EOL): when that is the end of the file and it is past "%%EOF", the
 * file ends with an EOL. Anything else (no EOL, trailing bytes we have not looked at) gets one.
 */
function endsWithEol(reader: PdfReader): boolean {
  const last = reader.revisions.at(-1);
  if (!last || last.eofOffset === null) return false;
  return last.end === reader.size && last.end > last.eofOffset + 5;
}

/** Consecutive runs of sorted numbers as [start, count]. */
function ranges(nums: readonly number[]): [number, number][] {
  const out: [number, number][] = [];
  for (const num of nums) {
    const last = out.at(-1);
    if (last && last[0] + last[1] === num) last[1] += 1;
    else out.push([num, 1]);
  }
  return out;
}

/** A cross-reference stream (7.5.8): type 1 entries only, FlateDecode without predictor. */
function xrefStream(trailer: PdfDict, entries: Map<number, { ref: PdfRef; offset: number }>, maxOffset: number): PdfStream {
  let offsetWidth = 1;
  while (maxOffset >= 2 ** (8 * offsetWidth)) offsetWidth++;
  const nums = [...entries.keys()].sort((a, b) => a - b);
  const rowWidth = 1 + offsetWidth + 2;
  const rows = new Uint8Array(nums.length * rowWidth);
  nums.forEach((num, i) => {
    const { ref, offset } = entries.get(num) as { ref: PdfRef; offset: number };
    const at = i * rowWidth;
    rows[at] = 1;
    let value = offset;
    for (let k = offsetWidth; k >= 1; k--) {
      rows[at + k] = value % 256;
      value = Math.floor(value / 256);
    }
    rows[at + offsetWidth + 1] = (ref.gen >> 8) & 0xff;
    rows[at + offsetWidth + 2] = ref.gen & 0xff;
  });
  const dict = new PdfDict([
    ['Type', new PdfName('XRef')],
    ['Size', trailer.get('Size') as PdfObject],
    ['Index', ranges(nums).flat()],
    ['W', [1, offsetWidth, 2]],
    ['Filter', new PdfName('FlateDecode')],
  ]);
  for (const [key, value] of trailer.entries) if (!dict.has(key)) dict.set(key, value);
  return PdfStream.fromBytes(dict, deflateSync(rows));
}
