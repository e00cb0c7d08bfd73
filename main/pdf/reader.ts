// The lazy PDF reader, shaped like pyHanko's pdf_utils reader: opening reads the header, the tail,
// the cross-reference sections and (if any) the linearization and encryption dictionaries; every
// other object is read when asked for, once, and cached. Nothing is ever repaired: a file whose
// cross-reference data is wrong is refused, because a repaired reading would not be the document
// that earlier signers signed.
import { PdfError, UNNAMED, isPdfError } from './errors';
import { msg } from '../errors';
import { readFieldTree, terminalFields } from './fields';
import type { FieldInfo, FieldNode } from './fields';
import { DecodeBudget, decodeFiltersAsync } from './filters';
import type { DecodeLimits, FilterStep } from './filters';
import { Lexer, PdfSyntaxError } from './lexer';
import { PdfDict, PdfName, PdfRef, PdfStream, PdfString, latin1 } from './objects';
import type { PdfObject } from './objects';
import { measureStream, parseIndirectObject, parseObject, parseObjectHeader, parseWindowed } from './parser';
import { StandardSecurity, describeEncryption, isSignatureContents, isSupportedStandard } from './security';
import type { CryptMethod, EncryptionDescription } from './security';
import type { ByteSource } from './source';
import { XrefTable, findRevisionEnd, findStartxref, readXrefChain } from './xref';
import type { XrefEntry, XrefSection } from './xref';

export interface PdfHeader {
  /** The version of the %PDF-x.y header, e.g. "1.7". */
  readonly version: string;
  /** Offset of "%PDF-" (0 in almost every file). */
  readonly offset: number;
}

/** One revision: the original document, or one incremental update. */
export interface Revision {
  /** 1-based, oldest first. */
  readonly number: number;
  /** Its xref sections, newest first (a linearized original has two; a hybrid table carries its /XRefStm). */
  readonly sections: readonly XrefSection[];
  /** The trailer of its newest section. */
  readonly trailer: PdfDict;
  /** Offset of the %%EOF that closes it, or null when there is none before the next revision. */
  readonly eofOffset: number | null;
  /** Where it ends: just after its %%EOF and that line's end-of-line marker. */
  readonly end: number;
}

export interface OpenOptions {
  /** How messages name the document (the source's name by default). */
  readonly name?: string;
  /** How much stream data the reader decodes (DEFAULT_DECODE_LIMITS by default; tests lower them). */
  readonly decodeLimits?: DecodeLimits;
  /**
   * The budget of another reader of the same bytes (a view of an earlier revision), so that
   * views of a document cannot each decode the whole budget again. Overrides decodeLimits.
   */
  readonly budget?: DecodeBudget;
  /**
   * The document's password, user's or owner's, for a file encrypted with one (ignored for any
   * other file). A password that opens neither is refused ('bad-password'). Without it, a file that
   * needs one is read where it is not encrypted, and refused where it is ('encrypted').
   */
  readonly password?: string;
  /**
   * The security handler of another reader of the same document (`reader.security`, e.g. a view
   * of an earlier revision, or the file after an update): its key is reused when the encryption
   * dictionary and first /ID are the same, so the password need not be given again.
   */
  readonly security?: StandardSecurity | null;
}

/** Opens a PDF: reads its header, tail and cross-reference sections. */
export async function openPdf(source: ByteSource, options: OpenOptions = {}): Promise<PdfReader> {
  const name = options.name ?? source.name ?? UNNAMED;
  if (source.size === 0) throw new PdfError('empty', msg('error.pdf.empty', { name }));
  const header = await readHeader(source, name);
  const warnings: string[] = [];
  // One budget for everything decoded from this document: its xref streams now, the rest later.
  const budget = options.budget ?? new DecodeBudget(name, options.decodeLimits);
  const ctx = { source, name, warn: (message: string) => warnings.push(message), budget };
  const startxref = await findStartxref(ctx);
  const sections = await readXrefChain(ctx, startxref);
  const reader = new PdfReader(source, name, header, startxref, sections, warnings, budget);
  await reader.init(options);
  return reader;
}

/**
 * What a file that is not a PDF looks like, from its first bytes only: a kind that the message
 * `error.pdf.not-pdf` words in each language.
 */
