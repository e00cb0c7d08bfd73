// How native/pkcs11 pairs the certificates and private keys of a token, without a token: the pure
// function listSigningIdentities builds its listing from.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pairKeysWithCertificates } from '../../native/pkcs11/pairing';
import type { PairableCertificate, PairableKey, Pairing } from '../../native/pkcs11/pairing';

type Cert = PairableCertificate & { name: string };
type Key = PairableKey & { name: string };

const cert = (name: string, id: string, fingerprint: string | undefined, ca = false): Cert => ({ name, id, publicKey: { fingerprint, ca } });
const unreadable = (name: string, id: string): Cert => ({ name, id, publicKey: undefined });
const key = (name: string, id: string, fingerprint: string | undefined, canSign = true): Key => ({ name, id, fingerprint, canSign });

/** Each pairing as "code key certificate", for short assertions. */
function summary(pairings: Pairing<Cert, Key>[]): string[] {
  return pairings.map((p) => [p.code, 'key' in p ? p.key.name : '-', 'certificate' in p ? p.certificate.name : '-'].join(' '));
}

describe('pairKeysWithCertificates', () => {
  it('pairs a key with the certificate of the same CKA_ID', () => {
    const pairings = pairKeysWithCertificates([cert('alice', '01', 'rsa:aa')], [key('k1', '01', 'rsa:aa')]);
    assert.deepEqual(summary(pairings), ['paired-by-id k1 alice']);
  });

  it('pairs by CKA_ID when either side does not know its public key', () => {
    const pairings = pairKeysWithCertificates(
      [cert('alice', '01', undefined), cert('bob', '02', 'ec:04bb')],
      [key('k1', '01', 'rsa:aa'), key('k2', '02', undefined)],
    );
    assert.deepEqual(summary(pairings), ['paired-by-id k1 alice', 'paired-by-id k2 bob']);
  });

  it('pairs by public key when the CKA_IDs differ, are empty, or name a certificate of another key', () => {
    const pairings = pairKeysWithCertificates(
      [cert('alice', 'c1', 'rsa:aa'), cert('bob', '', 'ec:04bb'), cert('carol', '03', 'rsa:cc')],
      [key('k1', 'k1', 'rsa:aa'), key('k2', '', 'ec:04bb'), key('k3', '03', 'rsa:dd')],
    );
    assert.deepEqual(summary(pairings), ['paired-by-public-key k1 alice', 'paired-by-public-key k2 bob', 'no-certificate k3 -', 'no-key - carol']);
  });

  it('never gives one certificate to two keys', () => {
    const pairings = pairKeysWithCertificates([cert('alice', '01', 'rsa:aa')], [key('k1', '01', 'rsa:aa'), key('k2', '01', 'rsa:aa')]);
    assert.deepEqual(summary(pairings), ['paired-by-id k1 alice', 'no-certificate k2 -']);
  });

  it('says a key is not allowed to sign, and keeps its certificate from other keys', () => {
    const pairings = pairKeysWithCertificates([cert('alice', '01', 'rsa:aa')], [key('k1', '01', 'rsa:aa', false), key('k2', '', 'rsa:aa')]);
    assert.deepEqual(summary(pairings), ['key-cannot-sign k1 alice', 'no-certificate k2 -']);
  });

  it('tells leftover end-entity certificates (no key) from CA certificates and unreadable ones, in their order', () => {
    const pairings = pairKeysWithCertificates(
      [unreadable('junk', '09'), cert('root', '', 'rsa:11', true), cert('dave', '04', 'rsa:dd'), cert('alice', '01', 'rsa:aa')],
      [key('k1', '01', 'rsa:aa')],
    );
    assert.deepEqual(summary(pairings), ['paired-by-id k1 alice', 'unreadable-certificate - junk', 'ca-certificate - root', 'no-key - dave']);
  });

  it('never pairs a key with an unreadable certificate, even of the same CKA_ID', () => {
    const pairings = pairKeysWithCertificates([unreadable('junk', '01')], [key('k1', '01', undefined)]);
    assert.deepEqual(summary(pairings), ['no-certificate k1 -', 'unreadable-certificate - junk']);
  });

  it('returns the objects it was given', () => {
    const c = cert('alice', '01', 'rsa:aa');
    const k = key('k1', '01', 'rsa:aa');
    const [pairing] = pairKeysWithCertificates([c], [k]);
    assert.ok(pairing && 'key' in pairing && 'certificate' in pairing);
    assert.equal(pairing.key, k);
    assert.equal(pairing.certificate, c);
  });

  it('finds nothing on an empty token', () => {
    assert.deepEqual(pairKeysWithCertificates([], []), []);
  });
});
