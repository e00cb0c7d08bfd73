// native/pkcs11 against real SoftHSM2 tokens provisioned for this run: module discovery and load
// failures, signing identities (pairing by CKA_ID and by public key, ignored objects), mechanisms,
// raw signing, the per-slot queue, hot-plug polling.
import assert from 'node:assert/strict';
import { constants, createHash, verify, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Pkcs11Module, SlotChange } from '../../native/pkcs11';
import { chooseMechanism, digestInfo, discoverModules, loadModules, Pkcs11Error, watchSlots } from '../../native/pkcs11';
import { missingTools } from '../fixtures/pki';
import type { SoftHsm, TestTokens, TokenBed } from '../fixtures/softhsm';
import { findSoftHsmModule, startTokenBed } from '../fixtures/softhsm';

const missing = missingTools('openssl', 'softhsm2-util', 'pkcs11-tool');
const moduleFound = await findSoftHsmModule();
const skip = missing.length > 0 ? `not installed: ${missing.join(', ')}` : moduleFound === undefined ? 'libsofthsm2.so not found' : false;

describe('discoverModules', () => {
  it('lists the usual SafeNet, IDPrime, OpenSC, YubiKey and SoftHSM paths for Linux, macOS and Windows', () => {
    const names = (platform: NodeJS.Platform): string[] => discoverModules([], { platform, env: {} }).map((c) => c.path);
    const linux = names('linux');
    for (const p of ['/usr/lib/libeTPkcs11.so', '/usr/lib/libIDPrimePKCS11.so', '/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so', '/usr/lib/x86_64-linux-gnu/libykcs11.so', '/usr/lib/softhsm/libsofthsm2.so']) {
      assert.ok(linux.includes(p), `linux: ${p}`);
    }
    const mac = names('darwin');
    for (const p of ['/usr/local/lib/libeTPkcs11.dylib', '/Library/OpenSC/lib/opensc-pkcs11.so', '/usr/local/lib/libykcs11.dylib']) assert.ok(mac.includes(p), `macOS: ${p}`);
    const windows = names('win32');
    for (const p of ['C:\\Windows\\System32\\eTPKCS11.dll', 'C:\\Program Files\\OpenSC Project\\OpenSC\\pkcs11\\opensc-pkcs11.dll', 'C:\\Program Files\\Yubico\\Yubico PIV Tool\\bin\\libykcs11.dll']) {
      assert.ok(windows.includes(p), `windows: ${p}`);
    }
    for (const list of [linux, mac, windows]) assert.ok(!list.some((p) => /p11-kit/.test(p)), 'the p11-kit proxy is not a candidate');
  });

  it('appends user paths with source "user" and says whether each exists', () => {
    const dir = mkdtempSync(join(tmpdir(), 'paraphe-discover-'));
    try {
      const present = join(dir, 'vendor.so');
      writeFileSync(present, 'x');
      const list = discoverModules([present, join(dir, 'absent.so')], { platform: process.platform });
      const user = list.filter((c) => c.source === 'user');
      assert.deepEqual(user.map((c) => [c.path, c.exists, c.name]), [
        [present, true, 'vendor.so'],
        [join(dir, 'absent.so'), false, 'absent.so'],
      ]);
      assert.ok(list.filter((c) => c.source === 'known').every((c) => typeof c.exists === 'boolean'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('chooseMechanism', () => {
  it('prefers the combined mechanism and falls back to the raw one over a digest or DigestInfo', () => {
    const all = ['CKM_RSA_PKCS', 'CKM_SHA256_RSA_PKCS', 'CKM_RSA_PKCS_PSS', 'CKM_SHA384_RSA_PKCS_PSS', 'CKM_ECDSA'];
    assert.deepEqual(chooseMechanism(all, { keyType: 'rsa', algorithm: 'rsa-pkcs1', hash: 'sha256' }), { mechanism: { name: 'CKM_SHA256_RSA_PKCS' }, input: 'data' });
    assert.deepEqual(chooseMechanism(all, { keyType: 'rsa', algorithm: 'rsa-pkcs1', hash: 'sha512' }), { mechanism: { name: 'CKM_RSA_PKCS' }, input: 'digestInfo' });
    assert.deepEqual(chooseMechanism(all, { keyType: 'rsa', algorithm: 'rsa-pss', hash: 'sha384' }), {
      mechanism: { name: 'CKM_SHA384_RSA_PKCS_PSS', pss: { hash: 'sha384', saltLength: 48 } },
      input: 'data',
    });
    assert.deepEqual(chooseMechanism(all, { keyType: 'rsa', algorithm: 'rsa-pss', hash: 'sha256' }).input, 'digest');
    assert.deepEqual(chooseMechanism(all, { keyType: 'ec', algorithm: 'ecdsa', hash: 'sha256' }), { mechanism: { name: 'CKM_ECDSA' }, input: 'digest' });
    assert.deepEqual(chooseMechanism([...all, 'CKM_ECDSA_SHA256'], { keyType: 'ec', algorithm: 'ecdsa', hash: 'sha256' }).input, 'data');
  });

  it('says mechanism-unsupported, naming what it looked for, when nothing fits', () => {
    assert.throws(
      () => chooseMechanism(['CKM_RSA_PKCS'], { keyType: 'ec', algorithm: 'ecdsa', hash: 'sha256' }),
      (e: unknown) => e instanceof Pkcs11Error && e.code === 'mechanism-unsupported' && /CKM_ECDSA_SHA256, CKM_ECDSA/.test(e.message),
    );
    assert.throws(
      () => chooseMechanism(['CKM_SHA256_RSA_PKCS', 'CKM_RSA_PKCS'], { keyType: 'rsa', algorithm: 'rsa-pkcs1', hash: 'sha256' }, ['CKM_SHA256_RSA_PKCS', 'CKM_RSA_PKCS']),
      (e: unknown) => e instanceof Pkcs11Error && e.code === 'mechanism-unsupported',
    );
  });

  it('builds the DER DigestInfo of RFC 8017', () => {
    const d = createHash('sha256').update('x').digest();
    assert.equal(digestInfo('sha256', d).toString('hex'), `3031300d060960864801650304020105000420${d.toString('hex')}`);
    assert.throws(() => digestInfo('sha384', d), TypeError);
  });
});

describe('native/pkcs11 identities, signing and slots with SoftHSM2', { timeout: 120_000 }, () => {
  let bed: TokenBed | undefined;
  let dir = '';
  let hsm: SoftHsm;
  let t: TestTokens;
  const m = (): Pkcs11Module => (bed as TokenBed).module;
  const slotOf = (label: string): Promise<string> => (bed as TokenBed).slotOf(label);

  before(async () => {
    if (skip) return;
    bed = await startTokenBed('paraphe-pkcs11-module-');
    ({ dir, hsm, tokens: t } = bed);
  });
  after(() => bed?.stop());

  it('loads the real SoftHSM module and reports a missing path and a non-library file with their reasons', { skip }, async () => {
    const fake = join(dir, 'not-a-library.so');
    writeFileSync(fake, 'this is text, not a shared library');
    const absent = join(dir, 'absent-pkcs11.so');
    const softhsm = (hsm as SoftHsm).modulePath;
    // Only these three: loading every module installed on the machine is not this test's business.
    const candidates = discoverModules([fake, absent, softhsm]).filter((c) => [fake, absent, softhsm].includes(c.path));
    const results = await loadModules(candidates);
    try {
      const by = (p: string): (typeof results)[number] | undefined => results.find((r) => r.candidate.path === p);
      assert.equal(results.length, 3);
      assert.ok(by(softhsm)?.module, 'SoftHSM loads');
      assert.equal(by(softhsm)?.module?.info().manufacturer, 'SoftHSM');
      assert.equal(by(fake)?.error?.code, 'module-load-failed');
      assert.match(by(fake)?.error?.message ?? '', /not-a-library\.so: .*(ELF|header|too short)/i);
      assert.equal(by(absent)?.error?.code, 'module-load-failed');
      assert.match(by(absent)?.error?.message ?? '', /does not exist/);
    } finally {
      for (const r of results) await r.module?.close();
    }
  });

  it('before login lists no identities: the private keys are hidden, and says so in the notes', { skip }, async () => {
    const listing = await m().listSigningIdentities(await slotOf('Paraphe A'));
    assert.equal(listing.loggedIn, false);
    assert.deepEqual(listing.identities, []);
    assert.ok(listing.ignored.some((i) => i.class === 'certificate' && /no private key visible before login/.test(i.reason)));
    // The code is what callers read: the same 'no-key' as after login (listing.loggedIn says which).
    assert.ok(listing.ignored.some((i) => i.class === 'certificate' && i.code === 'no-key'));
  });

  it('pairs certificates with keys by CKA_ID and, when the ids differ, by modulus or EC point', { skip }, async () => {
    const slot = await slotOf('Paraphe A');
    await m().login(slot, Buffer.from('1234'));
    const listing = await m().listSigningIdentities(slot);
    assert.equal(listing.loggedIn, true);
    const summary = listing.identities
      .map((i) => [i.key.id, i.certificateId, i.pairedBy, i.key.keyType, i.key.bits, i.key.alwaysAuthenticate])
      .sort((x, y) => String(x[0]).localeCompare(String(y[0])));
    assert.deepEqual(summary, [
      ['01', '01', 'id', 'rsa', 2048, false],
      ['03', '03', 'id', 'ec', 256, false],
      ['05', '05', 'id', 'rsa', 2048, true],
      ['07', '17', 'public-key', 'rsa', 2048, false],
      ['08', '18', 'public-key', 'ec', 256, false],
    ]);
    const byId = (id: string): Buffer | undefined => listing.identities.find((i) => i.key.id === id)?.certificate;
    assert.deepEqual(byId('01'), t.rsa2048.certDer);
    assert.deepEqual(byId('07'), t.rsaByPublicKey.certDer);
    assert.deepEqual(byId('08'), t.ecByPublicKey.certDer);
  });

  it('ignores the key without certificate and the certificate without key, each with a reason', { skip }, async () => {
    const listing = await m().listSigningIdentities(await slotOf('Paraphe A'));
    const ignored = listing.ignored.map((i) => [i.class, i.id, i.reason]);
    assert.deepEqual(ignored, [
      ['privateKey', '04', 'The key "Key without certificate" has no certificate on the token (no certificate with its CKA_ID or its public key).'],
      ['certificate', '06', 'The certificate "Certificate without key" has no private key on the token.'],
    ]);
    assert.deepEqual(listing.ignored.map((i) => i.code), ['no-certificate', 'no-key']);
  });

  it('returns the CA certificates (and the keyless one) as material for chains', { skip }, async () => {
    const listing = await m().listSigningIdentities(await slotOf('Paraphe A'));
    const others = listing.otherCertificates.map((d) => new X509Certificate(d).subject.split('\n').pop());
    assert.deepEqual(others.sort(), ['CN=Paraphe Test Issuing CA', 'CN=Paraphe Test Root CA', 'CN=Révoqué Signataire'].sort());
  });

  it('lists the signing mechanisms SoftHSM 2.6 offers: combined RSA ones, CKM_ECDSA but no CKM_ECDSA_SHA256', { skip }, async () => {
    const mechs = await m().mechanisms(await slotOf('Paraphe A'));
    for (const name of ['CKM_RSA_PKCS', 'CKM_SHA256_RSA_PKCS', 'CKM_SHA512_RSA_PKCS', 'CKM_RSA_PKCS_PSS', 'CKM_SHA384_RSA_PKCS_PSS', 'CKM_ECDSA'] as const) {
      assert.ok(mechs.includes(name), name);
    }
    assert.ok(!mechs.includes('CKM_ECDSA_SHA256'));
  });

  it('signs a DigestInfo with CKM_RSA_PKCS and a digest with CKM_RSA_PKCS_PSS; node:crypto verifies both', { skip }, async () => {
    const slot = await slotOf('Paraphe A');
    const data = Buffer.from('signed attributes');
    const digest = createHash('sha256').update(data).digest();
    const key = new X509Certificate(t.rsa2048.certDer).publicKey;
    const pkcs1 = await m().sign(slot, { id: '01' }, { name: 'CKM_RSA_PKCS' }, digestInfo('sha256', digest));
    assert.equal(pkcs1.length, 256);
    assert.ok(verify('sha256', data, { key, padding: constants.RSA_PKCS1_PADDING }, pkcs1));
    const pss = await m().sign(slot, { id: '01' }, { name: 'CKM_RSA_PKCS_PSS', pss: { hash: 'sha256', saltLength: 32 } }, digest);
    assert.ok(verify('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, pss));
    assert.ok(!verify('sha256', Buffer.from('other'), { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, pss));
  });

  it('signs a digest with CKM_ECDSA as raw r||s (64 bytes for P-256); node:crypto verifies it as IEEE P1363', { skip }, async () => {
    const slot = await slotOf('Paraphe A');
    const data = Buffer.from('signed attributes');
    const raw = await m().sign(slot, { id: '03' }, { name: 'CKM_ECDSA' }, createHash('sha256').update(data).digest());
    assert.equal(raw.length, 64);
    assert.ok(verify('sha256', data, { key: new X509Certificate(t.p256.certDer).publicKey, dsaEncoding: 'ieee-p1363' }, raw));
  });

  it('says CKR_MECHANISM_INVALID, in words, for a mechanism the token does not have', { skip }, async () => {
    await assert.rejects(m().sign(await slotOf('Paraphe A'), { id: '03' }, { name: 'CKM_ECDSA_SHA256' }, Buffer.from('x')), (e: unknown) => {
      return e instanceof Pkcs11Error && e.code === 'CKR_MECHANISM_INVALID' && e.message === 'The token does not support this signature mechanism.';
    });
  });

  it('says key-not-found for an id no private key has', { skip }, async () => {
    await assert.rejects(m().sign(await slotOf('Paraphe A'), { id: '7777' }, { name: 'CKM_RSA_PKCS' }, Buffer.alloc(51)), (e: unknown) => {
      return e instanceof Pkcs11Error && e.code === 'key-not-found' && /7777/.test(e.message);
    });
  });

  it('logs in for the context (CKU_CONTEXT_SPECIFIC) on a CKA_ALWAYS_AUTHENTICATE key, and zeroes that PIN', { skip }, async () => {
    const slot = await slotOf('Paraphe A');
    const before = m().stats();
    const pins: Buffer[] = [];
    const sig = await m().sign(slot, { id: '05' }, { name: 'CKM_SHA256_RSA_PKCS' }, Buffer.from('data'), {
      contextPin: async (prompt) => {
        assert.equal(prompt.pinPad, false);
        const pin = Buffer.from('1234');
        pins.push(pin);
        return pin;
      },
    });
    assert.ok(verify('sha256', Buffer.from('data'), new X509Certificate(t.alwaysAuth.certDer).publicKey, sig));
    assert.equal(m().stats().contextLogins - before.contextLogins, 1);
    assert.ok(pins[0]?.every((b) => b === 0));
    // Without a PIN source the token refuses, and the failed operation does not block the session.
    await assert.rejects(m().sign(slot, { id: '05' }, { name: 'CKM_SHA256_RSA_PKCS' }, Buffer.from('data')), (e: unknown) => e instanceof Pkcs11Error && e.code === 'CKR_USER_NOT_LOGGED_IN');
    await assert.rejects(
      m().sign(slot, { id: '05' }, { name: 'CKM_SHA256_RSA_PKCS' }, Buffer.from('data'), { contextPin: async () => null }),
      (e: unknown) => e instanceof Pkcs11Error && e.code === 'pin-cancelled',
    );
    await m().sign(slot, { id: '01' }, { name: 'CKM_SHA256_RSA_PKCS' }, Buffer.from('after'));
  });

  it('runs calls to one slot one at a time, even across the await of a context-specific PIN', { skip }, async () => {
    const slot = await slotOf('Paraphe A');
    const slowPin = async (): Promise<Buffer> => {
      await new Promise((r) => setTimeout(r, 50));
      return Buffer.from('1234');
    };
    // Without the queue, the other signatures' C_SignInit would meet CKR_OPERATION_ACTIVE while
    // the always-authenticate signature waits for its PIN.
    const jobs = [
      m().sign(slot, { id: '05' }, { name: 'CKM_SHA256_RSA_PKCS' }, Buffer.from('slow'), { contextPin: slowPin }),
      ...Array.from({ length: 10 }, (_, i) => m().sign(slot, { id: '01' }, { name: 'CKM_SHA256_RSA_PKCS' }, Buffer.from(`job ${i}`))),
    ];
    const signatures = await Promise.all(jobs);
    assert.equal(signatures.length, 11);
    const signerKey = new X509Certificate(t.rsa2048.certDer).publicKey;
    signatures.slice(1).forEach((s, i) => assert.ok(verify('sha256', Buffer.from(`job ${i}`), signerKey, s)));
  });

  it('reports the tokens present, then a token initialised in this process (C_InitToken), then stops', { skip }, async () => {
    const changes: SlotChange[] = [];
    const stop = watchSlots(m(), (c) => changes.push(c), 20);
    const waitFor = async (n: number): Promise<void> => {
      for (let i = 0; i < 200 && changes.length < n; i++) await new Promise((r) => setTimeout(r, 10));
    };
    try {
      await waitFor(1);
      assert.equal(changes[0]?.initial, true);
      assert.deepEqual(changes[0]?.inserted.map((x) => x.label).sort(), ['', 'Paraphe A', 'Paraphe B']);
      const blank = changes[0]?.inserted.find((x) => x.label === '');
      assert.ok(blank, 'SoftHSM offers a blank token');
      // softhsm2-util in another process would not show: SoftHSM reads its token directory only
      // at C_Initialize. Initialising the blank token through this module does.
      await m().initToken(blank.slotId, Buffer.from('11112222'), 'Hot-plugged');
      await waitFor(2);
      const change = changes[1];
      assert.equal(change?.initial, false);
      assert.deepEqual(change?.removed.map((x) => [x.slotId, x.label]), [[blank.slotId, '']]);
      assert.deepEqual(change?.inserted.map((x) => x.label).sort(), ['', 'Hot-plugged'], 'the new token, and the next blank one SoftHSM adds');
      assert.match(change?.inserted.find((x) => x.label === 'Hot-plugged')?.serial ?? '', /^[0-9a-f]{16}$/);
    } finally {
      stop();
    }
    const count = changes.length;
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(changes.length, count, 'no report after stop()');
  });

  it('says slot-not-found for a slot that does not exist (what a removed reader looks like)', { skip }, async () => {
    await assert.rejects(m().token('deadbeef'), (e: unknown) => e instanceof Pkcs11Error && e.code === 'slot-not-found');
  });
});
