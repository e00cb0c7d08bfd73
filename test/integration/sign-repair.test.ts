// Issue 11, part 2: damaged PDFs that carry no signature yet are repaired and signed. Each damaged
// variant of a Ghostscript file, a qpdf xref-stream file and a hand-made object-stream file goes
// through `paraphe info` and `paraphe sign` as processes: info describes the repaired copy and
// says what is wrong; sign signs the copy, says so in one line on stderr and "repaired": true in
// --json, and writes a file qpdf --check accepts, poppler's pdfsig finds valid and covering the
// whole document, and pdftotext reads the same text from as from the sound original. A second
// signature on it is an ordinary incremental update that keeps the first valid. The input is
// never modified. (A damaged file that carries a signature is refused: sign-cli.test.ts.)
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { missingTools, run } from '../fixtures/pki';
import { createPkiAndPdfs, P12_ENV, p12Args, paraphe } from '../fixtures/signing-bed';
import type { PkiAndPdfs } from '../fixtures/signing-bed';
import { damagedCases, objectStreamPdf } from '../fixtures/damaged';
import type { DamagedCase } from '../fixtures/damaged';
import { verifyWithPdfsig } from '../fixtures/signed-by-poppler';
import { qpdfCheck } from '../fixtures/pdfs';

const missing = missingTools('openssl', 'qpdf', 'pdfsig', 'pdftotext', 'gs');
if (missing.length > 0) console.log(`SKIPPED repair tests: not installed: ${missing.join(', ')}`);

interface SignOutcome { ok: boolean; repaired?: boolean; damage?: { code: string; message: string }; error?: { code: string; message: string } }

async function text(file: string): Promise<string> {
  return (await run('pdftotext', ['-q', file, '-'])).stdout.toString('utf8').replace(/\s+/g, ' ').trim();
}

