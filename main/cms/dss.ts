// The data of a PAdES B-LT Document Security Store (ETSI EN 319 142-1 5.4.2, ISO 32000-2 12.8.4.3):
// the certificates of the signer's and the TSA's chains, and for every certificate that names a
// revocation service an OCSP response (preferred: small and current) or else a CRL. No silent
// downgrade: a certificate that names OCSP or CRL URLs but for which neither can be obtained fails
// the whole collection, with the reasons.
import { createHash } from 'node:crypto';
import {
  certificateUrls, fingerprint, hasOcspNoCheck, httpUrls, isSelfSigned, parseCertificate, serialHex, subjectName,
} from './certificates';
import type { CrlResult } from './crl';
import { formatDate } from './engine';
import { CmsError, isCmsError } from './errors';
import { messageOf } from '../errors';
import { msg } from '../errors';
import { withCause } from '../../preload/contract/messages';
import type { OcspResult } from './ocsp';

/**
 * The key of a signature's entry in the DSS /VRI dictionary: the upper-case hex SHA-1 of the
 * signature's /Contents string — all of it, trailing zero padding included. ISO 32000-2:2020,
 * Table 261 (DSS dictionary), note a: "For a document signature or document timestamp signatures,
 * the bytes that are hashed are those of the complete hexadecimal string, including zero padding,
 * in the Contents entry of the associated signature dictionary". EU DSS (VRITest: SHA-1 of
 * PDSignature.getContents, "the pdSignature content is trimmed (000000)" noting the padding is
 * kept) and pyHanko (DocumentSecurityStore.sig_content_identifier over sig_object['/Contents'])
 * do the same.
 *
 * `contents` is the decoded /Contents value; when it is the bare DER (shorter than the
 * placeholder), pass `contentsLength` (the placeholder's size in bytes, half its hex digits) and
 * the zero padding is added before hashing.
 */
export function vriKey(contents: Uint8Array, contentsLength?: number): string {
  const hash = createHash('sha1').update(contents);
  if (contentsLength !== undefined) {
    if (contentsLength < contents.length) throw new RangeError(`vriKey: a ${contents.length}-byte signature does not fit in ${contentsLength} bytes`);
    hash.update(Buffer.alloc(contentsLength - contents.length));
  }
  return hash.digest('hex').toUpperCase();
}

export interface ValidationData {
  /** DER certificates, each once: the chains, then the OCSP responders'. */
  certs: Uint8Array[];
  /** DER OCSPResponses, each once. */
  ocsps: Uint8Array[];
  /** DER CRLs, each once. */
  crls: Uint8Array[];
}

export interface RevocationFetchers {
  /** Asks the certificate's OCSP responder (AIA); throws CmsError when it cannot. */
  fetchOcsp: (certificate: Uint8Array, issuer: Uint8Array) => Promise<OcspResult>;
  /** Fetches and checks the certificate's CRL (distribution points); throws CmsError when it cannot. */
  fetchCrl: (certificate: Uint8Array, issuer: Uint8Array) => Promise<CrlResult>;
}

export interface CollectValidationOptions extends RevocationFetchers {
  /** Certificate paths, each leaf first up to its root (buildChain). */
  chains: readonly (readonly Uint8Array[])[];
}

export interface RevocationCheck {
  certificate: Uint8Array;
  source: 'ocsp' | 'crl' | 'none';
}

/**
 * Gathers certificates, OCSP responses and CRLs for every certificate of `chains`, except roots
 * (self-signed) and OCSP responder certificates marked id-pkix-ocsp-nocheck. Errors: revoked (the
 * message names the certificate and the date), chain-incomplete (a certificate whose issuer is not
 * in its chain), and the fetchers' own errors — or no-revocation-data with both reasons when OCSP
 * failed and the CRL fallback failed too.
 */
