// A deterministic mutation fuzzer against the real command line. Seeds made at test time: unsigned
// PDFs from the tests' writer (classic table, xref stream with a predictor, object stream, hybrid
// file, a signature-like update), Ghostscript and qpdf (object streams, linearized, an incremental
// update), and signed PDFs from the real `paraphe sign` (one or two approval signatures, a
// certification). A fixed seed drives a PRNG (test/fixtures/mutants.ts) that makes a few hundred
// mutants: bit flips, truncations, changed numbers (xref entries, /Length, /ByteRange, startxref,
// ...), deleted keywords and splices of two seeds. Each goes through `paraphe info`, `verify` and
// `sign`, batched a few processes per command (one process per file would cost 0.4 s each), then a
// sample one file per process for the exit code and stderr of a single run. Whatever a mutant is:
// no crash or stack trace, exit codes 0 to 3, bounded time and memory (512 MB V8 heap), `sign`
// writes a whole output that qpdf --check accepts as it accepts the input, or nothing (no temp
// file), and `verify` never calls a signature intact when a byte its /ByteRange covers changed.
// FUZZ_KEEP=1 keeps the temp folder (mutants, outputs) and prints where it is.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import { CRASH, MAX_RSS, pool, runBoundedCli } from '../fixtures/bounded-cli';
import type { Outcome } from '../fixtures/bounded-cli';
import { MUTANT_KINDS, byteRangesOf, coveredBytesSame, makeMutants } from '../fixtures/mutants';
import type { Mutant, SeedPdf } from '../fixtures/mutants';
import { missingTools, run } from '../fixtures/pki';
import type { TestPki } from '../fixtures/pki';
import { P12_ENV, p12Args, startSigningBed } from '../fixtures/signing-bed';
import { hasReportLab, makeFormPdf } from '../fixtures/forms';
import { TestPdfWriter, appendSignatureUpdate, hybridPdf, simplePdf } from '../unit/helpers/pdf-build';
import type { InfoError, InfoJson } from '../../main/cli/info';
import type { VerifyJson } from '../../main/cli/verify';

const missing = missingTools('openssl', 'qpdf', 'gs');
const skip = missing.length > 0 ? `not installed: ${missing.join(', ')}` : false;

/**
 * The fuzzer's seed: FUZZ_SEED=N explores others (FUZZ_TIMES=K makes K times as many mutants);
 * never change the default to make a failure go away.
 */
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) >>> 0 : 0x11f0_2026;
const TIMES = Math.max(1, Number(process.env.FUZZ_TIMES ?? 1) || 1);
const MUTANTS_PER_SIGNED_SEED = 30 * TIMES;
const MUTANTS_PER_UNSIGNED_SEED = 18 * TIMES;
/** Processes per command: the mutants are split between them, two run at a time (two cores). */
const BATCHES = 4 * TIMES;
const CONCURRENCY = 2;
/** A batch of about 90 files, and one file alone. */
const BATCH_KILL_MS = 120_000;
const SINGLE_KILL_MS = 20_000;
/** The longest one file of a `verify` batch may take (the wait before its line). */
const FILE_MS = 10_000;
const SINGLE_RUNS = 20;

interface SignJson {
  input: string;
  ok: boolean;
  output?: string;
  field?: string;
  /** A damaged unsigned input: its repaired copy was signed (main/pdf/repair.ts). */
  repaired?: boolean;
  error?: { code: string; message: string };
}

type VerifyLine = VerifyJson | { file: string; error: { code: string; message: string } };

interface SignCheck {
  mutant: Mutant;
  outcome: SignJson;
  /** qpdf --check of the output (and of the input when the output's was not clean): 0, 2 errors, 3 warnings. */
  qpdfOut?: { code: number | null; output: string };
  qpdfIn?: { code: number | null; output: string };
  /** The output starts with the input, byte for byte (an incremental update). */
  appended?: boolean;
  /** `verify` of the output. */
  verified?: VerifyLine;
}

