// native/pkcs11 against real SoftHSM2 tokens provisioned for this run: slots and token flags,
// objects by id (certificate without login, private key after), PIN errors, load failures.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Pkcs11Module, SlotInfo } from '../../native/pkcs11';
import { loadModule, Pkcs11Error } from '../../native/pkcs11';
import type { TestPki } from '../fixtures/pki';
import { createTestPki, freePort, missingTools } from '../fixtures/pki';
import type { SoftHsm, SoftHsmToken } from '../fixtures/softhsm';
import { createSoftHsm, findSoftHsmModule } from '../fixtures/softhsm';

const missing = missingTools('openssl', 'softhsm2-util', 'pkcs11-tool');
const moduleFound = await findSoftHsmModule();
const skip = missing.length > 0 ? `not installed: ${missing.join(', ')}` : moduleFound === undefined ? 'libsofthsm2.so not found' : false;

describe('native/pkcs11 with SoftHSM2 tokens', { timeout: 60_000 }, () => {
  let dir = '';
  let pki: TestPki;
  let hsm: SoftHsm | undefined;
  let signerToken: SoftHsmToken;
  let spareToken: SoftHsmToken;
  let generatedPublicKey: Buffer;
  let mod: Pkcs11Module | undefined;

  before(async () => {
    if (skip) return;
    dir = mkdtempSync(join(tmpdir(), 'paraphe-softhsm-test-'));
    pki = await createTestPki(dir, { ocspPort: await freePort(), httpPort: await freePort() });
    hsm = await createSoftHsm();
    signerToken = await hsm.initToken({ label: 'Paraphe Signer', pin: '1234', soPin: '12345678' });
    spareToken = await hsm.initToken({ label: 'Paraphe Spare', pin: '987654', soPin: '87654321' });
    await hsm.importKeyAndCert(signerToken, { keyPem: pki.signer.keyPem, certPem: pki.signer.certPem, id: '01', label: 'Élodie Signataire' });
    generatedPublicKey = await hsm.generateKey(spareToken, { type: 'EC:prime256v1', id: '02', label: 'generated P-256' });
    // SoftHSM reads its tokens at C_Initialize: load the module after provisioning.
    mod = await loadModule(hsm.modulePath);
  });
  after(async () => {
    await mod?.close();
    await hsm?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const slotOf = async (label: string): Promise<SlotInfo> => {
    const slot = (await (mod as Pkcs11Module).slots()).find((s) => s.token?.label === label);
    assert.ok(slot, `no slot with token ${label}`);
    return slot;
  };

  it('describes the module', { skip }, () => {
    const info = (mod as Pkcs11Module).info();
    assert.equal(info.manufacturer, 'SoftHSM');
    assert.match(info.cryptokiVersion, /^2\.\d+$/);
  });

  it('lists both tokens by label, with the slot ids SoftHSM assigned and their flags', { skip }, async () => {
    const slots = await (mod as Pkcs11Module).slots();
    const labels = slots.filter((s) => s.tokenPresent && s.token?.flags.tokenInitialized).map((s) => s.token?.label);
    assert.deepEqual(labels.sort(), ['Paraphe Signer', 'Paraphe Spare']);
    for (const token of [signerToken, spareToken]) {
      const slot = await slotOf(token.label);
      assert.equal(slot.id, token.slotId.toString(16));
      assert.equal(slot.token?.serial, token.serial);
      assert.equal(slot.token?.model, 'SoftHSM v2');
      assert.deepEqual(slot.token?.flags, {
        loginRequired: true,
        protectedAuthPath: false,
        userPinInitialized: true,
        userPinCountLow: false,
        userPinFinalTry: false,
        userPinLocked: false,
        tokenInitialized: true,
        writeProtected: false,
      });
    }
    // SoftHSM always offers one more, uninitialised token.
    assert.ok(slots.some((s) => s.tokenPresent && s.token?.flags.tokenInitialized === false));
  });

  it('finds the signer certificate by id without login, with its DER value', { skip }, async () => {
    const slot = await slotOf('Paraphe Signer');
    const certs = await (mod as Pkcs11Module).findObjects(slot.id, { class: 'certificate', id: '01' });
    assert.equal(certs.length, 1);
    assert.equal(certs[0]?.label, 'Élodie Signataire');
    assert.equal(certs[0]?.id, '01');
    assert.deepEqual(certs[0]?.value, readFileSync(pki.signer.certDer));
    assert.deepEqual(await (mod as Pkcs11Module).findObjects(slot.id, { class: 'certificate', id: '02' }), []);
  });

  it('hides the private key until login, then finds it by id; the PIN buffer is zeroed', { skip }, async () => {
    const m = mod as Pkcs11Module;
    const slot = await slotOf('Paraphe Signer');
    assert.deepEqual(await m.findObjects(slot.id, { class: 'privateKey' }), []);
    const pin = Buffer.from('1234');
    await m.login(slot.id, pin);
    assert.deepEqual([...pin], [0, 0, 0, 0]);
    const keys = await m.findObjects(slot.id, { class: 'privateKey', id: '01' });
    assert.deepEqual(keys.map((k) => [k.class, k.id, k.label]), [['privateKey', '01', 'Élodie Signataire']]);
    assert.equal(keys[0]?.value, undefined);
    await m.logout(slot.id);
    assert.deepEqual(await m.findObjects(slot.id, { class: 'privateKey' }), []);
  });

  // SoftHSM 2.6 sets CKF_USER_PIN_COUNT_LOW after every wrong PIN (and clears it on success),
  // although it never locks the PIN: the error reports what the token flags say after the failure.
  it('raises Pkcs11Error CKR_PIN_INCORRECT for a wrong PIN, with the tries-left flag re-read, and zeroes that PIN too', { skip }, async () => {
    const slot = await slotOf('Paraphe Spare');
    const pin = Buffer.from('000000');
    await assert.rejects((mod as Pkcs11Module).login(slot.id, pin), (e: unknown) => {
      assert.ok(e instanceof Pkcs11Error);
      assert.equal(e.code, 'CKR_PIN_INCORRECT');
      assert.equal(e.triesLeft, 'low');
      assert.equal(e.message, 'The PIN is incorrect. Only a few tries are left before the token locks.');
      assert.doesNotMatch(e.message, /000000/);
      return true;
    });
    assert.ok(pin.every((b) => b === 0));
    assert.equal((await (mod as Pkcs11Module).token(slot.id)).flags.userPinCountLow, true);
    await (mod as Pkcs11Module).login(slot.id, Buffer.from('987654'));
    assert.equal((await (mod as Pkcs11Module).token(slot.id)).flags.userPinCountLow, false, 'a good PIN clears the flag');
    await (mod as Pkcs11Module).logout(slot.id);
  });

  it('rejects a wrong PIN even when the token is already logged in', { skip }, async () => {
    const m = mod as Pkcs11Module;
    const slot = await slotOf('Paraphe Signer');
    await m.login(slot.id, Buffer.from('1234'));
    await assert.rejects(m.login(slot.id, Buffer.from('4321')), (e: unknown) => e instanceof Pkcs11Error && e.code === 'CKR_PIN_INCORRECT');
    await m.logout(slot.id);
  });

  it('finds the key pair generated on the second token after login', { skip }, async () => {
    const m = mod as Pkcs11Module;
    const slot = await slotOf('Paraphe Spare');
    await m.login(slot.id, Buffer.from('987654'));
    const priv = await m.findObjects(slot.id, { class: 'privateKey', id: '02' });
    const pub = await m.findObjects(slot.id, { class: 'publicKey', id: '02' });
    assert.deepEqual(priv.map((o) => o.label), ['generated P-256']);
    assert.deepEqual(pub.map((o) => o.label), ['generated P-256']);
    assert.equal(generatedPublicKey[0], 0x30, 'pkcs11-tool returned the public key as DER');
    await m.logout(slot.id);
  });

  it('says slot-not-found for a slot id the module does not have', { skip }, async () => {
    await assert.rejects((mod as Pkcs11Module).findObjects('deadbeef', { class: 'certificate' }), (e: unknown) => {
      return e instanceof Pkcs11Error && e.code === 'slot-not-found' && /deadbeef/.test(e.message);
    });
  });

  it('says module-load-failed, and why, for a missing file and for a file that is no library', { skip }, async () => {
    await assert.rejects(loadModule(join(dir, 'nope.so')), (e: unknown) => {
      return e instanceof Pkcs11Error && e.code === 'module-load-failed' && /does not exist/.test(e.message);
    });
    const fake = join(dir, 'fake.so');
    writeFileSync(fake, 'not a shared library');
    await assert.rejects(loadModule(fake), (e: unknown) => {
      return e instanceof Pkcs11Error && e.code === 'module-load-failed' && e.message.includes(fake) && /ELF|header|too short/i.test(e.message);
    });
  });
});
