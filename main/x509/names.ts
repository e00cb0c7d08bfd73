// How certificates are named, in every layer: one rule on one library (@peculiar/x509's Name), so
// "Élodie Signataire" reads the same in a signing error, a chain report and the identity list.
import 'reflect-metadata';
import { createHash } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type * as pkijs from 'pkijs';

/** A distinguished name, as @peculiar/x509 or pkijs parsed it. */
export type NameInput = x509.Name | pkijs.RelativeDistinguishedNames;

function toName(input: NameInput): x509.Name | null {
  try {
    // pkijs' name is re-encoded (DER) for @peculiar/x509 to read: one parser names everything.
    return input instanceof x509.Name ? input : new x509.Name(input.toSchema().toBER(false));
  } catch {
    return null;
  }
}

/**
 * The whole name, attributes in the order the certificate encodes them:
 * "C=FR, O=Paraphe Test, OU=Signataires, CN=Élodie Signataire". '' for an empty or unreadable name.
 */
export function distinguishedName(input: NameInput): string {
  return toName(input)?.toString() ?? '';
}

/**
 * How messages and the UI name a subject or an issuer: its common name ("Élodie Signataire"; several
 * are joined by ", "), or, lacking one, its whole distinguished name. '' for an empty name.
 */
export function displayName(input: NameInput): string {
  const name = toName(input);
  if (!name) return '';
  const cn = name.getField('CN');
  return cn.length > 0 ? cn.join(', ') : name.toString();
}

export interface CertificateNames {
  /** The subject's display name (common name, else the DN). */
  subject: string;
  /** The issuer's display name (common name, else the DN). */
  issuer: string;
  /** The full distinguished names. */
  subjectDn: string;
  issuerDn: string;
}

/** The names of a certificate (DER, or one @peculiar/x509 parsed); throws when it cannot be parsed. */
export function certificateNames(certificate: Uint8Array | x509.X509Certificate): CertificateNames {
  // A copy: @peculiar/x509 wants an ArrayBuffer-backed view (not a SharedArrayBuffer one).
  const cert = certificate instanceof x509.X509Certificate ? certificate : new x509.X509Certificate(new Uint8Array(certificate));
  return {
    subject: displayName(cert.subjectName),
    issuer: displayName(cert.issuerName),
    subjectDn: distinguishedName(cert.subjectName),
    issuerDn: distinguishedName(cert.issuerName),
  };
}

/** SHA-256 of the DER, lower-case hex without separators: a certificate's identity. */
export function fingerprint(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('hex');
}
