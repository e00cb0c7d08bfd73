// A tiny PDF writer for tests of the reader: objects at known offsets, classic xref tables, xref
// streams (optionally Flate + PNG Up predictor), object streams, hybrid files, incremental updates
// with /Prev, and signature-like updates whose /ByteRange ends at their own %%EOF. Test code only:
// it writes exactly what it is told, including broken files.
import { spawnSync } from 'node:child_process';
import { deflateSync } from 'node:zlib';

type Entry = { type: 'offset'; offset: number; gen: number } | { type: 'compressed'; stream: number; index: number } | { type: 'free'; gen: number; next: number };

export interface StreamSpec {
  /** The stream dictionary's entries without /Length (added). */
  dict: string;
  data: Uint8Array | string;
}

export class TestPdfWriter {
  private chunks: Buffer[] = [];
  length = 0;
  /** Entries written since the last xref section. */
  private pending = new Map<number, Entry>();
  /** Offset of the last xref section (for /Prev). */
  lastXref: number | null = null;
  private sizeSeen = 0;

  /** A writer that appends to `base`: its next section's /Prev is the base's last startxref. */
  constructor(base?: Uint8Array) {
    if (!base) return;
    this.raw(base);
    const tail = Buffer.from(base.subarray(Math.max(0, base.length - 64))).toString('latin1');
    this.lastXref = Number(/startxref\s+(\d+)/.exec(tail)?.[1]);
  }

  static start(version = '1.7'): TestPdfWriter {
    const w = new TestPdfWriter();
    w.raw(`%PDF-${version}\n%\xe2\xe3\xcf\xd3\n`);
    return w;
  }

  raw(data: Uint8Array | string): this {
    const buf = typeof data === 'string' ? Buffer.from(data, 'latin1') : Buffer.from(data);
    this.chunks.push(buf);
    this.length += buf.length;
    return this;
  }

  /** `num gen obj body endobj`. */
  object(num: number, body: string, gen = 0): this {
    this.pending.set(num, { type: 'offset', offset: this.length, gen });
    return this.raw(`${num} ${gen} obj\n${body}\nendobj\n`);
  }

  /** A stream object; `length` overrides /Length (a number or e.g. "9 0 R"). */
  stream(num: number, spec: StreamSpec, options: { length?: number | string; gen?: number } = {}): this {
    const data = typeof spec.data === 'string' ? Buffer.from(spec.data, 'latin1') : Buffer.from(spec.data);
    const gen = options.gen ?? 0;
    this.pending.set(num, { type: 'offset', offset: this.length, gen });
    this.raw(`${num} ${gen} obj\n<< ${spec.dict} /Length ${options.length ?? data.length} >>\nstream\n`);
    this.raw(data);
    return this.raw('\nendstream\nendobj\n');
  }

  /** An object stream `num` holding `members` (object number -> body), Flate-compressed unless told otherwise. */
  objectStream(num: number, members: [number, string][], options: { compress?: boolean } = {}): this {
    let header = '';
    let body = '';
    members.forEach(([memberNum, text], index) => {
      header += `${memberNum} ${body.length} `;
      body += `${text}\n`;
      this.pending.set(memberNum, { type: 'compressed', stream: num, index });
    });
    const content = Buffer.from(header + body, 'latin1');
    const compress = options.compress ?? true;
    const data = compress ? deflateSync(content) : content;
    return this.stream(num, { dict: `/Type /ObjStm /N ${members.length} /First ${header.length}${compress ? ' /Filter /FlateDecode' : ''}`, data });
  }

  /** Sets the entry of `num` in the next section by hand (to build broken files). */
  entry(num: number, entry: { type: 'offset'; offset: number; gen: number } | { type: 'compressed'; stream: number; index: number }): this {
    this.pending.set(num, entry);
    return this;
  }

  /** Marks `num` free in the next section (a deleted object). */
  free(num: number, gen = 1): this {
    this.pending.set(num, { type: 'free', gen, next: 0 });
    return this;
  }

  private takeEntries(includeZero: boolean): Map<number, Entry> {
    const entries = new Map(this.pending);
    if (includeZero && !entries.has(0)) entries.set(0, { type: 'free', gen: 65535, next: 0 });
    this.pending = new Map();
    return entries;
  }