describe('paraphe sign repairs damaged unsigned PDFs', { skip: missing.length > 0 ? missing.join(', ') : false, timeout: 300_000 }, () => {
  let dir: string;
  let bed: PkiAndPdfs;
  let cases: DamagedCase[];
  const sound = new Map<string, string>();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'paraphe-repair-'));
    bed = await createPkiAndPdfs(dir);
    cases = damagedCases(await readFile(bed.pdfs.simple), await readFile(bed.pdfs.objectStreams));
    const soundObjstm = join(dir, 'objstm-sound.pdf');
    await writeFile(soundObjstm, objectStreamPdf(0));
    for (const c of cases) sound.set(c.name, c.name === 'broken-object-stream' ? soundObjstm : c.name === 'truncated-xref-stream' ? bed.pdfs.objectStreams : bed.pdfs.simple);
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('the damaged files are refused by the reader as they are (the repair is what makes them signable)', async () => {
    // pdfinfo's own repair aside, our reader's strict view of each file: the damage is real.
    for (const c of cases) {
      const file = join(dir, `${c.name}.check.pdf`);
      await writeFile(file, c.build());
      const { stdout } = await paraphe(['info', '--json', file]);
      const info = JSON.parse(stdout) as { damaged: { code: string } | null };
      assert.equal(info.damaged?.code, c.code, `${c.name}: ${stdout}`);
    }
  });

  it('the sound object-stream file is not reported damaged (the test of its broken twin can fail)', async () => {
    const { code, stdout } = await paraphe(['info', '--json', sound.get('broken-object-stream') as string]);
    assert.equal(code, 0);
    assert.equal((JSON.parse(stdout) as { damaged: unknown }).damaged, null);
  });

  for (const name of ['startxref-off', 'startxref-into-object', 'startxref-past-end', 'missing-xref', 'truncated-after-objects', 'truncated-xref-stream', 'wrong-offsets', 'broken-object-stream']) {
    it(`${name}: signs a repaired copy, says so, and the signature is valid for poppler and qpdf`, async () => {
      const c = cases.find((x) => x.name === name) as DamagedCase;
      const input = join(dir, `${name}.pdf`);
      const bytes = c.build();
      await writeFile(input, bytes);
      const output = join(dir, `${name}-signed.pdf`);
      const result = await paraphe(['sign', input, '-o', output, ...p12Args(bed.pki.p12.signer), '--json'], P12_ENV);
      assert.equal(result.code, 0, result.stderr);
      const outcome = JSON.parse(result.stdout) as SignOutcome;
      assert.equal(outcome.ok, true);
      assert.equal(outcome.repaired, true);
      assert.equal(outcome.damage?.code, c.code);
      const lines = result.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, result.stderr);
      assert.match(lines[0] as string, new RegExp(`^paraphe: warning: .*${name}\\.pdf is damaged \\(.+\\): a repaired copy \\(cross-reference rebuilt from \\d+ objects\\) was signed; the original is unchanged\\.$`));
      assert.ok((await readFile(input)).equals(bytes), 'the input is unchanged');
      assert.deepEqual((await readdir(dir)).filter((f) => f.endsWith('.tmp')), [], 'no temp file left');

      await qpdfCheck(output);
      const report = await verifyWithPdfsig(output, { pki: bed.pki });
      assert.equal(report.signatures.length, 1, report.output);
      assert.equal(report.signatures[0]?.signatureValidation, 'Signature is Valid.', report.output);
      assert.match(report.output, /Total document signed/);
      assert.equal(await text(output), await text(sound.get(name) as string), 'the text of the document survived the repair');

      // The repaired copy is a sound file: a second signature is an ordinary update, the first stays valid.
      const twice = join(dir, `${name}-twice.pdf`);
      const second = await paraphe(['sign', output, '-o', twice, ...p12Args(bed.pki.p12.signer), '--json'], P12_ENV);
      assert.equal(second.code, 0, second.stderr);
      assert.equal((JSON.parse(second.stdout) as SignOutcome).repaired, false);
      assert.equal(second.stderr, '');
      const both = await verifyWithPdfsig(twice, { pki: bed.pki });
      assert.deepEqual(both.signatures.map((s) => s.signatureValidation), ['Signature is Valid.', 'Signature is Valid.'], both.output);
      const info = JSON.parse((await paraphe(['info', '--json', twice])).stdout) as { damaged: unknown; revisionCount: number };
      assert.equal(info.damaged, null);
      assert.equal(info.revisionCount, 3);
    });
  }

  it('says it in French on stderr, and keeps --json in English', async () => {
    const c = cases.find((x) => x.name === 'wrong-offsets') as DamagedCase;
    const input = join(dir, 'fr.pdf');
    await writeFile(input, c.build());
    const result = await paraphe(['sign', input, '-o', join(dir, 'fr-signed.pdf'), ...p12Args(bed.pki.p12.signer), '--json'], { ...P12_ENV, LANG: 'fr_FR.UTF-8', LC_ALL: '', LC_MESSAGES: '' });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /^paraphe: avertissement : .*fr\.pdf est endommagé \(fr\.pdf a une table de références croisées endommagée.*\) : une copie réparée \(table des références croisées reconstruite à partir de \d+ objets\) a été signée ; l’original n’est pas modifié\.\n$/);
    assert.match((JSON.parse(result.stdout) as SignOutcome).damage?.message ?? '', /is damaged \(fr\.pdf has a broken cross-reference table/);
  });

  it('a batch signs the sound and the damaged files alike, each saying whether it was repaired', async () => {
    const damaged = join(dir, 'batch-damaged.pdf');
    await writeFile(damaged, (cases.find((x) => x.name === 'startxref-off') as DamagedCase).build());
    const outDir = join(dir, 'batch-out');
    const result = await paraphe(['sign', bed.pdfs.simple, damaged, '--out-dir', outDir, ...p12Args(bed.pki.p12.signer), '--json'], P12_ENV);
    assert.equal(result.code, 0, result.stderr);
    const outcomes = JSON.parse(result.stdout) as SignOutcome[];
    assert.deepEqual(outcomes.map((o) => [o.ok, o.repaired]), [[true, false], [true, true]]);
    assert.match(result.stderr, /^\[2\/2\] paraphe: warning: .*batch-damaged\.pdf is damaged/m);
  });
});
