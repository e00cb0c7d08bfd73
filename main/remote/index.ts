// main/remote (trust services part): HTTP clients of RFC 3161 timestamp servers, OCSP responders,
// CRL distribution points and AIA caIssuers. Parsing and checks live in main/cms. See README.md.
export { hostOf, httpExchange, withFetchPolicy } from './http';
export type { FetchPolicy, HttpExchange, HttpReply, TrustService } from './http';
export { requestTimestamp, signatureTimestamper } from './tsa';
export type { TimestampRequestOptions } from './tsa';
export { fetchCrl, fetchIssuer, fetchOcsp, fetchValidationData, revocationFetchers } from './revocation';
export type { FetchOptions } from './revocation';
