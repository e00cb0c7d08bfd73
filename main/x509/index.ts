// main/x509: certificate names and fingerprints, and the extended key usages that sign documents,
// shared by signers, cms, validation and services.
// Imports Node built-ins, pkijs types and @peculiar/x509 only. See README.md.
export { certificateNames, displayName, distinguishedName, fingerprint } from './names';
export type { CertificateNames, NameInput } from './names';
export { DOCUMENT_SIGNING_PURPOSES } from './purposes';
export { issuedBySystemRoot, systemRootsBySubject } from './roots';
export { MAX_SYSTEM_STORE_BYTES, MAX_SYSTEM_STORE_CERTIFICATES, pemCertificates, splitStore, SYSTEM_BUNDLE_FILES, systemStore, systemStorePems } from './system-store';
export type { SystemStore, SystemStoreOptions } from './system-store';