export function fileKind(head: Uint8Array): 'zip' | 'png' | 'jpeg' | 'der' | 'html' | 'xml' | 'pem' | 'text' | 'binary' {
  const starts = (...bytes: number[]) => bytes.every((b, i) => head[i] === b);
  if (starts(0x50, 0x4b, 0x03, 0x04)) return 'zip';
  if (starts(0x89, 0x50, 0x4e, 0x47)) return 'png';
  if (starts(0xff, 0xd8, 0xff)) return 'jpeg';
  if (starts(0x30, 0x82)) return 'der';
  const text = latin1(head.subarray(0, 512));
  if (/^\s*<(!doctype html|html)/i.test(text)) return 'html';
  if (/^\s*<\?xml/i.test(text)) return 'xml';
  if (text.includes('-----BEGIN ')) return 'pem';
  let printable = 0;
  for (const b of head) if (b === 9 || b === 10 || b === 13 || (b >= 0x20 && b < 0x7f) || b >= 0xa0) printable += 1;
  return head.length > 0 && printable / head.length > 0.95 ? 'text' : 'binary';
}

/** The %PDF-x.y header (within the first 1 KiB); 'not-pdf' without one. */
export async function readHeader(source: ByteSource, name: string): Promise<PdfHeader> {
  const head = latin1(await source.read(0, 1024));
  const at = head.indexOf('%PDF-');
  const match = at < 0 ? null : /^%PDF-(\d+\.\d+)/.exec(head.slice(at));
  if (!match?.[1]) {
    // What the file seems to be, never what it says: the sentence may reach a window, a log or a
    // script's output, and the file may be anyone's secrets (a key, a token, /etc/passwd).
    throw new PdfError('not-pdf', msg('error.pdf.not-pdf', { name, kind: fileKind(await source.read(0, 1024)) }));
  }
  return { version: match[1], offset: at };
}

/** Orders two "major.minor" PDF versions: negative when `a` is older, 0 when equal, positive when newer. */
export function compareVersions(a: string, b: string): number {
  const [am = 0, an = 0] = a.split('.').map(Number);
  const [bm = 0, bn = 0] = b.split('.').map(Number);
  return am !== bm ? am - bm : an - bn;
}

interface ObjectStream {
  readonly data: Uint8Array;
  readonly first: number;
  /** [object number, offset relative to /First] for each object, in order. */
  readonly index: readonly (readonly [number, number])[];
}

// Object streams kept decoded: a few, and a few megabytes at most (a hostile file can make each
// one as large as the decode limit allows).
const OBJECT_STREAM_CACHE = 8;
const OBJECT_STREAM_CACHE_BYTES = 16 * 1024 * 1024;

/** The highest object number a PDF can use: readers (poppler, qpdf) number objects with 32-bit integers. */
export const MAX_OBJECT_NUMBER = 2 ** 31 - 2;

/**
 * A load in progress, as the wait graph names it: an indirect object, or the decoding of an object
 * stream. "obj 7" and "objstm 7" are different loads of the same object number.
 */
type LoadKey = `obj ${number}` | `objstm ${number}`;

/**
 * Which load waits for which. Loads run concurrently (callers resolve several objects at once), so
 * "being loaded" alone does not mean "a cycle": only a wait that closes a loop in this graph does,
 * e.g. object stream 5 waiting for its /N, object 7, which is stored in object stream 5. Such a
 * wait would never end; it is refused instead.
 */
class WaitGraph {
  private readonly edges = new Map<LoadKey, Map<LoadKey, number>>();

  /** The loads from `from` to `to` along waits (both included), or null when `from` does not wait for `to`. */
  path(from: LoadKey, to: LoadKey): LoadKey[] | null {
    const previous = new Map<LoadKey, LoadKey | null>([[from, null]]);
    const queue: LoadKey[] = [from];
    for (let i = 0; i < queue.length; i++) {
      const at = queue[i] as LoadKey;
      if (at === to) {
        const path: LoadKey[] = [];
        for (let step: LoadKey | null = at; step !== null; step = previous.get(step) ?? null) path.unshift(step);
        return path;
      }
      for (const next of this.edges.get(at)?.keys() ?? []) {
        if (!previous.has(next)) {
          previous.set(next, at);
          queue.push(next);
        }
      }
    }
    return null;
  }

  add(from: LoadKey, to: LoadKey): void {
    let out = this.edges.get(from);
    if (!out) this.edges.set(from, (out = new Map()));
    out.set(to, (out.get(to) ?? 0) + 1);
  }

