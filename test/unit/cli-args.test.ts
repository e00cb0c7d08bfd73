import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { UsageError, parseCommandLine, suggestCommand } from '../../main/cli/args';
import { main } from '../../main/cli';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) }, out, err };
}

describe('parseCommandLine', () => {
  it('reads info with its files and --json anywhere', () => {
    assert.deepEqual(parseCommandLine(['info', 'a.pdf', '--json', 'b.pdf']), { kind: 'info', files: ['a.pdf', 'b.pdf'], json: true, pdfPasswordEnv: null });
    assert.deepEqual(parseCommandLine(['info', 'a.pdf']), { kind: 'info', files: ['a.pdf'], json: false, pdfPasswordEnv: null });
  });

  it('takes arguments after -- as files, even when they start with a dash', () => {
    assert.deepEqual(parseCommandLine(['info', '--', '-odd.pdf']), { kind: 'info', files: ['-odd.pdf'], json: false, pdfPasswordEnv: null });
  });

  it('recognizes help and version in their forms', () => {
    assert.deepEqual(parseCommandLine(['-h']), { kind: 'help', topic: null });
    assert.deepEqual(parseCommandLine(['help', 'info']), { kind: 'help', topic: 'info' });
    assert.deepEqual(parseCommandLine(['info', '-h']), { kind: 'help', topic: 'info' });
    assert.deepEqual(parseCommandLine(['--version']), { kind: 'version' });
    assert.deepEqual(parseCommandLine(['help', 'tokens']), { kind: 'help', topic: 'tokens' });
    assert.deepEqual(parseCommandLine(['tokens']), { kind: 'tokens', modules: [], json: false });
    assert.deepEqual(parseCommandLine(['tokens', '--module', '/a.so', '--module', 'b.so', '--json']), { kind: 'tokens', modules: ['/a.so', 'b.so'], json: true });
  });

  it('rejects unknown options, values given to flags and missing files', () => {
    assert.throws(() => parseCommandLine(['info', '--jsn', 'a.pdf']), (e: unknown) => e instanceof UsageError && e.message === "unknown option '--jsn' for 'info'" && e.command === 'info');
    assert.throws(() => parseCommandLine(['info', '--json=yes', 'a.pdf']), { message: "option '--json' takes no value" });
    assert.throws(() => parseCommandLine(['info', '--json']), { message: 'info needs at least one PDF file' });
    assert.throws(() => parseCommandLine(['help', 'csc']), { message: "unknown command 'csc'" });
    assert.throws(() => parseCommandLine(['tokens', 'a.pdf']), { message: "tokens takes no file (got 'a.pdf')" });
    assert.throws(() => parseCommandLine(['tokens', '--pin', '1234']), /unknown option '--pin'/);
  });

  it('suggests the closest command for a typo only', () => {
    assert.equal(suggestCommand('ifno'), 'info');
    assert.equal(suggestCommand('INFO'), 'info');
    assert.equal(suggestCommand('verfy'), 'verify');
    assert.equal(suggestCommand('tokns'), 'tokens');
    assert.equal(suggestCommand('csc'), null);
  });
});

describe('main', () => {
  it('prints the package.json version when the bundler did not define one', async () => {
    const { io, out } = capture();
    assert.equal(await main(['--version'], io), 0);
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    assert.deepEqual(out, [`${pkg.version}\n`]);
  });

  it('returns 2 with one line on stderr for a usage error', async () => {
    const { io, out, err } = capture();
    assert.equal(await main(['info'], io), 2);
    assert.deepEqual(out, []);
    assert.deepEqual(err, ["paraphe: info needs at least one PDF file (see 'paraphe info --help')\n"]);
  });
});
