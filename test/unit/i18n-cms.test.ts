// Errors of the CMS / timestamp / revocation layer (main/cms, main/remote) carry a catalog key and
// params: worded in French they are French (no English sentence left), worded in English they are
// the sentences they always were; a message inside another (withCause) is worded in the outer
// one's language, also after crossing to the renderer as data.
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { before, describe, it } from 'node:test';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { CmsError, buildChain, isCmsError, parseCertificate, parseCrl, parseOcspResponse, parseTimeStampResponse } from '../../main/cms';
import { messageOf, msg } from '../../main/errors';
import { format, withCause } from '../../preload/contract/messages';
import { ErrorInfo } from '../../preload/contract/schemas';
import { describeError } from '../../renderer/src/i18n/index';

const engine = new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto as unknown as pkijs.CryptoEngineParameters['crypto'] });
const cn = (name: string) => new pkijs.AttributeTypeAndValue({ type: '2.5.4.3', value: new asn1js.Utf8String({ value: name }) });

/** A self-signed P-256 certificate made with pkijs (named as issued by `issuer`), and its private key. */
async function selfSigned(name: string, issuer = name): Promise<{ der: Uint8Array; privateKey: CryptoKey }> {
  const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const cert = new pkijs.Certificate();
  cert.version = 2;
  cert.serialNumber = new asn1js.Integer({ value: 7 });
  cert.issuer.typesAndValues.push(cn(issuer));
  cert.subject.typesAndValues.push(cn(name));
  cert.notBefore.value = new Date(Date.now() - 3600_000);
  cert.notAfter.value = new Date(Date.now() + 3600_000);
  await cert.subjectPublicKeyInfo.importKey(keys.publicKey, engine);
  await cert.sign(keys.privateKey, 'SHA-256', engine);
  return { der: new Uint8Array(cert.toSchema(true).toBER()), privateKey: keys.privateKey };
}

/** A TimeStampResp with no token: `status`, failInfo bits and the server's text. */
function refusal(status: number, failBits: number[], text?: string): Uint8Array {
  const bytes = new Uint8Array(4);
  for (const bit of failBits) bytes[bit >> 3] = (bytes[bit >> 3] ?? 0) | (0x80 >> (bit & 7));
  const info = new pkijs.PKIStatusInfo({
    status,
    ...(failBits.length > 0 ? { failInfo: new asn1js.BitString({ valueHex: bytes, unusedBits: 0 }) } : {}),
    ...(text ? { statusStrings: [new asn1js.Utf8String({ value: text })] } : {}),
  });
  return new Uint8Array(new pkijs.TimeStampResp({ status: info }).toSchema().toBER());
}

/** The error `work` throws, a CmsError with a catalog key. */
function thrown(work: () => unknown): CmsError {
  try {
    work();
  } catch (e) {
    assert.ok(isCmsError(e), String(e));
    assert.ok(e.key?.startsWith('error.cms.'), `${e.code} has no catalog key: ${e.message}`);
    return e;
  }
  assert.fail('did not throw');
}

// Words of English sentences that French ones never hold (French has "certificat", "signature").
const ENGLISH = /\b(the|of|is|not|was|and|does|did|cannot|refused|request|server|responder|certificate|answer(?:ed)?|revocation list|timestamp)\b/i;

/** French (no English word outside the names, URLs and RFC tokens it is given) and not the English sentence. */
function assertFrench(error: CmsError, names: readonly string[] = []): string {
  const french = error.wordedIn('fr');
  assert.notEqual(french, error.message);
  let rest = french;
  for (const name of names) rest = rest.split(name).join(' ');
  assert.doesNotMatch(rest, ENGLISH, french);
  assert.match(french, /[éèàçù’«]|\b(le|la|les|du|de)\b/, french);
  return french;
}

