// main/remote: HTTP clients of remote services. Trust services: RFC 3161 timestamp servers, OCSP
// responders, CRL distribution points and AIA caIssuers (parsing and checks live in main/cms);
// JSON APIs (CSC, CertSign, CertCentral) through exchangeJson. Every failure of the transport is a
// RemoteError (the trust-service entry points turn it into CmsError). See README.md.
export { RemoteError, isRemoteError } from './errors';
export type { RemoteErrorBody, RemoteErrorCode, RemoteErrorKind } from './errors';
export { hostOf, httpExchange, withFetchPolicy } from './http';
export type { FetchPolicy, HttpExchange, HttpMethod, HttpReply, TrustService } from './http';
export { exchangeJson } from './json';
export type { JsonExchange, JsonMethod, JsonReply, RetryInfo, RetryPolicy } from './json';
export { requestTimestamp, signatureTimestamper } from './tsa';
export type { TimestampRequestOptions } from './tsa';
export { fetchCrl, fetchIssuer, fetchOcsp, fetchValidationData, revocationFetchers } from './revocation';
export type { FetchOptions } from './revocation';
