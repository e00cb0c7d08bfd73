import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PdfDict, PdfError, PdfStream, PdfString, bytesSource, fileSource, inspectPdf, openPdf } from '../../main/pdf';
import type { ByteSource } from '../../main/pdf';
import { TestPdfWriter, appendSignatureUpdate, qpdf, simplePdf } from './helpers/pdf-build';

let dir: string;
const path = (name: string) => join(dir, name);
const write = (name: string, bytes: Uint8Array) => {
  writeFileSync(path(name), bytes);
  return path(name);
};
const open = async (file: string) => openPdf(await fileSource(file, { name: file.slice(dir.length + 1) }));

/** Appends an update that redefines the page tree with one more page (new objects from `firstNum`). */
function appendPage(bytes: Uint8Array, pagesNum: number, kids: string, count: number, firstNum: number): Uint8Array {
  const w = new TestPdfWriter(bytes);
  w.object(firstNum, `<< /Type /Page /Parent ${pagesNum} 0 R /MediaBox [0 0 100 100] >>`);
  w.object(pagesNum, `<< /Type /Pages /Kids [${kids} ${firstNum} 0 R] /Count ${count + 1} >>`);
  w.xrefTable('', { size: firstNum + 1 });
  return w.bytes();
}

/** Objects of a qpdf output: `qpdf --show-object` would do, but the page tree is always reachable by number here. */
function pagesOf(file: string): { num: number; kids: string; count: number; size: number } {
  const json = JSON.parse(qpdf('--json=2', '--json-key=qpdf', file)) as { qpdf: [unknown, Record<string, { value?: Record<string, unknown> }>] };
  const objects = json.qpdf[1];
  for (const [key, object] of Object.entries(objects)) {
    const value = object.value;
    if (key.startsWith('obj:') && value?.['/Type'] === '/Pages' && !value['/Parent']) {
      const num = Number(key.split(' ')[0]?.slice(4));
      const kids = (value['/Kids'] as string[]).join(' ');
      const size = Math.max(...Object.keys(objects).filter((k) => k.startsWith('obj:')).map((k) => Number(k.split(' ')[0]?.slice(4)))) + 1;
      return { num, kids, count: value['/Count'] as number, size };
    }
  }
  throw new Error('no page tree');
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'paraphe-pdf-reader-'));
  mkdirSync(path('folder'));
  write('base.pdf', simplePdf({ pages: 3 }));
  qpdf('--object-streams=generate', path('base.pdf'), path('objstm.pdf'));
  qpdf('--linearize', path('base.pdf'), path('linearized.pdf'));
  qpdf('--force-version=2.0', path('base.pdf'), path('v20.pdf'));
});

after(() => rmSync(dir, { recursive: true, force: true }));

describe('openPdf on qpdf outputs', () => {
  it('reads the header version, the page count and one revision', async () => {
    const reader = await open(path('objstm.pdf'));
    assert.equal(reader.header.version, '1.7');
    assert.equal(await reader.pageCount(), 3);
    assert.equal(reader.revisions.length, 1);
    assert.equal(reader.revisions[0]?.end, reader.size);
    assert.equal(reader.sections[0]?.kind, 'stream');
  });

  it('counts a linearized file as one revision ending at the end of the file', async () => {
    const reader = await open(path('linearized.pdf'));
    assert.ok(reader.linearization, 'the linearization dictionary is found');
    assert.equal(reader.linearization.get('L'), reader.size);
    assert.equal(reader.sections.length, 2, 'first-page and main xref sections');
    assert.equal(reader.revisions.length, 1);
    assert.equal(reader.revisions[0]?.sections.length, 2);
    assert.equal(reader.revisions[0]?.end, reader.size);
    assert.equal(await reader.pageCount(), 3);
  });

  it('counts an incremental update of a linearized file as a second revision', async () => {
    const original = readFileSync(path('linearized.pdf'));
    const pages = pagesOf(path('linearized.pdf'));
    const updated = write('linearized-updated.pdf', appendPage(original, pages.num, pages.kids, pages.count, pages.size));
    const reader = await open(updated);
    assert.equal(reader.revisions.length, 2);
    assert.equal(reader.revisions[0]?.end, original.length);
    assert.equal(reader.revisions[1]?.end, reader.size);
    assert.equal(await reader.pageCount(), 4);
    const summary = await inspectPdf(await fileSource(updated));
    assert.equal(summary.linearized, false, '/L no longer matches the file size');
    assert.equal(summary.revisionCount, 2);
  });

  it('counts an incrementally updated file as two revisions', async () => {
    const original = readFileSync(path('objstm.pdf'));
    const pages = pagesOf(path('objstm.pdf'));
    const updated = write('objstm-updated.pdf', appendPage(original, pages.num, pages.kids, pages.count, pages.size));
    const reader = await open(updated);
    assert.equal(reader.revisions.length, 2);
    assert.deepEqual(reader.revisions.map((r) => r.end), [original.length, reader.size]);
    assert.equal(reader.sections[0]?.kind, 'table');
    assert.equal(reader.sections[1]?.kind, 'stream');
    assert.equal(await reader.pageCount(), 4);
    assert.equal(reader.objectRevision(pages.size)?.number, 2);
  });

  it('reads the version of a PDF 2.0 file', async () => {
    const reader = await open(path('v20.pdf'));
    assert.equal(reader.header.version, '2.0');
    assert.equal(await reader.version(), '2.0');
  });

  it('lets the catalog /Version raise the version but not lower it', async () => {
    const higher = await openPdf(bytesSource(simplePdf({ version: '1.4', catalogExtra: '/Version /1.7' })));
    assert.equal(higher.header.version, '1.4');
    assert.equal(await higher.version(), '1.7');
    const lower = await openPdf(bytesSource(simplePdf({ version: '1.6', catalogExtra: '/Version /1.3' })));
    assert.equal(await lower.version(), '1.6');
  });
});