describe('CMS errors in both languages', () => {
  let alice: Awaited<ReturnType<typeof selfSigned>>;
  let otherCa: Awaited<ReturnType<typeof selfSigned>>;
  before(async () => {
    alice = await selfSigned('Élodie Signataire');
    otherCa = await selfSigned('Other CA');
  });

  it('a TSA refusal names its URL, its status, each failure bit and the server text', () => {
    const server = 'the timestamp server at https://tsa.example/stamp';
    const error = thrown(() => parseTimeStampResponse(refusal(2, [0, 15], 'no such policy'), { imprint: new Uint8Array(32), hash: 'sha256', server }));
    assert.equal(error.code, 'tsa-rejected');
    assert.equal(
      error.message,
      'The timestamp server at https://tsa.example/stamp refused the timestamp request (rejection: badAlg: the hash algorithm is not supported, unacceptedPolicy: the requested policy is not supported): "no such policy".',
    );
    assert.equal(error.wordedIn('en'), error.message);
    const french = assertFrench(error, ['https://tsa.example/stamp', 'no such policy']);
    assert.equal(
      french,
      'Le serveur d’horodatage https://tsa.example/stamp a refusé la demande d’horodatage (rejection : badAlg : l’algorithme de hachage n’est pas pris en charge, unacceptedPolicy : la politique demandée n’est pas prise en charge) : « no such policy ».',
    );
  });

  it('a TSA refusal without failure bits or text, and a status no RFC names', () => {
    const error = thrown(() => parseTimeStampResponse(refusal(3, []), { imprint: new Uint8Array(32), hash: 'sha256' }));
    assert.equal(error.message, 'The timestamp server refused the timestamp request (waiting).');
    assert.equal(assertFrench(error, ['waiting']), 'Le serveur d’horodatage a refusé la demande d’horodatage (waiting).');
    // pkijs refuses a PKIStatus above 5 before main/cms sees it; the message still words one.
    const unknown = { named: 'no', url: '', status: 'unknown', code: 9, failed: 'no', failures: '', text: '' };
    assert.equal(format('en', 'error.cms.tsa-rejected', unknown), 'The timestamp server refused the timestamp request (status 9).');
    assert.equal(format('fr', 'error.cms.tsa-rejected', unknown), 'Le serveur d’horodatage a refusé la demande d’horodatage (statut 9).');
  });

  it('an OCSP refusal says what its status means', () => {
    const tryLater = new Uint8Array([0x30, 0x03, 0x0a, 0x01, 0x03]); // OCSPResponse { responseStatus tryLater }
    const server = 'the OCSP responder at http://ocsp.example';
    const error = thrown(() => parseOcspResponse(tryLater, { certificate: alice.der, issuer: alice.der, server }));
    assert.equal(error.code, 'ocsp-refused');
    assert.equal(error.message, 'The OCSP responder at http://ocsp.example refused the request about the certificate of Élodie Signataire (tryLater: it is busy).');
    assert.equal(
      assertFrench(error, ['http://ocsp.example', 'Élodie Signataire']),
      'Le répondeur OCSP http://ocsp.example a refusé la demande concernant le certificat de Élodie Signataire (tryLater : il est occupé).',
    );
  });

  it('an OCSP answer that is no OCSP response', () => {
    const error = thrown(() => parseOcspResponse(new Uint8Array([1, 2, 3]), { certificate: alice.der, issuer: alice.der }));
    assert.equal(error.message, 'The OCSP responder did not answer with an OCSP response.');
    assert.equal(assertFrench(error), 'Le répondeur OCSP n’a pas renvoyé de réponse OCSP.');
  });

  it('a CRL server that sends no CRL, and a CRL of another CA', async () => {
    const server = 'the CRL server at http://crl.example/ca.crl';
    const garbage = thrown(() => parseCrl(new Uint8Array([0x30, 0x00]), { issuer: alice.der, server }));
    assert.equal(garbage.code, 'crl-bad-response');
    assert.equal(garbage.message, 'The CRL server at http://crl.example/ca.crl did not send a certificate revocation list.');
    assert.equal(assertFrench(garbage, ['http://crl.example/ca.crl']), 'Le serveur de LCR http://crl.example/ca.crl n’a pas envoyé de liste de révocation de certificats.');

    const crl = new pkijs.CertificateRevocationList();
    crl.version = 1;
    crl.issuer.typesAndValues.push(cn('Other CA'));
    crl.thisUpdate = new pkijs.Time({ type: 0, value: new Date() });
    await crl.sign(otherCa.privateKey, 'SHA-256', engine);
    const other = thrown(() => parseCrl(new Uint8Array(crl.toSchema(true).toBER()), { issuer: alice.der, server }));
    assert.equal(other.code, 'crl-bad-signature');
    assert.equal(
      other.message,
      'The revocation list of the CRL server at http://crl.example/ca.crl is issued by Other CA, not by the issuer of the certificate (the certificate of Élodie Signataire).',
    );
    assert.equal(
      assertFrench(other, ['http://crl.example/ca.crl', 'Other CA', 'Élodie Signataire']),
      'La liste de révocation du serveur de LCR http://crl.example/ca.crl est émise par Other CA, et non par l’émetteur du certificat (le certificat de Élodie Signataire).',
    );
  });

  it('says no revocation data with both failures inside, each in the language of the sentence', () => {
    // As collectValidationData (main/cms/dss.ts) words it.
    const ocsp = new CmsError('ocsp-unknown', msg('error.cms.ocsp-unknown', { subject: 'Élodie Signataire' }));
    const crl = new CmsError('crl-stale', msg('error.cms.crl-stale', { url: 'http://crl.example/ca.crl', issued: '2024-05-01 12:34 UTC' }));
    const both = withCause({ subject: 'Élodie Signataire' }, messageOf(ocsp), { name: 'ocspCause', lower: true });
    const params = withCause(both, messageOf(crl), { name: 'crlCause', lower: true });
    const error = new CmsError('no-revocation-data', msg('error.cms.no-revocation-data', params));
    assert.equal(
      error.message,
      'The revocation status of the certificate of Élodie Signataire cannot be obtained: the OCSP responder of the certificate of Élodie Signataire does not know this certificate. And the revocation list of the CRL server at http://crl.example/ca.crl is not current (issued 2024-05-01 12:34 UTC).',
    );
    assert.equal(
      assertFrench(error, ['Élodie Signataire', 'http://crl.example/ca.crl', '2024-05-01 12:34 UTC']),
      'Le statut de révocation du certificat de Élodie Signataire ne peut pas être obtenu : le répondeur OCSP du certificat de Élodie Signataire ne connaît pas ce certificat. Et la liste de révocation du serveur de LCR http://crl.example/ca.crl n’est pas à jour (émise le 2024-05-01 12:34 UTC).',
    );

    // Across IPC the params are plain data (the schema takes them) and the renderer words them in French.
    const crossed = ErrorInfo.parse(JSON.parse(JSON.stringify({ code: error.code, message: error.message, key: error.key, params: error.params })));
    assert.equal(describeError('fr', crossed), error.wordedIn('fr'));
    assert.equal(describeError('en', crossed), error.message);
  });

  it('an unreadable certificate, named by what it was read as', async () => {
    const garbage = new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]);
    const issuer = thrown(() => parseCrl(new Uint8Array([0x30, 0x00]), { issuer: garbage }));
    assert.equal(issuer.code, 'bad-certificate');
    assert.equal(issuer.message, 'The issuer certificate is not a valid X.509 certificate.');
    assert.equal(assertFrench(issuer, ['X.509']), 'Le certificat de l’émetteur n’est pas un certificat X.509 valide.');
    for (const [kind, en, fr] of [
      ['signing', 'The signing certificate', 'Le certificat de signature'],
      ['chain', 'A certificate of the chain', 'Un certificat de la chaîne'],
      ['trusted', 'A trusted certificate', 'Un certificat de confiance'],
      ['responder', 'An OCSP responder certificate', 'Un certificat de répondeur OCSP'],
      ['certificate', 'A certificate', 'Un certificat'],
    ] as const) {
      const error = thrown(() => parseCertificate(garbage.slice(), { kind }));
      assert.equal(error.message, `${en} is not a valid X.509 certificate.`);
      assert.equal(error.wordedIn('fr'), `${fr} n’est pas un certificat X.509 valide.`);
    }
    assert.equal(thrown(() => parseCertificate(garbage.slice())).message, 'A certificate is not a valid X.509 certificate.');
    // The issuer fetched for a certificate (AIA) names that certificate's subject, as data.
    const leaf = await selfSigned('Élodie Signataire', 'Missing CA');
    const fetched = await buildChain(leaf.der, [], { fetchMissing: () => Promise.resolve(garbage.slice()) }).then(() => null, (e: unknown) => e);
    assert.ok(isCmsError(fetched, 'bad-certificate'), String(fetched));
    assert.equal(fetched.message, 'The issuer of the certificate of Élodie Signataire is not a valid X.509 certificate.');
    assert.equal(fetched.params.subject, 'Élodie Signataire');
    assert.equal(assertFrench(fetched, ['Élodie Signataire', 'X.509']), 'L’émetteur du certificat de Élodie Signataire n’est pas un certificat X.509 valide.');
  });

  it('revoked, with and without a date and a reason', () => {
    const at = { subject: 'Élodie Signataire', date: '2024-05-01 12:34 UTC', dated: 'yes', reason: 'keyCompromise', reasoned: 'yes' };
    assert.equal(format('en', 'error.cms.revoked', at), 'The certificate of Élodie Signataire was revoked on 2024-05-01 12:34 UTC (keyCompromise).');
    assert.equal(format('fr', 'error.cms.revoked', at), 'Le certificat de Élodie Signataire a été révoqué le 2024-05-01 12:34 UTC (keyCompromise).');
    const bare = { subject: 'Élodie Signataire', date: '', dated: 'no', reason: '', reasoned: 'no' };
    assert.equal(format('en', 'error.cms.revoked', bare), 'The certificate of Élodie Signataire was revoked.');
    assert.equal(format('fr', 'error.cms.revoked', bare), 'Le certificat de Élodie Signataire a été révoqué.');
  });
});

