// main/bin/paraphe.cjs, the launcher of the command line, around stand-in bundles: whatever main
// does (returns a code, rejects, throws, or never settles because nothing is left to wait for),
// the process ends with that code or with 70 and one line "paraphe: internal error: ...", never
// with 0 and nothing said.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
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

  describe('help and version without the whole command line', () => {
    const launcher = join(root, 'main', 'bin', 'paraphe.cjs');
    const bundle = join(root, 'dist', 'cli.cjs');
    // Records on stderr every file the process opens that is the command line's bundle.
    const probe = join(mkdtempSync(join(tmpdir(), 'paraphe-probe-')), 'probe.cjs');
    dirs.push(dirname(probe));
    writeFileSync(probe, `const fs = require('node:fs'); const open = fs.openSync; fs.openSync = function (p, ...rest) { if (String(p).endsWith('cli.cjs')) process.stderr.write('OPENED ' + p + '\\n'); return open.call(this, p, ...rest); };\n`);
    const viaLauncher = (argv: string[]) => spawnSync(process.execPath, ['-r', probe, launcher, ...argv], { encoding: 'utf8', timeout: 20_000 });
    const viaMain = (argv: string[]) =>
      spawnSync(process.execPath, ['-e', 'require(process.argv[1]).main(process.argv.slice(2)).then((c) => { process.exitCode = c; })', bundle, ...argv], { encoding: 'utf8', timeout: 20_000 });

    for (const argv of [['--version'], ['-V'], ['--help'], ['-h'], ['help'], ['help', 'sign'], ['help', 'help'], ['sign', '--help'], ['verify', '-h'], ['info', '--help'], ['tokens', '--help']]) {
      it(`paraphe ${argv.join(' ')}: what main prints, without opening dist/cli.cjs`, () => {
        const quick = viaLauncher(argv);
        const full = viaMain(argv);
        assert.equal(full.status, 0, full.stderr);
        assert.equal(quick.status, 0, quick.stderr);
        assert.equal(quick.stdout, full.stdout);
        assert.ok(quick.stdout.length > 0);
        assert.equal(quick.stderr, '', 'the bundle was not opened');
      });
    }

    it('anything else goes to main (which opens the bundle): a usage mistake keeps its words and exit 2', () => {
      for (const argv of [['help', 'nope'], ['--lang', 'fr', '--help'], ['sign'], ['--version', 'extra']]) {
        const quick = viaLauncher(argv);
        const full = viaMain(argv);
        assert.match(quick.stderr, /OPENED .*cli\.cjs/, argv.join(' '));
        assert.equal(quick.status, full.status, argv.join(' '));
        assert.equal(quick.stdout, full.stdout, argv.join(' '));
      }
    });
  });
});
