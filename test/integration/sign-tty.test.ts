// On a terminal, `paraphe sign --p12 FILE` without --password-env asks for the password without
// echoing it. A real pseudo-terminal (Python's pty module) types it.
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PKCS12_PASSWORD, run } from '../fixtures/pki';
import type { TestPki } from '../fixtures/pki';
import type { TestPdfs } from '../fixtures/pdfs';
import { cli, createPkiAndPdfs } from '../fixtures/signing-bed';

const PTY_DRIVER = `
import os, pty, sys, time
args = sys.argv[1:]
password = os.environ['TYPED_PASSWORD']
pid, fd = pty.fork()
if pid == 0:
    os.execv(args[0], args)
seen = b''
deadline = time.time() + 60
typed = False
while time.time() < deadline:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
    if not typed and b'Password for' in seen:
        time.sleep(0.2)
        os.write(fd, password.encode() + b'\\r')
        typed = True
_, status = os.waitpid(pid, 0)
sys.stdout.write(seen.decode('utf-8', 'replace'))
sys.exit(os.waitstatus_to_exitcode(status))
`;

describe('paraphe sign on a terminal', { timeout: 90_000 }, () => {
  let dir: string;
  let pki: TestPki;
  let pdfs: TestPdfs;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'paraphe-tty-'));
    ({ pki, pdfs } = await createPkiAndPdfs(dir));
  });

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('asks for the password without echoing it, then signs', async () => {
    const out = join(dir, 'tty.pdf');
    const result = await run('/usr/bin/python3', ['-c', PTY_DRIVER, process.execPath, cli, 'sign', pdfs.simple, '-o', out, '--p12', pki.p12.signer], {
      env: { ...process.env, TYPED_PASSWORD: PKCS12_PASSWORD }, allowFailure: true, timeoutMs: 80_000,
    });
    const screen = result.stdout.toString('utf8');
    assert.equal(result.code, 0, screen + result.stderr.toString('utf8'));
    assert.match(screen, /Password for signer\.p12: /);
    assert.ok(!screen.includes(PKCS12_PASSWORD), 'the password is not echoed');
    assert.match(screen, /signed .* -> /);
    assert.ok((await stat(out)).size > 0);
  });

  it('without a terminal and without --password-env, says how to give the password', async () => {
    const out = join(dir, 'no-tty.pdf');
    const result = await run(process.execPath, [cli, 'sign', pdfs.simple, '-o', out, '--p12', pki.p12.signer], { allowFailure: true });
    assert.equal(result.code, 2);
    assert.match(result.stderr.toString('utf8'), /--password-env VAR/);
  });
});