  remove(from: LoadKey, to: LoadKey): void {
    const out = this.edges.get(from);
    const count = out?.get(to) ?? 0;
    if (!out || count <= 1) {
      out?.delete(to);
      if (out?.size === 0) this.edges.delete(from);
    } else {
      out.set(to, count - 1);
    }
  }
}

function describeLoad(key: LoadKey): string {
  const [kind, num] = key.split(' ');
  return kind === 'objstm' ? `object stream ${num}` : `object ${num}`;
}

/** Objects that need each other to be read: refused, since reading them would wait forever. */
export class ReferenceCycleError extends PdfError {
  constructor(
    name: string,
    /** The loads around the cycle, the first repeated at the end. */
    readonly cycle: readonly string[],
  ) {
    const [first, ...rest] = cycle;
    // A long loop is named by its first steps and where it closes: one line, not hundreds.
    const steps = rest.length > 6 ? [...rest.slice(0, 3), `... (${rest.length - 4} more), which needs ${rest.at(-1) as string}`] : rest;
    super('malformed', msg('error.pdf.reference-loop', { name, loop: `${first} needs ${steps.join(', which needs ')}` }));
  }
}

export class PdfReader {
  /** The newest trailer, completed by older trailers' keys it lacks (/Prev and /XRefStm excluded). */
  readonly trailer: PdfDict;
  /** Merged cross-reference: the newest entry of each object. */
  readonly xref: XrefTable;
  private revisionList: readonly Revision[] = [];
  private linearizationDict: PdfDict | null = null;
  private encryptionDescription: EncryptionDescription | null = null;

  private decryptor: StandardSecurity | null = null;
  private emptyPasswordOpens = false;
  private encryptNum: number | null = null;
  private readonly objects = new Map<number, Promise<PdfObject>>();
  /** Which load waits for which: a wait that would close a loop is refused (ReferenceCycleError). */
  private readonly waits = new WaitGraph();
  /** Decoded object streams, least recently used first; `bytes` is null while one is loading. */
  private readonly objectStreams = new Map<number, { promise: Promise<ObjectStream>; bytes: number | null }>();

  constructor(
    readonly source: ByteSource,
    /** How messages name the document. */
    readonly name: string,
    readonly header: PdfHeader,
    /** The offset startxref gives. */
    readonly startxref: number,
    /** Every xref section, newest first (hybrid /XRefStm sections hang off their table). */
    readonly sections: readonly XrefSection[],
    /** Things that are wrong but do not prevent reading (a wrong /Length...). */
    readonly warnings: string[],
    /** What may still be decoded from this document (shared with the xref streams read by openPdf). */
    readonly budget: DecodeBudget = new DecodeBudget(name),
  ) {
    this.xref = new XrefTable(sections);
    const trailer = new PdfDict();
    for (const section of sections) {
      for (const [key, value] of section.trailer.entries) {
        if (key !== 'Prev' && key !== 'XRefStm' && !trailer.has(key)) trailer.set(key, value);
      }
    }
    this.trailer = trailer;
  }

  /** @internal Reads the linearization and encryption dictionaries and works out the revisions; openPdf calls it. */
  async init(options: Pick<OpenOptions, 'password' | 'security'> = {}): Promise<void> {
    this.linearizationDict = await this.readLinearization();
    const encrypt = this.trailer.get('Encrypt');
    if (encrypt !== undefined && encrypt !== null) {
      if (encrypt instanceof PdfRef) this.encryptNum = encrypt.num;
      const dict = await this.resolve(encrypt);
      if (!(dict instanceof PdfDict)) throw new PdfError('malformed', msg('error.pdf.encrypt-not-dict', { name: this.name }));
      this.encryptionDescription = describeEncryption(dict);
      const id = this.trailer.get('ID');
      const id0 = Array.isArray(id) && id[0] instanceof PdfString ? id[0].bytes : null;
      const password = options.password ?? null;
      const reused = options.security?.sameHandler(dict, id0) === true;
      if (reused) {
        this.decryptor = options.security ?? null;
      } else {
        this.decryptor = StandardSecurity.open(dict, id0, password);
        // A password given for a file it does not open: said at once, in words (a file of another
        // handler, or one we cannot open at all, is refused later, when its bytes are needed).
        if (this.decryptor === null && password !== null && isSupportedStandard(this.encryptionDescription)) {
          throw new PdfError('bad-password', msg('error.pdf.bad-password', { name: this.name }));
        }
      }
      // Whether the empty user password opens it too (what `info` tells), whatever opened it here.
      this.emptyPasswordOpens = password === null && !reused ? this.decryptor !== null : StandardSecurity.open(dict, id0, null) !== null;
      // Objects already cached were read before the decryptor existed (only /Encrypt, normally).
      for (const num of this.objects.keys()) if (num !== this.encryptNum) this.objects.delete(num);
    }
    this.revisionList = await this.computeRevisions();
  }

