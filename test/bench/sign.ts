// The signing bench (issue 3, "Proof"): `paraphe sign` at B-B with a software key (PKCS#12), each
// file beside peers run in the same bench on the same file:
//   - poppler `pdfsig -add-signature` with an NSS database holding the same key,
//   - @signpdf/signpdf + @signpdf/placeholder-plain + @signpdf/signer-p12 (test/bench/signpdf-peer.ts,
//     bundled by esbuild here and run as its own process),
//   - `sha256sum` of the same file: the floor (read and hash every byte once).
// Wall time is the median of BENCH_RUNS runs (default 3), peak RSS the highest; every number is a
// whole process (startup included). Inputs are generated here: a one-page PDF by Ghostscript, PDFs of
// BENCH_SIGN_SIZES MB (default 1,50,200; 512 KB random images, rewritten by qpdf with object
// streams, hence xref streams), a classic-xref twin of the sizes in BENCH_SIGN_TABLE_SIZES (default
// 200; the only kind placeholder-plain reads) and a batch of BENCH_BATCH (default 200) copies of the
// one-page PDF, signed by ONE `paraphe sign ... --out-dir` process, beside BENCH_PDFSIG_BATCH
// (default 20) sequential pdfsig processes extrapolated and one @signpdf process for the whole batch.
// Every paraphe output is checked once by pdfsig (untimed, before the timed runs): a broken signer
// is reported, not timed. Targets are printed as PASS/MISS; the bench never fails on a MISS.
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, rm, stat } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { createTestPki } from '../fixtures/pki';
import type { TestPki } from '../fixtures/pki';
import { createNssDb } from '../fixtures/signed-by-poppler';
import type { NssDb } from '../fixtures/signed-by-poppler';
import { LARGE_PDF_BYTES_PER_PAGE, envNumber, failed, mb, measure, median, ms, repeat } from './common';
import type { BenchInputs, MeasureResult, Measurement } from './common';

export interface SignBenchContext {
  /** Scratch folder (removed by the caller). */
  dir: string;
  /** The repository root (main/bin/paraphe.cjs, test/bench/signpdf-peer.ts). */
  root: string;
  inputs: BenchInputs;
}

const PASSWORD_ENV = 'PARAPHE_BENCH_P12_PASSWORD';

