// main/cms: CMS/CAdES SignedData, RFC 3161 timestamp requests and replies, OCSP and CRL parsing,
// chain building and the DSS data of PAdES B-LT. No PDF knowledge and no network: the HTTP clients
// are in main/remote. See README.md.
export { CmsError, isCmsError } from './errors';
export type { CmsErrorCode } from './errors';
export { OID, digest, hashByOid, hashOid, verifySignature } from './algorithms';
export type { AnyHash, HashAlgorithm, SignatureAlgorithm } from './algorithms';
export {
  certificateLabel, certificateUrls, extendedKeyUsage, fingerprint, hasOcspNoCheck, httpUrls, isIssuedBy, isSelfSigned,
  isValidAt, parseCertificate, serialHex, subjectName,
} from './certificates';
export type { Certificate, CertificateRole, CertificateUrls } from './certificates';
export {
  checkSignerInfo, createCadesSignature, embeddedRevocation, estimateCadesSize, maxSignatureSize, prepareCades, signatureTimestampTokens, signedAttributesFor,
  signedDataCertificates, signedDataOf, timestampTokenCertificates, tstInfoOf,
} from './signed-data';
export type { CadesOptions, CadesSizeOptions, PreparedCades, SignedAttributes, SignerInfoCheck } from './signed-data';
export { buildTimeStampRequest, parseTimeStampResponse, verifyTimeStampToken } from './tsp';
export type {
  TimeStampCheckOptions, TimeStampInfo, TimeStampRequest, TimeStampRequestOptions, TimeStampResponseCheckOptions,
} from './tsp';
export { buildOcspRequest, certIdFor, parseOcspResponse } from './ocsp';
export type { CertificateStatus, OcspCheckOptions, OcspRequest, OcspResult } from './ocsp';
export { parseCrl } from './crl';
export { bytesEqual, pemBlocks } from './engine';
export type { CrlEntry, CrlResult } from './crl';
export { buildChain } from './chain';
export { MAX_BUNDLE_BYTES, MAX_BUNDLE_CERTIFICATES, readCertificateBundle } from './bundle';
export type { BuildChainOptions } from './chain';
export { signingPathFailures, validatePath } from './path';
export type { PathFailure, PathFailureCode, PathPurpose, PathValidation, PathValidationOptions } from './path';
export { collectValidationData, vriKey } from './dss';
export type { CollectValidationOptions, RevocationCheck, RevocationFetchers, ValidationData } from './dss';