  /** Revisions, oldest first. */
  get revisions(): readonly Revision[] {
    return this.revisionList;
  }

  /** The linearization parameter dictionary, if the first object of the file is one. */
  get linearization(): PdfDict | null {
    return this.linearizationDict;
  }

  /** How the file is encrypted (null if it is not). */
  get encryption(): EncryptionDescription | null {
    return this.encryptionDescription;
  }

  get size(): number {
    return this.source.size;
  }

  /** The trailer has /Encrypt. */
  get isEncrypted(): boolean {
    return this.encryption !== null;
  }

  /** Encrypted strings and streams can be read: the file is not encrypted, or opens with the password given (or the empty one). */
  get canDecrypt(): boolean {
    return this.encryption === null || this.decryptor !== null;
  }

  /** The file is not encrypted, or opens with the empty user password (whatever password was given). */
  get opensWithoutPassword(): boolean {
    return this.encryption === null || this.emptyPasswordOpens;
  }

  /**
   * The standard security handler that opened the file (its file key): for the incremental writer,
   * which encrypts what it adds with it, and for other readers of the same document (OpenOptions
   * .security). null when the file is not encrypted or could not be opened.
   */
  get security(): StandardSecurity | null {
    return this.decryptor;
  }

  /** The object `num` (with generation `gen` if given); null if it is free, absent or of another generation. */
  async getObject(num: number, gen?: number): Promise<PdfObject> {
    return this.fetch(num, gen, null);
  }

  /**
   * getObject on behalf of `owner`, the load that needs the object (null for a caller outside the
   * reader, which no load waits for).
   */
  private fetch(num: number, gen: number | undefined, owner: LoadKey | null): Promise<PdfObject> {
    const entry = this.xref.get(num);
    if (!entry || entry.type === 'free') return Promise.resolve(null);
    const entryGen = entry.type === 'offset' ? entry.gen : 0;
    if (gen !== undefined && gen !== entryGen) return Promise.resolve(null);
    return this.waitFor(owner, `obj ${num}`, () => {
      let promise = this.objects.get(num);
      if (!promise) {
        promise = this.loadObject(num, entry);
        promise.catch(() => this.objects.delete(num));
        this.objects.set(num, promise);
      }
      return promise;
    });
  }

  /**
   * Runs `start` (which returns the promise of load `target`, started or cached) and waits for it
   * on behalf of `owner`. The wait is recorded before `start` runs, since a load runs synchronously
   * up to its first await and may already ask for `owner` there.
   */
  private async waitFor<T>(owner: LoadKey | null, target: LoadKey, start: () => Promise<T>): Promise<T> {
    if (owner === null) return start();
    const back = this.waits.path(target, owner);
    if (back) throw new ReferenceCycleError(this.name, [owner, ...back].map(describeLoad));
    this.waits.add(owner, target);
    try {
      return await start();
    } finally {
      this.waits.remove(owner, target);
    }
  }

  /** Follows references until a direct object. */
  async resolve(value: PdfObject | undefined): Promise<PdfObject> {
    return this.resolveFor(value, null);
  }

  private async resolveFor(value: PdfObject | undefined, owner: LoadKey | null): Promise<PdfObject> {
    let current: PdfObject | undefined = value;
    for (let hops = 0; current instanceof PdfRef; hops++) {
      if (hops > 32) throw new PdfError('malformed', msg('error.pdf.reference-chain', { name: this.name, at: String(value) }));
      current = await this.fetch(current.num, current.gen, owner);
    }
    return current ?? null;
  }

  /** dict[key], resolved; null when absent. */
  async get(dict: PdfDict, key: string): Promise<PdfObject> {
    return this.resolve(dict.get(key));
  }

  /** The document catalog (/Root). */
  async catalog(): Promise<PdfDict> {
    const root = await this.resolve(this.trailer.get('Root'));
    if (!(root instanceof PdfDict)) throw new PdfError('malformed', msg('error.pdf.no-catalog', { name: this.name }));
    return root;
  }

