// The public API of main/signers: the Signer interface and its software backends (PKCS#12 files
// and the personal digital ID). PKCS#11 and CSC backends will join it.
export type { HashAlgorithm, SignatureAlgorithm, Signer, SignRequest } from './signer';
export { SignerError, isSignerError } from './errors';
export type { SignerErrorCode } from './errors';
export { readPkcs12, writePkcs12, PKCS12_EXPORT_ITERATIONS } from './pkcs12';
export type { Pkcs12Contents, ReadPkcs12Options, WritePkcs12Input, WritePkcs12Options } from './pkcs12';
export { checkSigningCertificate, describeCertificate } from './checks';
export type { CertificateCheck, CertificateDescription } from './checks';
export { createSoftwareSigner, openPkcs12Signer, orderChain } from './software';
export type { OpenPkcs12Options, SoftwareSigner, SoftwareSignerOptions } from './software';
export { PersonalIdStore, PERSONAL_ID_FOLDER, PERSONAL_ID_SERVICE } from './personal-id';
export type { KeychainAccess, PersonalIdInfo, PersonalIdKeyType, PersonalIdStoreOptions } from './personal-id';
export { ecdsaRawToDer, listPkcs11Identities, openPkcs11Signer, pkcs11SignerError } from './pkcs11';
export type { OpenPkcs11SignerOptions, PinRequest, Pkcs11Authorization, Pkcs11Signer } from './pkcs11';
