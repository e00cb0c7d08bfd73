// The token picker's view of a scan (toTokenList): why a certificate cannot sign crosses as a
// catalog message, accepted by the contract and worded in the interface language.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { msg } from '../../main/errors';
import { toTokenList } from '../../main/services/tokens/selection';
import type { TokenScan } from '../../main/services/tokens/types';
import { channels } from '../../preload/contract/schemas';
import { describeError } from '../../renderer/src/i18n/index';

const expired = msg('error.signer.expired', { who: 'Élodie Signataire', date: '2025-01-31' });
const scan: TokenScan = {
  modules: [],
  tokens: [{
    modulePath: '/usr/lib/softhsm/libsofthsm2.so',
    slotId: '1',
    label: 'Paraphe A',
    manufacturer: 'SoftHSM project',
    model: 'SoftHSM v2',
    serial: '0001',
    flags: { loginRequired: true, protectedAuthPath: false, userPinLocked: false, userPinCountLow: false, userPinFinalTry: false, tokenInitialized: true, userPinInitialized: true } as TokenScan['tokens'][number]['flags'],
    certificates: [{
      fingerprint: 'ab'.repeat(32), keyId: '01', label: 'old', name: 'Élodie Signataire', subjectDn: 'CN=Élodie Signataire', issuer: 'Paraphe Test Issuing CA',
      serial: '01', notBefore: '2024-01-01T00:00:00.000Z', notAfter: '2025-01-31T00:00:00.000Z', keyConfirmed: null,
      unusable: 'The certificate of Élodie Signataire expired on 2025-01-31.', unusableMessage: expired,
    }],
    notes: ['The certificate “old” has no private key on the token.'],
    noteMessages: [msg('tokens.note.no-key', { named: 'yes', name: 'old' })],
  }],
};

describe('toTokenList', () => {
  it('gives why a certificate cannot sign as a catalog message the contract accepts, worded in French in the French interface', () => {
    const list = channels['tokens:list'].response.parse(toTokenList(scan));
    const [cert] = list.tokens[0]?.certificates ?? [];
    assert.ok(cert);
    assert.equal(cert.identityId, null, 'it cannot be chosen');
    assert.deepEqual(cert.unusableMessage, expired);
    const shown = (locale: 'en' | 'fr') => describeError(locale, { message: cert.unusable ?? '', key: cert.unusableMessage?.key, params: cert.unusableMessage?.params });
    assert.equal(shown('fr'), 'Le certificat de Élodie Signataire a expiré le 2025-01-31.');
    assert.equal(shown('en'), cert.unusable);
  });

  it('gives the token\'s notes as catalog messages beside their English, in the same order', () => {
    const token = channels['tokens:list'].response.parse(toTokenList(scan)).tokens[0];
    assert.ok(token);
    assert.deepEqual(token.notes, ['The certificate “old” has no private key on the token.']);
    const [note] = token.noteMessages;
    assert.ok(note);
    assert.equal(describeError('fr', { message: token.notes[0] ?? '', key: note.key, params: note.params }), 'Le certificat « old » n’a pas de clé privée sur le support.');
    assert.equal(describeError('en', { message: token.notes[0] ?? '', key: note.key, params: note.params }), token.notes[0]);
  });
});
