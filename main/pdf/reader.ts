// The lazy PDF reader, shaped like pyHanko's pdf_utils reader: opening reads the header, the tail,
// the cross-reference sections and (if any) the linearization and encryption dictionaries; every
// other object is read when asked for, once, and cached. Nothing is ever repaired: a file whose
// cross-reference data is wrong is refused, because a repaired reading would not be the document
// that earlier signers signed.
import { PdfError, UNNAMED, isPdfError } from './errors';
import { readFields } from './fields';
import type { FieldInfo } from './fields';
import { decodeFilters } from './filters';
import type { FilterStep } from './filters';
import { Lexer, PdfSyntaxError } from './lexer';
import { PdfDict, PdfName, PdfRef, PdfStream, PdfString, latin1 } from './objects';
import type { PdfObject } from './objects';
import { measureStream, parseIndirectObject, parseObject, parseObjectHeader, parseWindowed } from './parser';
import { describeEncryption, isSignatureContents, openWithEmptyPassword } from './security';
import type { CryptMethod, Decryptor, EncryptionDescription } from './security';
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
}

/** Opens a PDF: reads its header, tail and cross-reference sections. */
export async function openPdf(source: ByteSource, options: OpenOptions = {}): Promise<PdfReader> {
  const name = options.name ?? source.name ?? UNNAMED;
  if (source.size === 0) throw new PdfError('empty', `${name} is empty (0 bytes)`);
  const header = await readHeader(source, name);
  const warnings: string[] = [];
  const ctx = { source, name, warn: (message: string) => warnings.push(message) };
  const startxref = await findStartxref(ctx);
  const sections = await readXrefChain(ctx, startxref);
  const reader = new PdfReader(source, name, header, startxref, sections, warnings);
  await reader.init();
  return reader;
}