describe('encrypted files', () => {
  const variants: [string, string[], string, number][] = [
    ['RC4-40 (R2)', ['--allow-weak-crypto', '--encrypt', '', 'owner', '40', '--'], 'RC4-40', 2],
    ['RC4-128 (R3)', ['--allow-weak-crypto', '--encrypt', '', 'owner', '128', '--use-aes=n', '--'], 'RC4-128', 3],
    ['AES-128 (R4)', ['--encrypt', '', 'owner', '128', '--use-aes=y', '--'], 'AES-128', 4],
    ['AES-256 (R5)', ['--allow-weak-crypto', '--encrypt', '', 'owner', '256', '--force-R5', '--'], 'AES-256', 5],
    ['AES-256 (R6)', ['--encrypt', '', 'owner', '256', '--'], 'AES-256', 6],
  ];
  for (const [label, args, algorithm, r] of variants) {
    it(`opens ${label} with the empty user password, through object streams and encrypted strings`, async () => {
      const signed = appendSignatureUpdate(simplePdf({ pages: 2 }), { field: 'Approval', firstNum: 10 }).bytes;
      write(`signed-${r}.pdf`, signed);
      qpdf('--object-streams=generate', ...args, path(`signed-${r}.pdf`), path(`enc-${r}.pdf`));
      const reader = await open(path(`enc-${r}.pdf`));
      assert.equal(reader.isEncrypted, true);
      assert.equal(reader.encryption?.algorithm, algorithm);
      assert.equal(reader.encryption?.r, r);
      assert.equal(reader.canDecrypt, true);
      assert.equal(await reader.pageCount(), 2);
      const fields = await reader.fields();
      assert.equal(fields.length, 1);
      assert.equal(fields[0]?.name, 'Approval', 'the /T string is decrypted');
      assert.equal(fields[0]?.signature?.subFilter, 'ETSI.CAdES.detached');
    });
  }

  it('detects a file that needs a password and still reports what is not encrypted', async () => {
    qpdf('--object-streams=generate', '--encrypt', 'user', 'owner', '256', '--', path('base.pdf'), path('locked.pdf'));
    const reader = await open(path('locked.pdf'));
    assert.equal(reader.isEncrypted, true);
    assert.equal(reader.canDecrypt, false);
    await assert.rejects(reader.pageCount(), (error: unknown) => error instanceof PdfError && error.code === 'encrypted' && /locked\.pdf is encrypted with a password/.test(error.message));
    const summary = await inspectPdf(await fileSource(path('locked.pdf')));
    assert.equal(summary.encrypted, true);
    assert.equal(summary.pageCount, null);
    assert.deepEqual(summary.encryption, { filter: 'Standard', v: 5, r: 6, keyBits: 256, algorithm: 'AES-256', opensWithoutPassword: false });
  });
});

