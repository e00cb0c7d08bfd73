// Certificate revocation lists (RFC 5280 section 5): DER or PEM, issued and signed by the CA that
// issued the certificates they list (indirect CRLs and delta CRLs are not handled: their entries
// would need the certificate issuer extension and a base CRL). The network part is
// main/remote/revocation.ts.
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { displayName } from '../x509';
import { algorithmName, verifySignature } from './algorithms';
import { parseCertificate, subjectName } from './certificates';
import type { Certificate } from './certificates';
import { copyBytes, integerHex, normalizeSerial, parseAsn1, pemOrDer, serverParams } from './engine';
import { CmsError } from './errors';
import { msg } from '../errors';

export interface CrlEntry {
  revokedAt: Date;
  /** CRLReason in words, when the entry gives one. */
  reason?: string;
}

export interface CrlResult {
  /** The issuer's name (common name, or the DN) for messages. */
  issuer: string;
  thisUpdate: Date;
  nextUpdate?: Date;
  /** The entry for a serial number (hex, any case, leading zeros ignored), or null if not listed. */
  isRevoked(serialHex: string): CrlEntry | null;
  /** Number of entries. */
  size: number;
  /** The DER CRL, as it goes into a DSS /CRLs entry. */
  der: Uint8Array;
}

const CRL_REASONS = [
  'unspecified', 'keyCompromise', 'cACompromise', 'affiliationChanged', 'superseded', 'cessationOfOperation', 'certificateHold', 'unused',
  'removeFromCRL', 'privilegeWithdrawn', 'aACompromise',
];
const REASON_CODE = '2.5.29.21';

/** A CRLReason (RFC 5280 5.3.1) in words, as CRL entries and OCSP revokedInfo give it. */
export function crlReasonName(reason: asn1js.Enumerated): string {
  const code = reason.valueBlock.valueDec;
  return CRL_REASONS[code] ?? `reason ${code}`;
}

/**
 * Parses a CRL (DER or PEM) and checks that `issuer` issued it: same name and a signature that
 * verifies with its key. Errors: crl-bad-response, crl-bad-signature.
 */
export function parseCrl(bytes: Uint8Array, options: { issuer: Uint8Array | Certificate; server?: string }): CrlResult {
  const server = serverParams(options.server);
  const issuer = parseCertificate(options.issuer, { kind: 'issuer' });
  const crlDer = copyBytes(pemOrDer(bytes, 'X509 CRL'));
  let crl: pkijs.CertificateRevocationList;
  try {
    const root = parseAsn1(crlDer);
    if (root === null) throw new Error('not DER');
    crl = new pkijs.CertificateRevocationList({ schema: root });
  } catch (e) {
    throw new CmsError('crl-bad-response', msg('error.cms.crl-not-crl', server), { cause: e });
  }
  const named = displayName(crl.issuer);
  const issuerName = named || 'an unnamed CA';
  if (!crl.issuer.isEqual(issuer.cert.subject)) {
    throw new CmsError('crl-bad-signature', msg('error.cms.crl-other-issuer', { ...server, crlIssuer: named, crlIssuerNamed: named ? 'yes' : 'no', subject: subjectName(issuer) }));
  }
  let signed: boolean;
  try {
    signed = verifySignature({
      data: new Uint8Array(crl.tbsView),
      signature: new Uint8Array(crl.signatureValue.valueBlock.valueHexView),
      publicKey: issuer.x509.publicKey,
      signatureAlgorithm: crl.signatureAlgorithm,
    });
  } catch (e) {
    if (e instanceof CmsError) throw new CmsError('crl-bad-signature', msg('error.cms.crl-algorithm', { ...server, algorithm: algorithmName(crl.signatureAlgorithm.algorithmId) }), { cause: e });
    throw e;
  }
  if (!signed) throw new CmsError('crl-bad-signature', msg('error.cms.crl-signature', { ...server, subject: subjectName(issuer) }));

  const entries = new Map<string, CrlEntry>();
  for (const entry of crl.revokedCertificates ?? []) {
    const item: CrlEntry = { revokedAt: entry.revocationDate.value };
    const reasonExt = entry.crlEntryExtensions?.extensions.find((e) => e.extnID === REASON_CODE);
    const reason = reasonExt ? parseAsn1(new Uint8Array(reasonExt.extnValue.valueBlock.valueHexView)) : null;
    if (reason instanceof asn1js.Enumerated) item.reason = crlReasonName(reason);
    entries.set(integerHex(entry.userCertificate), item);
  }
  return {
    issuer: issuerName,
    thisUpdate: crl.thisUpdate.value,
    ...(crl.nextUpdate ? { nextUpdate: crl.nextUpdate.value } : {}),
    isRevoked: (serialHex) => entries.get(normalizeSerial(serialHex)) ?? null,
    size: entries.size,
    der: crlDer,
  };
}