  /** The PDF version: the header's, or the catalog's /Version when that is higher (7.2.2). */
  async version(): Promise<string> {
    let catalog: PdfDict;
    try {
      catalog = await this.catalog();
    } catch (error) {
      if (isPdfError(error, 'encrypted')) return this.header.version;
      throw error;
    }
    const version = await this.get(catalog, 'Version');
    const text = version instanceof PdfName ? version.value : null;
    if (text && /^\d+\.\d+$/.test(text) && compareVersions(text, this.header.version) > 0) return text;
    return this.header.version;
  }

  /** /Root /Pages /Count. */
  async pageCount(): Promise<number> {
    const catalog = await this.catalog();
    const pages = await this.get(catalog, 'Pages');
    if (!(pages instanceof PdfDict)) throw new PdfError('malformed', msg('error.pdf.no-page-tree', { name: this.name }));
    const count = await this.get(pages, 'Count');
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) throw new PdfError('malformed', msg('error.pdf.page-count-nan', { name: this.name }));
    // Every page is an indirect object (7.7.3.2): more pages than objects is a lie, and callers
    // that walk or list pages must not trust it.
    if (count > this.xref.size) {
      throw new PdfError('malformed', msg('error.pdf.page-count-too-large', { name: this.name, count, objects: this.xref.size }));
    }
    return count;
  }

  /** The form fields of /Root /AcroForm /Fields, terminal fields only, with their full names. */
  async fields(): Promise<FieldInfo[]> {
    return terminalFields(await this.fieldTree());
  }

  private fieldTreeRead: Promise<FieldNode[]> | null = null;

  /** Every node of the field tree, parents first (see fields.ts); walked once per reader, its warnings given once. */
  fieldTree(): Promise<FieldNode[]> {
    this.fieldTreeRead ??= readFieldTree(this).catch((error: unknown) => {
      this.fieldTreeRead = null;
      throw error;
    });
    return this.fieldTreeRead;
  }

  /**
   * The decoded data of a stream (decrypted first when the file is encrypted). Refused with
   * 'decode-limit' past the document's decode budget (see DEFAULT_DECODE_LIMITS).
   */
  async streamData(stream: PdfStream): Promise<Uint8Array> {
    return this.streamDataFor(stream, null);
  }

  private async streamDataFor(stream: PdfStream, owner: LoadKey | null): Promise<Uint8Array> {
    const steps = await this.filterSteps(stream.dict, owner);
    let data = stream.bytes ?? (await this.source.read(stream.dataOffset, stream.dataLength));
    if (this.encryption && stream.ref && stream.ref.num !== this.encryptNum) {
      const method = this.streamCryptMethod(stream.dict, steps);
      if (method !== 'none') {
        if (!this.decryptor) {
          throw new PdfError('encrypted', msg('error.pdf.encrypted-object', { name: this.name, num: stream.ref.num, gen: stream.ref.gen }));
        }
        data = this.decryptor.decrypt(data, stream.ref.num, stream.ref.gen, method);
      }
    }
    return decodeFiltersAsync(data, steps, this.budget);
  }

  /** The revision whose bytes end at `offset` (after its %%EOF, with or without the EOL), or null. */
  revisionEndingAt(offset: number): Revision | null {
    for (const revision of this.revisions) {
      if (offset === revision.end) return revision;
      if (revision.eofOffset !== null && offset >= revision.eofOffset + 5 && offset <= revision.end) return revision;
    }
    return null;
  }

  /** The newest revision whose xref sections define object `num` (in use), or null. */
  objectRevision(num: number): Revision | null {
    for (let i = this.revisions.length - 1; i >= 0; i--) {
      const revision = this.revisions[i] as Revision;
      for (const entries of this.entriesOf(revision)) {
        const entry = entries.get(num);
        if (entry && entry.type !== 'free') return revision;
      }
    }
    return null;
  }

  /**
   * The cross-reference entries revision `revision` wrote: its sections' own, and their /XRefStm
   * streams when they lie in the revision. An update of a hybrid file may name the stream of the
   * revision before it again (writer.ts): those entries are inherited, not redefined.
   */
  entriesOf(revision: Revision): ReadonlyMap<number, XrefEntry>[] {
    const previous = this.revisions[revision.number - 2];
    const start = previous ? previous.end : 0;
    const out: ReadonlyMap<number, XrefEntry>[] = [];
    for (const section of revision.sections) {
      out.push(section.entries);
      if (section.xrefStream && section.xrefStream.offset >= start) out.push(section.xrefStream.entries);
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------

  private async loadObject(num: number, entry: Exclude<XrefEntry, { type: 'free' }>): Promise<PdfObject> {
    if (entry.type === 'compressed') return this.loadCompressed(num, entry.stream, entry.index);
    const { offset, gen } = entry;
    if (offset >= this.source.size) {
      throw new PdfError('broken-xref', msg('error.pdf.xref-past-end', { name: this.name, num, gen, offset }));
    }
    let parsed;
    try {
      parsed = await parseWindowed(this.source, offset, (lx) => {
        lx.skipSpace();
        const start = lx.pos;
        try {
          parseObjectHeader(lx);
        } catch (error) {
          if (error instanceof PdfSyntaxError) throw new PdfError('broken-xref', msg('error.pdf.xref-no-object', { name: this.name, num, gen, offset }));
          throw error;
        }
        lx.pos = start;
        return parseIndirectObject(lx);
      });
    } catch (error) {
      if (error instanceof PdfSyntaxError) {
        throw new PdfError('malformed', msg('error.pdf.malformed-object', { name: this.name, num, gen, offset, detail: error.message, at: error.offset }));
      }
      throw error;
    }
    if (parsed.num !== num || parsed.gen !== gen) {
      throw new PdfError('broken-xref', msg('error.pdf.xref-other-object', { name: this.name, num, gen, offset, foundNum: parsed.num, foundGen: parsed.gen }));
    }
    if (parsed.missingEndobj) this.warnings.push(`${this.name}: object ${num} ${gen} at byte ${offset} has no "endobj"`);
    // Strings of the /Encrypt dictionary and of xref streams (trailers) are not encrypted (7.6.2).
    const clear = num === this.encryptNum || (parsed.object instanceof PdfDict && parsed.object.getName('Type') === 'XRef');
    const object = this.encryption && !clear ? this.decryptStrings(parsed.object, num, gen) : parsed.object;
    if (parsed.streamOffset === null) return object;

    const dict = object as PdfDict;
    const declared = await this.resolveLength(dict.get('Length'), `obj ${num}`);
    const extent = await measureStream(this.source, parsed.streamOffset, typeof declared === 'number' ? declared : null);
    if (!extent) throw new PdfError('malformed', msg('error.pdf.no-endstream', { name: this.name, num, gen, offset }));
    if (!extent.declaredOk) {
      this.warnings.push(`${this.name}: object ${num} ${gen} has a wrong /Length (${typeof declared === 'number' ? declared : 'missing'}; its data is ${extent.length} bytes, up to "endstream")`);
    }
    return new PdfStream(dict, parsed.streamOffset, extent.length, new PdfRef(num, gen));
  }

  /**
   * A stream's /Length: direct, or one reference to an integer. A reference that leads back to the
   * stream being loaded (itself, or a length stored in the object stream being loaded) is ignored:
   * the data is then measured up to "endstream".
   */
  private async resolveLength(value: PdfObject | undefined, owner: LoadKey): Promise<number | null> {
    if (typeof value === 'number') return value;
    if (!(value instanceof PdfRef)) return null;
    let target: PdfObject;
    try {
      target = await this.fetch(value.num, value.gen, owner);
    } catch (error) {
      if (error instanceof ReferenceCycleError && error.cycle.includes(describeLoad(owner))) return null;
      throw error;
    }
    return typeof target === 'number' ? target : null;
  }

  private async loadCompressed(num: number, streamNum: number, index: number): Promise<PdfObject> {
    const stream = await this.objectStream(streamNum, `obj ${num}`);
    let slot = stream.index[index];
    if (!slot || slot[0] !== num) {
      // The index in the xref entry is wrong: the object stream's own header is authoritative.
      const found = stream.index.findIndex(([n]) => n === num);
      if (found < 0) {
        throw new PdfError('broken-xref', msg('error.pdf.xref-not-in-objstm', { name: this.name, num, stream: streamNum }));
      }
      slot = stream.index[found] as readonly [number, number];
      index = found;
    }
    const start = stream.first + slot[1];
    const next = stream.index[index + 1];
    const end = next ? stream.first + next[1] : stream.data.length;
    if (start > stream.data.length || end < start) throw new PdfError('malformed', msg('error.pdf.objstm-outside', { name: this.name, stream: streamNum, num }));
    try {
      return parseObject(new Lexer(stream.data.subarray(0, end), 0, true, start));
    } catch (error) {
      if (error instanceof PdfSyntaxError) {
        throw new PdfError('malformed', msg('error.pdf.objstm-malformed-object', { name: this.name, num, stream: streamNum, detail: error.message }));
      }
      throw error;
    }
  }

  private objectStream(num: number, owner: LoadKey): Promise<ObjectStream> {
    return this.waitFor(owner, `objstm ${num}`, () => {
      const cached = this.objectStreams.get(num);
      if (cached) {
        this.objectStreams.delete(num);
        this.objectStreams.set(num, cached);
        return cached.promise;
      }
      const entry: { promise: Promise<ObjectStream>; bytes: number | null } = { promise: this.loadObjectStream(num), bytes: null };
      this.objectStreams.set(num, entry);
      entry.promise.then(
        (stream) => {
          entry.bytes = stream.data.length;
          this.trimObjectStreams(entry);
        },
        () => {
          if (this.objectStreams.get(num) === entry) this.objectStreams.delete(num);
        },
      );
      return entry.promise;
    });
  }

  /** Drops the least recently used decoded object streams beyond the cache's count and bytes (never `keep`, nor one still loading). */
  private trimObjectStreams(keep: { bytes: number | null }): void {
    let count = 0;
    let bytes = 0;
    for (const entry of this.objectStreams.values()) {
      if (entry.bytes === null) continue;
      count++;
      bytes += entry.bytes;
    }
    for (const [num, entry] of this.objectStreams) {
      if (count <= OBJECT_STREAM_CACHE && bytes <= OBJECT_STREAM_CACHE_BYTES) break;
      if (entry === keep || entry.bytes === null) continue;
      this.objectStreams.delete(num);
      count--;
      bytes -= entry.bytes;
    }
  }

  private async loadObjectStream(num: number): Promise<ObjectStream> {
    const owner: LoadKey = `objstm ${num}`;
    // An object stream is never itself compressed (7.5.7): refusing it also rules out cycles.
    if (this.xref.get(num)?.type !== 'offset') {
      throw new PdfError('broken-xref', msg('error.pdf.objstm-compressed', { name: this.name, num }));
    }
    const stream = await this.fetch(num, undefined, owner);
    if (!(stream instanceof PdfStream) || stream.dict.getName('Type') !== 'ObjStm') {
      throw new PdfError('broken-xref', msg('error.pdf.objstm-not-stream', { name: this.name, num }));
    }
    const n = await this.resolveFor(stream.dict.get('N'), owner);
    const first = await this.resolveFor(stream.dict.get('First'), owner);
    if (typeof n !== 'number' || typeof first !== 'number' || !Number.isInteger(n) || !Number.isInteger(first) || n < 0 || first < 0) {
      throw new PdfError('malformed', msg('error.pdf.objstm-header-nan', { name: this.name, num }));
    }
    const data = await this.streamDataFor(stream, owner);
    // Each entry of the header is two numbers and two spaces at least: a larger /N is a lie, and
    // would make the index below as large as the lie.
    if (n > Math.ceil(Math.min(first, data.length) / 4)) {
      throw new PdfError('malformed', msg('error.pdf.objstm-header-short', { name: this.name, num, n }));
    }
    const lx = new Lexer(data.subarray(0, first), 0, true);
    const index: [number, number][] = [];
    for (let i = 0; i < n; i++) {
      const objNum = lx.next();
      const objOffset = lx.next();
      if (objNum.kind !== 'int' || objOffset.kind !== 'int') throw new PdfError('malformed', msg('error.pdf.objstm-header-list', { name: this.name, num, n }));
      index.push([objNum.value, objOffset.value]);
    }
    return { data, first, index };
  }

  private async filterSteps(dict: PdfDict, owner: LoadKey | null): Promise<FilterStep[]> {
    const filter = await this.resolveFor(dict.get('Filter'), owner);
    const parms = await this.resolveFor(dict.get('DecodeParms'), owner);
    const names = filter === null ? [] : Array.isArray(filter) ? filter : [filter];
    const params = parms === null ? [] : Array.isArray(parms) ? parms : [parms];
    // More steps than filters exist is no real file: a long chain only multiplies decoding work.
    if (names.length > 8) throw new PdfError('malformed', msg('error.pdf.too-many-filters', { name: this.name, count: names.length }));
    const steps: FilterStep[] = [];
    for (let i = 0; i < names.length; i++) {
      const name = await this.resolveFor(names[i], owner);
      const param = await this.resolveFor(params[i], owner);
      if (!(name instanceof PdfName)) throw new PdfError('malformed', msg('error.pdf.filter-not-name', { name: this.name }));
      steps.push({ name: name.value, params: param instanceof PdfDict ? param : null });
    }
    return steps;
  }

  private streamCryptMethod(dict: PdfDict, steps: readonly FilterStep[]): CryptMethod {
    const type = dict.getName('Type');
    if (type === 'XRef') return 'none';
    if (type === 'Metadata' && this.encryption && !this.encryption.encryptMetadata) return 'none';
    const first = steps[0];
    if (first && first.name === 'Crypt') {
      const name = first.params?.getName('Name') ?? 'Identity';
      if (name === 'Identity') return 'none';
      return this.decryptor ? this.decryptor.methodOf(name) : 'aes-128';
    }
    return this.encryption?.streamMethod ?? 'none';
  }

  /** A copy of `value` with its strings decrypted (or marked encrypted when we lack the password). */
  private decryptStrings(value: PdfObject, num: number, gen: number): PdfObject {
    const method = this.encryption?.stringMethod ?? 'none';
    if (method === 'none') return value;
    const walk = (v: PdfObject): PdfObject => {
      if (v instanceof PdfString) {
        return this.decryptor ? new PdfString(this.decryptor.decrypt(v.bytes, num, gen, method), v.hex) : new PdfString(v.bytes, v.hex, true);
      }
      if (Array.isArray(v)) return v.map(walk);
      if (v instanceof PdfDict) {
        const out = new PdfDict();
        for (const [key, item] of v.entries) out.set(key, isSignatureContents(v, key) ? item : walk(item));
        return out;
      }
      return v;
    };
    return walk(value);
  }

  private async readLinearization(): Promise<PdfDict | null> {
    // The linearization dictionary is the first object, within the first 1024 bytes (Annex F).
    try {
      const parsed = await parseWindowed(this.source, this.header.offset, (lx) => {
        lx.skipSpace(); // %PDF-x.y and the binary line are comments
        if (lx.offset > this.header.offset + 1024) return null;
        return parseIndirectObject(lx);
      });
      if (parsed && parsed.object instanceof PdfDict && parsed.object.has('Linearized')) return parsed.object;
    } catch (error) {
      if (!(error instanceof PdfSyntaxError)) throw error;
    }
    return null;
  }

  private async computeRevisions(): Promise<Revision[]> {
    const lengthValue = this.linearization?.get('L');
    const linearLength = typeof lengthValue === 'number' ? lengthValue : null;
    // Group sections (newest first): a linearized original's first-page and main sections form one
    // revision (both lie before /L); every other section is one incremental update.
    const groups: XrefSection[][] = [];
    const original: XrefSection[] = [];
    for (const section of this.sections) {
      if (linearLength !== null && section.offset < linearLength) original.push(section);
      else groups.push([section]);
    }
    if (original.length > 0) groups.push(original);
    const lastOf = (group: XrefSection[]) => group.reduce((a, b) => (b.offset > a.offset ? b : a));
    groups.sort((a, b) => lastOf(a).offset - lastOf(b).offset);

    const revisions: Revision[] = [];
    for (let i = 0; i < groups.length; i++) {
      const group = groups[i] as XrefSection[];
      const last = lastOf(group);
      const nextGroup = groups[i + 1];
      const limit = nextGroup ? Math.min(...nextGroup.map((s) => s.offset)) : this.source.size;
      const end = await findRevisionEnd(this.source, last.end, Math.max(limit, last.end));
      let eofOffset: number | null = null;
      let revisionEnd = last.end;
      if (end === null) {
        this.warnings.push(`${this.name}: revision ${i + 1} has no %%EOF after its cross-reference section at byte ${last.offset}`);
      } else {
        revisionEnd = end;
        const tail = latin1(await this.source.read(end - 7, 7));
        eofOffset = end - 7 + tail.lastIndexOf('%%EOF');
      }
      revisions.push({ number: i + 1, sections: group, trailer: (group[0] as XrefSection).trailer, eofOffset, end: revisionEnd });
    }
    return revisions;
  }
}
