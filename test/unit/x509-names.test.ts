// main/x509 names certificates for every layer: signers, cms and validation must read the same name.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { describe, it } from 'node:test';
import * as x509 from '@peculiar/x509';
import * as pkijs from 'pkijs';
import { parseCertificate, subjectName } from '../../main/cms';
import { describeCertificate } from '../../main/signers';
import { certificateNames, displayName, distinguishedName, fingerprint } from '../../main/x509';

let keys: CryptoKeyPair | undefined;
async function certificate(name: string, issuer = name): Promise<Uint8Array<ArrayBuffer>> {
  const crypto = webcrypto as unknown as Crypto;
  keys ??= (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create(
    {
      subject: name, issuer, serialNumber: '01',
      notBefore: new Date(Date.now() - 3600_000), notAfter: new Date(Date.now() + 86400_000),
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' }, publicKey: keys.publicKey, signingKey: keys.privateKey,
    },
    crypto,
  );
  return new Uint8Array(cert.rawData);
}

describe('x509 names', () => {
  it('names a certificate by its common name, the same through pkijs, @peculiar/x509, cms and signers', async () => {
    const der = await certificate('C=FR, O=Paraphe Test, OU=Signataires, CN=Élodie Signataire', 'C=FR, O=Paraphe Test, CN=Paraphe Test Issuing CA');
    const pk = pkijs.Certificate.fromBER(der.slice().buffer);
    const pe = new x509.X509Certificate(der.slice());
    assert.equal(displayName(pk.subject), 'Élodie Signataire');
    assert.equal(displayName(pe.subjectName), 'Élodie Signataire');
    assert.equal(subjectName(der), 'Élodie Signataire');
    assert.equal(describeCertificate(der).subject, 'Élodie Signataire');
    assert.deepEqual(certificateNames(der), {
      subject: 'Élodie Signataire',
      issuer: 'Paraphe Test Issuing CA',
      subjectDn: 'C=FR, O=Paraphe Test, OU=Signataires, CN=Élodie Signataire',
      issuerDn: 'C=FR, O=Paraphe Test, CN=Paraphe Test Issuing CA',
    });
    assert.equal(distinguishedName(parseCertificate(der).cert.subject), 'C=FR, O=Paraphe Test, OU=Signataires, CN=Élodie Signataire');
  });

  it('falls back to the whole distinguished name without a common name, in every layer', async () => {
    const der = await certificate('O=Paraphe Test, OU=No Common Name');
    assert.equal(subjectName(der), 'O=Paraphe Test, OU=No Common Name');
    assert.equal(describeCertificate(der).subject, 'O=Paraphe Test, OU=No Common Name');
  });

  it('joins several common names, and gives an empty name as an empty string', async () => {
    const der = await certificate('CN=Premier, CN=Second');
    assert.equal(subjectName(der), 'Premier, Second');
    assert.equal(displayName(new pkijs.RelativeDistinguishedNames()), '');
  });

  it('fingerprints the DER with SHA-256 in lower-case hex', () => {
    assert.equal(fingerprint(new Uint8Array()), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});
