// Hostile PDFs against the real command line: each file of test/fixtures/hostile.ts goes through
// `paraphe info`, `paraphe verify --json` and `paraphe sign --json` as child processes with a
// 512 MB V8 heap. Each must end within 20 s (it is killed otherwise, and that fails), stay under
// a memory bound, and either be refused with a PdfError in words (exit 1 to 3, one line on stderr,
// no stack trace, no "internal error") or, where the file is legitimately readable, give a real
// result, or, where it is damaged but unsigned, be described and signed as its repaired copy. Never a signal, never exit 0 without output. After `sign`, the output folder holds the
// output or nothing (no temp file), and the input is byte for byte what it was.
// HOSTILE_TIMES=1 prints each command's time and peak memory.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HOSTILE_CASES } from '../fixtures/hostile';
import type { HostileCase } from '../fixtures/hostile';
import { createTestPki } from '../fixtures/pki';
import type { TestPki } from '../fixtures/pki';
import { P12_ENV, p12Args, requireCliBundle } from '../fixtures/signing-bed';
import { CRASH, MAX_RSS, pool, runBoundedCli } from '../fixtures/bounded-cli';
import type { Outcome } from '../fixtures/bounded-cli';

const KILL_AFTER_MS = 20_000;
/** Commands run at once: the machine has two cores, shared. */
const CONCURRENCY = 2;

const runCli = (args: readonly string[], env: Readonly<Record<string, string>>, reportFile: string): Promise<Outcome> => runBoundedCli(args, env, reportFile, KILL_AFTER_MS);

/** What every run must satisfy, whatever the file: bounded in time and memory, no crash. */
function assertBounded(what: string, o: Outcome): void {
  assert.equal(o.killed, false, `${what}: still running after ${KILL_AFTER_MS} ms (killed)`);
  assert.equal(o.signal, null, `${what}: ended by ${String(o.signal)}\n${o.stderr.slice(0, 2000)}`);
  if (o.rss !== null) assert.ok(o.rss <= MAX_RSS, `${what}: used ${Math.round(o.rss / 1024 / 1024)} MB of memory (at most ${MAX_RSS / 1024 / 1024})`);
  assert.doesNotMatch(o.stderr, CRASH, `${what}: a crash or an internal error\n${o.stderr.slice(0, 2000)}`);
}

/** A refusal in words: exit 1 to 3, one line on stderr naming the file, and (with --json) the error's code. */
function assertRefused(what: string, o: Outcome, file: string, codes: readonly string[] | undefined, jsonError: { code?: unknown } | undefined): void {
  assert.ok(o.code !== null && o.code >= 1 && o.code <= 3, `${what}: exit code ${String(o.code)}, expected 1 to 3\n${o.stderr}`);
  const lines = o.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `${what}: stderr is not one line:\n${o.stderr.slice(0, 2000)}`);
  assert.match(lines[0] as string, /^(\[\d+\/\d+\] )?paraphe: .*\w/, `${what}: stderr is not a sentence: ${lines[0]}`);
  assert.ok((lines[0] as string).includes(file), `${what}: the message does not name the file: ${lines[0]}`);
  if (jsonError !== undefined) {
    assert.notEqual(jsonError.code, 'internal', `${what}: reported as an internal error: ${lines[0]}`);
    if (codes) assert.ok(codes.includes(String(jsonError.code)), `${what}: error code ${String(jsonError.code)}, expected ${codes.join(' or ')}: ${lines[0]}`);
  }
}

function parseJson(what: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    assert.fail(`${what}: stdout is not JSON:\n${text.slice(0, 2000)}`);
  }
}

interface CaseRuns {
  file: string;
  input: Buffer;
  outDir: string;
  info: Outcome;
  verify: Outcome;
  sign: Outcome;
  /** The input after signing. */
  inputAfter: Buffer;
  outDirAfter: string[];
}

// HOSTILE_ONLY=name,name runs only those cases (to look at one, or at an old build).
const only = process.env.HOSTILE_ONLY?.split(',').filter(Boolean);
const CASES = only ? HOSTILE_CASES.filter((c) => only.includes(c.name)) : HOSTILE_CASES;