  /**
   * A classic table of the pending entries, then `trailer << extra /Size /Prev >> startxref %%EOF`.
   * `eol` is the end of each 20-byte entry (" \n" or "\r\n"; other lengths make broken tables).
   */
  xrefTable(extra: string, options: { first?: boolean; prev?: number | null; xrefStm?: number; eol?: string; size?: number; skipCompressed?: boolean } = {}): this {
    const first = options.first ?? this.lastXref === null;
    const entries = this.takeEntries(first);
    const offset = this.length;
    const eol = options.eol ?? '\r\n';
    const nums = [...entries.keys()].filter((n) => !(options.skipCompressed && entries.get(n)?.type === 'compressed')).sort((a, b) => a - b);
    let text = 'xref\n';
    for (let i = 0; i < nums.length; ) {
      let j = i;
      while (j + 1 < nums.length && (nums[j + 1] as number) === (nums[j] as number) + 1) j++;
      text += `${nums[i]} ${j - i + 1}\n`;
      for (let k = i; k <= j; k++) {
        const e = entries.get(nums[k] as number) as Entry;
        const field1 = e.type === 'offset' ? e.offset : e.type === 'free' ? e.next : 0;
        const gen = e.type === 'compressed' ? 65535 : e.gen;
        const type = e.type === 'offset' ? 'n' : 'f';
        text += `${String(field1).padStart(10, '0')} ${String(gen).padStart(5, '0')} ${type}${eol}`;
      }
      i = j + 1;
    }
    const prev = options.prev === undefined ? this.lastXref : options.prev;
    const size = options.size ?? Math.max(...nums, this.sizeSeen - 1) + 1;
    text += `trailer\n<< ${extra} /Size ${size}${prev !== null ? ` /Prev ${prev}` : ''}${options.xrefStm !== undefined ? ` /XRefStm ${options.xrefStm}` : ''} >>\nstartxref\n${offset}\n%%EOF\n`;
    this.lastXref = offset;
    this.sizeSeen = Math.max(this.sizeSeen, size);
    return this.raw(text);
  }


  /**
   * An xref stream object `num` with the pending entries (and itself), then startxref/%%EOF.
   * `predictor`: Flate with PNG Up rows (/Predictor 12). `tail: false` leaves out startxref/%%EOF (hybrid).
   */
  xrefStream(num: number, extra: string, options: { first?: boolean; prev?: number | null; predictor?: boolean; compress?: boolean; tail?: boolean; size?: number; hidden?: boolean } = {}): this {
    const first = options.first ?? this.lastXref === null;
    const offset = this.length;
    let entries: Map<number, Entry>;
    if (options.hidden) {
      // The /XRefStm of a hybrid file: only the compressed objects; the table lists the rest, itself included.
      entries = new Map([...this.pending].filter(([, e]) => e.type === 'compressed'));
      for (const n of entries.keys()) this.pending.delete(n);
      this.pending.set(num, { type: 'offset', offset, gen: 0 });
    } else {
      this.pending.set(num, { type: 'offset', offset, gen: 0 });
      entries = this.takeEntries(first);
    }
    const nums = [...entries.keys()].sort((a, b) => a - b);
    const w = [1, 4, 2];
    const rows: number[][] = [];
    const index: number[] = [];
    for (let i = 0; i < nums.length; ) {
      let j = i;
      while (j + 1 < nums.length && (nums[j + 1] as number) === (nums[j] as number) + 1) j++;
      index.push(nums[i] as number, j - i + 1);
      for (let k = i; k <= j; k++) {
        const e = entries.get(nums[k] as number) as Entry;
        const [t, f2, f3] = e.type === 'free' ? [0, e.next, e.gen] : e.type === 'offset' ? [1, e.offset, e.gen] : [2, e.stream, e.index];
        rows.push([t, (f2 >>> 24) & 255, (f2 >>> 16) & 255, (f2 >>> 8) & 255, f2 & 255, (f3 >>> 8) & 255, f3 & 255]);
      }
      i = j + 1;
    }
    let data: Buffer;
    let filter = '';
    if (options.predictor) {
      const out: number[] = [];
      let prior = new Array<number>(7).fill(0);
      for (const row of rows) {
        out.push(2, ...row.map((b, i) => (b - (prior[i] as number)) & 255));
        prior = row;
      }
      data = deflateSync(Buffer.from(out));
      filter = ' /Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 7 >>';
    } else if (options.compress) {
      data = deflateSync(Buffer.from(rows.flat()));
      filter = ' /Filter /FlateDecode';
    } else {
      data = Buffer.from(rows.flat());
    }
    const prev = options.prev === undefined ? this.lastXref : options.prev;
    const size = options.size ?? Math.max(...nums, this.sizeSeen - 1) + 1;
    this.sizeSeen = Math.max(this.sizeSeen, size);
    this.raw(`${num} 0 obj\n<< /Type /XRef /W [${w.join(' ')}] /Index [${index.join(' ')}] /Size ${size}${prev !== null ? ` /Prev ${prev}` : ''}${filter} ${extra} /Length ${data.length} >>\nstream\n`);
    this.raw(data);
    this.raw('\nendstream\nendobj\n');
    if (!options.hidden && (options.tail ?? true)) {
      this.lastXref = offset;
      this.raw(`startxref\n${offset}\n%%EOF\n`);
    }
    return this;
  }

  /** Replaces every occurrence of `placeholder` (same length) with `value`. */
  patch(placeholder: string, value: string): this {
    if (value.length !== placeholder.length) throw new Error('patch must keep the length');
    const all = this.bytes();
    const buf = Buffer.from(all);
    const needle = Buffer.from(placeholder, 'latin1');
    for (let at = buf.indexOf(needle); at >= 0; at = buf.indexOf(needle, at + 1)) buf.write(value, at, 'latin1');
    this.chunks = [buf];
    return this;
  }

