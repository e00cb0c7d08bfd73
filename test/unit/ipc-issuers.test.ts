// The channels of the settings' issuer certificates and of the sign panel's chain notice, through
// the real dispatch and schemas: strict payloads (the renderer never names a file: an import takes
// no path), the app's window only, and answers checked against the contract.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dispatch } from '../../main/ipc/dispatch';
import { policy, quiet, recordingHandlers, trusted } from './helpers/ipc';

const ID = `p12-${'a'.repeat(64)}`;
const FINGERPRINT = 'b'.repeat(64);
const certificate = {
  name: 'Paraphe Test Issuing CA', subject: 'CN=Paraphe Test Issuing CA', issuer: 'CN=Paraphe Test Root CA', serial: '01',
  notBefore: '2024-01-01T00:00:00.000Z', notAfter: '2045-12-31T00:00:00.000Z', fingerprint: FINGERPRINT, selfSigned: false,
};

describe('issuers:* and identity:warnings over dispatch', () => {
  it('answers what the contract says', async () => {
    const { handlers, calls } = recordingHandlers({
      'issuers:list': () => [certificate],
      'issuers:import': () => ({ added: 1, already: 0, notAuthority: 0, certificates: [certificate] }),
      'issuers:remove': () => [],
      'identity:warnings': () => [{ code: 'CHAIN_INCOMPLETE', subject: 'Élodie Signataire', stopsAt: null }],
    });
    assert.deepEqual(await dispatch(handlers, policy, 'issuers:list', {}, trusted, quiet), { ok: true, value: [certificate] });
    assert.equal((await dispatch(handlers, policy, 'issuers:import', {}, trusted, quiet)).ok, true);
    assert.deepEqual(await dispatch(handlers, policy, 'issuers:remove', { fingerprint: FINGERPRINT }, trusted, quiet), { ok: true, value: [] });
    const warnings = await dispatch(handlers, policy, 'identity:warnings', { id: ID }, trusted, quiet);
    assert.deepEqual(warnings, { ok: true, value: [{ code: 'CHAIN_INCOMPLETE', subject: 'Élodie Signataire', stopsAt: null }] });
    assert.deepEqual(calls.map((c) => c.channel), ['issuers:list', 'issuers:import', 'issuers:remove', 'identity:warnings']);
  });

  it('refuses a path, a bad fingerprint or id, and extra fields, without calling the handler', async () => {
    const fail = () => assert.fail('handler called');
    const { handlers, calls } = recordingHandlers({ 'issuers:import': fail, 'issuers:remove': fail, 'identity:warnings': fail, 'issuers:list': fail });
    const cases: Array<[string, unknown]> = [
      ['issuers:import', { path: '/etc/ssl/private/key.pem' }],
      ['issuers:list', { all: true }],
      ['issuers:remove', { fingerprint: 'AB:CD' }],
      ['issuers:remove', { fingerprint: FINGERPRINT, path: '/x' }],
      ['issuers:remove', {}],
      ['identity:warnings', { id: '../../etc/passwd' }],
      ['identity:warnings', { id: ID, password: 'secret' }],
    ];
    for (const [channel, payload] of cases) {
      const result = await dispatch(handlers, policy, channel, payload, trusted, quiet);
      assert.equal(!result.ok && result.error.code, 'invalid-request', `${channel} ${JSON.stringify(payload)}`);
    }
    assert.equal(calls.length, 0);
  });

  it('serves the app window only', async () => {
    const { handlers, calls } = recordingHandlers({ 'issuers:import': () => assert.fail('handler called'), 'identity:warnings': () => assert.fail('handler called') });
    for (const sender of [{ ...trusted, url: 'https://evil.example/' }, { ...trusted, isMainFrame: false }, { ...trusted, isAppWindow: false }]) {
      for (const [channel, payload] of [['issuers:import', {}], ['identity:warnings', { id: ID }]] as const) {
        const result = await dispatch(handlers, policy, channel, payload, sender, quiet);
        assert.equal(!result.ok && result.error.code, 'untrusted-sender');
      }
    }
    assert.equal(calls.length, 0);
  });

  it('refuses an answer that breaks the contract (a DER or a path leaking to the page)', async () => {
    const { handlers } = recordingHandlers({ 'issuers:list': () => [{ ...certificate, der: 'AAAA' }], 'identity:warnings': () => [{ code: 'OTHER', subject: 'x', stopsAt: null }] });
    assert.equal((await dispatch(handlers, policy, 'issuers:list', {}, trusted, quiet)).ok, false);
    assert.equal((await dispatch(handlers, policy, 'identity:warnings', { id: ID }, trusted, quiet)).ok, false);
  });
});