describe('hostile inputs through the command line', () => {
  let dir: string;
  let pki: TestPki;
  let env: Record<string, string>;
  const runs = new Map<string, Promise<CaseRuns>>();

  const runCase = async (c: HostileCase): Promise<CaseRuns> => {
    const file = join(dir, `${c.name}.pdf`);
    const input = c.build();
    await writeFile(file, input);
    const outDir = join(dir, `out-${c.name}`);
    await mkdir(outDir);
    const report = (command: string) => join(dir, `${c.name}.${command}.time`);
    const info = await runCli(['info', file], env, report('info'));
    const verify = await runCli(['verify', '--json', file], env, report('verify'));
    const sign = await runCli(['sign', file, '-o', join(outDir, 'signed.pdf'), '--json', ...p12Args(pki.p12.signer)], env, report('sign'));
    const inputAfter = await readFile(file);
    const outDirAfter = await readdir(outDir);
    // Bombs are a few megabytes: removed as soon as they are done with.
    await rm(file);
    await rm(outDir, { recursive: true, force: true });
    if (process.env.HOSTILE_TIMES) process.stdout.write(`# ${c.name}: info ${info.ms} ms, verify ${verify.ms} ms, sign ${sign.ms} ms, ${Math.round(Math.max(info.rss ?? 0, verify.rss ?? 0, sign.rss ?? 0) / 1024 / 1024)} MB\n`);
    return { file, input, outDir, info, verify, sign, inputAfter, outDirAfter };
  };

  before(async () => {
    requireCliBundle();
    dir = await mkdtemp(join(tmpdir(), 'paraphe-hostile-'));
    await mkdir(join(dir, 'pki'));
    await mkdir(join(dir, 'user-data'));
    const started = Date.now();
    pki = await createTestPki(join(dir, 'pki'));
    if (process.env.HOSTILE_TIMES) process.stdout.write(`# PKI in ${Date.now() - started} ms\n`);
    env = { ...P12_ENV, PARAPHE_USER_DATA_DIR: join(dir, 'user-data'), PARAPHE_DEBUG: '' };
    // Every case runs once, a few at a time; the tests below look at the results.
    const all = pool(CASES.map((c) => () => runCase(c)), CONCURRENCY);
    CASES.forEach((c, i) => runs.set(c.name, all.then((results) => results[i] as CaseRuns)));
    await all.catch(() => undefined);
  });

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  for (const c of CASES) {
    it(`${c.name}: ${c.what}`, async () => {
      const r = await (runs.get(c.name) as Promise<CaseRuns>);
      const name = `${c.name}.pdf`;
      for (const [command, o] of [['info', r.info], ['verify', r.verify], ['sign', r.sign]] as const) assertBounded(`${command} ${name}`, o);

      // info
      if (c.expect.info === 'refused') {
        assertRefused(`info ${name}`, r.info, name, c.codes, undefined);
        assert.equal(r.info.stdout, '', `info ${name}: printed a description of a refused file`);
      } else if (c.expect.info === 'repaired') {
        assert.equal(r.info.code, 0, `info ${name}: exit ${String(r.info.code)}\n${r.info.stderr}`);
        assert.match(r.info.stdout, /^damaged: +yes: .*\w.* \(repairable: signing signs a repaired copy/m, `info ${name}: no "damaged:" line\n${r.info.stdout}`);
      } else {
        assert.equal(r.info.code, 0, `info ${name}: exit ${String(r.info.code)}\n${r.info.stderr}`);
        assert.match(r.info.stdout, /PDF version/i, `info ${name}: no description`);
      }

      // verify --json: one JSON line, an error in words or "no signatures" (exit 3)
      const verified = parseJson(`verify ${name}`, r.verify.stdout) as { verdict?: string; error?: { code?: unknown } };
      if (c.expect.verify === 'refused') {
        assert.equal(r.verify.code, 2, `verify ${name}: exit ${String(r.verify.code)}\n${r.verify.stderr}`);
        assertRefused(`verify ${name}`, r.verify, name, c.codes, verified.error);
      } else {
        assert.equal(r.verify.code, 3, `verify ${name}: exit ${String(r.verify.code)} (expected 3, no signatures)\n${r.verify.stderr}`);
        assert.equal(verified.verdict, 'NO_SIGNATURES');
      }

      // sign --json: the output appears whole, or nothing is left behind
      const signed = parseJson(`sign ${name}`, r.sign.stdout) as { ok?: boolean; repaired?: boolean; damage?: { code?: unknown }; error?: { code?: unknown } };
      if (c.expect.sign === 'ok' || c.expect.sign === 'repaired') {
        assert.equal(r.sign.code, 0, `sign ${name}: exit ${String(r.sign.code)}\n${r.sign.stderr}`);
        assert.equal(signed.ok, true);
        assert.equal(signed.repaired, c.expect.sign === 'repaired', `sign ${name}: "repaired" is ${String(signed.repaired)}`);
        if (c.expect.sign === 'repaired') {
          if (c.codes) assert.ok(c.codes.includes(String(signed.damage?.code)), `sign ${name}: damage code ${String(signed.damage?.code)}, expected ${c.codes.join(' or ')}`);
          assert.match(r.sign.stderr, /^paraphe: warning: .* is damaged \(.*\): a repaired copy \(cross-reference rebuilt from \d+ objects\) was signed; the original is unchanged\.\n$/, `sign ${name}: not one line saying the copy was repaired\n${r.sign.stderr}`);
        }
        assert.deepEqual(r.outDirAfter, ['signed.pdf'], `sign ${name}: the output folder holds ${r.outDirAfter.join(', ')}`);
      } else {
        assertRefused(`sign ${name}`, r.sign, name, c.codes, signed.error);
        assert.equal(signed.ok, false);
        assert.deepEqual(r.outDirAfter, [], `sign ${name}: a refused input left ${r.outDirAfter.join(', ')} in the output folder`);
      }
      assert.ok(r.inputAfter.equals(r.input), `sign ${name}: the input changed`);
    });
  }
});
