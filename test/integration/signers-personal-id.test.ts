// The personal digital ID with the REAL native/keychain (keytar) over a private gnome-keyring
// Secret Service: create, sign, delete; the private key is in no file under the temp HOME.
import assert from 'node:assert/strict';
import { createHash, verify, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { deleteSecret, findAccounts, getSecret, setKeychainTimeout, setSecret } from '../../native/keychain';
import { PERSONAL_ID_SERVICE, PersonalIdStore } from '../../main/signers';
import type { PersonalIdInfo } from '../../main/signers';
import type { PrivateKeyring } from '../fixtures/keyring';
import { filesUnder, startPrivateKeyring } from '../fixtures/keyring';
import { missingTools, run } from '../fixtures/pki';

const missing = missingTools('dbus-daemon', 'dbus-send', 'gnome-keyring-daemon');
const skip = missing.length > 0 ? `not installed: ${missing.join(', ')}` : false;
const root = fileURLToPath(new URL('../..', import.meta.url));

describe('PersonalIdStore with the system keychain (private gnome-keyring)', { timeout: 90_000 }, () => {
  let keyring: PrivateKeyring | undefined;
  let store: PersonalIdStore;
  let appData = '';
  const created: PersonalIdInfo[] = [];
  /** The secrets as the keychain holds them, read while they exist (for the file scan). */
  const secrets: string[] = [];

  before(async () => {
    if (skip) return;
    keyring = await startPrivateKeyring();
    setKeychainTimeout(10_000);
    appData = join(keyring.home, '.config', 'Paraphe');
    store = new PersonalIdStore({ dir: appData, keychain: { get: getSecret, set: setSecret, delete: deleteSecret } });
  });
  after(async () => {
    await keyring?.stop();
  });

  it('creates an RSA-3072 and a P-256 ID whose keys are in the keychain under their fingerprints', { skip }, async () => {
    created.push(await store.create({ name: 'Élodie Signataire', email: 'elodie@paraphe.invalid', keyType: 'rsa-3072' }));
    created.push(await store.create({ name: 'Zoë Courbe', email: 'zoe@paraphe.invalid', keyType: 'p256' }));
    assert.deepEqual(await findAccounts(PERSONAL_ID_SERVICE), created.map((c) => c.id).sort());
    for (const c of created) {
      const secret = await getSecret(PERSONAL_ID_SERVICE, c.id);
      assert.ok(secret && secret.length > 100, 'a PKCS#8 key is stored');
      secrets.push(secret);
    }
    assert.deepEqual((await store.list()).map((i) => i.id), created.map((c) => c.id));
  });

  it('signs with each ID, the key read back from the keychain', { skip }, async () => {
    const data = new TextEncoder().encode('signed attributes');
    for (const c of created) {
      const signer = await store.signer(c.id);
      const algorithm = signer.keyType === 'rsa' ? 'rsa-pkcs1' : 'ecdsa';
      const signature = await signer.sign({ data, digest: createHash('sha256').update(data).digest(), hash: 'sha256', algorithm });
      const key = new X509Certificate(c.certificate).publicKey;
      assert.ok(verify('sha256', data, algorithm === 'ecdsa' ? { key, dsaEncoding: 'der' } : key, signature), `${c.keyType} signature verifies`);
      await signer.close();
    }
  });

  it('writes no private key to any file under the temp HOME (only the encrypted keyring)', { skip }, async () => {
    const home = (keyring as PrivateKeyring).home;
    const files = filesUnder(home);
    assert.ok(files.some((f) => f.endsWith('.keyring')), 'gnome-keyring has written its (encrypted) keyring');
    assert.ok(files.some((f) => f.startsWith(appData)), 'the certificates are in the app data folder');
    const needles = secrets.flatMap((secret) => {
      const pkcs8 = Buffer.from(secret, 'base64');
      return [pkcs8, pkcs8.subarray(pkcs8.length - 48), Buffer.from(secret, 'utf8'), Buffer.from(secret.slice(0, 200), 'utf16le')];
    });
    needles.push(Buffer.from('PRIVATE KEY'));
    for (const file of files) {
      const bytes = readFileSync(file);
      for (const needle of needles) assert.equal(bytes.indexOf(needle), -1, `${file} holds private key bytes`);
    }
  });

  it('deletes the IDs: the keychain no longer has their keys', { skip }, async () => {
    for (const c of created) await store.delete(c.id);
    assert.deepEqual(await findAccounts(PERSONAL_ID_SERVICE), []);
    assert.deepEqual(await store.list(), []);
    for (const c of created) assert.equal(await getSecret(PERSONAL_ID_SERVICE, c.id), null);
  });

  it('refuses to create an ID when there is no Secret Service, and writes no file', { skip }, async () => {
    // libsecret keeps its first bus connection for the life of a process: ask a fresh one.
    const dir = join((keyring as PrivateKeyring).home, 'no-bus-app-data');
    const script = `
      const { PersonalIdStore } = await import(${JSON.stringify(join(root, 'main/signers/index.ts'))});
      const k = await import(${JSON.stringify(join(root, 'native/keychain/index.ts'))});
      k.setKeychainTimeout(10000);
      const store = new PersonalIdStore({ dir: ${JSON.stringify(dir)}, keychain: { get: k.getSecret, set: k.setSecret, delete: k.deleteSecret } });
      try { await store.create({ name: 'Nobody', email: 'nobody@paraphe.invalid', keyType: 'p256' }); console.log('{"created":true}'); }
      catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }
    `;
    const env: NodeJS.ProcessEnv = { ...(keyring as PrivateKeyring).env, DBUS_SESSION_BUS_ADDRESS: `unix:path=${join((keyring as PrivateKeyring).home, 'no-such-bus')}` };
    delete env.DISPLAY;
    const r = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env, cwd: root, timeoutMs: 30_000 });
    const result = JSON.parse(r.stdout.toString('utf8').trim().split('\n').pop() ?? '{}') as { code?: string; message?: string };
    assert.equal(result.code, 'keychain-unavailable', r.output);
    assert.match(result.message ?? '', /^The system keychain is not available, so the personal digital ID cannot be created/);
    let files: string[] = [];
    try {
      files = filesUnder(dir);
    } catch {
      // the folder was never made
    }
    assert.deepEqual(files, []);
  });
});
