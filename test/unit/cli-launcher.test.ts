// main/bin/paraphe.cjs, the launcher of the command line, around stand-in bundles: whatever main
// does (returns a code, rejects, throws, or never settles because nothing is left to wait for),
// the process ends with that code or with 70 and one line "paraphe: internal error: ...", never
// with 0 and nothing said.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { root } from '../fixtures/signing-bed';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Runs a copy of the launcher whose dist/cli.cjs exports `mainSource` as main. */
function launch(mainSource: string): { status: number | null; stdout: string; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'paraphe-launcher-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'main', 'bin'), { recursive: true });
  mkdirSync(join(dir, 'dist'));
  copyFileSync(join(root, 'main', 'bin', 'paraphe.cjs'), join(dir, 'main', 'bin', 'paraphe.cjs'));
  writeFileSync(join(dir, 'dist', 'cli.cjs'), `exports.main = ${mainSource};\n`);
  const result = spawnSync(process.execPath, [join(dir, 'main', 'bin', 'paraphe.cjs'), 'info', 'x.pdf'], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, PARAPHE_DEBUG: '' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
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
});