describe('refused inputs', () => {
  it('refuses an empty file', async () => {
    await assert.rejects(open(write('empty.pdf', new Uint8Array(0))), { code: 'empty', message: 'empty.pdf is empty (0 bytes)' });
  });

  it('refuses a file that is not a PDF, saying what it looks like, never what it holds', async () => {
    await assert.rejects(open(write('hello.pdf', Buffer.from('Hello, world\nsecond line'))), { code: 'not-pdf', message: 'hello.pdf is not a PDF (it looks like a text file)' });
    const kinds: [string, Uint8Array, string][] = [
      ['token', Buffer.from('api_token=s3cr3t-value\n'), 'a text file'],
      ['passwd', Buffer.from('root:x:0:0:root:/root:/bin/bash\n'), 'a text file'],
      ['key', Buffer.from('-----BEGIN PRIVATE KEY-----\nMIIE\n'), 'a certificate or key file (PEM)'],
      ['page', Buffer.from('<!DOCTYPE html><html><title>secret</title>'), 'a web page (HTML)'],
      ['zip', Buffer.from([0x50, 0x4b, 0x03, 0x04, 1, 2, 3]), 'a ZIP archive or an Office document'],
      ['blob', Buffer.from([0, 1, 2, 3, 0xfe, 0x10, 0x80, 0x81]), 'a binary file of another kind'],
    ];
    for (const [name, bytes, kind] of kinds) {
      const error = await open(write(`${name}.bin`, bytes)).then(() => null, (e: unknown) => e as Error);
      assert.equal(error?.message, `${name}.bin is not a PDF (it looks like ${kind})`);
      assert.doesNotMatch(error?.message ?? '', /s3cr3t|root:|MIIE|secret/);
    }
  });

  it('refuses a truncated file', async () => {
    const bytes = simplePdf({ pages: 2 });
    const cut = write('cut.pdf', bytes.subarray(0, Math.floor(bytes.length * 0.7)));
    await assert.rejects(open(cut), { code: 'truncated', message: 'cut.pdf is truncated: no %%EOF/startxref at its end' });
  });

  it('refuses a missing file and a directory', async () => {
    await assert.rejects(fileSource(path('nope.pdf'), { name: 'nope.pdf' }), { code: 'not-found', message: 'nope.pdf does not exist' });
    await assert.rejects(fileSource(path('folder'), { name: 'folder' }), { code: 'not-a-file', message: 'folder is a directory, not a file' });
  });
});

describe('objects and streams', () => {
  it('resolves an indirect /Length and decodes the stream', async () => {
    const w = TestPdfWriter.start();
    w.object(1, '<< /Type /Catalog /Pages 2 0 R >>');
    w.object(2, '<< /Type /Pages /Kids [] /Count 0 >>');
    w.stream(3, { dict: '/Filter /ASCIIHexDecode', data: '48656c6c6f>' }, { length: '4 0 R' });
    w.object(4, '11');
    w.xrefTable('/Root 1 0 R');
    const reader = await openPdf(bytesSource(w.bytes()));
    const stream = await reader.getObject(3);
    assert.ok(stream instanceof PdfStream);
    assert.equal(stream.dataLength, 11);
    assert.equal(Buffer.from(await reader.streamData(stream)).toString(), 'Hello');
    assert.deepEqual(reader.warnings, []);
  });

  it('measures a stream whose /Length is wrong up to "endstream" and says so in a warning', async () => {
    const w = TestPdfWriter.start();
    w.object(1, '<< /Type /Catalog /Pages 2 0 R >>');
    w.object(2, '<< /Type /Pages /Kids [] /Count 0 >>');
    w.stream(3, { dict: '', data: 'twelve bytes' }, { length: 5 });
    w.xrefTable('/Root 1 0 R');
    const reader = await openPdf(bytesSource(w.bytes(), 'len.pdf'));
    const stream = await reader.getObject(3);
    assert.ok(stream instanceof PdfStream);
    assert.equal(Buffer.from(await reader.streamData(stream)).toString(), 'twelve bytes');
    assert.deepEqual(reader.warnings, ['len.pdf: object 3 0 has a wrong /Length (5; its data is 12 bytes, up to "endstream")']);
  });

  it('does not wait forever on /Length references that lead back to each other', async () => {
    const w = TestPdfWriter.start();
    w.object(1, '<< /Type /Catalog /Pages 2 0 R >>');
    w.object(2, '<< /Type /Pages /Kids [] /Count 0 >>');
    w.stream(3, { dict: '', data: 'three' }, { length: '4 0 R' });
    w.stream(4, { dict: '', data: 'four!' }, { length: '3 0 R' });
    w.xrefTable('/Root 1 0 R');
    const reader = await openPdf(bytesSource(w.bytes(), 'cycle.pdf'));
    const three = await reader.getObject(3);
    assert.ok(three instanceof PdfStream);
    assert.equal(Buffer.from(await reader.streamData(three)).toString(), 'three');
    assert.ok(reader.warnings.some((m) => m.startsWith('cycle.pdf: object 3 0 has a wrong /Length')), reader.warnings.join('; '));
  });

  it('refuses an object stream said to be inside an object stream', async () => {
    const w = TestPdfWriter.start();
    w.objectStream(10, [[1, '<< /Type /Catalog /Pages 2 0 R >>'], [2, '<< /Type /Pages /Kids [] /Count 0 >>']]);
    w.entry(10, { type: 'compressed', stream: 10, index: 0 });
    w.xrefStream(11, '/Root 1 0 R');
    const reader = await openPdf(bytesSource(w.bytes(), 'self.pdf'));
    await assert.rejects(reader.catalog(), { code: 'broken-xref', message: 'self.pdf has a broken cross-reference table: object stream 10 is not an uncompressed object' });
  });

  it('returns null for a reference to an object of another generation or with no entry', async () => {
    const reader = await openPdf(bytesSource(simplePdf()));
    assert.equal(await reader.getObject(1, 3), null);
    assert.equal(await reader.getObject(99), null);
    assert.ok((await reader.getObject(1, 0)) instanceof PdfDict);
  });

  it('reads each object once (cached)', async () => {
    const counting = countingSource(bytesSource(simplePdf()));
    const reader = await openPdf(counting);
    await reader.getObject(2);
    const reads = counting.calls;
    await reader.getObject(2);
    assert.equal(counting.calls, reads);
  });
});

