// The sign flow's channels at the boundary: dispatch refuses malformed or dangerous payloads
// (the renderer never chooses the output path, never passes a file:// timestamp server, never gets
// key material back) before any handler runs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dispatch } from '../../main/ipc/dispatch';
import { SignRequest } from '../../preload/contract/schemas';
import { verbs } from '../../preload/contract/verbs';
import { policy, quiet, recordingHandlers, trusted } from './helpers/ipc';


const DOC = 'doc-0123456789abcdef';
const FP = 'ab'.repeat(32);
const P12 = `p12-${FP}`;
const PERSONAL = `personal-${FP}`;

const identity = {
  id: P12,
  kind: 'p12',
  name: 'Élodie Signataire',
  email: null,
  issuer: 'Paraphe Test Issuing CA',
  serial: '01',
  notBefore: '2026-01-01T00:00:00.000Z',
  notAfter: '2028-01-01T00:00:00.000Z',
  fingerprint: FP,
  holder: 'file',
  file: '/home/anne/signer.p12',
  needsPassword: true,
};


/** Dispatches each [channel, payload, what?] and expects invalid-request, with no handler reached. */
async function assertRefused(cases: ReadonlyArray<readonly [string, unknown, string?]>): Promise<void> {
  const { handlers, calls } = recordingHandlers(Object.fromEntries(cases.map(([channel]) => [channel, () => assert.fail('handler called')])));
  for (const [channel, payload, what] of cases) {
    const result = await dispatch(handlers, policy, channel, payload, trusted, quiet);
    assert.equal(!result.ok && result.error.code, 'invalid-request', what ?? `${channel} ${JSON.stringify(payload)}`);
  }
  assert.equal(calls.length, 0);
}

const validSign = {
  docId: DOC,
  identityId: P12,
  password: 'secret',
  placement: { kind: 'visible', page: 1, rect: [50, 50, 250, 120] },
  reason: 'I approve',
  level: 'B-B',
};

