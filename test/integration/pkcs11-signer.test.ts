// main/signers' PKCS#11 Signer against real SoftHSM2 tokens provisioned for this run: RSA-2048,
// RSA-3072 and P-256 identities issued by the test CA, PKCS#1 v1.5 / PSS / ECDSA signatures
// verified with node:crypto, the combined-mechanism fallbacks, one login per batch, context-specific
// logins, PIN errors.
import assert from 'node:assert/strict';
import { constants, createHash, verify, X509Certificate } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Pkcs11Module } from '../../native/pkcs11';
import { Pkcs11Error } from '../../native/pkcs11';
import type { HashAlgorithm, PinRequest, Pkcs11Authorization, SignatureAlgorithm, SignRequest } from '../../main/signers';
import { ecdsaRawToDer, isSignerError, listPkcs11Identities, openPkcs11Signer, pkcs11SignerError } from '../../main/signers';
import { missingTools } from '../fixtures/pki';
import type { SoftHsm, TestTokens, TokenBed } from '../fixtures/softhsm';
import { findSoftHsmModule, startTokenBed } from '../fixtures/softhsm';

const missing = missingTools('openssl', 'softhsm2-util', 'pkcs11-tool');
const moduleFound = await findSoftHsmModule();
const skip = missing.length > 0 ? `not installed: ${missing.join(', ')}` : moduleFound === undefined ? 'libsofthsm2.so not found' : false;

/** Answers PIN prompts from a list (then the last one again), and remembers what it was asked. */
function pins(...answers: (string | null)[]): Pkcs11Authorization & { asked: PinRequest[]; given: Buffer[] } {
  const asked: PinRequest[] = [];
  const given: Buffer[] = [];
  return {
    asked,
    given,
    async getPin(request) {
      asked.push(request);
      const answer = answers[Math.min(asked.length - 1, answers.length - 1)];
      if (answer === null || answer === undefined) return null;
      const pin = Buffer.from(answer);
      given.push(pin);
      return pin;
    },
  };
}

function request(data: string, hash: HashAlgorithm, algorithm: SignatureAlgorithm): SignRequest {
  const bytes = Buffer.from(data);
  return { data: bytes, digest: createHash(hash).update(bytes).digest(), hash, algorithm };
}

function verifies(certDer: Buffer | Uint8Array, req: SignRequest, signature: Uint8Array): boolean {
  const key = new X509Certificate(certDer).publicKey;
  const padding = req.algorithm === 'rsa-pss' ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: req.digest.length } : {};
  return verify(req.hash, req.data, { key, ...padding, ...(req.algorithm === 'ecdsa' ? { dsaEncoding: 'der' as const } : {}) }, signature);
}

