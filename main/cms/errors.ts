// Errors of the CMS / timestamp / revocation layer (main/cms) and of its HTTP clients
// (main/remote). `code` is stable (tests, --json, the renderer's translations); the sentence is a
// catalog message (error.cms.*, assets/locales) with its params, worded where it is shown
// (main/errors.ts): it names the server (its URL) or the certificate (its subject's name), never
// key material. `message` is that sentence in English. A trust-service failure of the transport
// (main/remote/http.ts) carries the RemoteError's catalog message.

import { UserFacingError } from '../errors';

export type CmsErrorCode =
  // Certificates and signatures
  | 'bad-certificate' // bytes that are no X.509 certificate
  | 'unsupported-algorithm' // a hash or signature algorithm this layer does not implement
  | 'signature-mismatch' // the signer's value does not verify with its certificate (key and certificate differ)
  | 'bad-timestamp-token' // a token that is no CMS SignedData over a TSTInfo
  | 'bad-signature-container' // bytes that are no CMS SignedData
  | 'chain-incomplete' // an issuer certificate cannot be found
  // RFC 3161 timestamp server
  | 'tsa-unreachable'
  | 'tsa-timeout'
  | 'tsa-http-error'
  | 'tsa-bad-response' // not a TimeStampResp, wrong content type, too large
  | 'tsa-rejected' // PKIStatus other than granted / grantedWithMods
  | 'tsa-nonce-mismatch'
  | 'tsa-imprint-mismatch'
  | 'tsa-bad-signature' // the token's signature does not verify with the TSA certificate
  | 'tsa-bad-certificate' // no TSA certificate, or one without the critical timeStamping EKU
  // OCSP
  | 'ocsp-unreachable'
  | 'ocsp-timeout'
  | 'ocsp-http-error'
  | 'ocsp-no-url' // the certificate names no OCSP responder
  | 'ocsp-bad-response' // not an OCSPResponse, or one that does not mention the certificate
  | 'ocsp-refused' // responseStatus other than successful
  | 'ocsp-bad-signature' // signature or responder authorization fails
  | 'ocsp-nonce-mismatch'
  | 'ocsp-stale' // thisUpdate in the future or nextUpdate in the past
  | 'ocsp-unknown' // the responder does not know the certificate
  // CRL
  | 'crl-unreachable'
  | 'crl-timeout'
  | 'crl-http-error'
  | 'crl-no-url'
  | 'crl-bad-response'
  | 'crl-bad-signature'
  | 'crl-stale'
  // CA certificates named by AIA caIssuers
  | 'issuer-unreachable'
  | 'issuer-timeout'
  | 'issuer-http-error'
  | 'issuer-bad-response'
  // Revocation outcome
  | 'revoked'
  | 'no-revocation-data' // neither OCSP nor CRL could be obtained for a certificate that names them
  | 'cancelled';

export class CmsError extends UserFacingError<CmsErrorCode> {}

export function isCmsError(error: unknown, code?: CmsErrorCode): error is CmsError {
  return error instanceof CmsError && (code === undefined || error.code === code);
}
