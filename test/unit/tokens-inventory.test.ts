// What the token inventory makes of a listing, without a token: which certificates it shows (by
// the pairing's codes, never its English sentences) and the notes on the rest, each as an English
// sentence (the CLI, --json) and as a catalog message the token picker words in its language.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { before, describe, it } from 'node:test';
import * as x509 from '@peculiar/x509';
import type { IdentityListing, IgnoredObject, Pkcs11Module, TokenInfo } from '../../native/pkcs11';
import { Pkcs11Error } from '../../native/pkcs11';
import { describeToken } from '../../main/services/tokens/inventory';
import { formatMessage } from '../../preload/contract/messages';

const TOKEN: TokenInfo = {
  label: 'Paraphe A', manufacturer: 'SoftHSM', model: 'v2', serial: '42',
  flags: { loginRequired: true, protectedAuthPath: false, userPinInitialized: true, userPinCountLow: false, userPinFinalTry: false, userPinLocked: false, tokenInitialized: true, writeProtected: false },
};
const CONTEXT = { now: new Date(), confirmed: new Map<string, boolean>() };

/** A module whose only slot lists `listing` (or fails with `listing`). */
function moduleListing(listing: IdentityListing | Error): Pkcs11Module {
  return {
    path: '/usr/lib/softhsm/libsofthsm2.so',
    listSigningIdentities: () => (listing instanceof Error ? Promise.reject(listing) : Promise.resolve(listing)),
  } as Partial<Pkcs11Module> as Pkcs11Module;
}

let signerDer: Buffer;
before(async () => {
  const crypto = webcrypto as unknown as Crypto;
  const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create({
    subject: 'CN=Élodie Signataire', issuer: 'CN=Paraphe Test Issuing CA', serialNumber: '02',
    notBefore: new Date(Date.now() - 3600_000), notAfter: new Date(Date.now() + 86400_000),
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' }, publicKey: keys.publicKey, signingKey: keys.privateKey,
    extensions: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation, true)],
  }, crypto);
  signerDer = Buffer.from(cert.rawData);
});

const ignored = (o: Omit<IgnoredObject, 'reason'>): IgnoredObject => ({ ...o, reason: 'a sentence nobody reads' });

describe('token inventory', () => {
  it('shows a certificate whose key is hidden before login, by its code', async () => {
    const listing: IdentityListing = {
      identities: [], otherCertificates: [], loggedIn: false,
      ignored: [ignored({ class: 'certificate', label: 'Élodie', id: '01', certificate: signerDer, code: 'no-key' })],
    };
    const report = await describeToken(moduleListing(listing), '1', TOKEN, CONTEXT);
    assert.deepEqual(report.certificates.map((c) => [c.name, c.keyId, c.keyConfirmed]), [['Élodie Signataire', '01', null]]);
    assert.deepEqual(report.notes, []);
    assert.deepEqual(report.noteMessages, []);
  });

  it('after login, a certificate without a key is a note, not a certificate to sign with, whatever its sentence says', async () => {
    const reason = 'The certificate "Élodie" has no private key visible before login.';
    const listing: IdentityListing = {
      identities: [], otherCertificates: [], loggedIn: true,
      ignored: [{ class: 'certificate', label: 'Élodie', id: '01', certificate: signerDer, code: 'no-key', reason }],
    };
    const report = await describeToken(moduleListing(listing), '1', TOKEN, CONTEXT);
    assert.deepEqual(report.certificates, []);
    assert.deepEqual(report.notes, [`Élodie: ${reason}`]);
    assert.deepEqual(report.noteMessages.map((m) => formatMessage('fr', m)), ['Le certificat « Élodie » n’a pas de clé privée sur le support.']);
  });

  it('gives each note a catalog message, in the order of the English notes', async () => {
    const listing: IdentityListing = {
      identities: [], otherCertificates: [], loggedIn: true,
      ignored: [
        ignored({ class: 'privateKey', label: 'k1', id: '01', code: 'key-cannot-sign' }),
        ignored({ class: 'privateKey', label: '', id: '', code: 'no-certificate' }),
        ignored({ class: 'certificate', label: '', id: '0a', certificate: Buffer.from([1, 2, 3]), code: 'unreadable-certificate' }),
      ],
    };
    const report = await describeToken(moduleListing(listing), '1', TOKEN, CONTEXT);
    assert.equal(report.notes.length, 3);
    assert.deepEqual(report.noteMessages.map((m) => m.key), ['tokens.note.key-cannot-sign', 'tokens.note.no-certificate', 'tokens.note.unreadable-certificate']);
    assert.deepEqual(report.noteMessages.map((m) => formatMessage('en', m)), [
      'The key “k1” is not allowed to sign (CKA_SIGN is false).',
      'The key has no certificate on the token (no certificate with its CKA_ID or its public key).',
      'The certificate “0a” is not an X.509 certificate that can be read.',
    ]);
    assert.deepEqual(report.noteMessages.map((m) => formatMessage('fr', m)), [
      'La clé « k1 » n’est pas autorisée à signer (CKA_SIGN est faux).',
      'La clé n’a aucun certificat sur le support (aucun certificat n’a son CKA_ID ni sa clé publique).',
      'Le certificat « 0a » n’est pas un certificat X.509 lisible.',
    ]);
  });

  it('says when the token cannot be listed, with the error inside, in both languages', async () => {
    const report = await describeToken(moduleListing(new Pkcs11Error('CKR_DEVICE_ERROR', 'The token reported a device error.')), '1', TOKEN, CONTEXT);
    assert.deepEqual(report.notes, ['The certificates of this token cannot be read: The token reported a device error.']);
    assert.deepEqual(report.noteMessages.map((m) => formatMessage('en', m)), report.notes);
    assert.deepEqual(report.noteMessages.map((m) => formatMessage('fr', m)), ['Les certificats de ce support ne peuvent pas être lus : The token reported a device error.']);
  });
});
