// npm run bench — speed and memory of what issues 2 and 3 built, each beside a peer run in the same
// bench on the same file, reported as ratios (these machines are noisy: ratios, not absolute targets).
//
//   npm run bench                  every section
//   npm run bench -- sign info     only these sections (info, viewer, sign, verify, tokens, startup)
//
//  info    `paraphe info` vs poppler's `pdfinfo` on a 1-page, a 1,000-page and a ~200 MB PDF:
//          median wall time and peak RSS of the whole process.
//  viewer  The viewer (built renderer in Chromium, real handlers): time from "open" to the first
//          page painted, and bytes read from disk, for the same files, beside poppler's `pdftoppm`
//          rendering page 1 — and the 1,000-page and 200 MB times as ratios of the 1-page time.
//  sign    `paraphe sign` vs `pdfsig -add-signature` vs @signpdf, with sha256sum as the floor, on
//          a 1-page, 1 MB, 50 MB and 200 MB PDF, and a batch of 200 one-page PDFs (test/bench/sign.ts).
//  verify  `paraphe verify` vs `pdfsig -nocert` on signed 1 MB and 200 MB PDFs and on a document
//          with 10 sequential signatures, sha256sum as the floor (test/bench/verify.ts).
//  tokens  A batch of 200 one-page PDFs signed with the key on a SoftHSM2 token beside the same
//          batch with the same key in a PKCS#12 file, alternating, docs/s (test/bench/tokens.ts).
//  startup `paraphe --version`, `--help` and a one-page `sign` (code cache, and plain require) vs
//          `node -e 0` and `pdfsig -add-signature`, interleaved, ratios (test/bench/startup.ts).
//
// BENCH_RUNS: runs per measurement (median time, highest RSS); 5 for info and viewer, 3 for sign by
// default. The sign section has more knobs, see test/bench/sign.ts.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Harness, uiUnavailableReason, root } from '../harness/harness';
import { BenchInputs, mb, repeat } from './common';
import { benchSign } from './sign';
import { benchStartup } from './startup';
import { benchTokens } from './tokens';
import { benchRemote } from './remote';
import { benchVerify } from './verify';

const SECTIONS = ['info', 'viewer', 'sign', 'verify', 'tokens', 'startup', 'remote'] as const;
type Section = (typeof SECTIONS)[number];
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

/** The 1-page, 1,000-page and ~200 MB files of the info and viewer sections. */
async function infoFiles(inputs: BenchInputs): Promise<[string, string][]> {
  return [
    ['1 page', await inputs.manyPages(1)],
    ['1,000 pages', await inputs.manyPages(1000)],
    ['200 MB', await inputs.largePdf(400)],
  ];
}

async function benchInfo(inputs: BenchInputs): Promise<void> {
  const files = await infoFiles(inputs);
  const cli = join(root, 'main/bin/paraphe.cjs');
  console.log(`\n## paraphe info vs pdfinfo (median of ${RUNS} runs; peak RSS)\n`);
  console.log('| file | size | paraphe info | pdfinfo | time ratio | paraphe RSS | pdfinfo RSS |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const [label, file] of files) {
    const size = (await stat(file)).size;
    const ours = repeat(process.execPath, [cli, 'info', '--json', file], RUNS);
    const peer = repeat('pdfinfo', [file], RUNS);
    console.log(`| ${label} | ${mb(size)} | ${(ours.seconds * 1000).toFixed(0)} ms | ${(peer.seconds * 1000).toFixed(0)} ms | ${(ours.seconds / peer.seconds).toFixed(2)} | ${(ours.rssKb / 1024).toFixed(0)} MB | ${(peer.rssKb / 1024).toFixed(0)} MB |`);
  }
}

async function benchViewer(inputs: BenchInputs, dir: string): Promise<void> {
  const reason = uiUnavailableReason();
  if (reason) {
    console.log(`\nSKIPPED viewer bench: ${reason}`);
    return;
  }
  const files = await infoFiles(inputs);
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
      const sorted = [...times].sort((a, b) => a - b);
      const ms = sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
      if (label === '1 page') onePage = ms;
      const peer = repeat('pdftoppm', ['-f', '1', '-l', '1', '-r', '96', '-png', file, join(dir, 'peer')], RUNS);
      console.log(`| ${label} | ${ms} ms | ${(ms / onePage).toFixed(2)} | ${mb(bytesRead)} | ${(peer.seconds * 1000).toFixed(0)} ms |`);
    }
  } finally {
    await harness.stop();
  }
}

function selectedSections(args: string[]): Section[] {
  if (args.length === 0) return [...SECTIONS];
  const unknown = args.filter((a) => !(SECTIONS as readonly string[]).includes(a));
  if (unknown.length > 0) {
    console.error(`bench: unknown section ${unknown.join(', ')}; choose among ${SECTIONS.join(', ')}`);
    process.exit(2);
  }
  return SECTIONS.filter((s) => args.includes(s));
}

async function main(): Promise<void> {
  const sections = selectedSections(process.argv.slice(2));
  const dir = await mkdtemp(join(tmpdir(), 'paraphe-bench-'));
  try {
    // The viewer needs every runtime; info and sign only the command line.
    const only = sections.includes('viewer') ? [] : ['--only=cli'];
    const built = spawnSync(process.execPath, [join(root, 'main/tools/build.mjs'), ...only], { stdio: 'inherit' });
    if (built.status !== 0) throw new Error('the build failed');
    const inputs = new BenchInputs(dir);
    for (const section of sections) {
      if (section === 'info') await benchInfo(inputs);
      else if (section === 'viewer') await benchViewer(inputs, dir);
      else if (section === 'verify') await benchVerify({ dir, root, inputs });
      else if (section === 'tokens') await benchTokens({ dir, root, inputs });
      else if (section === 'startup') await benchStartup({ dir, root, inputs });
      else if (section === 'remote') await benchRemote({ dir, root, inputs });
      else await benchSign({ dir, root, inputs });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
