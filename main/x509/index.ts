// main/x509: certificate names and fingerprints, and the extended key usages that sign documents,
// shared by signers, cms, validation and services.
// Imports Node built-ins, pkijs types and @peculiar/x509 only. See README.md.
export { certificateNames, displayName, distinguishedName, fingerprint } from './names';
export type { CertificateNames, NameInput } from './names';
export { DOCUMENT_SIGNING_PURPOSES } from './purposes';
export { issuedBySystemRoot, systemRootsBySubject } from './roots';