describe('document:sign schema', () => {
  it('passes a valid request to the handler', async () => {
    const { handlers, calls } = recordingHandlers({ 'document:sign': () => null });
    const result = await dispatch(handlers, policy, 'document:sign', validSign, trusted, quiet);
    assert.deepEqual(result, { ok: true, value: null });
    assert.deepEqual(calls.map((c) => c.request), [validSign]);
    const invisible = { docId: DOC, identityId: PERSONAL, placement: { kind: 'invisible' }, level: 'B-LTA', tsaUrl: 'http://127.0.0.1:3180/tsa', certify: 'form-filling' };
    assert.equal((await dispatch(handlers, policy, 'document:sign', invisible, trusted, quiet)).ok, true);
  });

  it('refuses what the renderer must not decide or send, without calling the handler', async () => {
    const cases: Array<[string, unknown]> = [
      ['the output path (main asks the user)', { ...validSign, output: '/etc/passwd' }],
      ['a level needing a TSA without its URL', { ...validSign, level: 'B-T' }],
      ['a file:// timestamp server', { ...validSign, level: 'B-T', tsaUrl: 'file:///etc/passwd' }],
      ['a timestamp server that is not a URL', { ...validSign, level: 'B-LT', tsaUrl: 'tsa.example' }],
      // Whether an identity takes a password is its provider's to say (main refuses a missing or
      // unexpected one: test/integration/signing-pipeline.test.ts); the contract refuses the form.
      ['an empty password', { ...validSign, password: '' }],
      ['an identity kind with capitals', { ...validSign, identityId: `P12-${FP}` }],
      ['an identity that is not a handle', { ...validSign, identityId: '/home/anne/signer.p12' }],
      ['a document that is not a handle', { ...validSign, docId: '/tmp/a.pdf' }],
      ['an unknown level', { ...validSign, level: 'B-X' }],
      ['an unknown certification', { ...validSign, certify: 'anything' }],
      ['page 0', { ...validSign, placement: { kind: 'visible', page: 0, rect: [50, 50, 250, 120] } }],
      ['a fractional page', { ...validSign, placement: { kind: 'visible', page: 1.5, rect: [50, 50, 250, 120] } }],
      ['a rectangle of 3 numbers', { ...validSign, placement: { kind: 'visible', page: 1, rect: [50, 50, 250] } }],
      ['a sliver of a rectangle', { ...validSign, placement: { kind: 'visible', page: 1, rect: [50, 50, 250, 52] } }],
      ['a rectangle at infinity', { ...validSign, placement: { kind: 'visible', page: 1, rect: [50, 50, 1e300, 120] } }],
      ['an unknown placement', { ...validSign, placement: { kind: 'field', name: 'Signature1' } }],
      ['an invisible placement with a rectangle', { ...validSign, placement: { kind: 'invisible', rect: [0, 0, 10, 10] } }],
      ['a reason with a NUL byte', { ...validSign, reason: 'a\0b' }],
      ['a reason of 10,000 characters', { ...validSign, reason: 'x'.repeat(10_000) }],
    ];
    await assertRefused(cases.map(([what, payload]) => ['document:sign', payload, what] as const));
  });

  it('is a union on the level: B-B has no timestamp server, the other levels require theirs', async () => {
    const { level: _, ...fields } = validSign;
    const tsa = 'https://tsa.example/tsr';
    // The types say it too (tsconfig.test.json checks these lines).
    const bb: SignRequest = { ...fields, placement: { kind: 'invisible' }, level: 'B-B' };
    const lt: SignRequest = { ...fields, placement: { kind: 'invisible' }, level: 'B-LT', tsaUrl: tsa };
    // @ts-expect-error B-T without its timestamp server
    const btWithout: SignRequest = { ...fields, placement: { kind: 'invisible' }, level: 'B-T' };
    // @ts-expect-error B-B with a timestamp server
    const bbWith: SignRequest = { ...fields, placement: { kind: 'invisible' }, level: 'B-B', tsaUrl: tsa };
    assert.equal(SignRequest.safeParse(bb).success, true);
    assert.equal(SignRequest.safeParse(lt).success, true);
    for (const level of ['B-T', 'B-LT', 'B-LTA'] as const) {
      const refused = SignRequest.safeParse({ ...btWithout, level });
      // The union's own check on the field, not a refinement over the whole object.
      assert.deepEqual(refused.error?.issues.map((i) => [i.code, i.path.join('.'), i.message]), [['invalid_type', 'tsaUrl', 'levels B-T, B-LT and B-LTA need a timestamp server URL']], level);
      assert.equal(SignRequest.safeParse({ ...btWithout, level, tsaUrl: tsa }).success, true, level);
    }
    const withTsa = SignRequest.safeParse(bbWith);
    assert.deepEqual(withTsa.error?.issues.map((i) => [i.code, i.path.join('.')]), [['unrecognized_keys', '']]);
    await assertRefused([['document:sign', bbWith, 'B-B with a timestamp server'], ['document:sign', btWithout, 'B-T without one']]);
  });

  it('says which field is wrong', async () => {
    const { handlers } = recordingHandlers({});
    const result = await dispatch(handlers, policy, 'document:sign', { ...validSign, level: 'B-T' }, trusted, quiet);
    assert.match(!result.ok ? result.error.message : '', /\(tsaUrl\).*timestamp server/);
  });
});

