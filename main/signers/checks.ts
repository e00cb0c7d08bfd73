// What a signing certificate must be before anything is signed with it (a clear error before any
// byte is written), and what the UI shows of one (names come from main/x509, as everywhere).
import 'reflect-metadata';
import { X509Certificate as NodeCertificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { DOCUMENT_SIGNING_PURPOSES, certificateNames, fingerprint } from '../x509';
import type { CertificateNames } from '../x509';
import { SignerError } from './errors';
import { msg } from '../errors';

export interface CertificateDescription extends CertificateNames {
  /** Upper-case hex, as node:crypto and openssl print it. */
  serial: string;
  notBefore: Date;
  notAfter: Date;
  /** SHA-256 of the DER, lower-case hex without separators. */
  fingerprintSha256: string;
}

export interface CertificateCheck {
  /**
   * Things the user may want to know that do not prevent signing (e.g. a certificate whose only
   * extended key usage is TLS client authentication). One English sentence each.
   */
  warnings: string[];
}

/**
 * TLS client authentication: signing accepts it, with a warning, though path validation does not
 * (it is not one of main/x509's DOCUMENT_SIGNING_PURPOSES).
 */
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

/** Extended key usages signing accepts: the document-signing ones, and TLS client authentication. */
const signs = (oid: string): boolean => oid in DOCUMENT_SIGNING_PURPOSES || oid === CLIENT_AUTH;

const EKU_NAMES: Readonly<Record<string, string>> = {
  ...DOCUMENT_SIGNING_PURPOSES,
  [CLIENT_AUTH]: 'TLS client authentication',
  '1.3.6.1.5.5.7.3.1': 'TLS server authentication',
  '1.3.6.1.5.5.7.3.3': 'code signing',
  '1.3.6.1.5.5.7.3.8': 'time stamping',
  '1.3.6.1.5.5.7.3.9': 'OCSP signing',
  '1.3.6.1.4.1.311.10.3.4': 'encrypting file system',
};

function parse(der: Uint8Array): { cert: x509.X509Certificate; node: NodeCertificate } {
  try {
    // A copy: @peculiar/x509 wants an ArrayBuffer-backed view (not a SharedArrayBuffer one).
    return { cert: new x509.X509Certificate(new Uint8Array(der)), node: new NodeCertificate(der) };
  } catch (e) {
    throw new SignerError('bad-certificate', msg('error.signer.certificate-unreadable'), { cause: e });
  }
}

/** Names and dates of a certificate, for messages and the UI. */
export function describeCertificate(der: Uint8Array): CertificateDescription {
  const { cert, node } = parse(der);
  return describeParsed(der, cert, node);
}

function describeParsed(der: Uint8Array, cert: x509.X509Certificate, node: NodeCertificate): CertificateDescription {
  return {
    ...certificateNames(cert),
    serial: node.serialNumber.toUpperCase(),
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    fingerprintSha256: fingerprint(der),
  };
}

/** "2021-01-01" (UTC): unambiguous in every locale. */
const day = (date: Date): string => date.toISOString().slice(0, 10);

/**
 * Refuses a certificate that cannot make a valid signature at `at`: 'expired', 'not-yet-valid',
 * 'no-signing-key-usage' (keyUsage present with neither digitalSignature nor nonRepudiation),
 * 'wrong-extended-key-usage' (extendedKeyUsage present without a document-signing purpose).
 * Returns warnings for what is allowed but worth saying.
 */
export function checkSigningCertificate(der: Uint8Array, options: { at: Date }): CertificateCheck {
  const { cert, node } = parse(der);
  const who = describeParsed(der, cert, node).subject;
  const warnings: string[] = [];

  if (options.at.getTime() > cert.notAfter.getTime()) {
    throw new SignerError('expired', msg('error.signer.expired', { who, date: day(cert.notAfter) }));
  }
  if (options.at.getTime() < cert.notBefore.getTime()) {
    throw new SignerError('not-yet-valid', msg('error.signer.not-yet-valid', { who, date: day(cert.notBefore) }));
  }

  const keyUsage = cert.getExtension(x509.KeyUsagesExtension);
  if (keyUsage) {
    if ((keyUsage.usages & (x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation)) === 0) {
      throw new SignerError('no-signing-key-usage', msg('error.signer.no-signing-key-usage', { who }));
    }
  }

  const extendedKeyUsage = cert.getExtension(x509.ExtendedKeyUsageExtension);
  if (extendedKeyUsage) {
    const purposes = extendedKeyUsage.usages.map(String);
    const signing = purposes.filter(signs);
    if (signing.length === 0) {
      const names = purposes.map((oid) => EKU_NAMES[oid] ?? oid).join(', ');
      throw new SignerError('wrong-extended-key-usage', msg('error.signer.wrong-extended-key-usage', { who, purposes: names }));
    }
    if (signing.length === 1 && signing[0] === CLIENT_AUTH) {
      warnings.push(
        `The certificate of ${who} is meant for TLS client authentication only; validators (Paraphe's own included) may not accept it for document signatures.`,
      );
    }
  }
  return { warnings };
}
