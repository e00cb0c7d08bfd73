// npm run bench — speed and memory of what issue 2 built, each beside a peer run in the same bench
// on the same file, reported as ratios (these machines are noisy: ratios, not absolute targets).
//
//  1. `paraphe info` vs poppler's `pdfinfo` on a 1-page, a 1,000-page and a ~200 MB PDF:
//     median wall time and peak RSS of the whole process.
//  2. The viewer (built renderer in Chromium, real handlers): time from "open" to the first page
//     painted, and bytes read from disk, for the same files, beside poppler's `pdftoppm` rendering
//     page 1 — and the 1,000-page and 200 MB times as ratios of the 1-page time.
import { spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { Harness, uiUnavailableReason, root } from '../harness/harness';
import { makeTestPdfs } from '../fixtures/pdfs';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Wall seconds (measured here, GNU time's are rounded to 10 ms) and peak RSS (KB, from GNU time). */
function measure(command: string, args: string[]): { seconds: number; rssKb: number } {
  const started = process.hrtime.bigint();
  const result = spawnSync('/usr/bin/time', ['-f', '%M', command, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr.slice(-500)}`);
  const rss = Number(result.stderr.trim().split('\n').pop());
  return { seconds, rssKb: rss };
}

function repeat(command: string, args: string[]): { seconds: number; rssKb: number } {
  const runs = Array.from({ length: RUNS }, () => measure(command, args));
  return { seconds: median(runs.map((r) => r.seconds)), rssKb: Math.max(...runs.map((r) => r.rssKb)) };
}

/** A ~200 MB PDF of 400 pages, each with its own 512 KB incompressible image, rewritten by qpdf. */
async function makeLargePdf(dir: string): Promise<string> {
  const raw = join(dir, 'large-raw.pdf');
  const out = createWriteStream(raw);
  let offset = 0;
  const offsets: number[] = [];
  const write = async (chunk: string | Buffer) => {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
    offset += buf.length;
    if (!out.write(buf)) await once(out, 'drain');
  };
  const pages = 400;
  const side = 724; // 724 x 724 gray = 512 KB
  const object = async (num: number, body: string | Buffer[]) => {
    offsets[num] = offset;
    await write(`${num} 0 obj\n`);
    if (typeof body === 'string') await write(body);
    else for (const part of body) await write(part);
    await write('\nendobj\n');
  };
  await write('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n');
  const kids = Array.from({ length: pages }, (_, i) => `${4 + i * 3} 0 R`).join(' ');
  await object(1, '<< /Type /Catalog /Pages 2 0 R >>');
  await object(2, `<< /Type /Pages /Count ${pages} /Kids [${kids}] >>`);
  await object(3, '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>');
  for (let i = 0; i < pages; i += 1) {
    const page = 4 + i * 3;
    const content = `q 400 0 0 400 100 300 cm /Im Do Q BT /F1 36 Tf 100 200 Td (Page ${i + 1}) Tj ET`;
    await object(page, `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> /XObject << /Im ${page + 2} 0 R >> >> /Contents ${page + 1} 0 R >>`);
    await object(page + 1, `<< /Length ${content.length} >>\nstream\n${content}\nendstream`);
    const image = randomBytes(side * side);
    await object(page + 2, [Buffer.from(`<< /Type /XObject /Subtype /Image /Width ${side} /Height ${side} /ColorSpace /DeviceGray /BitsPerComponent 8 /Length ${image.length} >>\nstream\n`), image, Buffer.from('\nendstream')]);
  }
  const size = 4 + pages * 3;
  const xref = offset;
  let table = `xref\n0 ${size}\n0000000000 65535 f \n`;
  for (let n = 1; n < size; n += 1) table += `${String(offsets[n]).padStart(10, '0')} 00000 n \n`;
  await write(`${table}trailer\n<< /Size ${size} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`);
  out.end();
  await once(out, 'finish');
  const large = join(dir, 'large.pdf');
  const qpdf = spawnSync('qpdf', ['--object-streams=generate', raw, large], { encoding: 'utf8' });
  if (qpdf.status !== 0 && qpdf.status !== 3) throw new Error(`qpdf failed: ${qpdf.stderr}`);
  await rm(raw);
  return large;
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'paraphe-bench-'));
  try {
    spawnSync(process.execPath, [join(root, 'main/tools/build.mjs')], { stdio: 'inherit' });
    const pdfs = await makeTestPdfs(dir);
    const files: [string, string][] = [
      ['1 page', await pdfs.manyPages(1)],
      ['1,000 pages', await pdfs.manyPages(1000)],
      ['200 MB', await makeLargePdf(dir)],
    ];
    const cli = join(root, 'main/bin/paraphe.cjs');

    console.log(`\n## paraphe info vs pdfinfo (median of ${RUNS} runs; peak RSS)\n`);
    console.log('| file | size | paraphe info | pdfinfo | time ratio | paraphe RSS | pdfinfo RSS |');
    console.log('| --- | --- | --- | --- | --- | --- | --- |');
    for (const [label, file] of files) {
      const size = (await stat(file)).size;
      const ours = repeat(process.execPath, [cli, 'info', '--json', file]);
      const peer = repeat('pdfinfo', [file]);
      console.log(`| ${label} | ${mb(size)} | ${(ours.seconds * 1000).toFixed(0)} ms | ${(peer.seconds * 1000).toFixed(0)} ms | ${(ours.seconds / peer.seconds).toFixed(2)} | ${(ours.rssKb / 1024).toFixed(0)} MB | ${(peer.rssKb / 1024).toFixed(0)} MB |`);
    }

    const reason = uiUnavailableReason();
    if (reason) {
      console.log(`\nSKIPPED viewer bench: ${reason}`);
      return;
    }
    console.log(`\n## viewer: open to first page painted (median of ${RUNS}), beside pdftoppm rendering page 1\n`);
    console.log('| file | viewer | vs 1 page | bytes read by the viewer | pdftoppm page 1 |');
    console.log('| --- | --- | --- | --- | --- |');
    const harness = await Harness.start();
    try {
      let onePage = Number.NaN;
      for (const [label, file] of files) {
        const times: number[] = [];
        let bytesRead = 0;
        for (let i = 0; i < RUNS; i += 1) {
          const app = await harness.open();
          try {
            const started = Date.now();
            app.dialogAnswers.push(file);
            await app.page.getByRole('button', { name: 'Open a PDF…' }).click();
            await app.page.locator('.page[data-page-number="1"][data-loaded="true"] canvas').first().waitFor({ timeout: 60_000 });
            times.push(Date.now() - started);
            bytesRead = app.payloads
              .map((p) => JSON.parse(p) as { begin?: number; end?: number })
              .filter((p) => typeof p.begin === 'number' && typeof p.end === 'number')
              .reduce((sum, p) => sum + ((p.end ?? 0) - (p.begin ?? 0)), 0);
          } finally {
            await app.close();
          }
        }
        const ms = median(times);
        if (label === '1 page') onePage = ms;
        const peer = repeat('pdftoppm', ['-f', '1', '-l', '1', '-r', '96', '-png', file, join(dir, 'peer')]);
        console.log(`| ${label} | ${ms} ms | ${(ms / onePage).toFixed(2)} | ${mb(bytesRead)} | ${(peer.seconds * 1000).toFixed(0)} ms |`);
      }
    } finally {
      await harness.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