describe('identity and preview schemas', () => {
  it('refuses malformed identity requests', async () => {
    const cases: Array<[string, unknown]> = [
      ['identity:createPersonal', { name: '', email: 'a@b.c', keyType: 'p256' }],
      ['identity:createPersonal', { name: 'A', email: 'a@b.c', keyType: 'rsa-1024' }],
      ['identity:createPersonal', { name: 'x'.repeat(65), email: 'a@b.c', keyType: 'p256' }],
      ['identity:createPersonal', { name: 'A', email: 'a@b.c', keyType: 'p256', privateKey: 'x' }],
      ['identity:importP12', { path: '/x.p12' }],
      ['identity:importP12', { path: '/x.p12', password: '' }],
      ['identity:importP12', { path: 'a\0b.p12', password: 'p' }],
      ['identity:remove', { id: FP }],
      ['identity:exportPersonal', { id: PERSONAL, password: '' }],
      ['identity:chooseP12File', { path: '/x.p12' }],
    ];
    await assertRefused(cases);
  });

  it('refuses previews of impossible sizes', async () => {
    const sizes = [{ width: 0, height: 50 }, { width: Number.NaN, height: 50 }, { width: 200, height: 1e9 }, { width: -5, height: 50 }];
    await assertRefused(sizes.map((size) => ['signature:preview', { identityId: P12, ...size }, JSON.stringify(size)] as const));
  });

  it('never answers more than the contract says: an identity with key material added by mistake is refused, never sent', async () => {
    const { handlers } = recordingHandlers({ 'identity:list': () => [{ ...identity, privateKey: '-----BEGIN PRIVATE KEY-----', password: 'secret' }] });
    const logged: string[] = [];
    const result = await dispatch(handlers, policy, 'identity:list', {}, trusted, { ...quiet, error: (message) => logged.push(message) });
    // Each shape of identity is strict: an unknown field breaks the contract (logged), the
    // renderer gets an internal error and none of the identity.
    assert.equal(!result.ok && result.error.code, 'internal');
    assert.match(logged.join('\n'), /identity:list produced a response that breaks the contract/);
    const text = JSON.stringify(result);
    assert.ok(!text.includes('PRIVATE KEY') && !text.includes('secret'), text);
    const { handlers: right } = recordingHandlers({ 'identity:list': () => [identity] });
    assert.deepEqual(await dispatch(right, policy, 'identity:list', {}, trusted, quiet), { ok: true, value: [identity] });
  });

  it('has one verb per new channel', () => {
    for (const channel of ['identity:list', 'identity:createPersonal', 'identity:chooseP12File', 'identity:importP12', 'identity:remove', 'identity:exportPersonal', 'signature:preview', 'document:sign']) {
      assert.equal(Object.values(verbs).filter((c) => c === channel).length, 1, channel);
    }
  });
});

describe('verification panel schemas (trust, signed version, online check)', () => {
  it('passes well-formed requests', async () => {
    const { handlers, calls } = recordingHandlers({
      'trust:addFromSignature': () => [],
      'trust:remove': () => [],
      'document:openSignedVersion': () => ({ docId: DOC, name: 'a.pdf', path: null, size: 10, pdfVersion: '1.7', pageCount: 1, encrypted: false, signatureCount: 1, revisionCount: 2, signatures: [], signedVersion: { of: DOC, field: 'Signature1', revision: 2, revisionCount: 3 } }),
      'document:validate': () => ({ docId: DOC, verdict: 'NO_SIGNATURES', signatures: [], online: true }),
    });
    assert.equal((await dispatch(handlers, policy, 'trust:addFromSignature', { docId: DOC, signatureIndex: 0, certificateIndex: 2 }, trusted, quiet)).ok, true);
    assert.equal((await dispatch(handlers, policy, 'trust:remove', { fingerprint: FP }, trusted, quiet)).ok, true);
    assert.equal((await dispatch(handlers, policy, 'document:openSignedVersion', { docId: DOC, signatureIndex: 1 }, trusted, quiet)).ok, true);
    assert.equal((await dispatch(handlers, policy, 'document:validate', { docId: DOC, online: true }, trusted, quiet)).ok, true);
    assert.equal(calls.length, 4);
  });

  it('refuses certificate bytes, paths and odd indexes before any handler runs', async () => {
    const cases: Array<[string, unknown]> = [
      ['trust:addFromSignature', { docId: DOC, signatureIndex: 0, certificateIndex: 0, der: 'MIIB' }],
      ['trust:addFromSignature', { docId: DOC, signatureIndex: -1, certificateIndex: 0 }],
      ['trust:addFromSignature', { docId: DOC, signatureIndex: 0, certificateIndex: 0.5 }],
      ['trust:addFromSignature', { docId: '/tmp/a.pdf', signatureIndex: 0, certificateIndex: 0 }],
      ['trust:remove', { fingerprint: 'AB'.repeat(32) }],
      ['trust:remove', { fingerprint: '/etc/ssl/certs/x.pem' }],
      ['document:openSignedVersion', { docId: DOC, signatureIndex: 0, path: '/tmp/out.pdf' }],
      ['document:openSignedVersion', { docId: DOC }],
      ['document:validate', { docId: DOC, online: 'yes' }],
      ['document:validate', { docId: DOC, trustAnchors: ['MIIB'] }],
    ];
    await assertRefused(cases);
  });
});
