// The reason table of the validator and the small parsers of validate.ts / cli/verify.ts.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { describe, it } from 'node:test';
import * as x509 from '@peculiar/x509';
import { REASONS, REASON_CODES, reason } from '../../main/validation/reasons';
import { format, hasMessage } from '../../preload/contract/messages';
import { msg } from '../../main/errors';
import type { ReasonCode } from '../../main/validation/reasons';
import { readPdfDate } from '../../main/pdf';
import { signerSummary, verdictOf } from '../../main/validation/validate';
import type { FileReport, SignatureReport } from '../../main/validation/validate';
import { PdfString } from '../../main/pdf';
import { parseCertificate } from '../../main/cms';
import { signerRevocationReasons, timestampRevocationReasons, timestampStands } from '../../main/validation/revocation';
import type { RevocationResult } from '../../main/validation/revocation';
import { certificatesOf, describe as describeReport } from '../../main/cli/verify';
import { parseCommandLine } from '../../main/cli/args';

describe('validation reasons', () => {
  it('a detail from the catalog is worded in both languages; an English string only in English', () => {
    const worded = reason('BYTE_RANGE_MALFORMED', msg('reason.detail.byte-range.out-of-order', { first: 1200, second: 1100 }));
    assert.match(worded.messages.en, /\(its ranges are out of order: the second starts at byte 1,100, before the first ends at byte 1,200\)\.$/);
    assert.match(worded.messages.fr, /\(ses plages sont dans le désordre : la seconde commence à l’octet 1\u202f100, avant la fin de la première à l’octet 1\u202f200\)\.$/);
    assert.equal(worded.message, worded.messages.en);
    const technical = reason('BYTE_RANGE_MALFORMED', 'offset 12');
    assert.match(technical.messages.en, /\(offset 12\)\.$/);
    assert.equal(technical.messages.fr, REASONS.BYTE_RANGE_MALFORMED.fr);
  });

  it('a certificate damaged in a signature value is worded in both languages', () => {
    const worded = reason('CONTAINER_UNREADABLE', msg('reason.detail.container.bad-certificate', { index: 2, count: 3 }));
    assert.equal(worded.messages.en, 'The signature data cannot be read (certificate 2 of the 3 certificates it carries is damaged: not a valid X.509 certificate).');
    assert.equal(worded.messages.fr, 'Les données de la signature sont illisibles (le certificat 2 des 3 certificats qu’elle contient est abîmé : ce n’est pas un certificat X.509 valide).');
  });

  it('has one English and one French sentence for every code, from the message catalog', () => {
    assert.deepEqual(Object.keys(REASONS).sort(), [...REASON_CODES].sort());
    for (const code of REASON_CODES) assert.ok(hasMessage(`reason.${code}`), code);
    assert.equal(REASONS.CHAIN_ISSUER_NOT_CA.fr, format('fr', 'reason.CHAIN_ISSUER_NOT_CA'));
    assert.match(REASONS.CHAIN_ISSUER_NOT_CA.fr, /autorité de certification/);
    for (const [code, text] of Object.entries(REASONS)) {
      assert.match(code, /^[A-Z_]+$/);
      assert.ok(text.en.endsWith('.') && text.fr.endsWith('.'), code);
      assert.notEqual(text.en, text.fr, code);
    }
  });

  it('says why a chain is not trusted, in both languages, for each rule of path validation', () => {
    const codes: ReasonCode[] = [
      'CHAIN_ISSUER_NOT_CA', 'CHAIN_ISSUER_KEY_USAGE', 'CHAIN_PATH_LENGTH', 'CHAIN_CERT_EXPIRED', 'CHAIN_CERT_NOT_YET_VALID',
      'CHAIN_UNKNOWN_CRITICAL_EXTENSION', 'CHAIN_NAME_CONSTRAINTS', 'CHAIN_EKU',
    ];
    for (const code of codes) {
      const text = REASONS[code];
      assert.ok(text, code);
      assert.ok(text.en.length > 20 && text.fr.length > 20, code);
      // Plain words: no OIDs or X.509 jargon for office staff.
      assert.doesNotMatch(`${text.en} ${text.fr}`, /basicConstraints|keyCertSign|pathLen|\d+\.\d+\.\d+|EKU/, code);
    }
    assert.match(reason('CHAIN_ISSUER_NOT_CA', 'The certificate of Mallory is not a certification authority.').message, /\(The certificate of Mallory/);
  });

  it('appends the detail to the English message only', () => {
    const r = reason('CHAIN_UNTRUSTED' satisfies ReasonCode, 'chain: A → B.');
    assert.equal(r.code, 'CHAIN_UNTRUSTED');
    assert.match(r.message, /\(chain: A → B\)\.$/);
    assert.equal(r.messages.en, r.message);
    assert.equal(r.messages.fr, REASONS.CHAIN_UNTRUSTED.fr);
    assert.equal(reason('DIGEST_MISMATCH').message, REASONS.DIGEST_MISMATCH.en);
  });
});

describe('validation helpers', () => {
  const str = (s: string) => new PdfString(new TextEncoder().encode(s), false);

  it('reads PDF dates with and without offsets', () => {
    assert.equal(readPdfDate(str("D:20261123010203+01'00'")), '2026-11-23T00:02:03.000Z');
    assert.equal(readPdfDate(str('D:20261123010203Z')), '2026-11-23T01:02:03.000Z');
    assert.equal(readPdfDate(str('D:2026')), '2026-01-01T00:00:00.000Z');
    assert.equal(readPdfDate(str('yesterday')), null);
    assert.equal(readPdfDate(null), null);
  });

  it('gives the verdict of a file from its signatures', () => {
    const s = (status: SignatureReport['status']) => ({ status }) as SignatureReport;
    assert.equal(verdictOf([]), 'NO_SIGNATURES');
    assert.equal(verdictOf([s('VALID'), s('VALID')]), 'VALID');
    assert.equal(verdictOf([s('VALID'), s('INDETERMINATE')]), 'INDETERMINATE');
    assert.equal(verdictOf([s('INDETERMINATE'), s('INVALID')]), 'INVALID');
  });

  it('names the issuer by its display name, an escaped comma in its common name included', async () => {
    const crypto = webcrypto as unknown as Crypto;
    const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
    const cert = await x509.X509CertificateGenerator.create({
      subject: 'C=FR, CN=Élodie Signataire', issuer: 'C=FR, O=Foo Group, CN=Foo\\, Inc', serialNumber: '0a',
      notBefore: new Date(Date.now() - 3600_000), notAfter: new Date(Date.now() + 86400_000),
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' }, publicKey: keys.publicKey, signingKey: keys.privateKey,
    }, crypto);
    const signer = signerSummary(parseCertificate(new Uint8Array(cert.rawData)));
    assert.equal(signer.issuerName, 'Foo, Inc');
    assert.equal(signer.name, 'Élodie Signataire');
    assert.match(signer.issuer, /CN=Foo\\, Inc/);
    const report = {
      file: 'a.pdf', verdict: 'INDETERMINATE',
      signatures: [{
        field: 'Signature1', kind: 'approval', status: 'INDETERMINATE', signer, signedAt: null, timestamp: null, intact: true, signatureValid: true,
        trusted: false, revocation: 'not-checked', coversWholeFile: true, revision: 1, modifications: 'none', level: 'B-B', reasons: [],
      }],
    } as unknown as FileReport;
    assert.match(describeReport(report), /^ {5}Signed by: Élodie Signataire \(certificate issued by Foo, Inc\)$/m);
  });

  it('says what a revocation status adds, for a signer and for a timestamp, with one convention', () => {
    const time = new Date('2025-06-01T00:00:00Z');
    const result = (status: RevocationResult['status'], extra: Partial<RevocationResult> = {}): RevocationResult => ({ status, detail: 'X', allFromDss: false, needed: 1, ...extra });
    const codes = (reasons: { code: string }[]) => reasons.map((r) => r.code);
    const before = result('revoked', { revokedAt: new Date('2025-05-01T00:00:00Z') });
    const after = result('revoked', { revokedAt: new Date('2025-07-01T00:00:00Z') });
    const undated = result('revoked', { revokedAt: new Date(0) });
    assert.deepEqual([before, after, undated].map((r) => timestampStands(r, time)), [false, true, false]);
    assert.deepEqual([before, after, undated].map((r) => codes(timestampRevocationReasons(r, time))), [['TIMESTAMP_REVOKED'], [], ['TIMESTAMP_REVOKED']]);
    assert.deepEqual(codes(timestampRevocationReasons(result('unknown', { notFresh: 'stale' }), time)), ['TIMESTAMP_REVOCATION_UNKNOWN']);
    assert.equal(timestampStands(result('unknown'), time), true);
    assert.deepEqual(codes(timestampRevocationReasons(result('good'), time)), []);
    assert.deepEqual([before, after].map((r) => codes(signerRevocationReasons(r, time))), [['CERTIFICATE_REVOKED'], ['REVOKED_AFTER_SIGNING']]);
    assert.deepEqual(codes(signerRevocationReasons(after, null)), ['CERTIFICATE_REVOKED']);
    assert.deepEqual(
      [undefined, 'stale', 'future'].map((notFresh) => codes(signerRevocationReasons(result('unknown', notFresh ? { notFresh: notFresh as 'stale' | 'future' } : {}), time))),
      [['REVOCATION_UNKNOWN'], ['REVOCATION_NOT_FRESH'], ['REVOCATION_NOT_YET_VALID']],
    );
  });

  it('reads every certificate of a PEM bundle, or the file as DER', () => {
    const pem = `-----BEGIN CERTIFICATE-----\nAQID\n-----END CERTIFICATE-----\nx\n-----BEGIN CERTIFICATE-----\nBAUG\n-----END CERTIFICATE-----\n`;
    assert.deepEqual(certificatesOf(new TextEncoder().encode(pem)).map((c) => [...c]), [[1, 2, 3], [4, 5, 6]]);
    assert.deepEqual([...(certificatesOf(new Uint8Array([0x30, 0]))[0] ?? [])], [0x30, 0]);
  });

  it('parses paraphe verify arguments', () => {
    assert.deepEqual(parseCommandLine(['verify', 'a.pdf', 'b.pdf', '--trust', 'x.pem', '--trust', 'y.pem', '--no-system-trust', '--online', '--json']), {
      kind: 'verify', files: ['a.pdf', 'b.pdf'], trust: ['x.pem', 'y.pem'], systemTrust: false, online: true, json: true, pdfPasswordEnv: null,
    });
    assert.deepEqual(parseCommandLine(['verify', 'a.pdf']), { kind: 'verify', files: ['a.pdf'], trust: [], systemTrust: true, online: false, json: false, pdfPasswordEnv: null });
    assert.deepEqual(parseCommandLine(['verify', 'a.pdf', '--pdf-password-env', 'PDF_PW']), { kind: 'verify', files: ['a.pdf'], trust: [], systemTrust: true, online: false, json: false, pdfPasswordEnv: 'PDF_PW' });
    assert.deepEqual(parseCommandLine(['verify', '--help']), { kind: 'help', topic: 'verify' });
    assert.throws(() => parseCommandLine(['verify']), { message: 'verify needs at least one PDF file' });
    assert.throws(() => parseCommandLine(['verify', 'a.pdf', '--trusted', 'x']), /unknown option/);
  });
});
