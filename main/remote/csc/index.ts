// The CSC v1.0.4.0 client (remote signing: DigiCert Document Trust Manager, any CSC service).
export { CscClient, CscCredentialInfo, CscInfo, needsOtp, needsPin } from './client';
export type { CscClientOptions, Sad, TokenSource } from './client';
export { CscError, cscErrorOf, isCscError, triesLeftIn } from './errors';
export type { CscErrorDetails, CscErrorKind } from './errors';
export { authorizationUrl, basicLogin, clientCredentials, exchangeCode, loopbackRedirect, pkcePair, refreshTokens, revokeToken, TokenSession } from './oauth';
export type { AuthorizationRequest, Redirect, Tokens, Transport } from './oauth';
export { DTM_REGIONS, dtmServiceRoot, isDtmRegion } from './dtm';
export type { DtmEnvironment, DtmRegion } from './dtm';
