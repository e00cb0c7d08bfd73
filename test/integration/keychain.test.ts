// native/keychain against a real gnome-keyring Secret Service on a private D-Bus session bus.
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { deleteSecret, findAccounts, getSecret, KeychainError, setKeychainTimeout, setSecret } from '../../native/keychain';
import type { PrivateKeyring } from '../fixtures/keyring';
import { filesUnder, startPrivateKeyring } from '../fixtures/keyring';
import { missingTools, run } from '../fixtures/pki';

const missing = missingTools('dbus-daemon', 'dbus-send', 'gnome-keyring-daemon');
const skip = missing.length > 0 ? `not installed: ${missing.join(', ')}` : false;
const root = fileURLToPath(new URL('../..', import.meta.url));

describe('native/keychain with a private gnome-keyring', { timeout: 60_000 }, () => {
  let keyring: PrivateKeyring | undefined;
  const service = 'Paraphe test';
  const secret = `s3cret-${process.pid}-Élodie-${Date.now().toString(36)}`;

  before(async () => {
    if (skip) return;
    keyring = await startPrivateKeyring();
    setKeychainTimeout(10_000);
  });
  after(async () => {
    await keyring?.stop();
  });

  it('round-trips a secret: set, get, find, delete', { skip }, async () => {
    await setSecret(service, 'elodie@paraphe.invalid', secret);
    await setSecret(service, 'admin@paraphe.invalid', 'another-secret');
    assert.equal(await getSecret(service, 'elodie@paraphe.invalid'), secret);
    assert.deepEqual(await findAccounts(service), ['admin@paraphe.invalid', 'elodie@paraphe.invalid']);
    assert.equal(await deleteSecret(service, 'admin@paraphe.invalid'), true);
    assert.deepEqual(await findAccounts(service), ['elodie@paraphe.invalid']);
    await setSecret(service, 'elodie@paraphe.invalid', `${secret}-v2`);
    assert.equal(await getSecret(service, 'elodie@paraphe.invalid'), `${secret}-v2`);
  });

  it('returns null and false for a secret that is not there', { skip }, async () => {
    assert.equal(await getSecret(service, 'nobody@paraphe.invalid'), null);
    assert.equal(await deleteSecret(service, 'nobody@paraphe.invalid'), false);
    assert.deepEqual(await findAccounts('Paraphe unknown service'), []);
  });

  it('never writes the secret in clear to any file under the temp HOME', { skip }, async () => {
    const home = (keyring as PrivateKeyring).home;
    const keyringBytes = (): number =>
      filesUnder(home).filter((f) => f.endsWith('.keyring')).reduce((sum, f) => sum + statSync(f).size, 0);
    const sizeBefore = keyringBytes();
    await setSecret(service, 'scan@paraphe.invalid', secret);
    const files = filesUnder(home);
    assert.ok(files.some((f) => f.endsWith('.keyring')), `gnome-keyring wrote no keyring file: ${files.join(', ')}`);
    assert.ok(keyringBytes() > sizeBefore, 'the new item is on disk (encrypted) when the files are scanned');
    const needles = [Buffer.from(secret, 'utf8'), Buffer.from(secret, 'utf16le')];
    for (const file of files) {
      const bytes = readFileSync(file);
      for (const needle of needles) assert.equal(bytes.indexOf(needle), -1, `${file} contains the secret in clear`);
    }
    assert.equal(await getSecret(service, 'scan@paraphe.invalid'), secret, 'the secret is stored, only encrypted');
    assert.equal(await deleteSecret(service, 'scan@paraphe.invalid'), true);
  });

  it('rejects an empty secret, service or account with a KeychainError', { skip }, async () => {
    await assert.rejects(setSecret(service, 'x', ''), KeychainError);
    await assert.rejects(getSecret('', 'x'), KeychainError);
    await assert.rejects(getSecret(service, ''), KeychainError);
  });

  it('says in words that the Secret Service is unavailable when there is no bus, without crashing on import', { skip }, async () => {
    // libsecret keeps its first bus connection for the life of a process: ask a fresh one.
    const script = `
      const { getSecret, KeychainError } = await import(${JSON.stringify(join(root, 'native/keychain/index.ts'))});
      try { await getSecret('Paraphe test', 'x'); console.log('NO ERROR'); }
      catch (e) { console.log(JSON.stringify({ isKeychainError: e instanceof KeychainError, code: e.code, message: e.message })); }
    `;
    const env: NodeJS.ProcessEnv = { ...(keyring as PrivateKeyring).env, DBUS_SESSION_BUS_ADDRESS: `unix:path=${join((keyring as PrivateKeyring).home, 'no-such-bus')}` };
    delete env.DISPLAY;
    const r = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env, cwd: root, timeoutMs: 30_000 });
    const result = JSON.parse(r.stdout.toString('utf8').trim().split('\n').pop() ?? '{}') as { isKeychainError?: boolean; code?: string; message?: string };
    assert.equal(result.isKeychainError, true, r.output);
    assert.equal(result.code, 'unavailable');
    assert.match(result.message ?? '', /^The system keychain \(Secret Service\) is not available: /);
  });
});
