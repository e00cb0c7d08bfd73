// X.509 certificates as this layer needs them: parsed once (pkijs for the structure, node:crypto
// X509Certificate for issuer checks and keys), named in messages, and read for the extensions that
// drive timestamping and revocation: EKU, AIA (OCSP, caIssuers), CRL distribution points,
// id-pkix-ocsp-nocheck.
import { X509Certificate } from 'node:crypto';
import type * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { displayName } from '../x509';
import { OID } from './algorithms';
import { arrayBufferView, integerHex, pemOrDer } from './engine';
import { CmsError } from './errors';
import { msg } from '../errors';

export interface Certificate {
  /** The DER bytes, exactly as received. */
  readonly der: Uint8Array;
  readonly cert: pkijs.Certificate;
  readonly x509: X509Certificate;
}

const cache = new WeakMap<Uint8Array, Certificate>();

/**
 * What `parseCertificate` is reading, for its error (the `kind` select of
 * error.cms.bad-certificate): the signing certificate, one of the chain, a trust anchor, an OCSP
 * responder's, the issuer given for a revocation check, the issuer fetched for the certificate of
 * `subject` (its display name), or just a certificate.
 */
export type CertificateRole =
  | { readonly kind: 'signing' | 'chain' | 'trusted' | 'responder' | 'issuer' | 'certificate' }
  | { readonly kind: 'issuerOf'; readonly subject: string };

/**
 * Parses a DER (or PEM) certificate; `role` says in the error what it was ("The signing
 * certificate is not a valid X.509 certificate"). Parsing the same Uint8Array twice returns the
 * same object.
 */
export function parseCertificate(bytes: Uint8Array | Certificate, role: CertificateRole = { kind: 'certificate' }): Certificate {
  if (!(bytes instanceof Uint8Array)) return bytes;
  const cached = cache.get(bytes);
  if (cached) return cached;
  const der = pemOrDer(bytes, 'CERTIFICATE');
  let parsed: Certificate;
  try {
    parsed = { der, cert: pkijs.Certificate.fromBER(arrayBufferView(der)), x509: new X509Certificate(der) };
  } catch (e) {
    const subject = role.kind === 'issuerOf' ? role.subject : '';
    throw new CmsError('bad-certificate', msg('error.cms.bad-certificate', { kind: role.kind, subject }), { cause: e });
  }
  cache.set(bytes, parsed);
  return parsed;
}

/** The subject's common name (or, lacking one, its whole DN), for messages: main/x509's rule. */
export function subjectName(certificate: Uint8Array | Certificate): string {
  return displayName(parseCertificate(certificate).cert.subject);
}

/** "the certificate of Élodie Signataire": how messages name a certificate. */
export function certificateLabel(certificate: Uint8Array | Certificate): string {
  return `the certificate of ${subjectName(certificate)}`;
}

/** Serial number, upper-case hex without leading zero octets. */
export function serialHex(certificate: Uint8Array | Certificate): string {
  return integerHex(parseCertificate(certificate).cert.serialNumber);
}

/** SHA-256 of the DER, hex: the identity used to deduplicate certificates (main/x509's, one name in every layer). */
export { fingerprint } from '../x509';

export function extension(certificate: Uint8Array | Certificate, oid: string): pkijs.Extension | undefined {
  return parseCertificate(certificate).cert.extensions?.find((e) => e.extnID === oid);
}

/** The extended key usage purposes and whether the extension is critical; null without one. */
export function extendedKeyUsage(certificate: Uint8Array | Certificate): { purposes: string[]; critical: boolean } | null {
  const ext = extension(certificate, OID.extKeyUsage);
  if (!ext) return null;
  const parsed = ext.parsedValue as pkijs.ExtKeyUsage | undefined;
  return { purposes: parsed?.keyPurposes ?? [], critical: ext.critical };
}

/** id-pkix-ocsp-nocheck (RFC 6960 4.2.2.2.1): an OCSP responder certificate nobody checks. */
export function hasOcspNoCheck(certificate: Uint8Array | Certificate): boolean {
  return extension(certificate, OID.ocspNoCheck) !== undefined;
}

export function subjectKeyIdentifier(certificate: Uint8Array | Certificate): Uint8Array | null {
  const value = extension(certificate, OID.subjectKeyIdentifier)?.parsedValue as asn1js.OctetString | undefined;
  return value ? new Uint8Array(value.valueBlock.valueHexView) : null;
}

/** True when `issuer` issued `certificate`: names and key identifiers match and the signature verifies. */
export function isIssuedBy(certificate: Uint8Array | Certificate, issuer: Uint8Array | Certificate): boolean {
  const child = parseCertificate(certificate);
  const parent = parseCertificate(issuer);
  try {
    return child.x509.checkIssued(parent.x509) && child.x509.verify(parent.x509.publicKey);
  } catch {
    return false;
  }
}

/** A self-signed certificate (a root): issued by itself. */
export function isSelfSigned(certificate: Uint8Array | Certificate): boolean {
  return isIssuedBy(certificate, certificate);
}

/** Validity check at `when`. */
export function isValidAt(certificate: Uint8Array | Certificate, when: Date): boolean {
  const { x509 } = parseCertificate(certificate);
  return new Date(x509.validFrom).getTime() <= when.getTime() && when.getTime() <= new Date(x509.validTo).getTime();
}

export interface CertificateUrls {
  /** AIA id-ad-ocsp URIs. */
  ocsp: string[];
  /** AIA id-ad-caIssuers URIs. */
  caIssuers: string[];
  /** CRL distribution point full-name URIs. */
  crl: string[];
}

/** The URLs a certificate names for its issuer and its revocation status (all schemes, in order). */
export function certificateUrls(certificate: Uint8Array | Certificate): CertificateUrls {
  const urls: CertificateUrls = { ocsp: [], caIssuers: [], crl: [] };
  const aia = extension(certificate, OID.authorityInfoAccess)?.parsedValue as pkijs.InfoAccess | undefined;
  for (const description of aia?.accessDescriptions ?? []) {
    const uri = uriOf(description.accessLocation);
    if (uri === null) continue;
    if (description.accessMethod === OID.accessOcsp) urls.ocsp.push(uri);
    else if (description.accessMethod === OID.accessCaIssuers) urls.caIssuers.push(uri);
  }
  const dps = extension(certificate, OID.crlDistributionPoints)?.parsedValue as pkijs.CRLDistributionPoints | undefined;
  for (const point of dps?.distributionPoints ?? []) {
    if (!Array.isArray(point.distributionPoint)) continue; // nameRelativeToCRLIssuer: no URL
    for (const name of point.distributionPoint) {
      const uri = uriOf(name);
      if (uri !== null) urls.crl.push(uri);
    }
  }
  return urls;
}

/** The http(s) URLs among `urls`: what this client can fetch (ldap: and file: are skipped). */
export function httpUrls(urls: readonly string[]): string[] {
  return urls.filter((u) => /^https?:\/\//i.test(u));
}

function uriOf(name: pkijs.GeneralName): string | null {
  // uniformResourceIdentifier [6] IA5String
  return name.type === 6 && typeof name.value === 'string' ? name.value.trim() : null;
}