function envSizes(name: string, fallback: string): number[] {
  const raw = (process.env[name] ?? fallback).trim();
  if (raw === '') return [];
  return raw.split(',').map((s) => {
    const n = Number(s.trim());
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}: '${s}' is not a size in MB`);
    return n;
  });
}

const size = (bytes: number): string => (bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KB` : mb(bytes));
const rss = (kb: number): string => `${(kb / 1024).toFixed(0)} MB`;
const ratio = (a: number, b: number): string => (Number.isFinite(a / b) ? (a / b).toFixed(2) : 'n/a');
const verdict = (ok: boolean): string => (ok ? 'PASS' : 'MISS');

/** 'n/a (reason)' from a failed run: the peer's own message, without the command line. */
function notAvailable(result: { error: string }): string {
  const stderr = result.error.includes(' failed: ') ? result.error.slice(result.error.indexOf(' failed: ') + ' failed: '.length) : result.error;
  const message = stderr.split('\n').map((l) => l.trim()).filter(Boolean).pop() ?? stderr;
  return `n/a (${message.replace(/^signpdf-peer: [^:]+: /, '').replace(/\|/g, '/').slice(0, 120)})`;
}

interface PdfsigCheck {
  ok: boolean;
  detail: string;
}

/** pdfsig's verdict on the last signature of `file` (untimed): valid and covering the whole file. */
function checkWithPdfsig(file: string, db: NssDb): PdfsigCheck {
  const result = spawnSync('pdfsig', ['-nssdir', db.nssdir, '-nss-pwd', db.password, '-no-ocsp', file], { encoding: 'utf8' });
  const blocks = result.stdout.split(/^Signature #\d+:/m).slice(1);
  const last = blocks[blocks.length - 1];
  if (result.status !== 0 || last === undefined) return { ok: false, detail: `pdfsig exited ${result.status}: ${(result.stdout + result.stderr).trim().slice(-300)}` };
  const validation = /Signature Validation: (.*)/.exec(last)?.[1]?.trim() ?? '?';
  const certificate = /Certificate Validation: (.*)/.exec(last)?.[1]?.trim() ?? '?';
  const whole = /Total document signed/.test(last);
  const ok = validation === 'Signature is Valid.' && whole;
  return { ok, detail: `${validation} ${whole ? 'Total document signed.' : 'NOT the whole document.'} ${certificate}` };
}

interface Row {
  label: string;
  /** Nominal size in MB (for the targets); 0 for the one-page file. */
  nominalMb: number;
  file: string;
  size: number;
  paraphe: MeasureResult;
  pdfsig: MeasureResult;
  signpdf: MeasureResult;
  sha256sum: Measurement;
  check: string;
}

const cell = (r: MeasureResult, what: 'time' | 'rss'): string => {
  if (failed(r)) return what === 'time' ? notAvailable(r) : '—';
  return what === 'time' ? ms(r.seconds) : rss(r.rssKb);
};

const secondsOf = (r: MeasureResult): number => (failed(r) ? Number.NaN : r.seconds);

export async function benchSign(context: SignBenchContext): Promise<void> {
  const { dir, root, inputs } = context;
  const runs = Math.round(envNumber('BENCH_RUNS', 3));
  const sizes = envSizes('BENCH_SIGN_SIZES', '1,50,200');
  const tableSizes = envSizes('BENCH_SIGN_TABLE_SIZES', '200');
  const batchSize = Math.round(envNumber('BENCH_BATCH', 200));
  const pdfsigBatch = Math.min(batchSize, Math.round(envNumber('BENCH_PDFSIG_BATCH', 20)));
  const cli = join(root, 'main/bin/paraphe.cjs');
  const work = join(dir, 'sign');
  const outDir = join(work, 'out');
  await mkdir(outDir, { recursive: true });

  // The identity: one PKCS#12 file for paraphe and @signpdf, the same key in an NSS database for pdfsig.
  const pkiDir = join(work, 'pki');
  await mkdir(pkiDir, { recursive: true });
  const pki: TestPki = await createTestPki(pkiDir, { ocspPort: 9, httpPort: 9 }); // no server: B-B only
  const db = await createNssDb(pki, { p12: [pki.p12.signer] });
  const env = { ...process.env, [PASSWORD_ENV]: pki.password };
  const peer = join(work, 'signpdf-peer.cjs');

  const parapheArgs = (inputsAndOutput: string[]): string[] => [cli, 'sign', ...inputsAndOutput, '--p12', pki.p12.signer, '--password-env', PASSWORD_ENV];
  const pdfsigArgs = (input: string, output: string): string[] => [
    '-add-signature', '-nssdir', db.nssdir, '-nss-pwd', db.password, '-nick', 'signer', '-kpw', db.password, input, output,
  ];
  const peerArgs = (inputsAndOutput: string[]): string[] => [peer, ...inputsAndOutput, '--p12', pki.p12.signer, '--password-env', PASSWORD_ENV];

  try {
    await build({
      entryPoints: [join(root, 'test/bench/signpdf-peer.ts')],
      outfile: peer,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      logLevel: 'warning',
    });

    // ---- inputs
    const files: { label: string; nominalMb: number; file: string }[] = [{ label: '1 page (Ghostscript)', nominalMb: 0, file: await inputs.manyPages(1) }];
    for (const size of sizes) {
      const pages = Math.max(1, Math.round((size * 1024 * 1024) / LARGE_PDF_BYTES_PER_PAGE));
      files.push({ label: `${size} MB`, nominalMb: size, file: await inputs.largePdf(pages, 'stream') });
    }
    for (const size of tableSizes) {
      const pages = Math.max(1, Math.round((size * 1024 * 1024) / LARGE_PDF_BYTES_PER_PAGE));
      files.push({ label: `${size} MB, classic xref`, nominalMb: size, file: await inputs.largePdf(pages, 'table') });
    }

    // ---- one file per process
    const rows: Row[] = [];
    for (const { label, nominalMb, file } of files) {
      const bytes = (await stat(file)).size;
      const out = join(outDir, 'signed.pdf');
      const clean = (): void => rmSync(out, { force: true });

      // Untimed first run (also warms the page cache): a broken signer is reported, not timed.
      clean();
      const first = measure(process.execPath, parapheArgs([file, '-o', out]), { env, allowFailure: true });
      let check = failed(first) ? `paraphe failed: ${first.error.slice(-200)}` : '';
      let paraphe: MeasureResult = first;
      if (!failed(first)) {
        const accepted = checkWithPdfsig(out, db);
        check = `${accepted.ok ? 'ok' : 'BROKEN'}: ${accepted.detail}`;
        paraphe = accepted.ok
          ? repeat(process.execPath, parapheArgs([file, '-o', out]), runs, { env, before: clean, allowFailure: true })
          : { error: `not timed: pdfsig does not accept the output (${accepted.detail})` };
      }
      const pdfsig = repeat('pdfsig', pdfsigArgs(file, out), runs, { before: clean, allowFailure: true });
      if (!failed(pdfsig)) {
        const peerCheck = checkWithPdfsig(out, db);
        if (!peerCheck.ok) check += `; pdfsig's own output: ${peerCheck.detail}`;
      }
      const signpdf = repeat(process.execPath, peerArgs([file, '-o', out]), runs, { env, before: clean, allowFailure: true });
      if (!failed(signpdf)) {
        const peerCheck = checkWithPdfsig(out, db);
        if (!peerCheck.ok) check += `; @signpdf output: ${peerCheck.detail}`;
      }
      clean();
      const sha256sum = repeat('sha256sum', [file], runs);
      rows.push({ label, nominalMb, file, size: bytes, paraphe, pdfsig, signpdf, sha256sum, check });
    }
    const node = repeat(process.execPath, ['-e', '0'], runs);

    console.log(`\n## paraphe sign (B-B, PKCS#12 RSA 2048, SHA-256) vs pdfsig vs @signpdf, one file per process (median of ${runs} runs; peak RSS)\n`);
    console.log('| file | size | paraphe | paraphe RSS | pdfsig | pdfsig RSS | @signpdf | @signpdf RSS | sha256sum | paraphe/pdfsig | paraphe/sha256sum |');
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const r of rows) {
      console.log(
        `| ${r.label} | ${size(r.size)} | ${cell(r.paraphe, 'time')} | ${cell(r.paraphe, 'rss')} | ${cell(r.pdfsig, 'time')} | ${cell(r.pdfsig, 'rss')} | ` +
          `${cell(r.signpdf, 'time')} | ${cell(r.signpdf, 'rss')} | ${ms(r.sha256sum.seconds)} | ` +
          `${ratio(secondsOf(r.paraphe), secondsOf(r.pdfsig))} | ${ratio(secondsOf(r.paraphe), r.sha256sum.seconds)} |`,
      );
    }
    console.log(`\nFloor of a Node process: \`node -e 0\` ${ms(node.seconds)}, ${rss(node.rssKb)}.`);
    console.log('pdfsig checks of the paraphe outputs (once, untimed, NSS database trusting the test root; the peers\' last outputs are checked too, only failures shown):');
    for (const r of rows) console.log(`- ${r.label}: ${r.check}`);

    // ---- the batch
    const batchIn = join(work, 'batch-in');
    const batchOut = join(work, 'batch-out');
    await mkdir(batchIn, { recursive: true });
    const onePage = await inputs.manyPages(1);
    const batchFiles: string[] = [];
    for (let i = 1; i <= batchSize; i += 1) {
      const file = join(batchIn, `doc-${String(i).padStart(4, '0')}.pdf`);
      await copyFile(onePage, file);
      batchFiles.push(file);
    }
    const cleanBatch = (): void => rmSync(batchOut, { recursive: true, force: true });

    // Untimed first run, every output checked by pdfsig.
    cleanBatch();
    const firstBatch = measure(process.execPath, parapheArgs([...batchFiles, '--out-dir', batchOut]), { env, allowFailure: true });
    let batchCheck: string;
    let parapheBatch: MeasureResult;
    if (failed(firstBatch)) {
      batchCheck = `paraphe failed: ${firstBatch.error.slice(-200)}`;
      parapheBatch = firstBatch;
    } else {
      const bad = batchFiles
        .map((f) => ({ f, v: checkWithPdfsig(join(batchOut, f.slice(batchIn.length + 1)), db) }))
        .filter(({ v }) => !v.ok);
      batchCheck = bad.length === 0 ? `ok: all ${batchSize} outputs valid (whole document signed)` : `BROKEN: ${bad.length} of ${batchSize} outputs rejected, e.g. ${bad[0]?.f}: ${bad[0]?.v.detail}`;
      parapheBatch = bad.length === 0
        ? repeat(process.execPath, parapheArgs([...batchFiles, '--out-dir', batchOut]), runs, { env, before: cleanBatch, allowFailure: true })
        : { error: 'not timed: pdfsig rejects outputs' };
    }

    // pdfsig: one process per document, a subset of pdfsigBatch documents, extrapolated.
    const pdfsigRuns: number[] = [];
    let pdfsigRss = 0;
    let pdfsigBatchError: string | undefined;
    for (let run = 0; run < runs && pdfsigBatchError === undefined; run += 1) {
      cleanBatch();
      await mkdir(batchOut, { recursive: true });
      let total = 0;
      for (const file of batchFiles.slice(0, pdfsigBatch)) {
        const one = measure('pdfsig', pdfsigArgs(file, join(batchOut, file.slice(batchIn.length + 1))), { allowFailure: true });
        if (failed(one)) {
          pdfsigBatchError = one.error;
          break;
        }
        total += one.seconds;
        pdfsigRss = Math.max(pdfsigRss, one.rssKb);
      }
      pdfsigRuns.push(total);
    }
    const pdfsigPerDoc = pdfsigBatchError === undefined ? median(pdfsigRuns) / pdfsigBatch : Number.NaN;

    const signpdfBatch = repeat(process.execPath, peerArgs([...batchFiles, '--out-dir', batchOut]), runs, { env, before: cleanBatch, allowFailure: true });
    cleanBatch();

    const onePageRow = rows[0];
    const parapheRate = failed(parapheBatch) ? Number.NaN : batchSize / parapheBatch.seconds;
    const pdfsigRate = 1 / pdfsigPerDoc;
    const signpdfRate = failed(signpdfBatch) ? Number.NaN : batchSize / signpdfBatch.seconds;
    const marginal = !failed(parapheBatch) && onePageRow && !failed(onePageRow.paraphe)
      ? (parapheBatch.seconds - onePageRow.paraphe.seconds) / (batchSize - 1)
      : Number.NaN;
    const rate = (r: number): string => (Number.isFinite(r) ? `${r.toFixed(0)} docs/s` : 'n/a');

    console.log(`\n## batch: ${batchSize} one-page PDFs (median of ${runs} runs; peak RSS)\n`);
    console.log('| signer | how | wall time | rate | peak RSS | paraphe rate / this rate |');
    console.log('| --- | --- | --- | --- | --- | --- |');
    console.log(`| paraphe | 1 process: \`paraphe sign\` ${batchSize} files \`--out-dir\` | ${cell(parapheBatch, 'time')} | ${rate(parapheRate)} | ${cell(parapheBatch, 'rss')} | 1.00 |`);
    console.log(
      `| pdfsig | ${pdfsigBatch} sequential processes, extrapolated to ${batchSize} | ` +
        `${pdfsigBatchError === undefined ? `${ms(pdfsigPerDoc * batchSize)} (${ms(median(pdfsigRuns))} for ${pdfsigBatch})` : notAvailable({ error: pdfsigBatchError })} | ` +
        `${rate(pdfsigRate)} | ${pdfsigRss ? rss(pdfsigRss) : '—'} | ${ratio(parapheRate, pdfsigRate)} |`,
    );
    console.log(`| @signpdf | 1 process, ${batchSize} files | ${cell(signpdfBatch, 'time')} | ${rate(signpdfRate)} | ${cell(signpdfBatch, 'rss')} | ${ratio(parapheRate, signpdfRate)} |`);
    console.log(`\nparaphe per document after the first (batch time minus the one-page process, / ${batchSize - 1}): ${Number.isFinite(marginal) ? `${(marginal * 1000).toFixed(1)} ms, i.e. ${rate(1 / marginal)} once started` : 'n/a'}.`);
    console.log(`pdfsig check of the batch outputs (once, untimed): ${batchCheck}`);

    // ---- targets
    console.log('\n### targets (issue 3)\n');
    const sized = rows.filter((r) => r.nominalMb > 0 && !r.label.includes('classic'));
    for (const r of rows.filter((row) => row.nominalMb >= 50)) {
      const x = secondsOf(r.paraphe) / secondsOf(r.pdfsig);
      console.log(`- ${verdict(x < 1)} faster than pdfsig on ${r.label}: paraphe/pdfsig = ${ratio(secondsOf(r.paraphe), secondsOf(r.pdfsig))}`);
    }
    const rssRows = rows.filter((r) => !failed(r.paraphe));
    const rssValues = rssRows.map((r) => (failed(r.paraphe) ? 0 : r.paraphe.rssKb));
    const maxRss = Math.max(...rssValues);
    const rssList = rssRows.map((r, i) => `${r.label}: ${rss(rssValues[i] ?? 0)}`).join('; ');
    const batchRss = failed(parapheBatch) ? '' : `; batch of ${batchSize}: ${rss(parapheBatch.rssKb)}`;
    console.log(`- ${verdict(rssValues.length > 0 && maxRss < 100 * 1024)} peak RSS under 100 MB (one file per process): highest ${rssValues.length ? rss(maxRss) : 'n/a'} (${rssList}${batchRss})`);
    const flatRows = sized.filter((r) => !failed(r.paraphe));
    if (flatRows.length >= 2) {
      const smallest = flatRows[0];
      const largest = flatRows[flatRows.length - 1];
      if (smallest && largest && !failed(smallest.paraphe) && !failed(largest.paraphe)) {
        const growth = largest.paraphe.rssKb - smallest.paraphe.rssKb;
        console.log(`- ${verdict(growth <= 10 * 1024)} peak RSS flat from ${smallest.label} to ${largest.label} (criterion: grows by 10 MB or less): ${rss(smallest.paraphe.rssKb)} -> ${rss(largest.paraphe.rssKb)} (${growth >= 0 ? '+' : ''}${(growth / 1024).toFixed(1)} MB)`);
      }
    } else {
      console.log('- n/a peak RSS flat: needs two sizes in BENCH_SIGN_SIZES');
    }
    const largest = sized[sized.length - 1];
    if (largest) {
      const x = secondsOf(largest.paraphe) / largest.sha256sum.seconds;
      console.log(`- ${verdict(x < 2)} ${largest.label} signs in under 2x the sha256sum time: ${cell(largest.paraphe, 'time')} vs ${ms(largest.sha256sum.seconds)} = ${ratio(secondsOf(largest.paraphe), largest.sha256sum.seconds)}x`);
    }
    if (onePageRow) {
      console.log(`- ${verdict(secondsOf(onePageRow.paraphe) < 0.3)} one \`paraphe sign\` process on a one-page PDF under 0.3 s: ${cell(onePageRow.paraphe, 'time')}`);
    }
    console.log(`- ${verdict(parapheRate >= 200)} a batch at B-B with a software key at 200 documents per second or more: ${rate(parapheRate)} (${batchSize} documents, one process)`);

    console.log('\n### targets (issue 11)\n');
    for (const r of rows.filter((row) => row.nominalMb >= 200)) {
      const x = secondsOf(r.paraphe) / r.sha256sum.seconds;
      console.log(`- ${verdict(x <= 1.5)} ${r.label} signs within 1.5x of one sha256sum pass: ${cell(r.paraphe, 'time')} vs ${ms(r.sha256sum.seconds)} = ${ratio(secondsOf(r.paraphe), r.sha256sum.seconds)}x`);
    }
    if (onePageRow) {
      console.log(`- ${verdict(secondsOf(onePageRow.paraphe) <= 2 * secondsOf(onePageRow.pdfsig))} a one-page sign within 2x pdfsig: paraphe/pdfsig = ${ratio(secondsOf(onePageRow.paraphe), secondsOf(onePageRow.pdfsig))} (also \`npm run bench -- startup\`)`);
    }
    console.log(`- ${verdict(parapheRate >= 200)} a batch of ${batchSize} one-page PDFs at 200 documents per second or more, start-up included: ${rate(parapheRate)}`);
  } finally {
    db.cleanup();
    await rm(work, { recursive: true, force: true });
  }
}