describe('openPkcs11Signer with SoftHSM2 tokens', { timeout: 120_000 }, () => {
  let bed: TokenBed | undefined;
  let hsm: SoftHsm;
  let t: TestTokens;
  const m = (): Pkcs11Module => (bed as TokenBed).module;
  const slotOf = (label: string): Promise<string> => (bed as TokenBed).slotOf(label);
  /** Lists with a login, opens the identity of key `id`, then logs out so each test starts logged out. */
  const open = async (token: string, pin: string, id: string, extra: { avoidMechanisms?: Parameters<typeof openPkcs11Signer>[0]['avoidMechanisms'] } = {}) => {
    const slotId = await slotOf(token);
    const listing = await listPkcs11Identities(m(), slotId, pins(pin));
    const identity = listing.identities.find((i) => i.key.id === id);
    assert.ok(identity, `identity ${id} on ${token}`);
    await m().logout(slotId);
    const authorize = pins(pin);
    const signer = await openPkcs11Signer({ module: m(), slotId, identity, authorize, ...extra });
    return { signer, authorize, slotId };
  };

  before(async () => {
    if (skip) return;
    bed = await startTokenBed('paraphe-pkcs11-signer-');
    ({ hsm, tokens: t } = bed);
  });
  after(() => bed?.stop());

  it('describes an RSA-2048 identity: certificate, chain issuer first from the token, key size, algorithms', { skip }, async () => {
    const { signer } = await open('Paraphe A', '1234', '01');
    assert.equal(signer.label, 'Élodie Signataire (Paraphe A)');
    assert.deepEqual(Buffer.from(signer.certificate), t.rsa2048.certDer);
    assert.deepEqual(signer.chain.map((c) => Buffer.from(c)), [t.caDers.intermediate, t.caDers.root]);
    assert.equal(signer.keyType, 'rsa');
    assert.equal(signer.keyBits, 2048);
    assert.deepEqual(signer.algorithms, ['rsa-pkcs1', 'rsa-pss']);
    await signer.close();
  });

  it('makes RSA-2048 PKCS#1 v1.5 and PSS signatures with SHA-256/384/512 that node:crypto verifies against the certificate', { skip }, async () => {
    const { signer, authorize } = await open('Paraphe A', '1234', '01');
    for (const algorithm of ['rsa-pkcs1', 'rsa-pss'] as const) {
      for (const hash of ['sha256', 'sha384', 'sha512'] as const) {
        const req = request(`${algorithm} ${hash}`, hash, algorithm);
        const signature = await signer.sign(req);
        assert.ok(verifies(t.rsa2048.certDer, req, signature), `${algorithm} ${hash}`);
        assert.ok(!verifies(t.rsa2048.certDer, request('tampered', hash, algorithm), signature));
      }
    }
    assert.deepEqual(authorize.asked, [{ reason: 'login', pinPad: false, token: 'Paraphe A' }], 'one PIN prompt for six signatures');
    assert.ok(authorize.given.every((pin) => pin.every((b) => b === 0)), 'the PIN buffer is zeroed');
    await signer.close();
  });

  it('hashes in software for the same signatures when the combined mechanisms are avoided (CKM_RSA_PKCS + DigestInfo, CKM_RSA_PKCS_PSS)', { skip }, async () => {
    const { signer } = await open('Paraphe A', '1234', '01', {
      avoidMechanisms: ['CKM_SHA256_RSA_PKCS', 'CKM_SHA384_RSA_PKCS', 'CKM_SHA512_RSA_PKCS', 'CKM_SHA256_RSA_PKCS_PSS', 'CKM_SHA384_RSA_PKCS_PSS', 'CKM_SHA512_RSA_PKCS_PSS'],
    });
    assert.deepEqual(signer.mechanisms.filter((x) => x.startsWith('CKM_SHA')), []);
    for (const algorithm of ['rsa-pkcs1', 'rsa-pss'] as const) {
      for (const hash of ['sha256', 'sha512'] as const) {
        const req = request(`raw ${algorithm} ${hash}`, hash, algorithm);
        assert.ok(verifies(t.rsa2048.certDer, req, await signer.sign(req)), `${algorithm} ${hash}`);
      }
    }
    await signer.close();
  });

  it('makes P-256 ECDSA signatures (CKM_ECDSA over a software hash, SoftHSM has no CKM_ECDSA_SHA256) as DER Ecdsa-Sig-Value', { skip }, async () => {
    const { signer } = await open('Paraphe A', '1234', '03');
    assert.equal(signer.keyType, 'ec');
    assert.equal(signer.keyBits, 256);
    assert.deepEqual(signer.algorithms, ['ecdsa']);
    for (const hash of ['sha256', 'sha384'] as const) {
      const req = request(`ecdsa ${hash}`, hash, 'ecdsa');
      const signature = await signer.sign(req);
      assert.equal(signature[0], 0x30, 'a DER SEQUENCE');
      assert.ok(verifies(t.p256.certDer, req, signature), hash);
    }
    await assert.rejects(signer.sign(request('x', 'sha256', 'rsa-pkcs1')), (e: unknown) => isSignerError(e, 'unsupported-algorithm'));
    await signer.close();
  });

  it('signs with the RSA-3072 identity of the second token, which has its own PIN', { skip }, async () => {
    const { signer, authorize } = await open('Paraphe B', '5678', '02');
    assert.equal(signer.keyBits, 3072);
    assert.deepEqual(signer.chain.map((c) => Buffer.from(c)), [t.caDers.intermediate, t.caDers.root]);
    const req = request('three thousand and seventy-two', 'sha256', 'rsa-pss');
    const signature = await signer.sign(req);
    assert.equal(signature.length, 384);
    assert.ok(verifies(t.rsa3072.certDer, req, signature));
    assert.equal(authorize.asked[0]?.token, 'Paraphe B');
    await signer.close();
  });

  it('signs a batch of 50 under exactly one C_Login', { skip }, async () => {
    const { signer, authorize } = await open('Paraphe A', '1234', '01');
    const requests = Array.from({ length: 50 }, (_, i) => request(`document ${i}`, 'sha256', 'rsa-pkcs1'));
    const before = m().stats();
    const signatures = await (signer.signMany as NonNullable<typeof signer.signMany>)(requests);
    const after = m().stats();
    assert.equal(after.logins - before.logins, 1, 'one C_Login');
    assert.equal(after.signatures - before.signatures, 50);
    assert.equal(authorize.asked.length, 1);
    signatures.forEach((s, i) => assert.ok(verifies(t.rsa2048.certDer, requests[i] as SignRequest, s), `signature ${i}`));
    // Still logged in: the next signature needs no PIN.
    await signer.sign(request('one more', 'sha256', 'rsa-pkcs1'));
    assert.equal(m().stats().logins - before.logins, 1);
    await signer.close();
    assert.equal(await m().isLoggedIn(await slotOf('Paraphe A')), false, 'close() logs out');
  });

  it('asks the PIN for every signature of a CKA_ALWAYS_AUTHENTICATE key (context-specific login)', { skip }, async () => {
    const { signer, authorize } = await open('Paraphe A', '1234', '05');
    const requests = [request('a', 'sha256', 'rsa-pkcs1'), request('b', 'sha256', 'rsa-pkcs1'), request('c', 'sha256', 'rsa-pss')];
    const before = m().stats();
    const signatures = await (signer.signMany as NonNullable<typeof signer.signMany>)(requests);
    signatures.forEach((s, i) => assert.ok(verifies(t.alwaysAuth.certDer, requests[i] as SignRequest, s)));
    assert.deepEqual(authorize.asked.map((a) => a.reason), ['login', 'context-specific', 'context-specific', 'context-specific']);
    assert.equal(m().stats().contextLogins - before.contextLogins, 3);
    assert.equal(m().stats().logins - before.logins, 1);
    await signer.close();
  });

  it('says pin-incorrect after a wrong PIN, never showing the PIN; the next prompt carries the tries-left flag and the right PIN signs', { skip }, async () => {
    const slotId = await slotOf('Paraphe B');
    const identity = (await listPkcs11Identities(m(), slotId, pins('5678'))).identities.find((i) => i.key.id === '02');
    assert.ok(identity);
    await m().logout(slotId);
    const wrong = pins('000999');
    const bad = await openPkcs11Signer({ module: m(), slotId, identity, authorize: wrong });
    await assert.rejects(bad.sign(request('x', 'sha256', 'rsa-pkcs1')), (e: unknown) => {
      assert.ok(isSignerError(e, 'pin-incorrect'));
      // SoftHSM sets CKF_USER_PIN_COUNT_LOW after every wrong PIN (though it never locks): the
      // message follows the token's flag, re-read after the failure.
      assert.equal(e.message, 'The PIN of Paraphe B is incorrect. Only a few tries are left before the token locks.');
      assert.doesNotMatch(e.message, /000999/);
      return true;
    });
    assert.ok(wrong.given[0]?.every((b) => b === 0), 'the wrong PIN was zeroed too');
    const right = pins('5678');
    const good = await openPkcs11Signer({ module: m(), slotId, identity, authorize: right });
    const req = request('after a wrong PIN', 'sha256', 'rsa-pkcs1');
    assert.ok(verifies(t.rsa3072.certDer, req, await good.sign(req)));
    assert.deepEqual(right.asked, [{ reason: 'login', pinPad: false, token: 'Paraphe B', triesLeft: 'low' }]);
    await good.close();
    await bad.close();
  });

  it('says pin-cancelled when the login prompt or a context-specific prompt is cancelled', { skip }, async () => {
    const slotId = await slotOf('Paraphe A');
    const listing = await listPkcs11Identities(m(), slotId, pins('1234'));
    await m().logout(slotId);
    const identity = (id: string) => listing.identities.find((i) => i.key.id === id) as (typeof listing.identities)[number];
    const cancelled = await openPkcs11Signer({ module: m(), slotId, identity: identity('01'), authorize: pins(null) });
    await assert.rejects(cancelled.sign(request('x', 'sha256', 'rsa-pkcs1')), (e: unknown) => {
      return isSignerError(e, 'pin-cancelled') && e.message === 'Signing with Paraphe A was cancelled at the PIN prompt.';
    });
    const always = await openPkcs11Signer({ module: m(), slotId, identity: identity('05'), authorize: pins('1234', null) });
    await assert.rejects(always.sign(request('x', 'sha256', 'rsa-pkcs1')), (e: unknown) => isSignerError(e, 'pin-cancelled'));
    // The cancelled operation leaves the token usable, still logged in.
    const other = await openPkcs11Signer({ module: m(), slotId, identity: identity('01'), authorize: pins(null) });
    const req = request('after cancel', 'sha256', 'rsa-pkcs1');
    assert.ok(verifies(t.rsa2048.certDer, req, await other.sign(req)));
    await other.close();
  });

  it('SoftHSM never locks a PIN: after 12 wrong PINs it still says pin-incorrect (pin-locked is mapped, not exercisable here)', { skip }, async () => {
    const slotId = await slotOf('Paraphe B');
    for (let i = 0; i < 12; i++) {
      await assert.rejects(m().login(slotId, Buffer.from(`99999${i}`)), (e: unknown) => e instanceof Pkcs11Error && e.code === 'CKR_PIN_INCORRECT');
    }
    assert.equal((await m().token(slotId)).flags.userPinLocked, false);
    await m().login(slotId, Buffer.from('5678'));
    await m().logout(slotId);
    const locked = pkcs11SignerError(new Pkcs11Error('CKR_PIN_LOCKED', 'The PIN is locked.'), 'Paraphe B');
    assert.equal(locked.code, 'pin-locked');
    assert.equal(locked.message, "The PIN of Paraphe B is locked after too many wrong attempts; unblock it with the token's administrator (SO) PIN.");
    const final = pkcs11SignerError(new Pkcs11Error('CKR_PIN_INCORRECT', 'x', { triesLeft: 'final' }), 'Paraphe B');
    assert.equal(final.message, 'The PIN of Paraphe B is incorrect. One more wrong PIN will lock the token.');
    assert.equal(pkcs11SignerError(new Pkcs11Error('CKR_FUNCTION_CANCELED', 'x'), 'T').code, 'pin-cancelled');
    assert.equal(pkcs11SignerError(new Pkcs11Error('CKR_DEVICE_REMOVED', 'x'), 'T').code, 'token-removed');
    assert.equal(pkcs11SignerError(new Pkcs11Error('CKR_USER_NOT_LOGGED_IN', 'x'), 'T').code, 'not-logged-in');
    assert.equal(pkcs11SignerError(new Pkcs11Error('CKR_MECHANISM_INVALID', 'The token does not support this signature mechanism.'), 'T').code, 'mechanism-unsupported');
  });

  it('says mechanism-unsupported when the token has no mechanism for the key', { skip }, async () => {
    const slotId = await slotOf('Paraphe A');
    const listing = await listPkcs11Identities(m(), slotId, pins('1234'));
    const ec = listing.identities.find((i) => i.key.id === '03');
    assert.ok(ec);
    await assert.rejects(openPkcs11Signer({ module: m(), slotId, identity: ec, authorize: pins('1234'), avoidMechanisms: ['CKM_ECDSA'] }), (e: unknown) => {
      return isSignerError(e, 'mechanism-unsupported') && /offers no mechanism to sign with the EC key/.test(e.message);
    });
    await m().logout(slotId);
  });

  it('says token-removed for a slot that is gone, and key-not-found once the key was deleted from the token', { skip }, async () => {
    const { signer } = await open('Paraphe B', '5678', '02');
    await assert.rejects(
      openPkcs11Signer({ module: m(), slotId: 'deadbeef', identity: { certificate: t.rsa3072.certDer } as never, authorize: pins('5678') }),
      (e: unknown) => isSignerError(e, 'token-removed') && e.message === 'The token deadbeef was removed; insert it again and retry.',
    );
    // pkcs11-tool deletes the key in another process; SoftHSM re-reads a token's objects on access.
    await (hsm as SoftHsm).deleteObject(t.b, { type: 'privkey', id: '02' });
    await assert.rejects(signer.sign(request('x', 'sha256', 'rsa-pkcs1')), (e: unknown) => {
      return isSignerError(e, 'key-not-found') && e.message === 'The private key of this identity is no longer on the token Paraphe B.';
    });
    await signer.close();
  });
});

describe('ecdsaRawToDer', () => {
  it('encodes r||s as a DER SEQUENCE of two INTEGERs, adding a 0 byte before a high bit and dropping leading zeros', () => {
    const r = Buffer.alloc(32, 0);
    r[31] = 1;
    const s = Buffer.alloc(32, 0xff);
    const der = Buffer.from(ecdsaRawToDer(Buffer.concat([r, s])));
    assert.equal(der.toString('hex'), `3026020101022100${'ff'.repeat(32)}`);
    assert.throws(() => ecdsaRawToDer(Buffer.alloc(3)));
  });
});