describe('withCause', () => {
  const inner = msg('error.cms.tsa-no-url');

  it('carries a catalog message as plain data and words it in the outer message’s language', () => {
    const params = withCause({ subject: 'X' }, inner, { name: 'ocspCause' });
    for (const value of Object.values(params)) assert.ok(typeof value === 'string' || typeof value === 'number');
    const outer = withCause(params, msg('error.cms.crl-no-url', { subject: 'Y' }), { name: 'crlCause' });
    assert.equal(
      format('en', 'error.cms.no-revocation-data', outer),
      'The revocation status of the certificate of X cannot be obtained: No timestamp server URL is set: a timestamp server is needed for this signature level. And The certificate of Y names no revocation list.',
    );
    assert.equal(
      format('fr', 'error.cms.no-revocation-data', outer),
      'Le statut de révocation du certificat de X ne peut pas être obtenu : Aucune URL de serveur d’horodatage n’est définie : ce niveau de signature nécessite un serveur d’horodatage. Et Le certificat de Y n’indique aucune liste de révocation.',
    );
  });

  it('nests: the failure bits of a TSA refusal, each carrying the next, in one language', () => {
    const last = msg('error.cms.tsa-failure', { bit: 'unknown', index: 3, more: 'no', cause: '' });
    const middle = msg('error.cms.tsa-failure', withCause({ bit: 'systemFailure', index: 25, more: 'yes' }, last));
    const first = msg('error.cms.tsa-failure', withCause({ bit: 'badAlg', index: 0, more: 'yes' }, middle));
    assert.equal(format('en', first.key, first.params), 'badAlg: the hash algorithm is not supported, systemFailure: the server failed, failure bit 3');
    assert.equal(format('fr', first.key, first.params), 'badAlg : l’algorithme de hachage n’est pas pris en charge, systemFailure : le serveur a échoué, bit d’échec 3');
  });

  it('carries an error without a catalog message as its English sentence, lower-cased inside a sentence when asked', () => {
    const english = new CmsError('ocsp-timeout', 'The OCSP responder at http://o.example did not answer within 10 seconds.');
    const params = withCause({ subject: 'X' }, messageOf(english), { name: 'ocspCause', lower: true });
    assert.match(format('fr', 'error.cms.no-revocation-data', { ...params, crlCause: '…' }), /obtenu : the OCSP responder at http:\/\/o\.example did not answer within 10 seconds\. Et …$/);
  });

  it('takes "cause" or a name ending in "Cause" only', () => {
    assert.throws(() => withCause({}, inner, { name: 'ocsp' }), RangeError);
    assert.throws(() => withCause({}, inner, { name: 'a.bCause' }), RangeError);
    assert.doesNotThrow(() => withCause({}, inner, { name: 'ocspCause' }));
  });
});
