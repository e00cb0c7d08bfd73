// `paraphe sign --self-signed`: the personal digital ID created by the app (its key in the OS
// keychain, here a private gnome-keyring) signs from the command line too.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { missingTools, run } from '../fixtures/pki';
import { startPrivateKeyring } from '../fixtures/keyring';
import type { PrivateKeyring } from '../fixtures/keyring';
import { makeTestPdfs, qpdfCheck } from '../fixtures/pdfs';
import type { TestPdfs } from '../fixtures/pdfs';
import { requireCliBundle, cli } from '../fixtures/signing-bed';
import { PersonalIdStore } from '../../main/signers';
import { keychainPort } from '../../main/services/paths';

const missing = missingTools('gnome-keyring-daemon', 'dbus-daemon', 'pdfsig', 'qpdf', 'gs');
const skip = missing.length > 0 ? `missing ${missing.join(', ')}` : false;
if (skip) console.log(`SKIPPED paraphe sign --self-signed: ${skip}`);

describe('paraphe sign --self-signed', { timeout: 120_000 }, () => {
  let dir: string;
  let keyring: PrivateKeyring | undefined;
  let pdfs: TestPdfs;
  let dataDir: string;

  before(async () => {
    if (skip) return;
    dir = await mkdtemp(join(tmpdir(), 'paraphe-self-'));
    keyring = await startPrivateKeyring();
    await mkdir(join(dir, 'pdfs'));
    requireCliBundle();
    pdfs = await makeTestPdfs(join(dir, 'pdfs'));
    dataDir = join(dir, 'user-data');
    const store = new PersonalIdStore({ dir: dataDir, keychain: keychainPort() });
    await store.create({ name: 'Zoé Personnelle', email: 'zoe@example.org', keyType: 'p256' });
  });

  after(async () => {
    await keyring?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const cliEnv = (userData: string) => ({ ...(keyring?.env ?? process.env), PARAPHE_USER_DATA_DIR: userData });

  it('signs with the personal ID kept in the keychain', { skip }, async () => {
    const out = join(dir, 'self.pdf');
    const result = await run(process.execPath, [cli, 'sign', pdfs.simple, '-o', out, '--self-signed', '--json'], { env: cliEnv(dataDir), allowFailure: true, timeoutMs: 60_000 });
    assert.equal(result.code, 0, result.output);
    assert.equal((JSON.parse(result.stdout.toString('utf8')) as { ok: boolean }).ok, true);
    await qpdfCheck(out);
    const report = await run('pdfsig', ['-nocert', out], { allowFailure: true });
    assert.match(report.output, /Signer Certificate Common Name: Zoé Personnelle/);
    assert.match(report.output, /Signature Validation: Signature is Valid\./);
    const files = await readFile(out);
    assert.ok(files.length > 0);
  });

  it('says how to create a personal ID when there is none', { skip }, async () => {
    const out = join(dir, 'none.pdf');
    const result = await run(process.execPath, [cli, 'sign', pdfs.simple, '-o', out, '--self-signed'], { env: cliEnv(join(dir, 'empty-user-data')), allowFailure: true, timeoutMs: 60_000 });
    assert.equal(result.code, 1);
    assert.match(result.stderr.toString('utf8'), /no personal digital ID yet/);
    await assert.rejects(readFile(out));
  });
});
