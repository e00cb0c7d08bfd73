// Revocation and issuer data over HTTP, at the URLs certificates name (RFC 5280 AIA and CRL
// distribution points): OCSP by POST application/ocsp-request (RFC 6960 appendix A), CRLs and CA
// certificates by GET (DER, PEM, or a PKCS#7 certs-only bundle for caIssuers, RFC 5280 4.2.2.1).
// Answers are checked by main/cms (signatures, issuers, nonce) and here for freshness: data for a
// new B-LT signature must be current.
import { buildChain } from '../cms/chain';
import { certificateUrls, httpUrls, isIssuedBy, parseCertificate, subjectName } from '../cms/certificates';
import { parseCrl } from '../cms/crl';
import type { CrlResult } from '../cms/crl';
import { collectValidationData } from '../cms/dss';
import type { RevocationCheck, RevocationFetchers, ValidationData } from '../cms/dss';
import { formatDate, pemBlocks } from '../cms/engine';
import { CmsError } from '../cms/errors';
import { msg } from '../errors';
import { buildOcspRequest, parseOcspResponse } from '../cms/ocsp';
import type { OcspResult } from '../cms/ocsp';
import { signedDataCertificates, signedDataOf } from '../cms/signed-data';
import { httpExchange, serverLabel } from './http';

export interface FetchOptions {
  /** Per request. Default 15 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** The clock for freshness checks (tests). */
  now?: Date;
}

/** Clock skew tolerated between us and the responder. */
const SKEW_MS = 5 * 60 * 1000;
/** CRLs of large CAs run to tens of megabytes. */
const MAX_CRL_BYTES = 64 * 1024 * 1024;

/** Revocation data is current from thisUpdate until nextUpdate (open-ended without one), give or take the clock skew. */
function isCurrent(data: { thisUpdate: Date; nextUpdate?: Date }, now = new Date()): boolean {
  const t = now.getTime();
  return data.thisUpdate.getTime() <= t + SKEW_MS && (data.nextUpdate === undefined || data.nextUpdate.getTime() >= t - SKEW_MS);
}

/**
 * Asks the OCSP responders the certificate names (AIA id-ad-ocsp, http/https, in order; or
 * `urls`) until one answers, and returns its checked answer. Errors: ocsp-no-url, and those of
 * the last responder tried (ocsp-unreachable, ocsp-timeout, ocsp-http-error, ocsp-bad-response,
 * ocsp-refused, ocsp-bad-signature, ocsp-nonce-mismatch, ocsp-stale).
 */
export async function fetchOcsp(
  certificate: Uint8Array,
  issuer: Uint8Array,
  options: FetchOptions & { urls?: readonly string[]; nonce?: boolean } = {},
): Promise<OcspResult> {
  const urls = options.urls ?? httpUrls(certificateUrls(certificate).ocsp);
  if (urls.length === 0) throw new CmsError('ocsp-no-url', msg('error.cms.ocsp-no-url', { subject: subjectName(certificate) }));
  return firstSuccess(urls, async (url) => {
    const server = serverLabel('ocsp', url);
    const request = buildOcspRequest(certificate, issuer, { nonce: options.nonce ?? true });
    const reply = await httpExchange({
      service: 'ocsp',
      url,
      method: 'POST',
      body: request.der,
      contentType: 'application/ocsp-request',
      accept: 'application/ocsp-response',
      timeoutMs: options.timeoutMs,
      signal: options.signal,
    });
    const result = parseOcspResponse(reply.body, { certificate, issuer, nonce: request.nonce, server });
    if (!isCurrent(result, options.now)) {
      throw new CmsError('ocsp-stale', result.nextUpdate
        ? msg('error.cms.ocsp-stale-until', { url, subject: subjectName(certificate), from: formatDate(result.thisUpdate), to: formatDate(result.nextUpdate) })
        : msg('error.cms.ocsp-stale', { url, subject: subjectName(certificate), from: formatDate(result.thisUpdate) }));
    }
    return result;
  });
}

/**
 * Downloads the CRL of the certificate's distribution points (http/https, in order; or `urls`)
 * until one is obtained, checked against `issuer` and current. Errors: crl-no-url, and those of the
 * last URL tried (crl-unreachable, crl-timeout, crl-http-error, crl-bad-response,
 * crl-bad-signature, crl-stale).
 */
