// main/bin/paraphe.cjs, the launcher of the command line, around stand-in bundles: whatever main
// does (returns a code, rejects, throws, or never settles because nothing is left to wait for),
// the process ends with that code or with 70 and one line "paraphe: internal error: ...", never
// with 0 and nothing said.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { root } from '../fixtures/signing-bed';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

type Run = { status: number | null; stdout: string; stderr: string };

/** A copy of the launcher in a folder of its own, whose dist/cli.cjs exports `mainSource` as main. */
function stage(mainSource: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'paraphe-launcher-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'main', 'bin'), { recursive: true });
  mkdirSync(join(dir, 'dist'));
  copyFileSync(join(root, 'main', 'bin', 'paraphe.cjs'), join(dir, 'main', 'bin', 'paraphe.cjs'));
  writeBundle(dir, mainSource);
  return dir;
}

/** Replaces the bundle as the build does (a new file renamed into place). */
function writeBundle(dir: string, mainSource: string, mtime?: Date): void {
  const temp = join(dir, 'dist', 'cli.cjs.new');
  writeFileSync(temp, `exports.main = ${mainSource};\n`);
  if (mtime) utimesSync(temp, mtime, mtime);
  renameSync(temp, join(dir, 'dist', 'cli.cjs'));
}

function runIn(dir: string): Run {
  const result = spawnSync(process.execPath, [join(dir, 'main', 'bin', 'paraphe.cjs'), 'info', 'x.pdf'], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, PARAPHE_DEBUG: '' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs a copy of the launcher whose dist/cli.cjs exports `mainSource` as main. */
function launch(mainSource: string): Run {
  return runIn(stage(mainSource));
}

describe('the paraphe launcher', () => {
  it('exits with the code main returns', () => {
    const r = launch('async (argv) => (argv[0] === "info" ? 3 : 9)');
    assert.deepEqual(r, { status: 3, stdout: '', stderr: '' });
  });

  it('exits 70 with one line when main can never settle (the event loop drains first)', () => {
    const r = launch('() => new Promise(() => {})');
    assert.equal(r.status, 70);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^paraphe: internal error: [^\n]+\n$/);
  });

  it('exits 70 with one line when main rejects or throws', () => {
    for (const source of ['async () => { throw new Error("broken\\nacross lines"); }', '() => { throw new TypeError("thrown"); }']) {
      const r = launch(source);
      assert.equal(r.status, 70, r.stderr);
      assert.match(r.stderr, /^paraphe: internal error: (broken across lines|thrown)\n$/);
    }
  });

  describe('code cache', () => {
    it('is written beside the bundle after the first run, keyed by the bundle and this Node, and reused as is', () => {
      const dir = stage('async () => 3');
      const cache = join(dir, 'dist', 'cli.cjs.v8cache');
      assert.equal(existsSync(cache), false);
      assert.deepEqual(runIn(dir), { status: 3, stdout: '', stderr: '' });
      const header = readFileSync(cache).subarray(0, 200).toString('latin1').split('\n')[0] ?? '';
      const bundle = statSync(join(dir, 'dist', 'cli.cjs'));
      assert.equal(header, `paraphe-cli-cache 1 ${process.version} ${process.arch} ${bundle.ino} ${bundle.size} ${bundle.mtimeMs}`);
      const first = statSync(cache);
      assert.deepEqual(runIn(dir), { status: 3, stdout: '', stderr: '' });
      const second = statSync(cache);
      assert.equal(second.ino, first.ino, 'an accepted cache is not written again');
      assert.equal(second.mtimeMs, first.mtimeMs);
    });

    it('is not used for a rebuilt bundle of the same length (V8 itself only compares lengths)', () => {
      const dir = stage('async () => 3');
      assert.equal(runIn(dir).status, 3);
      writeBundle(dir, 'async () => 4', new Date(Date.now() + 5_000));
      assert.equal(runIn(dir).status, 4, 'the new bundle runs, not the code cached from the old one');
      assert.equal(runIn(dir).status, 4);
      assert.match(readFileSync(join(dir, 'dist', 'cli.cjs.v8cache')).toString('latin1'), new RegExp(` ${statSync(join(dir, 'dist', 'cli.cjs')).ino} `));
    });

    it('is replaced when V8 refuses it (damaged), and the command still runs', () => {
      const dir = stage('async () => 5');
      assert.equal(runIn(dir).status, 5);
      const cache = join(dir, 'dist', 'cli.cjs.v8cache');
      const bytes = readFileSync(cache);
      const headerLength = bytes.indexOf(0x0a) + 1;
      const damaged = Buffer.concat([bytes.subarray(0, headerLength), Buffer.alloc(bytes.length - headerLength, 0xa5)]);
      writeFileSync(cache, damaged);
      assert.deepEqual(runIn(dir), { status: 5, stdout: '', stderr: '' });
      assert.notDeepEqual(readFileSync(cache), damaged, 'the refused cache was written again from this run');
      assert.equal(runIn(dir).status, 5);
    });
  });
});