interface Results {
  mutants: Mutant[];
  seeds: SeedPdf[];
  info: { runs: Outcome[]; perFile: Map<string, InfoJson | InfoError> };
  verify: { runs: Outcome[]; perFile: Map<string, VerifyLine> };
  sign: { runs: Outcome[]; perFile: Map<string, SignJson>; checks: SignCheck[]; leftovers: string[]; inputsChanged: string[]; verifyRuns: Outcome[] };
  singles: { mutant: Mutant; info: Outcome; verify: Outcome; sign: Outcome; outDir: string[] }[];
  controls: { valid: VerifyLine | undefined; flipped: VerifyLine | undefined; run: Outcome };
  ms: number;
  /** Time to make the seeds (PKI, tools, signing), to run the commands on the mutants, to check what sign wrote. */
  phases: { seeds: number; runs: number; checks: number };
}

/** qpdf --check's verdict ranked: clean, warnings (3), errors (2 or anything else). */
const qpdfRank = (code: number | null) => (code === 0 ? 0 : code === 3 ? 1 : 2);

const chunk = <T>(items: readonly T[], parts: number): T[][] => Array.from({ length: parts }, (_, i) => items.filter((_, j) => j % parts === i));

const counts = (values: readonly string[]) => {
  const map = new Map<string, number>();
  for (const v of values) map.set(v, (map.get(v) ?? 0) + 1);
  return [...map].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ');
};

/** A mutant as a failure names it: its file and what was done to its seed. */
const whatOf = (m: Mutant) => `${m.name} (${m.what})`;

function parseJson<T>(what: string, text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    assert.fail(`${what}: stdout is not JSON:\n${text.slice(0, 2000)}`);
  }
}

/** Bounded in time and memory, no signal, nothing that looks like a crash on stdout or stderr. */
function assertBounded(what: string, o: Outcome, limitMs: number): void {
  assert.equal(o.killed, false, `${what}: still running after ${limitMs} ms (killed)\n${o.stderr.slice(-2000)}`);
  assert.equal(o.signal, null, `${what}: ended by ${String(o.signal)}\n${o.stderr.slice(0, 2000)}`);
  if (o.rss !== null) assert.ok(o.rss <= MAX_RSS, `${what}: used ${Math.round(o.rss / 1024 / 1024)} MB of memory (at most ${MAX_RSS / 1024 / 1024})`);
  assert.doesNotMatch(o.stderr, CRASH, `${what}: a crash, a stack trace or an internal error on stderr\n${o.stderr.slice(0, 4000)}`);
  assert.doesNotMatch(o.stdout, CRASH, `${what}: a crash, a stack trace or an internal error on stdout\n${o.stdout.slice(0, 4000)}`);
}