export async function fetchCrl(
  certificate: Uint8Array,
  issuer: Uint8Array,
  options: FetchOptions & { urls?: readonly string[]; maxBytes?: number } = {},
): Promise<CrlResult> {
  const urls = options.urls ?? httpUrls(certificateUrls(certificate).crl);
  if (urls.length === 0) throw new CmsError('crl-no-url', msg('error.cms.crl-no-url', { subject: subjectName(certificate) }));
  return firstSuccess(urls, async (url) => {
    const server = serverLabel('crl', url);
    const reply = await httpExchange({
      service: 'crl',
      url,
      method: 'GET',
      accept: 'application/pkix-crl, application/x-pkcs7-crl, */*',
      timeoutMs: options.timeoutMs,
      maxBytes: options.maxBytes ?? MAX_CRL_BYTES,
      signal: options.signal,
    });
    const crl = parseCrl(reply.body, { issuer, server });
    if (!isCurrent(crl, options.now)) {
      throw new CmsError('crl-stale', crl.nextUpdate
        ? msg('error.cms.crl-stale-next', { url, issued: formatDate(crl.thisUpdate), next: formatDate(crl.nextUpdate) })
        : msg('error.cms.crl-stale', { url, issued: formatDate(crl.thisUpdate) }));
    }
    return crl;
  });
}

/**
 * Downloads the issuer of a certificate from its AIA caIssuers URLs (http/https): a DER or PEM
 * certificate, or a PKCS#7 certs-only bundle, from which the certificate that issued it is taken.
 * Returns null when the certificate names no such URL. Errors: issuer-unreachable,
 * issuer-timeout, issuer-http-error, issuer-bad-response.
 */
export async function fetchIssuer(certificate: Uint8Array, options: FetchOptions = {}): Promise<Uint8Array | null> {
  const urls = httpUrls(certificateUrls(certificate).caIssuers);
  if (urls.length === 0) return null;
  return firstSuccess(urls, async (url) => {
    const reply = await httpExchange({
      service: 'issuer',
      url,
      method: 'GET',
      accept: 'application/pkix-cert, application/pkcs7-mime, */*',
      timeoutMs: options.timeoutMs,
      signal: options.signal,
    });
    const issuer = certificatesIn(reply.body).find((c) => isIssuedBy(certificate, c));
    if (!issuer) {
      throw new CmsError('issuer-bad-response', msg('error.cms.issuer-bad-response', { url, subject: subjectName(certificate) }));
    }
    return issuer;
  });
}

/** The certificates of a caIssuers answer: DER certificate, PEM certificates, or PKCS#7 (DER or PEM). */
function certificatesIn(body: Uint8Array): Uint8Array[] {
  const pem = pemBlocks(body, 'CERTIFICATE');
  if (pem.length > 0) return pem;
  const p7 = pemBlocks(body, 'PKCS7');
  const der = p7[0] ?? body;
  try {
    return [parseCertificate(der).der];
  } catch {
    try {
      return signedDataCertificates(signedDataOf(der));
    } catch {
      return [];
    }
  }
}

/** fetchOcsp and fetchCrl with these options, as collectValidationData takes them. */
export function revocationFetchers(options: FetchOptions = {}): RevocationFetchers {
  return {
    fetchOcsp: (certificate, issuer) => fetchOcsp(certificate, issuer, options),
    fetchCrl: (certificate, issuer) => fetchCrl(certificate, issuer, options),
  };
}

/**
 * B-LT data for a set of certificates (e.g. the signer's certificate and chain, and the
 * certificates of its timestamp token): builds each one's chain from the set, fetching missing
 * issuers (AIA), then collects OCSP responses or CRLs for all of them (collectValidationData).
 */
export async function fetchValidationData(
  options: FetchOptions & { certificates: readonly Uint8Array[] },
): Promise<ValidationData & { checks: RevocationCheck[] }> {
  const certificates = options.certificates.map((c) => parseCertificate(c).der);
  const fetchMissing = (cert: Uint8Array) => fetchIssuer(cert, options);
  const chains: Uint8Array[][] = [];
  for (const cert of certificates) chains.push(await buildChain(cert, certificates, { fetchMissing, requireRoot: true }));
  return collectValidationData({ chains, ...revocationFetchers(options) });
}

/** Tries `attempt` on each URL in turn; returns the first success or throws the last failure. */
async function firstSuccess<T>(urls: readonly string[], attempt: (url: string) => Promise<T>): Promise<T> {
  let failure: unknown;
  for (const url of urls) {
    try {
      return await attempt(url);
    } catch (e) {
      if (e instanceof CmsError && e.code === 'cancelled') throw e;
      failure = e;
    }
  }
  throw failure;
}
