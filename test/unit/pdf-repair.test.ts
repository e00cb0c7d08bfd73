// main/pdf/repair.ts: the clean copy of a damaged, unsigned PDF (issue 11, part 2).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { PdfError, PdfStream, PdfString, bytesSource, inspectPdf, isDamage, openPdf, repairPdf, withRepair } from '../../main/pdf';
import type { ByteSource, PdfDict } from '../../main/pdf';
import { TestPdfWriter, qpdf, simplePdf } from './helpers/pdf-build';
import { objectStreamPdf } from '../fixtures/damaged';

const dir = mkdtempSync(join(tmpdir(), 'paraphe-repair-unit-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function damageOf(bytes: Uint8Array): Promise<PdfError> {
  try {
    const reader = await openPdf(bytesSource(bytes, 'test.pdf'), { name: 'test.pdf' });
    await reader.pageCount();
  } catch (error) {
    if (error instanceof PdfError) return error;
    throw error;
  }
  throw new Error('the file is not damaged');
}

async function all(source: ByteSource): Promise<Buffer> {
  return Buffer.from(await source.read(0, source.size));
}

/** simplePdf with its startxref pointing at byte 5. */
function brokenStartxref(base = simplePdf({ pages: 2 })): Uint8Array {
  const text = Buffer.from(base).toString('latin1');
  return Buffer.from(text.replace(/startxref\s+\d+\s+%%EOF\s*$/, 'startxref\n5\n%%EOF\n'), 'latin1');
}

describe('repairPdf', () => {
  it('tells damage (structure) from a bad object or a refusal', async () => {
    assert.equal(isDamage(await damageOf(brokenStartxref())), true);
    assert.equal(isDamage(new PdfError('decode-limit', 'too big')), false);
    assert.equal(isDamage(new PdfError('encrypted', 'locked')), false);
    assert.equal(isDamage(new Error('broken-xref')), false);
  });

  it('writes a clean copy qpdf accepts: one table, every object, the same pages', async () => {
    const damaged = brokenStartxref();
    const repaired = await repairPdf(bytesSource(damaged, 'test.pdf'), { name: 'test.pdf', damage: await damageOf(damaged) });
    assert.equal(repaired.damage.code, 'broken-xref');
    assert.equal(repaired.objects, 4);
    const copy = await all(repaired.source);
    const file = join(dir, 'copy.pdf');
    writeFileSync(file, copy);
    const check = qpdf('--check', file);
    assert.match(check, /No syntax or stream encoding errors/);
    assert.doesNotMatch(check, /WARNING/);
    const reader = await openPdf(bytesSource(copy));
    assert.equal(await reader.pageCount(), 2);
    assert.equal(reader.revisions.length, 1);
  });

  it('reads the same bytes through read() at any offset and through stream()', async () => {
    const damaged = brokenStartxref();
    const { source } = await repairPdf(bytesSource(damaged, 'test.pdf'), { name: 'test.pdf', damage: await damageOf(damaged) });
    const whole = await all(source);
    assert.equal(whole.length, source.size);
    for (const [at, length] of [[0, 1], [3, 50], [source.size - 7, 100], [17, source.size]] as const) {
      assert.deepEqual(Buffer.from(await source.read(at, length)), whole.subarray(at, at + length));
    }
    const streamed: Buffer[] = [];
    await source.stream?.(10, source.size - 20, (chunk) => streamed.push(Buffer.from(chunk)));
    assert.deepEqual(Buffer.concat(streamed), whole.subarray(10, source.size - 10));
  });

  it('keeps the last definition of an object (an unlisted update counts), and rewrites a wrong /Length', async () => {
    const w = new TestPdfWriter(simplePdf());
    w.object(1, '<< /Type /Catalog /Pages 2 0 R /Lang (fr-FR) >>');
    w.stream(9, { dict: '', data: 'hello stream' }, { length: 3 });
    // The update's xref section is missing: only a scan finds the new catalog.
    const damaged = w.bytes();
    const repaired = await repairPdf(bytesSource(damaged, 'test.pdf'), { name: 'test.pdf', damage: new PdfError('truncated', 'cut') });
    const reader = await openPdf(repaired.source);
    const catalog = await reader.catalog();
    const lang = catalog.get('Lang');
    assert.ok(lang instanceof PdfString);
    assert.equal(Buffer.from(lang.bytes).toString('latin1'), 'fr-FR');
    const stream = await reader.getObject(9);
    assert.ok(stream instanceof PdfStream);
    assert.equal(stream.dict.get('Length'), 'hello stream'.length);
    assert.equal(Buffer.from(await reader.streamData(stream)).toString('latin1'), 'hello stream');
    assert.deepEqual(reader.warnings, [], 'the copy has no wrong /Length left');
  });

  it('reads an object stream whose header offsets are wrong one object after another', async () => {
    const damaged = objectStreamPdf(3);
    const damage = await damageOf(damaged);
    const { source } = await repairPdf(bytesSource(damaged, 'test.pdf'), { name: 'test.pdf', damage });
    const reader = await openPdf(source);
    assert.equal(await reader.pageCount(), 1);
    const page = await reader.getObject(3);
    const font = await reader.resolve(((await reader.resolve((page as PdfDict).get('Resources'))) as PdfDict).get('Font'));
    assert.equal(((await reader.resolve((font as PdfDict).get('F1'))) as PdfDict).getName('BaseFont'), 'Helvetica');
  });

  it('refuses a damaged file that carries a signature, naming the damage', async () => {
    const w = new TestPdfWriter(simplePdf());
    w.object(4, '<< /Type /Sig /Filter /Adobe.PPKLite /ByteRange [0 10 20 30] /Contents <00> >>');
    const damaged = w.bytes();
    await assert.rejects(repairPdf(bytesSource(damaged, 'test.pdf'), { name: 'test.pdf', damage: new PdfError('truncated', 'cut') }), (error: unknown) => {
      assert.ok(error instanceof PdfError);
      assert.equal(error.code, 'damaged-signed');
      assert.match(error.message, /^test\.pdf is damaged and already carries signatures: repairing it would break them/);
      return true;
    });
  });

  it('refuses an encrypted damaged file and one with no catalog', async () => {
    const enc = TestPdfWriter.start();
    enc.object(1, '<< /Type /Catalog /Pages 2 0 R >>').object(2, '<< /Type /Pages /Kids [] /Count 0 >>').object(3, '<< /Filter /Standard /V 1 /R 2 >>');
    enc.raw('trailer\n<< /Root 1 0 R /Encrypt 3 0 R /Size 4 >>\n');
    await assert.rejects(repairPdf(bytesSource(enc.bytes(), 'e.pdf'), { name: 'e.pdf', damage: new PdfError('truncated', 'cut') }), { code: 'encrypted' });
    const none = TestPdfWriter.start();
    none.object(1, '<< /Just (a dictionary) >>');
    await assert.rejects(repairPdf(bytesSource(none.bytes(), 'n.pdf'), { name: 'n.pdf', damage: new PdfError('truncated', 'cut') }), (error: unknown) => error instanceof PdfError && /no document catalog was found/.test(error.message));
  });

  it('withRepair and inspectPdf leave a sound file alone, and describe a damaged one as its copy', async () => {
    const sound = simplePdf({ pages: 2 });
    const plain = await withRepair(bytesSource(sound), { name: 's.pdf' }, (reader) => reader.pageCount());
    assert.deepEqual(plain, { result: 2, repaired: null });
    const damaged = brokenStartxref();
    const summary = await inspectPdf(bytesSource(damaged, 'd.pdf'));
    assert.equal(summary.pageCount, 2);
    assert.equal(summary.size, damaged.length);
    assert.equal(summary.damage?.code, 'broken-xref');
    assert.equal((await inspectPdf(bytesSource(sound))).damage, null);
  });
});
