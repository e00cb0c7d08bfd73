// main/x509: certificate names and fingerprints, shared by signers, cms, validation and services.
// Imports Node built-ins, pkijs types and @peculiar/x509 only. See README.md.
export { certificateNames, displayName, distinguishedName, fingerprint } from './names';
export type { CertificateNames, NameInput } from './names';
