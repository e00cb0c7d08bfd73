import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { findElectron } from '../../main/tools/electron-runtime.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));

function start(env: NodeJS.ProcessEnv, args: string[] = []) {
  const clean = { ...process.env, ...env };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete clean[key];
  return spawnSync(process.execPath, ['main/tools/start.mjs', '--no-build', ...args], { cwd: root, env: clean, encoding: 'utf8', timeout: 30_000 });
}

/** One sentence: one line, one final full stop, no stack frames. */
function assertOneClearSentence(output: string) {
  const text = output.trim();
  assert.equal(text.split('\n').length, 1, `more than one line:\n${output}`);
  assert.match(text, /^Paraphe needs the Electron [\d.]+ runtime, which is not available here: .+, then run npm start again\.$/);
  assert.doesNotMatch(output, /\bat .+:\d+:\d+\)?$/m, 'stack frame printed');
  assert.doesNotMatch(output, /^\s+at /m, 'stack frame printed');
}

describe('npm start without an Electron runtime', () => {
  it('says in one sentence that Electron is missing and exits 1', (t) => {
    if (!process.env.ELECTRON_OVERRIDE_DIST_PATH && findElectron().ok) {
      t.skip('an Electron binary is installed here: npm start would launch it');
      return;
    }
    const result = start({ ELECTRON_OVERRIDE_DIST_PATH: undefined });
    assert.equal(result.status, 1, result.stderr);
    assert.equal(result.stdout, '');
    assertOneClearSentence(result.stderr);
    assert.match(result.stderr, /npx install-electron/);
    assert.match(result.stderr, /ELECTRON_OVERRIDE_DIST_PATH/);
  });

  it('says the same when ELECTRON_OVERRIDE_DIST_PATH points at a folder without Electron', () => {
    const empty = mkdtempSync(join(tmpdir(), 'paraphe-no-electron-'));
    try {
      const result = start({ ELECTRON_OVERRIDE_DIST_PATH: empty });
      assert.equal(result.status, 1, result.stderr);
      assert.equal(result.stdout, '');
      assertOneClearSentence(result.stderr);
      assert.ok(result.stderr.includes(`ELECTRON_OVERRIDE_DIST_PATH (${empty}) holds no Electron executable`), result.stderr);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('npm start with an Electron runtime', () => {
  it('runs it on the project with the extra arguments, from the folder npm was called in, and passes its exit code on', (t) => {
    if (process.platform === 'win32') {
      t.skip('the stand-in runtime is a shell script');
      return;
    }
    const dist = mkdtempSync(join(tmpdir(), 'paraphe-fake-electron-'));
    try {
      // A stand-in for the Electron executable: prints what it was given.
      const executable = join(dist, 'electron');
      writeFileSync(executable, '#!/bin/sh\nprintf \'%s\\n\' "$@"\necho "cwd=$(pwd)"\necho "run-as-node=${ELECTRON_RUN_AS_NODE:-unset}"\nexit 7\n');
      chmodSync(executable, 0o755);
      const result = start({ ELECTRON_OVERRIDE_DIST_PATH: dist, INIT_CWD: dist, ELECTRON_RUN_AS_NODE: '1' }, ['contrat.pdf', '--lang=fr']);
      assert.equal(result.status, 7, result.stderr);
      assert.deepEqual(result.stdout.trim().split('\n'), [root.replace(/\/$/, ''), 'contrat.pdf', '--lang=fr', `cwd=${dist}`, 'run-as-node=unset']);
    } finally {
      rmSync(dist, { recursive: true, force: true });
    }
  });
});
