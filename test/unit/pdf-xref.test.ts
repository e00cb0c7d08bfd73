import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PdfError, bytesSource, openPdf } from '../../main/pdf';
import { findStartxref, readXrefChain } from '../../main/pdf/xref';
import { TestPdfWriter, hybridPdf, simplePdf } from './helpers/pdf-build';

const ctx = (bytes: Uint8Array, warnings: string[] = []) => ({ source: bytesSource(bytes), name: 'test.pdf', warn: (m: string) => warnings.push(m) });

async function sectionsOf(bytes: Uint8Array) {
  const c = ctx(bytes);
  return readXrefChain(c, await findStartxref(c));
}

function base(w: TestPdfWriter): TestPdfWriter {
  w.object(1, '<< /Type /Catalog /Pages 2 0 R >>');
  w.object(2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>');
  w.object(3, '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] >>');
  return w;
}

describe('classic cross-reference tables', () => {
  it('reads entries, their offsets and the trailer', async () => {
    const bytes = simplePdf({ pages: 2 });
    const [section, ...rest] = await sectionsOf(bytes);
    assert.equal(rest.length, 0);
    assert.ok(section);
    assert.equal(section.kind, 'table');
    assert.equal(section.prev, null);
    const text = Buffer.from(bytes).toString('latin1');
    assert.deepEqual(section.entries.get(2), { type: 'offset', offset: text.indexOf('2 0 obj'), gen: 0 });
    assert.deepEqual(section.entries.get(0), { type: 'free', gen: 65535, next: 0 });
    assert.equal(section.trailer.get('Size'), 5);
    assert.equal(section.offset, text.lastIndexOf('\nxref\n') + 1);
  });

  it('tolerates entries ending in " \\n", "\\r\\n" and a bare "\\n"', async () => {
    for (const eol of [' \n', '\r\n', '\n', ' \r']) {
      const w = base(TestPdfWriter.start());
      w.xrefTable('/Root 1 0 R', { eol });
      const reader = await openPdf(bytesSource(w.bytes(), 'eol.pdf'));
      assert.equal(await reader.pageCount(), 1, `entries ending in ${JSON.stringify(eol)}`);
    }
  });

  it('reads several subsections', async () => {
    const w = base(TestPdfWriter.start());
    w.xrefTable('/Root 1 0 R');
    // An update that redefines objects 2 and 5 only: subsections "2 1" and "5 1".
    w.object(2, '<< /Type /Pages /Kids [3 0 R 5 0 R] /Count 2 >>');
    w.object(5, '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] >>');
    w.xrefTable('/Root 1 0 R');
    const text = Buffer.from(w.bytes()).toString('latin1');
    assert.match(text, /\nxref\n2 1\n[^\n]*\n5 1\n/);
    const sections = await sectionsOf(w.bytes());
    assert.equal(sections.length, 2);
    assert.deepEqual([...(sections[0]?.entries.keys() ?? [])].sort(), [2, 5]);
    assert.equal(sections[0]?.prev, sections[1]?.offset);
    const reader = await openPdf(bytesSource(w.bytes()));
    assert.equal(await reader.pageCount(), 2);
  });

  it('refuses a table whose entries are not "offset gen n|f"', async () => {
    const w = base(TestPdfWriter.start());
    w.xrefTable('/Root 1 0 R');
    const bad = Buffer.from(w.bytes()).toString('latin1').replace(/0000000000 65535 f/, '0000000000 65535 x');
    await assert.rejects(openPdf(bytesSource(Buffer.from(bad, 'latin1'), 'bad.pdf')), (error: unknown) => {
      assert.ok(error instanceof PdfError);
      assert.equal(error.code, 'broken-xref');
      assert.match(error.message, /^bad\.pdf has a broken cross-reference table at byte \d+ \(entry 1 of subsection 0/);
      return true;
    });
  });

  it('refuses a subsection that numbers objects past 2^31 - 2 (a writer would carry the number into /Size)', async () => {
    // Found by the mutation fuzzer: "1 4" became "4294967296 4"; the file signed, and the update's
    // /Size 4294967301 made the signed copy unreadable (by qpdf and by Paraphe itself).
    for (const header of ['4294967296 4', '2147483647 4', '2147483644 4']) {
      const w = base(TestPdfWriter.start());
      w.xrefTable('/Root 1 0 R');
      const bad = Buffer.from(w.bytes()).toString('latin1').replace(/\nxref\n0 4\n/, `\nxref\n${header}\n`);
      await assert.rejects(openPdf(bytesSource(Buffer.from(bad, 'latin1'), 'big.pdf')), (error: unknown) => {
        assert.ok(error instanceof PdfError);
        assert.equal(error.code, 'broken-xref');
        assert.match(error.message, new RegExp(`^big\\.pdf has a broken cross-reference table at byte \\d+ \\(subsection ${header} numbers objects past 2147483646, the highest number a PDF can have\\)$`));
        return true;
      });
    }
  });
});

describe('cross-reference streams', () => {
  it('refuses an /Index pair that numbers objects past 2^31 - 2', async () => {
    const bytes = Buffer.from(Buffer.from(simplePdf({ xref: 'stream' })).toString('latin1').replace(/\/Index \[0 5\]/, '/Index [2147483645 5]'), 'latin1');
    await assert.rejects(openPdf(bytesSource(bytes, 'big.pdf')), (error: unknown) => {
      assert.ok(error instanceof PdfError);
      assert.equal(error.code, 'broken-xref');
      assert.match(error.message, /^big\.pdf has a broken cross-reference stream at byte \d+ \(\/Index \[2147483645 5\] numbers objects past 2147483646, the highest number a PDF can have\)$/);
      return true;
    });
  });

  it('reads an uncompressed xref stream', async () => {
    const sections = await sectionsOf(simplePdf({ xref: 'stream' }));
    assert.equal(sections[0]?.kind, 'stream');
    assert.equal(sections[0]?.entries.get(1)?.type, 'offset');
  });

  it('reads a Flate xref stream with the PNG Up predictor (/Predictor 12)', async () => {
    const bytes = simplePdf({ xref: 'stream-predictor', pages: 3 });
    assert.match(Buffer.from(bytes).toString('latin1'), /\/Predictor 12/);
    const [section] = await sectionsOf(bytes);
    const text = Buffer.from(bytes).toString('latin1');
    assert.deepEqual(section?.entries.get(4), { type: 'offset', offset: text.indexOf('4 0 obj'), gen: 0 });
    const reader = await openPdf(bytesSource(bytes));
    assert.equal(await reader.pageCount(), 3);
  });

  it('finds objects inside object streams through type 2 entries', async () => {
    const w = TestPdfWriter.start();
    w.objectStream(10, [
      [1, '<< /Type /Catalog /Pages 2 0 R >>'],
      [2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>'],
      [3, '<< /Type /Page /Parent 2 0 R /T (in stream) >>'],
    ]);
    w.xrefStream(11, '/Root 1 0 R', { compress: true });
    const bytes = w.bytes();
    const [section] = await sectionsOf(bytes);
    assert.deepEqual(section?.entries.get(3), { type: 'compressed', stream: 10, index: 2 });
    const reader = await openPdf(bytesSource(bytes));
    assert.equal(await reader.pageCount(), 1);
    const page = await reader.getObject(3);
    assert.equal(Buffer.from((page as { get(k: string): { bytes: Uint8Array } }).get('T').bytes).toString(), 'in stream');
  });
});

describe('hybrid-reference files', () => {
  it('reads a table whose /XRefStm lists the objects in object streams', async () => {
    // The hidden xref stream lists the compressed objects; the table lists the rest. As Acrobat
    // writes them, the compressed objects are free entries in the table: readers that ignore
    // /XRefStm see no such objects, readers that honour it find them in the stream.
    const { bytes, xrefStmOffset: stmOffset } = hybridPdf();
    const text = Buffer.from(bytes).toString('latin1');
    assert.match(text, /\nxref\n0 7\n(?:[^\n]*\n){2}(?:0000000000 00000 f\r\n){3}/, 'objects 2-4 are free in the table');
    const sections = await sectionsOf(bytes);
    assert.equal(sections.length, 1, 'the /XRefStm is part of its table section, not a section of its own');
    assert.equal(sections[0]?.kind, 'table');
    assert.equal(sections[0]?.xrefStream?.offset, stmOffset);
    const reader = await openPdf(bytesSource(bytes));
    assert.equal(await reader.pageCount(), 2);
    assert.equal(reader.revisions.length, 1);
  });
});

describe('/Prev chains', () => {
  it('follows /Prev through table and stream sections, the newest definition winning', async () => {
    const w = base(TestPdfWriter.start());
    w.xrefTable('/Root 1 0 R');
    w.object(2, '<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>');
    w.object(4, '<< /Type /Page /Parent 2 0 R >>');
    w.xrefStream(5, '/Root 1 0 R');
    w.object(2, '<< /Type /Pages /Kids [3 0 R 4 0 R 6 0 R] /Count 3 >>');
    w.object(6, '<< /Type /Page /Parent 2 0 R >>');
    w.xrefTable('/Root 1 0 R');
    const bytes = w.bytes();
    const sections = await sectionsOf(bytes);
    assert.deepEqual(sections.map((s) => s.kind), ['table', 'stream', 'table']);
    const reader = await openPdf(bytesSource(bytes));
    assert.equal(await reader.pageCount(), 3);
    assert.equal(reader.revisions.length, 3);
    assert.equal(reader.objectRevision(6)?.number, 3);
    assert.equal(reader.objectRevision(4)?.number, 2);
    assert.equal(reader.objectRevision(3)?.number, 1);
  });

  it('treats an object freed by a later section as null', async () => {
    const w = base(TestPdfWriter.start());
    w.object(4, '<< /Gone false >>');
    w.xrefTable('/Root 1 0 R');
    w.free(4);
    w.xrefTable('/Root 1 0 R');
    const reader = await openPdf(bytesSource(w.bytes()));
    assert.equal(await reader.getObject(4), null);
  });

  it('refuses a /Prev chain that loops', async () => {
    const w = base(TestPdfWriter.start());
    w.xrefTable('/Root 1 0 R');
    const first = w.lastXref as number;
    w.object(2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>');
    // The second section points back to itself.
    const self = w.length;
    w.xrefTable('/Root 1 0 R', { prev: self });
    await assert.rejects(openPdf(bytesSource(w.bytes(), 'loop.pdf')), {
      code: 'broken-xref',
      message: `loop.pdf has a broken cross-reference table at byte ${self} (the /Prev chain loops back to this section)`,
    });
    assert.notEqual(first, self);
  });

  it('refuses a /Prev that points at something other than an xref section', async () => {
    const w = base(TestPdfWriter.start());
    w.xrefTable('/Root 1 0 R', { prev: 20 });
    await assert.rejects(openPdf(bytesSource(w.bytes(), 'prev.pdf')), { code: 'broken-xref' });
  });
});

describe('startxref', () => {
  it('refuses a startxref that points past the end of the file', async () => {
    const text = Buffer.from(simplePdf()).toString('latin1').replace(/startxref\n\d+/, 'startxref\n99999');
    await assert.rejects(openPdf(bytesSource(Buffer.from(text, 'latin1'), 'far.pdf')), {
      code: 'broken-xref',
      message: /^far\.pdf has a broken cross-reference table: startxref points at byte 99999, past the end of the file/,
    });
  });

  it('refuses a startxref that points into the middle of an object', async () => {
    const bytes = simplePdf();
    const text = Buffer.from(bytes).toString('latin1');
    const wrong = text.indexOf('/Type /Pages');
    const broken = text.replace(/startxref\n\d+/, `startxref\n${wrong}`);
    await assert.rejects(openPdf(bytesSource(Buffer.from(broken, 'latin1'), 'mid.pdf')), {
      code: 'broken-xref',
      message: `mid.pdf has a broken cross-reference table at byte ${wrong} (expected "xref" or a cross-reference stream)`,
    });
  });

  it('refuses an xref entry that points at the wrong object', async () => {
    const bytes = simplePdf();
    const text = Buffer.from(bytes).toString('latin1');
    const pagesAt = String(text.indexOf('2 0 obj')).padStart(10, '0');
    const catalogAt = String(text.indexOf('1 0 obj')).padStart(10, '0');
    // Swap the entries of objects 1 and 2 (same length: offsets stay valid).
    const swapped = text.replace(`${catalogAt} 00000 n\r\n${pagesAt} 00000 n`, `${pagesAt} 00000 n\r\n${catalogAt} 00000 n`);
    assert.notEqual(swapped, text);
    const reader = await openPdf(bytesSource(Buffer.from(swapped, 'latin1'), 'swap.pdf'));
    await assert.rejects(reader.catalog(), {
      code: 'broken-xref',
      message: `swap.pdf has a broken cross-reference table: object 1 0 is said to be at byte ${Number(pagesAt)}, where object 2 0 is`,
    });
  });
});