export async function collectValidationData(options: CollectValidationOptions): Promise<ValidationData & { checks: RevocationCheck[] }> {
  const certs = new Unique();
  const ocsps = new Unique();
  const crls = new Unique();
  const checks = new Map<string, Promise<RevocationCheck>>();

  const check = (cert: Uint8Array, issuer: Uint8Array | undefined, crlOnly: boolean): Promise<RevocationCheck> => {
    const id = fingerprint(parseCertificate(cert).der);
    let pending = checks.get(id);
    if (!pending) {
      pending = checkOne(cert, issuer, crlOnly);
      checks.set(id, pending);
    }
    return pending;
  };

  const checkOne = async (cert: Uint8Array, issuer: Uint8Array | undefined, crlOnly: boolean): Promise<RevocationCheck> => {
    if (isSelfSigned(cert) || hasOcspNoCheck(cert)) return { certificate: cert, source: 'none' };
    const urls = certificateUrls(cert);
    const ocspUrls = crlOnly ? [] : httpUrls(urls.ocsp);
    const crlUrls = httpUrls(urls.crl);
    if (ocspUrls.length === 0 && crlUrls.length === 0) return { certificate: cert, source: 'none' };
    if (!issuer) {
      throw new CmsError('chain-incomplete', msg('error.cms.issuer-missing', { subject: subjectName(cert) }));
    }
    let ocspFailure: CmsError | null = null;
    if (ocspUrls.length > 0) {
      try {
        const ocsp = await options.fetchOcsp(cert, issuer);
        if (ocsp.status === 'revoked') throw revoked(cert, ocsp.revokedAt, ocsp.revocationReason);
        if (ocsp.status === 'good') {
          ocsps.add(ocsp.der);
          for (const responderCert of ocsp.responderCertificates) certs.add(responderCert);
          // A delegated responder without id-pkix-ocsp-nocheck needs its own revocation data (by CRL).
          const responder = ocsp.responderCertificate;
          if (fingerprint(responder) !== fingerprint(parseCertificate(issuer).der)) await check(responder, issuer, true);
          return { certificate: cert, source: 'ocsp' };
        }
        ocspFailure = new CmsError('ocsp-unknown', msg('error.cms.ocsp-unknown', { subject: subjectName(cert) }));
      } catch (e) {
        if (isCmsError(e, 'revoked') || !isCmsError(e)) throw e;
        ocspFailure = e;
      }
    }
    if (crlUrls.length === 0 && ocspFailure) throw ocspFailure;
    try {
      const crl = await options.fetchCrl(cert, issuer);
      const entry = crl.isRevoked(serialHex(cert));
      if (entry) throw revoked(cert, entry.revokedAt, entry.reason);
      crls.add(crl.der);
      return { certificate: cert, source: 'crl' };
    } catch (e) {
      if (!ocspFailure || isCmsError(e, 'revoked') || !isCmsError(e)) throw e;
      // Both failures inside the sentence, each worded in the same language as it.
      const ocsp = withCause({ subject: subjectName(cert) }, messageOf(ocspFailure), { name: 'ocspCause', lower: true });
      const params = withCause(ocsp, messageOf(e), { name: 'crlCause', lower: true });
      throw new CmsError('no-revocation-data', msg('error.cms.no-revocation-data', params), { cause: e });
    }
  };

  // One check per certificate of the chains (a certificate in several chains is checked once).
  const chained = new Map<string, Promise<RevocationCheck>>();
  for (const chain of options.chains) {
    chain.forEach((cert, i) => {
      const der = parseCertificate(cert).der;
      certs.add(der);
      const id = fingerprint(der);
      if (!chained.has(id)) chained.set(id, check(cert, chain[i + 1], false));
    });
  }
  const results = await Promise.all(chained.values());
  await Promise.all(checks.values()); // responder checks started along the way
  return { certs: certs.list, ocsps: ocsps.list, crls: crls.list, checks: results };
}

function revoked(cert: Uint8Array, at: Date | undefined, reason: string | undefined): CmsError {
  return new CmsError('revoked', msg('error.cms.revoked', {
    subject: subjectName(cert),
    date: at ? formatDate(at) : '',
    dated: at ? 'yes' : 'no',
    reason: reason && reason !== 'unspecified' ? reason : '',
    reasoned: reason && reason !== 'unspecified' ? 'yes' : 'no',
  }));
}

/** DER byte strings, each once, in the order first added. */
class Unique {
  readonly list: Uint8Array[] = [];
  private readonly seen = new Set<string>();
  add(der: Uint8Array): void {
    const id = fingerprint(der);
    if (this.seen.has(id)) return;
    this.seen.add(id);
    this.list.push(der);
  }
}