describe(`mutation fuzzer: broken copies of signed and unsigned PDFs through info, verify and sign (seed ${SEED.toString(16)})`, { skip, timeout: 600_000 }, () => {
  let dir: string;
  let pki: TestPki;
  let env: Record<string, string>;
  let results: Promise<Results>;

  const trust = () => ['--trust', pki.root.certPem, '--no-system-trust'];

  async function seedPdfs(): Promise<SeedPdf[]> {
    const bed = await startSigningBed(dir);
    try {
      pki = bed.pki;
      env = { ...P12_ENV, PARAPHE_USER_DATA_DIR: join(dir, 'user-data'), PARAPHE_DEBUG: '' };
      const seedDir = join(dir, 'seeds');
      await mkdir(seedDir);
      // The tests' writer: an object stream and its xref stream left uncompressed, so that numbers
      // inside them are text a mutation can change.
      const objstm = TestPdfWriter.start();
      objstm.objectStream(4, [[1, '<< /Type /Catalog /Pages 2 0 R >>'], [2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>'], [3, '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>']], { compress: false });
      objstm.xrefStream(5, '/Root 1 0 R');
      const built: [string, Uint8Array][] = [
        ['builder-table', simplePdf({ pages: 2 })],
        ['builder-xref-predictor', simplePdf({ xref: 'stream-predictor' })],
        ['builder-objstm', objstm.bytes()],
        ['builder-hybrid', hybridPdf().bytes],
        ['builder-fake-sig', appendSignatureUpdate(simplePdf(), { field: 'Fake', firstNum: 4 }).bytes],
      ];
      const files = new Map<string, string>();
      for (const [name, bytes] of built) {
        const file = join(seedDir, `${name}.pdf`);
        await writeFile(file, bytes);
        files.set(name, file);
      }
      for (const [name, file] of [['gs-simple', bed.pdfs.simple], ['qpdf-objstm', bed.pdfs.objectStreams], ['qpdf-linearized', bed.pdfs.linearized], ['qpdf-incremental', bed.pdfs.incremental]] as const) {
        await copyFile(file, join(seedDir, `${name}.pdf`));
        files.set(name, join(seedDir, `${name}.pdf`));
      }
      // Signed by the real command line: approval signatures (B-B) on four kinds of files, a
      // certification, a second signature over a first, B-LTA (DSS and a document timestamp) and,
      // on a ReportLab form, a visible B-T signature by the EC key.
      const signed = (name: string) => join(dir, 'signed', `${name}.pdf`);
      const sign = (args: string[], p12 = pki.p12.signer) => runBoundedCli(['sign', ...args, '--json', ...p12Args(p12)], env, join(dir, 'seed-sign.time'), 60_000);
      const approved = ['gs-simple', 'qpdf-objstm', 'qpdf-linearized', 'qpdf-incremental'];
      const form = (await hasReportLab()) ? await makeFormPdf(seedDir) : null;
      if (form) files.set('reportlab-form', form);
      const signing: (() => Promise<Outcome>)[] = [
        () => sign([...approved.map((n) => files.get(n) as string), '--out-dir', join(dir, 'signed')]),
        () => sign([files.get('builder-hybrid') as string, '-o', signed('certified-builder-hybrid'), '--certify', 'form-filling']),
        () => sign([files.get('gs-simple') as string, '-o', signed('blta-gs-simple'), '--level', 'B-LTA', '--tsa', bed.tsa.url]),
      ];
      if (form) signing.push(() => sign([form, '-o', signed('bt-visible-form'), '--level', 'B-T', '--tsa', bed.tsa.url, '--visible', '1,72,560,272,610'], pki.p12.ecSigner));
      // The folder first: the --out-dir run that would create it runs beside the -o runs.
      await mkdir(join(dir, 'signed'), { recursive: true });
      for (const o of await pool(signing, CONCURRENCY)) assert.equal(o.code, 0, `signing a seed: ${o.stderr}`);
      const twice = await sign([signed('gs-simple'), '-o', signed('twice-gs-simple')]);
      assert.equal(twice.code, 0, `signing a signed seed: ${twice.stderr}`);
      const seeds: SeedPdf[] = [];
      for (const [name, file] of files) seeds.push({ name, bytes: await readFile(file), byteRanges: [] });
      // The fake signature's /ByteRange is not a signature anyone made: only real ones make signed seeds.
      for (const name of [...approved, 'certified-builder-hybrid', 'twice-gs-simple', 'blta-gs-simple', ...(form ? ['bt-visible-form'] : [])]) {
        const bytes = await readFile(signed(name));
        seeds.push({ name: approved.includes(name) ? `signed-${name}` : name, bytes, byteRanges: byteRangesOf(bytes) });
      }
      return seeds;
    } finally {
      // Verification of the mutants is offline: the servers were needed for signing only.
      await bed.stop();
    }
  }

  async function fuzz(): Promise<Results> {
    const started = Date.now();
    const seeds = await seedPdfs();
    const seeded = Date.now();
    const mutants = makeMutants(seeds, (s) => (s.byteRanges.length > 0 ? MUTANTS_PER_SIGNED_SEED : MUTANTS_PER_UNSIGNED_SEED), SEED);
    const mutantDir = join(dir, 'mutants');
    await mkdir(mutantDir);
    const path = (m: Mutant) => join(mutantDir, m.name);
    for (const m of mutants) await writeFile(path(m), m.bytes);
    const byFile = new Map(mutants.map((m) => [path(m), m]));
    const time = (name: string) => join(dir, `${name}.time`);
    if (process.env.FUZZ_KEEP) await writeFile(join(dir, 'mutants.json'), JSON.stringify(mutants.map((m) => ({ name: m.name, what: m.what })), null, 1));

    // The controls, independent of any mutant: a signed seed is VALID, a byte flipped inside its
    // first signed range makes it INVALID.
    const signedSeed = seeds.find((s) => s.name === 'signed-gs-simple') as SeedPdf;
    const valid = join(dir, 'control-valid.pdf');
    const flipped = join(dir, 'control-flipped.pdf');
    await writeFile(valid, signedSeed.bytes);
    const flippedBytes = Buffer.from(signedSeed.bytes);
    flippedBytes[100] = (flippedBytes[100] as number) ^ 0x01;
    await writeFile(flipped, flippedBytes);

    const groups = chunk(mutants.map(path), BATCHES);
    const outDirs = groups.map((_, i) => join(dir, `out-${i}`));
    const sample = mutants.filter((_, i) => i % Math.floor(mutants.length / SINGLE_RUNS) === 0).slice(0, SINGLE_RUNS);
    type Task = () => Promise<unknown>;
    const infoRuns: Outcome[] = [];
    const verifyRuns: Outcome[] = [];
    const signRuns: Outcome[] = [];
    let controlRun: Outcome | undefined;
    const singles: Results['singles'] = [];
    const tasks: Task[] = [
      async () => (controlRun = await runBoundedCli(['verify', valid, flipped, '--json', ...trust()], env, time('control'), SINGLE_KILL_MS)),
      ...groups.map((files, i) => async () => (infoRuns[i] = await runBoundedCli(['info', ...files, '--json'], env, time(`info-${i}`), BATCH_KILL_MS))),
      ...groups.map((files, i) => async () => (verifyRuns[i] = await runBoundedCli(['verify', ...files, '--json', ...trust()], env, time(`verify-${i}`), BATCH_KILL_MS))),
      ...groups.map((files, i) => async () => (signRuns[i] = await runBoundedCli(['sign', ...files, '--out-dir', outDirs[i] as string, '--json', ...p12Args(pki.p12.signer)], env, time(`sign-${i}`), BATCH_KILL_MS))),
      ...sample.map((m, i) => async () => {
        const outDir = join(dir, `single-${i}`);
        await mkdir(outDir);
        const info = await runBoundedCli(['info', path(m)], env, time(`single-info-${i}`), SINGLE_KILL_MS);
        const verify = await runBoundedCli(['verify', path(m), '--json', ...trust()], env, time(`single-verify-${i}`), SINGLE_KILL_MS);
        const sign = await runBoundedCli(['sign', path(m), '-o', join(outDir, m.name), '--json', ...p12Args(pki.p12.signer)], env, time(`single-sign-${i}`), SINGLE_KILL_MS);
        singles[i] = { mutant: m, info, verify, sign, outDir: await readdir(outDir) };
      }),
    ];
    await pool(tasks, CONCURRENCY);
    const ran = Date.now();

    // Per-file outcomes of the batches (a batch that crashed has none for some of its files: its test says so).
    const infoPerFile = new Map<string, InfoJson | InfoError>();
    for (const o of infoRuns) {
      try {
        for (const entry of JSON.parse(o.stdout) as (InfoJson | InfoError)[]) infoPerFile.set(entry.file, entry);
      } catch {
        // Reported by the info test.
      }
    }
    const verifyPerFile = new Map<string, VerifyLine>();
    for (const o of verifyRuns) {
      for (const line of o.stdout.split('\n').filter(Boolean)) {
        try {
          const entry = JSON.parse(line) as VerifyLine;
          verifyPerFile.set(entry.file, entry);
        } catch {
          // Reported by the verify test.
        }
      }
    }
    const signPerFile = new Map<string, SignJson>();
    for (const o of signRuns) {
      try {
        for (const entry of JSON.parse(o.stdout) as SignJson[]) signPerFile.set(entry.input, entry);
      } catch {
        // Reported by the sign test.
      }
    }
    // What sign left: each output checked by qpdf (and its input, when the output is not clean).
    const checks: SignCheck[] = [];
    const leftovers: string[] = [];
    const expected = new Set<string>();
    for (const [input, outcome] of signPerFile) {
      const mutant = byFile.get(input);
      if (!mutant) continue;
      if (outcome.ok && outcome.output) expected.add(outcome.output);
      checks.push({ mutant, outcome });
    }
    for (const outDir of outDirs) {
      for (const name of existsSync(outDir) ? await readdir(outDir) : []) if (!expected.has(join(outDir, name))) leftovers.push(join(outDir, name));
    }
    await pool(checks.filter((c) => c.outcome.ok && c.outcome.output && existsSync(c.outcome.output)).map((c) => async () => {
      const output = await readFile(c.outcome.output as string);
      c.appended = output.length > c.mutant.bytes.length && output.subarray(0, c.mutant.bytes.length).equals(c.mutant.bytes);
      const out = await run('qpdf', ['--check', c.outcome.output as string], { allowFailure: true, timeoutMs: 30_000 });
      c.qpdfOut = { code: out.code, output: out.output };
      if (out.code !== 0) {
        const inp = await run('qpdf', ['--check', path(c.mutant)], { allowFailure: true, timeoutMs: 30_000 });
        c.qpdfIn = { code: inp.code, output: inp.output };
      }
    }), CONCURRENCY);
    // Every output verified: the signature just added must be intact and match its certificate.
    const signedChecks = checks.filter((c) => c.outcome.ok && c.outcome.output && existsSync(c.outcome.output));
    const outputVerifyRuns = await pool(chunk(signedChecks.map((c) => c.outcome.output as string), Math.min(BATCHES, signedChecks.length)).map((outputs, i) => () => runBoundedCli(['verify', ...outputs, '--json', ...trust()], env, time(`verify-output-${i}`), BATCH_KILL_MS)), CONCURRENCY);
    const byOutput = new Map(signedChecks.map((c) => [c.outcome.output as string, c]));
    for (const o of outputVerifyRuns) {
      for (const text of o.stdout.split('\n').filter(Boolean)) {
        try {
          const entry = JSON.parse(text) as VerifyLine;
          const check = byOutput.get(entry.file);
          if (check) check.verified = entry;
        } catch {
          // Reported by the sign test.
        }
      }
    }
    const inputsChanged: string[] = [];
    for (const m of mutants) if (!(await readFile(path(m))).equals(m.bytes)) inputsChanged.push(m.name);

    const controlLines = (controlRun?.stdout ?? '').split('\n').filter(Boolean).map((l) => JSON.parse(l) as VerifyLine);
    return {
      mutants, seeds,
      info: { runs: infoRuns, perFile: infoPerFile },
      verify: { runs: verifyRuns, perFile: verifyPerFile },
      sign: { runs: signRuns, perFile: signPerFile, checks, leftovers, inputsChanged, verifyRuns: outputVerifyRuns },
      singles,
      controls: { valid: controlLines.find((l) => l.file === valid), flipped: controlLines.find((l) => l.file === flipped), run: controlRun as Outcome },
      ms: Date.now() - started,
      phases: { seeds: seeded - started, runs: ran - seeded, checks: Date.now() - ran },
    };
  }

  before(async () => {
    if (skip) return;
    dir = await mkdtemp(join(tmpdir(), 'paraphe-mutants-'));
    await mkdir(join(dir, 'user-data'));
    results = fuzz();
    await results.catch(() => undefined);
  });

  after(async () => {
    if (process.env.FUZZ_KEEP) process.stdout.write(`# mutants kept in ${dir}\n`);
    else if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('makes at least 300 mutants of every kind from signed and unsigned seeds', async (t: TestContext) => {
    const r = await results;
    assert.ok(r.mutants.length >= 300, `${r.mutants.length} mutants`);
    for (const kind of MUTANT_KINDS) assert.ok(r.mutants.filter((m) => m.kind === kind).length >= 20, `few ${kind} mutants`);
    const signed = r.mutants.filter((m) => m.seed.byteRanges.length > 0).length;
    assert.ok(signed >= 150, `${signed} mutants of signed seeds`);
    assert.equal(new Set(r.mutants.map((m) => m.bytes.toString('latin1'))).size > r.mutants.length * 0.9, true, 'mutants are mostly distinct');
    t.diagnostic(`${r.mutants.length} mutants of ${r.seeds.length} seeds (${r.seeds.filter((s) => s.byteRanges.length > 0).length} signed, ${signed} mutants of them): ${counts(r.mutants.map((m) => m.kind))}; ${(r.ms / 1000).toFixed(1)} s in all (seeds ${(r.phases.seeds / 1000).toFixed(1)} s, batches and single runs ${(r.phases.runs / 1000).toFixed(1)} s, qpdf and verify of the signed copies ${(r.phases.checks / 1000).toFixed(1)} s)`);
  });

  it('sanity: a signed seed verifies VALID, a byte flipped in its first signed range INVALID', async () => {
    const r = await results;
    assertBounded('verify controls', r.controls.run, SINGLE_KILL_MS);
    assert.equal(r.controls.run.code, 1, r.controls.run.stdout + r.controls.run.stderr);
    const valid = r.controls.valid as VerifyJson;
    assert.equal(valid.verdict, 'VALID', JSON.stringify(valid));
    const flipped = r.controls.flipped as VerifyJson;
    assert.equal(flipped.verdict, 'INVALID', JSON.stringify(flipped));
    assert.equal(flipped.signatures[0]?.intact, false);
  });

  it('info: each mutant described or refused with an error code in words; exit 0 or 1; no crash; bounded', async (t: TestContext) => {
    const r = await results;
    r.info.runs.forEach((o, i) => {
      assertBounded(`info batch ${i}`, o, BATCH_KILL_MS);
      assert.ok(o.code === 0 || o.code === 1, `info batch ${i}: exit ${String(o.code)}\n${o.stderr.slice(0, 2000)}`);
    });
    const problems: string[] = [];
    const outcomes: string[] = [];
    const stderr = r.info.runs.map((o) => o.stderr).join('');
    for (const m of r.mutants) {
      const entry = r.info.perFile.get(join(dir, 'mutants', m.name));
      if (!entry) problems.push(`${whatOf(m)}: no result`);
      else if ('error' in entry) {
        if (entry.error.code === 'internal') problems.push(`${whatOf(m)}: internal error: ${entry.error.message}`);
        if (!stderr.includes(`paraphe: ${entry.error.message}`) || !entry.error.message.includes(entry.file)) problems.push(`${whatOf(m)}: the refusal on stderr does not name the file: ${entry.error.message}`);
        outcomes.push(`refused ${entry.error.code}`);
      } else outcomes.push('described');
    }
    assert.deepEqual(problems, [], problems.join('\n'));
    t.diagnostic(`info: ${r.mutants.length} mutants in ${r.info.runs.length} processes (${r.info.runs.map((o) => `${(o.ms / 1000).toFixed(1)} s`).join(', ')}): ${counts(outcomes)}`);
  });

  it('verify: each mutant a report or an error code in words; exit 0 to 3; no crash; bounded per file', async (t: TestContext) => {
    const r = await results;
    const problems: string[] = [];
    r.verify.runs.forEach((o, i) => {
      assertBounded(`verify batch ${i}`, o, BATCH_KILL_MS);
      assert.ok(o.code !== null && o.code >= 0 && o.code <= 3, `verify batch ${i}: exit ${String(o.code)}\n${o.stderr.slice(0, 2000)}`);
      o.lineTimes.forEach((at, j) => {
        const wait = at - (o.lineTimes[j - 1] ?? 0);
        if (wait > FILE_MS) problems.push(`verify batch ${i}, file ${j + 1}: ${wait} ms`);
      });
    });
    const outcomes: string[] = [];
    const stderr = r.verify.runs.map((o) => o.stderr).join('');
    for (const m of r.mutants) {
      const entry = r.verify.perFile.get(join(dir, 'mutants', m.name));
      if (!entry) problems.push(`${whatOf(m)}: no result`);
      else if ('error' in entry) {
        if (entry.error.code === 'internal') problems.push(`${whatOf(m)}: internal error: ${entry.error.message}`);
        if (!stderr.includes(`paraphe: ${entry.error.message}`) || !entry.error.message.includes(entry.file)) problems.push(`${whatOf(m)}: the refusal on stderr does not name the file: ${entry.error.message}`);
        outcomes.push(`refused ${entry.error.code}`);
      } else outcomes.push(entry.verdict);
    }
    assert.deepEqual(problems, [], problems.join('\n'));
    t.diagnostic(`verify: ${r.mutants.length} mutants in ${r.verify.runs.length} processes (${r.verify.runs.map((o) => `${(o.ms / 1000).toFixed(1)} s`).join(', ')}): ${counts(outcomes)}`);
  });

  it('verify: never intact, never VALID, when a byte its /ByteRange covers changed', async (t: TestContext) => {
    const r = await results;
    const signedSeeds = r.seeds.filter((s) => s.byteRanges.length > 0);
    const problems: string[] = [];
    let touched = 0;
    let touchedValid = 0;
    let untouched = 0;
    for (const m of r.mutants) {
      const entry = r.verify.perFile.get(join(dir, 'mutants', m.name));
      if (!entry || 'error' in entry) continue;
      // A signature may be called intact only if some seed signature's covered bytes are all in
      // the mutant, at the same offsets: no one else can have made a signature of this key.
      const intact = entry.signatures.filter((s) => s.intact || s.status === 'VALID');
      const kept = signedSeeds.flatMap((s) => s.byteRanges.filter((br) => coveredBytesSame(m.bytes, s.bytes, br)));
      if (intact.length > kept.length) problems.push(`${whatOf(m)}: ${intact.length} signature(s) intact or VALID (${intact.map((s) => `${s.field ?? '?'} ${s.status}`).join(', ')}), but only ${kept.length} signed range(s) of any seed are unchanged`);
      if (m.seed.byteRanges.length > 0) {
        const everyChanged = m.seed.byteRanges.every((br) => !coveredBytesSame(m.bytes, m.seed.bytes, br));
        if (everyChanged) {
          touched++;
          if (entry.verdict === 'VALID') touchedValid++;
        } else untouched++;
      }
    }
    assert.deepEqual(problems, [], problems.join('\n'));
    assert.equal(touchedValid, 0);
    assert.ok(touched >= 50, `only ${touched} mutants changed the signed bytes of their seed`);
    t.diagnostic(`verify: ${touched} mutants of signed seeds changed covered bytes of every signature: ${touchedValid} VALID; ${untouched} kept some signature's covered bytes`);
  });

  it('sign: a whole output that qpdf --check accepts as it accepts the input, or nothing; no temp file; input unchanged', async (t: TestContext) => {
    const r = await results;
    r.sign.runs.forEach((o, i) => {
      assertBounded(`sign batch ${i}`, o, BATCH_KILL_MS);
      assert.ok(o.code === 0 || o.code === 1, `sign batch ${i}: exit ${String(o.code)}\n${o.stderr.slice(0, 2000)}`);
    });
    r.sign.verifyRuns.forEach((o, i) => assertBounded(`verify of outputs, batch ${i}`, o, BATCH_KILL_MS));
    const problems: string[] = [];
    const outcomes: string[] = [];
    for (const m of r.mutants) {
      const input = join(dir, 'mutants', m.name);
      const entry = r.sign.perFile.get(input);
      const check = r.sign.checks.find((c) => c.mutant === m);
      if (!entry || !check) {
        problems.push(`${whatOf(m)}: no result`);
        continue;
      }
      if (!entry.ok) {
        if (entry.error?.code === 'internal') problems.push(`${whatOf(m)}: internal error: ${entry.error.message}`);
        outcomes.push(`refused ${entry.error?.code ?? '?'}`);
        continue;
      }
      if (!entry.output || basename(entry.output) !== m.name || !existsSync(entry.output)) {
        problems.push(`${whatOf(m)}: signed, but no output at ${String(entry.output)}`);
        continue;
      }
      // A damaged unsigned input is signed as its repaired copy: the output then starts with that
      // clean copy, not with the input: its structure must be sound for qpdf (no errors) whatever
      // the input was; warnings about the content the mutant damaged (a page made null) remain.
      if (entry.repaired === true) {
        // Stream data the mutant damaged is copied as it is (a content stream that no longer decodes): qpdf's errors about it are the input's.
        const structural = (check.qpdfOut?.output ?? '').split('\n').filter((line) => /^(ERROR|qpdf:)/.test(line) && !/decoding|errors detected/.test(line));
        if (qpdfRank(check.qpdfOut?.code ?? null) > 1 && structural.length > 0) problems.push(`${whatOf(m)}: qpdf --check finds errors in the repaired and signed output:\n${check.qpdfOut?.output.slice(0, 1500)}`);
      } else if (!check.appended) {
        problems.push(`${whatOf(m)}: the output does not start with the input (not an incremental update)`);
      }
      // The new signature verifies, unless verify refuses the input itself the same way (a damaged
      // object that signing did not need, such as a DSS stream: the copy is no worse).
      const verified = check.verified;
      const before = r.verify.perFile.get(input);
      const sameRefusal = verified && 'error' in verified && before && 'error' in before && before.error.code === verified.error.code;
      const added = verified && !('error' in verified) ? verified.signatures.find((sig) => sig.field === entry.field) : undefined;
      if (!sameRefusal && (!added?.intact || !added.signatureValid)) problems.push(`${whatOf(m)}: verify of the output does not find its new signature ${String(entry.field)} intact and matching: ${JSON.stringify(verified).slice(0, 1500)}`);
      const outRank = qpdfRank(check.qpdfOut?.code ?? null);
      // qpdf checks a linearized file through its hint tables: damage elsewhere in the first-page
      // xref section shows only once an update has made it an ordinary file. Warnings then are the
      // input's, not the update's.
      const linearizedInput = /File is linearized/.test(check.qpdfIn?.output ?? '');
      const inRank = check.qpdfIn ? Math.max(qpdfRank(check.qpdfIn.code), linearizedInput ? 1 : 0) : 0;
      if (entry.repaired !== true && outRank > inRank) problems.push(`${whatOf(m)}: qpdf --check finds the output worse than the input (exit ${String(check.qpdfOut?.code)} vs ${String(check.qpdfIn?.code)}):\n${check.qpdfOut?.output.slice(0, 1500)}`);
      outcomes.push(entry.repaired === true ? 'repaired and signed' : outRank === 0 ? 'signed, qpdf clean' : `signed, qpdf ${outRank === 1 ? 'warnings' : 'errors'} as for the input`);
    }
    for (const file of r.sign.leftovers) problems.push(`left in an output folder: ${file}`);
    for (const name of r.sign.inputsChanged) problems.push(`${name}: the input changed`);
    assert.deepEqual(problems, [], problems.join('\n'));
    t.diagnostic(`sign: ${r.mutants.length} mutants in ${r.sign.runs.length} processes (${r.sign.runs.map((o) => `${(o.ms / 1000).toFixed(1)} s`).join(', ')}): ${counts(outcomes)}`);
  });

  it(`single runs: ${SINGLE_RUNS} mutants one per process give the exit code and one line on stderr that batches imply`, async (t: TestContext) => {
    const r = await results;
    assert.equal(r.singles.length, SINGLE_RUNS);
    const problems: string[] = [];
    for (const s of r.singles) {
      const input = join(dir, 'mutants', s.mutant.name);
      const label = whatOf(s.mutant);
      for (const [command, o] of [['info', s.info], ['verify', s.verify], ['sign', s.sign]] as const) {
        assertBounded(`${command} ${label}`, o, SINGLE_KILL_MS);
        const lines = o.stderr.trimEnd().split('\n').filter(Boolean);
        if (o.code !== 0 && command !== 'verify') {
          if (lines.length !== 1 || !/^paraphe: .*\w/.test(lines[0] as string) || !(lines[0] as string).includes(s.mutant.name)) problems.push(`${command} ${label}: stderr is not one sentence naming the file:\n${o.stderr}`);
        }
      }
      const info = r.info.perFile.get(input);
      const expectInfo = info && 'error' in info ? 1 : 0;
      if (s.info.code !== expectInfo) problems.push(`info ${label}: exit ${String(s.info.code)}, the batch said ${expectInfo === 1 ? 'refused' : 'described'}`);
      const verified = parseJson<VerifyLine>(`verify ${label}`, s.verify.stdout);
      const expectVerify = 'error' in verified ? 2 : { VALID: 0, INVALID: 1, INDETERMINATE: 1, NO_SIGNATURES: 3 }[verified.verdict];
      if (s.verify.code !== expectVerify) problems.push(`verify ${label}: exit ${String(s.verify.code)} for ${JSON.stringify(verified).slice(0, 300)}`);
      const batch = r.verify.perFile.get(input);
      if (batch && ('error' in batch ? 'error' : batch.verdict) !== ('error' in verified ? 'error' : verified.verdict)) problems.push(`verify ${label}: alone ${'error' in verified ? 'error' : verified.verdict}, in a batch ${'error' in batch ? 'error' : batch.verdict}`);
      const signed = parseJson<SignJson>(`sign ${label}`, s.sign.stdout);
      if (s.sign.code !== (signed.ok ? 0 : 1)) problems.push(`sign ${label}: exit ${String(s.sign.code)} with ok ${String(signed.ok)}`);
      if (signed.ok !== r.sign.perFile.get(input)?.ok) problems.push(`sign ${label}: alone ok ${String(signed.ok)}, in a batch ${String(r.sign.perFile.get(input)?.ok)}`);
      if (!signed.ok && signed.error?.code === 'internal') problems.push(`sign ${label}: internal error: ${signed.error.message}`);
      if (s.outDir.length !== (signed.ok ? 1 : 0) || (signed.ok && s.outDir[0] !== s.mutant.name)) problems.push(`sign ${label}: the output folder holds ${s.outDir.join(', ') || 'nothing'}`);
    }
    assert.deepEqual(problems, [], problems.join('\n'));
    t.diagnostic(`single runs: ${r.singles.length} mutants x 3 commands, exits ${counts(r.singles.flatMap((s) => [`info ${s.info.code}`, `verify ${s.verify.code}`, `sign ${s.sign.code}`]))}`);
  });
});