async function readHeader(source: ByteSource, name: string): Promise<PdfHeader> {
  const head = latin1(await source.read(0, 1024));
  const at = head.indexOf('%PDF-');
  const match = at < 0 ? null : /^%PDF-(\d+\.\d+)/.exec(head.slice(at));
  if (!match?.[1]) {
    const firstLine = head.split(/[\r\n]/, 1)[0] ?? '';
    let excerpt = firstLine.replace(/[^\x20-\x7e]/g, '?').trim();
    if (excerpt.length > 32) {
      const cut = excerpt.lastIndexOf(' ', 32);
      excerpt = `${excerpt.slice(0, cut > 16 ? cut : 32)}...`;
    }
    throw new PdfError('not-pdf', `${name} is not a PDF (it starts with ${JSON.stringify(excerpt)})`);
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

const OBJECT_STREAM_CACHE = 8;

export class PdfReader {
  /** The newest trailer, completed by older trailers' keys it lacks (/Prev and /XRefStm excluded). */
  readonly trailer: PdfDict;
  /** Merged cross-reference: the newest entry of each object. */
  readonly xref: XrefTable;
  private revisionList: readonly Revision[] = [];
  private linearizationDict: PdfDict | null = null;
  private encryptionDescription: EncryptionDescription | null = null;

  private decryptor: Decryptor | null = null;
  private encryptNum: number | null = null;
  private readonly objects = new Map<number, Promise<PdfObject>>();
  /** Objects being loaded: a /Length that leads back to one of them would wait for itself. */
  private readonly loading = new Set<number>();
  private readonly objectStreams = new Map<number, Promise<ObjectStream>>();

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
  async init(): Promise<void> {
    this.linearizationDict = await this.readLinearization();
    const encrypt = this.trailer.get('Encrypt');
    if (encrypt !== undefined && encrypt !== null) {
      if (encrypt instanceof PdfRef) this.encryptNum = encrypt.num;
      const dict = await this.resolve(encrypt);
      if (!(dict instanceof PdfDict)) throw new PdfError('malformed', `${this.name} has an /Encrypt entry that is not a dictionary`);
      this.encryptionDescription = describeEncryption(dict);
      const id = this.trailer.get('ID');
      const id0 = Array.isArray(id) && id[0] instanceof PdfString ? id[0].bytes : null;
      this.decryptor = openWithEmptyPassword(dict, id0);
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

  /** Encrypted strings and streams can be read: the file is not encrypted, or opens with the empty user password. */
  get canDecrypt(): boolean {
    return this.encryption === null || this.decryptor !== null;
  }

  /** The object `num` (with generation `gen` if given); null if it is free, absent or of another generation. */
  async getObject(num: number, gen?: number): Promise<PdfObject> {
    const entry = this.xref.get(num);
    if (!entry || entry.type === 'free') return null;
    const entryGen = entry.type === 'offset' ? entry.gen : 0;
    if (gen !== undefined && gen !== entryGen) return null;
    let promise = this.objects.get(num);
    if (!promise) {
      this.loading.add(num);
      promise = this.loadObject(num, entry).finally(() => this.loading.delete(num));
      promise.catch(() => this.objects.delete(num));
      this.objects.set(num, promise);
    }
    return promise;
  }

  /** Follows references until a direct object. */
  async resolve(value: PdfObject | undefined): Promise<PdfObject> {
    let current: PdfObject | undefined = value;
    for (let hops = 0; current instanceof PdfRef; hops++) {
      if (hops > 32) throw new PdfError('malformed', `${this.name} has a chain of more than 32 references at ${String(value)}`);
      current = await this.getObject(current.num, current.gen);
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
    if (!(root instanceof PdfDict)) throw new PdfError('malformed', `${this.name} has no document catalog (the trailer's /Root is missing or not a dictionary)`);
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
    if (!(pages instanceof PdfDict)) throw new PdfError('malformed', `${this.name} has no page tree (the catalog's /Pages is missing or not a dictionary)`);
    const count = await this.get(pages, 'Count');
    if (typeof count !== 'number' || count < 0) throw new PdfError('malformed', `${this.name} has a page tree whose /Count is not a number`);
    return count;
  }

  /** The form fields of /Root /AcroForm /Fields, terminal fields only, with their full names. */
  async fields(): Promise<FieldInfo[]> {
    return readFields(this);
  }

  /** The decoded data of a stream (decrypted first when the file is encrypted). */
  async streamData(stream: PdfStream): Promise<Uint8Array> {
    let data = stream.bytes ?? (await this.source.read(stream.dataOffset, stream.dataLength));
    const steps = await this.filterSteps(stream.dict);
    if (this.encryption && stream.ref && stream.ref.num !== this.encryptNum) {
      const method = this.streamCryptMethod(stream.dict, steps);
      if (method !== 'none') {
        if (!this.decryptor) {
          throw new PdfError('encrypted', `${this.name} is encrypted with a password: object ${stream.ref.num} ${stream.ref.gen} cannot be read without it`);
        }
        data = this.decryptor.decrypt(data, stream.ref.num, stream.ref.gen, method);
      }
    }
    return decodeFilters(data, steps, this.name);
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
      for (const section of revision.sections) {
        for (const entries of [section.entries, section.xrefStream?.entries]) {
          const entry = entries?.get(num);
          if (entry && entry.type !== 'free') return revision;
        }
      }
    }
    return null;
  }

  // -------------------------------------------------------------------------------------------

  private async loadObject(num: number, entry: Exclude<XrefEntry, { type: 'free' }>): Promise<PdfObject> {
    if (entry.type === 'compressed') return this.loadCompressed(num, entry.stream, entry.index);
    const { offset, gen } = entry;
    if (offset >= this.source.size) {
      throw new PdfError('broken-xref', `${this.name} has a broken cross-reference table: object ${num} ${gen} is said to be at byte ${offset}, past the end of the file`);
    }
    let parsed;
    try {
      parsed = await parseWindowed(this.source, offset, (lx) => {
        lx.skipSpace();
        const start = lx.pos;
        try {
          parseObjectHeader(lx);
        } catch (error) {
          if (error instanceof PdfSyntaxError) throw new PdfError('broken-xref', `${this.name} has a broken cross-reference table: object ${num} ${gen} is said to be at byte ${offset}, where there is no object`);
          throw error;
        }
        lx.pos = start;
        return parseIndirectObject(lx);
      });
    } catch (error) {
      if (error instanceof PdfSyntaxError) {
        throw new PdfError('malformed', `${this.name} has a malformed object ${num} ${gen} at byte ${offset} (${error.message} at byte ${error.offset})`);
      }
      throw error;
    }
    if (parsed.num !== num || parsed.gen !== gen) {
      throw new PdfError('broken-xref', `${this.name} has a broken cross-reference table: object ${num} ${gen} is said to be at byte ${offset}, where object ${parsed.num} ${parsed.gen} is`);
    }
    if (parsed.missingEndobj) this.warnings.push(`${this.name}: object ${num} ${gen} at byte ${offset} has no "endobj"`);
    // Strings of the /Encrypt dictionary and of xref streams (trailers) are not encrypted (7.6.2).
    const clear = num === this.encryptNum || (parsed.object instanceof PdfDict && parsed.object.getName('Type') === 'XRef');
    const object = this.encryption && !clear ? this.decryptStrings(parsed.object, num, gen) : parsed.object;
    if (parsed.streamOffset === null) return object;

    const dict = object as PdfDict;
    const declared = await this.resolveLength(dict.get('Length'));
    const extent = await measureStream(this.source, parsed.streamOffset, typeof declared === 'number' ? declared : null);
    if (!extent) throw new PdfError('malformed', `${this.name} has a malformed object ${num} ${gen} at byte ${offset} (its stream has no "endstream")`);
    if (!extent.declaredOk) {
      this.warnings.push(`${this.name}: object ${num} ${gen} has a wrong /Length (${typeof declared === 'number' ? declared : 'missing'}; its data is ${extent.length} bytes, up to "endstream")`);
    }
    return new PdfStream(dict, parsed.streamOffset, extent.length, new PdfRef(num, gen));
  }

  /**
   * A stream's /Length: direct, or one reference to an integer. A reference that leads back to an
   * object being loaded (a cycle, or a length stored in the object stream being loaded) is ignored:
   * the data is then measured up to "endstream".
   */
  private async resolveLength(value: PdfObject | undefined): Promise<number | null> {
    if (typeof value === 'number') return value;
    if (!(value instanceof PdfRef)) return null;
    const entry = this.xref.get(value.num);
    if (this.loading.has(value.num) || (entry?.type === 'compressed' && this.loading.has(entry.stream))) return null;
    const target = await this.getObject(value.num, value.gen);
    return typeof target === 'number' ? target : null;
  }

  private async loadCompressed(num: number, streamNum: number, index: number): Promise<PdfObject> {
    const stream = await this.objectStream(streamNum);
    let slot = stream.index[index];
    if (!slot || slot[0] !== num) {
      // The index in the xref entry is wrong: the object stream's own header is authoritative.
      const found = stream.index.findIndex(([n]) => n === num);
      if (found < 0) {
        throw new PdfError('broken-xref', `${this.name} has a broken cross-reference table: object ${num} is said to be in object stream ${streamNum}, which does not hold it`);
      }
      slot = stream.index[found] as readonly [number, number];
      index = found;
    }
    const start = stream.first + slot[1];
    const next = stream.index[index + 1];
    const end = next ? stream.first + next[1] : stream.data.length;
    if (start > stream.data.length || end < start) throw new PdfError('malformed', `${this.name} has a malformed object stream ${streamNum} (object ${num} is outside its data)`);
    try {
      return parseObject(new Lexer(stream.data.subarray(0, end), 0, true, start));
    } catch (error) {
      if (error instanceof PdfSyntaxError) {
        throw new PdfError('malformed', `${this.name} has a malformed object ${num} 0 in object stream ${streamNum} (${error.message})`);
      }
      throw error;
    }
  }

  private objectStream(num: number): Promise<ObjectStream> {
    let promise = this.objectStreams.get(num);
    if (promise) {
      this.objectStreams.delete(num);
      this.objectStreams.set(num, promise);
      return promise;
    }
    promise = this.loadObjectStream(num);
    promise.catch(() => this.objectStreams.delete(num));
    this.objectStreams.set(num, promise);
    while (this.objectStreams.size > OBJECT_STREAM_CACHE) {
      const oldest = this.objectStreams.keys().next().value;
      if (oldest === undefined) break;
      this.objectStreams.delete(oldest);
    }
    return promise;
  }

  private async loadObjectStream(num: number): Promise<ObjectStream> {
    // An object stream is never itself compressed (7.5.7): refusing it also rules out cycles.
    if (this.xref.get(num)?.type !== 'offset') {
      throw new PdfError('broken-xref', `${this.name} has a broken cross-reference table: object stream ${num} is not an uncompressed object`);
    }
    const stream = await this.getObject(num);
    if (!(stream instanceof PdfStream) || stream.dict.getName('Type') !== 'ObjStm') {
      throw new PdfError('broken-xref', `${this.name} has a broken cross-reference table: object ${num} is used as an object stream but is not one`);
    }
    const n = await this.get(stream.dict, 'N');
    const first = await this.get(stream.dict, 'First');
    if (typeof n !== 'number' || typeof first !== 'number' || n < 0 || first < 0) {
      throw new PdfError('malformed', `${this.name} has a malformed object stream ${num} (/N or /First is not a number)`);
    }
    const data = await this.streamData(stream);
    const lx = new Lexer(data.subarray(0, first), 0, true);
    const index: [number, number][] = [];
    for (let i = 0; i < n; i++) {
      const objNum = lx.next();
      const objOffset = lx.next();
      if (objNum.kind !== 'int' || objOffset.kind !== 'int') throw new PdfError('malformed', `${this.name} has a malformed object stream ${num} (its header does not list ${n} objects)`);
      index.push([objNum.value, objOffset.value]);
    }
    return { data, first, index };
  }

  private async filterSteps(dict: PdfDict): Promise<FilterStep[]> {
    const filter = await this.get(dict, 'Filter');
    const parms = await this.get(dict, 'DecodeParms');
    const names = filter === null ? [] : Array.isArray(filter) ? filter : [filter];
    const params = parms === null ? [] : Array.isArray(parms) ? parms : [parms];
    const steps: FilterStep[] = [];
    for (let i = 0; i < names.length; i++) {
      const name = await this.resolve(names[i]);
      const param = await this.resolve(params[i]);
      if (!(name instanceof PdfName)) throw new PdfError('malformed', `${this.name} has a stream whose /Filter is not a name`);
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