describe('form fields and signatures', () => {
  /**
   * A form: field 4 'parent' (/FT /Sig) with kids 5 'child' (one widget, 8) and 6 (a text field
   * named `second`), and a top-level button 7 (`top`); `fields` is the /AcroForm /Fields array.
   */
  function formPdf(options: { fields: string; second: string; top: string }): Uint8Array {
    const w = TestPdfWriter.start();
    w.object(1, `<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [${options.fields}] >> >>`);
    w.object(2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>');
    w.object(3, '<< /Type /Page /Parent 2 0 R >>');
    w.object(4, '<< /T (parent) /FT /Sig /Kids [5 0 R 6 0 R] >>');
    w.object(5, '<< /T (child) /Parent 4 0 R /Kids [8 0 R] >>');
    w.object(6, `<< /T ${options.second} /Parent 4 0 R /FT /Tx /V (text) >>`);
    w.object(7, `<< ${options.top} /FT /Btn >>`);
    w.object(8, '<< /Type /Annot /Subtype /Widget /Parent 5 0 R >>');
    w.xrefTable('/Root 1 0 R');
    return w.bytes();
  }

  it('joins partial names through /Kids and inherits /FT', async () => {
    const fields = await (await openPdf(bytesSource(formPdf({ fields: '4 0 R 7 0 R', second: '<FEFF00E9>', top: '/T (top)' })))).fields();
    assert.deepEqual(fields.map((f) => [f.name, f.type, f.hasValue]), [
      ['parent.child', 'Sig', false],
      ['parent.é', 'Tx', true],
      ['top', 'Btn', false],
    ]);
  });

  it('gives the whole field tree, parents first, with the widgets of each field, walked once per reader', async () => {
    // Field 4 listed twice; the button has no /T.
    const reader = await openPdf(bytesSource(formPdf({ fields: '4 0 R 7 0 R 4 0 R', second: '(second)', top: '' }), 'form.pdf'));
    const tree = await reader.fieldTree();
    assert.deepEqual(tree.map((n) => [n.ref?.num, n.name, n.type, n.terminal, n.parent?.ref?.num ?? null, n.widgets.map((x) => x.ref?.num)]), [
      [4, 'parent', 'Sig', false, null, []],
      [5, 'parent.child', 'Sig', true, 4, [8]],
      [6, 'parent.second', 'Tx', true, 4, []],
      [7, '', 'Btn', true, null, []],
    ]);
    assert.equal(await reader.fieldTree(), tree, 'the same walk is returned');
    assert.deepEqual((await reader.fields()).map((f) => f.name), ['parent.child', 'parent.second', '']);
    assert.deepEqual(reader.warnings, ['form.pdf: the form field 4 0 appears twice in the field tree'], 'warned once, however often it is read');
  });

  it('finds signatures and document timestamps and the revision each one ends at', async () => {
    const first = appendSignatureUpdate(simplePdf({ pages: 1 }), { field: 'Signature1', firstNum: 10 });
    const second = appendSignatureUpdate(first.bytes, { field: 'Timestamp', firstNum: 20, fields: [first.fieldRef], type: 'DocTimeStamp', xref: 'stream' });
    const summary = await inspectPdf(bytesSource(second.bytes, 'signed.pdf'));
    assert.equal(summary.revisionCount, 3);
    assert.equal(summary.signatureFields, 2);
    assert.equal(summary.signatureCount, 2);
    assert.equal(summary.docTimestampCount, 1);
    assert.equal(summary.signed, true);
    assert.deepEqual(summary.signatures, [
      { field: 'Signature1', subFilter: 'ETSI.CAdES.detached', kind: 'signature', revision: 2 },
      { field: 'Timestamp', subFilter: 'ETSI.RFC3161', kind: 'doc-timestamp', revision: 3 },
    ]);
  });

  it('does not count an empty signature field as a signature', async () => {
    const w = TestPdfWriter.start();
    w.object(1, '<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] >> >>');
    w.object(2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>');
    w.object(3, '<< /Type /Page /Parent 2 0 R >>');
    w.object(4, '<< /T (Unsigned) /FT /Sig /Type /Annot /Subtype /Widget /Rect [0 0 0 0] >>');
    w.xrefTable('/Root 1 0 R');
    const summary = await inspectPdf(bytesSource(w.bytes()));
    assert.equal(summary.signatureFields, 1);
    assert.equal(summary.signatureCount, 0);
    assert.equal(summary.signed, false);
  });
});

interface Counting extends ByteSource {
  calls: number;
  bytes: number;
}

function countingSource(inner: ByteSource): Counting {
  const counting: Counting = {
    size: inner.size,
    calls: 0,
    bytes: 0,
    async read(position, length) {
      const out = await inner.read(position, length);
      counting.calls++;
      counting.bytes += out.length;
      return out;
    },
    close: () => inner.close(),
  };
  return counting;
}

describe('laziness', () => {
  it('inspects a 30 MB file reading only its tail, xref and a few objects', async () => {
    const w = TestPdfWriter.start();
    w.object(1, '<< /Type /Catalog /Pages 2 0 R >>');
    w.object(2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>');
    w.object(3, '<< /Type /Page /Parent 2 0 R /Resources << /XObject << /Im1 4 0 R >> >> >>');
    // Incompressible image data, so that qpdf's output stays as large.
    const data = new Uint8Array(30 * 1024 * 1024);
    let x = 12345;
    for (let i = 0; i < data.length; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      data[i] = x >>> 24;
    }
    w.stream(4, { dict: '/Type /XObject /Subtype /Image /Width 4096 /Height 2560 /ColorSpace /DeviceRGB /BitsPerComponent 8', data });
    w.xrefTable('/Root 1 0 R');
    write('big-raw.pdf', w.bytes());
    qpdf('--object-streams=generate', '--stream-data=preserve', path('big-raw.pdf'), path('big.pdf'));

    const file = await fileSource(path('big.pdf'));
    const counting = countingSource(file);
    const summary = await inspectPdf(counting);
    await file.close();
    assert.ok(summary.size > 30_000_000);
    assert.equal(summary.pageCount, 1);
    assert.ok(counting.bytes < 256 * 1024, `asked for ${counting.bytes} bytes of ${summary.size}`);
    assert.ok(file.bytesRead < 512 * 1024, `read ${file.bytesRead} bytes from disk of ${summary.size}`);
  });
});

describe('string objects', () => {
  it('keeps the hex flag of strings', async () => {
    const w = TestPdfWriter.start();
    w.object(1, '<< /Type /Catalog /Pages 2 0 R /A <414243> /B (ABC) >>');
    w.object(2, '<< /Type /Pages /Kids [] /Count 0 >>');
    w.xrefTable('/Root 1 0 R');
    const catalog = await (await openPdf(bytesSource(w.bytes()))).catalog();
    const a = catalog.get('A');
    const b = catalog.get('B');
    assert.ok(a instanceof PdfString && b instanceof PdfString);
    assert.equal(a.hex, true);
    assert.equal(b.hex, false);
    assert.equal(a.text(), b.text());
  });
});

describe('fileSource', () => {
  it('reads across cached blocks, clamps at the end and counts disk reads', async () => {
    const content = Buffer.from(Array.from({ length: 100 }, (_, i) => i));
    const source = await fileSource(write('blocks.bin', content), { blockSize: 16, cacheBlocks: 4 });
    try {
      assert.equal(source.size, 100);
      assert.deepEqual([...(await source.read(10, 30))], [...content.subarray(10, 40)]);
      assert.equal(source.bytesRead, 48, 'three 16-byte blocks');
      assert.deepEqual([...(await source.read(12, 4))], [12, 13, 14, 15]);
      assert.equal(source.bytesRead, 48, 'served from the cache');
      assert.deepEqual([...(await source.read(95, 50))], [95, 96, 97, 98, 99]);
      assert.equal((await source.read(200, 10)).length, 0);
    } finally {
      await source.close();
    }
  });
});
