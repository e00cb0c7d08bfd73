// Issue 11, part 1: co-signing hybrid-reference PDFs (the kind Word writes). A font that lives in
// an object stream listed only by the /XRefStm, free in the classic table, must stay reachable
// from every revision after our signatures, for every validator: poppler (pdfsig, and pdffonts,
// which walks the page to its font), qpdf, our verify, and pyHanko's revision-by-revision model of
// the cross-reference (test/fixtures/pyhanko-xref.ts), which failed with "KeyError:
// Reference(idnum=5)" when our update's table ended the hybrid arrangement. Files are made at
// test time in Word's two-section layout and in the one-section layout, with the free entries
// seen in the wild (generation 0, 1, 65535), the object stream itself in the table or hidden too;
// signed two and three times, the second time visibly.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileSource, openPdf, PdfDict, PdfRef, PdfStream } from '../../main/pdf';
import type { PdfObject, PdfReader } from '../../main/pdf';
import { missingTools, run } from '../fixtures/pki';
import { createPkiAndPdfs, P12_ENV, p12Args, paraphe } from '../fixtures/signing-bed';
import type { PkiAndPdfs } from '../fixtures/signing-bed';
import { hybridName, hybridPdf } from '../fixtures/hybrid';
import type { HybridOptions } from '../fixtures/hybrid';
import { introducingRevision } from '../fixtures/pyhanko-xref';
import { verifyWithPdfsig } from '../fixtures/signed-by-poppler';
import { qpdfCheck } from '../fixtures/pdfs';

const missing = missingTools('openssl', 'qpdf', 'pdfsig', 'pdffonts', 'gs');
if (missing.length > 0) console.log(`SKIPPED hybrid co-signing tests: not installed: ${missing.join(', ')}`);

/** Every reference reachable from the trailer of `reader`'s newest revision. */
async function reachableRefs(reader: PdfReader): Promise<PdfRef[]> {
  const seen = new Map<string, PdfRef>();
  const walk = async (value: PdfObject | undefined, depth: number): Promise<void> => {
    if (depth > 64 || value === undefined || value === null) return;
    if (value instanceof PdfRef) {
      const key = `${value.num} ${value.gen}`;
      if (seen.has(key)) return;
      seen.set(key, value);
      await walk(await reader.getObject(value.num, value.gen), depth + 1);
    } else if (Array.isArray(value)) {
      for (const item of value) await walk(item, depth + 1);
    } else if (value instanceof PdfDict || value instanceof PdfStream) {
      const dict = value instanceof PdfStream ? value.dict : value;
      for (const [key, item] of dict.entries) if (key !== 'Parent' && key !== 'P') await walk(item, depth + 1);
    }
  };
  await walk(reader.trailer.get('Root'), 0);
  await walk(reader.trailer.get('Info'), 0);
  return [...seen.values()];
}

interface Verified { signatures: { field: string; intact: boolean; signatureValid: boolean; modifications: string }[] }

describe('co-signing hybrid-reference PDFs', { skip: missing.length > 0 ? missing.join(', ') : false, timeout: 300_000 }, () => {
  let dir: string;
  let bed: PkiAndPdfs;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'paraphe-hybrid-'));
    bed = await createPkiAndPdfs(dir);
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const sign = async (input: string, output: string, extra: string[] = []) => {
    const r = await paraphe(['sign', input, '-o', output, ...p12Args(bed.pki.p12.signer), ...extra], P12_ENV);
    assert.equal(r.code, 0, r.stderr);
  };

  const variants: HybridOptions[] = [];
  // Every one-section layout; Word's two-section layout (the update never names its stream, which
  // lies in the revision before) in two of them.
  for (const freeGeneration of [0, 1, 65535]) for (const streamInTable of [true, false]) variants.push({ word: false, freeGeneration, streamInTable });
  variants.push({ word: true, freeGeneration: 1, streamInTable: true }, { word: true, freeGeneration: 65535, streamInTable: false });

  for (const variant of variants) {
    const name = hybridName(variant);
    it(`${name}: three signatures, each valid, the font found from every revision by every validator`, async () => {
      const base = join(dir, `${name}.pdf`);
      await writeFile(base, hybridPdf(variant));
      const once = join(dir, `${name}-1.pdf`);
      const twice = join(dir, `${name}-2.pdf`);
      const thrice = join(dir, `${name}-3.pdf`);
      await sign(base, once);
      await sign(once, twice, ['--visible', '1,10,10,150,60']);
      await sign(twice, thrice);

      for (const file of [twice, thrice]) {
        await qpdfCheck(file);
        const report = await verifyWithPdfsig(file, { pki: bed.pki });
        assert.ok(report.signatures.length >= 2 && report.signatures.every((s) => s.signatureValidation === 'Signature is Valid.'), report.output);
        // pdffonts reaches the font through the page (poppler's own hybrid resolution).
        const fonts = (await run('pdffonts', [file])).stdout.toString('utf8');
        assert.match(fonts, /^Helvetica\s+Type 1/m, `${file}: the font is lost\n${fonts}`);
        // pyHanko's model: every reference of the newest revision is introduced by some revision.
        const source = await fileSource(file);
        try {
          const reader = await openPdf(source);
          const lost = (await reachableRefs(reader)).filter((ref) => introducingRevision(reader, ref.num, ref.gen) === null);
          assert.deepEqual(lost.map((ref) => `${ref.num} ${ref.gen} R`), [], `${file}: references pyHanko cannot place in any revision`);
        } finally {
          await source.close();
        }
      }

      // Our verify: every signature intact, later ones seen as signatures added.
      const verified = JSON.parse((await paraphe(['verify', '--json', thrice])).stdout) as Verified;
      assert.deepEqual(verified.signatures.map((s) => [s.field, s.intact, s.signatureValid]), [['Signature1', true, true], ['Signature2', true, true], ['Signature3', true, true]]);
      assert.deepEqual(verified.signatures.map((s) => s.modifications), ['form-filling', 'form-filling', 'none']);

      // Only the update right after a hybrid table carries its /XRefStm on (a later one would let
      // the stream's older entries win over the updates in between).
      const tail = (await readFile(thrice)).toString('latin1');
      const trailers = [...tail.matchAll(/trailer\s*(<<.*?>>)\s*startxref/gs)].map((m) => m[1] as string);
      const ours = trailers.slice(variant.word ? 2 : 1);
      assert.equal(ours.length, 3);
      assert.deepEqual(ours.map((t) => /\/XRefStm\s+\d+/.test(t)), [!variant.word, false, false]);
    });
  }
});