  bytes(): Uint8Array {
    return new Uint8Array(Buffer.concat(this.chunks));
  }
}

/** A one-revision document with `pages` pages: 1 catalog, 2 pages, 3.. page objects. */
export function simplePdf(options: { version?: string; pages?: number; catalogExtra?: string; xref?: 'table' | 'stream' | 'stream-predictor' } = {}): Uint8Array {
  const pages = options.pages ?? 1;
  const w = TestPdfWriter.start(options.version ?? '1.7');
  const kids = Array.from({ length: pages }, (_, i) => `${3 + i} 0 R`).join(' ');
  w.object(1, `<< /Type /Catalog /Pages 2 0 R ${options.catalogExtra ?? ''} >>`);
  w.object(2, `<< /Type /Pages /Kids [${kids}] /Count ${pages} >>`);
  for (let i = 0; i < pages; i++) w.object(3 + i, '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>');
  if (options.xref === 'stream' || options.xref === 'stream-predictor') w.xrefStream(3 + pages, '/Root 1 0 R', { predictor: options.xref === 'stream-predictor' });
  else w.xrefTable('/Root 1 0 R');
  return w.bytes();
}

/**
 * A hybrid-reference file of two pages: catalog 1 in the table, pages 2-4 in object stream 5,
 * listed by the /XRefStm stream 6 (at `xrefStmOffset`) and, as Acrobat writes them, free in the table.
 */
export function hybridPdf(): { bytes: Uint8Array; xrefStmOffset: number } {
  const w = TestPdfWriter.start();
  w.object(1, '<< /Type /Catalog /Pages 2 0 R >>');
  w.objectStream(5, [
    [2, '<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>'],
    [3, '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 100 100] >>'],
    [4, '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 100 100] >>'],
  ]);
  const xrefStmOffset = w.length;
  w.xrefStream(6, '', { hidden: true, prev: null, size: 7 });
  w.free(2, 0).free(3, 0).free(4, 0);
  w.xrefTable('/Root 1 0 R', { xrefStm: xrefStmOffset, size: 7 });
  return { bytes: w.bytes(), xrefStmOffset };
}

/**
 * Appends a signature-like incremental update to a document made by simplePdf (catalog 1, pages 2):
 * a /Sig field named `field` whose /V has /Type `type` and a /ByteRange that ends at this update's
 * %%EOF line end, like a real signature. `fields` lists the refs of earlier signature fields.
 */
export function appendSignatureUpdate(base: Uint8Array, options: { field: string; firstNum: number; fields?: string[]; type?: 'Sig' | 'DocTimeStamp'; xref?: 'table' | 'stream' }): { bytes: Uint8Array; fieldRef: string } {
  const w = new TestPdfWriter(base);
  const sig = options.firstNum;
  const fieldNum = sig + 1;
  const type = options.type ?? 'Sig';
  const subFilter = type === 'DocTimeStamp' ? 'ETSI.RFC3161' : 'ETSI.CAdES.detached';
  const contents = '0'.repeat(64);
  const placeholder = '[0 XXXXXXXXXX XXXXXXXXXX YYYYYYYYYY]';
  const sigStart = w.length;
  w.object(sig, `<< /Type /${type} /Filter /Adobe.PPKLite /SubFilter /${subFilter} /ByteRange ${placeholder} /Contents <${contents}> >>`);
  const contentsAt = Buffer.from(w.bytes()).indexOf(`<${contents}>`, sigStart);
  const fieldRef = `${fieldNum} 0 R`;
  w.object(fieldNum, `<< /FT /Sig /T (${options.field}) /V ${sig} 0 R /Type /Annot /Subtype /Widget /Rect [0 0 0 0] /F 132 >>`);
  const allFields = [...(options.fields ?? []), fieldRef];
  w.object(1, `<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [${allFields.join(' ')}] /SigFlags 3 >> >>`);
  if (options.xref === 'stream') w.xrefStream(fieldNum + 1, '/Root 1 0 R');
  else w.xrefTable('/Root 1 0 R');
  const end = w.length; // after "%%EOF\n"
  const secondStart = contentsAt + contents.length + 2;
  const pad = (n: number) => String(n).padEnd(10, ' ');
  w.patch(placeholder, `[0 ${pad(contentsAt)} ${pad(secondStart)} ${pad(end - secondStart)}]`);
  return { bytes: w.bytes(), fieldRef };
}

/** Runs a command; throws with its stderr when it fails (qpdf exit 3 = warnings, accepted). */
export function run(command: string, args: string[], options: { cwd?: string; okCodes?: number[] } = {}): string {
  const result = spawnSync(command, args, { cwd: options.cwd, encoding: 'utf8' });
  if (result.error) throw result.error;
  if (!(options.okCodes ?? [0]).includes(result.status ?? -1)) throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return result.stdout;
}

/** Runs qpdf (exit 3, "succeeded with warnings", is accepted). */
export function qpdf(...args: string[]): string {
  return run('qpdf', args, { okCodes: [0, 3] });
}
