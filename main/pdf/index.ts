// The public API of main/pdf: a lazy reader of PDF files and the summary `paraphe info` prints.
export { PdfError, isPdfError } from './errors';
export type { PdfErrorCode } from './errors';
export { bytesSource, fileSource, prefixSource } from './source';
export type { ByteSource, FileSource, FileSourceOptions } from './source';
export { PdfDict, PdfName, PdfReal, PdfRef, PdfStream, PdfString, decodeTextString, numberValue, readPdfDate } from './objects';
export type { PdfObject } from './objects';
export { openPdf, PdfReader } from './reader';
export type { OpenOptions, PdfHeader, Revision } from './reader';
export type { XrefEntry, XrefSection } from './xref';
export type { FieldInfo, FieldNode, SignatureValue } from './fields';
export type { Authentication, EncryptionDescription, StandardSecurity } from './security';
export { decodeFilters } from './filters';
export type { FilterStep } from './filters';
export { inspectPdf, summarize } from './inspect';
export { isDamage, repairPdf, withRepair } from './repair';
export type { Damage, RepairedPdf } from './repair';
export type { EncryptionSummary, PdfSummary, SignatureEntry } from './inspect';
export { IncrementalUpdate, encryptorOf } from './writer';
export type { BuiltUpdate } from './writer';
export { prepareSignatureUpdate } from './signature-update';
export type { PreparedSignature, SignatureUpdateOptions, VisibleSignatureOptions } from './signature-update';
export { prepareDssUpdate } from './dss-update';
export type { DssData, DssEntries, VriEntry } from './dss-update';
// Appearances, fonts, images and previews pull in fontkit and pngjs, whose set-up costs ~20 ms
// at start-up: callers import './appearance' and './preview' lazily (await import), only for
// visible signatures. Their types are exported here.
export type { AppearanceLabels, AppearanceLayout, SignatureAppearanceOptions, SignatureAppearanceText } from './appearance';
export type { AppearanceFont } from './font';
export type { EmbeddedImage, ImageFormat } from './image';
export { ObjectEditor, docMdpPermission, findPage } from './acroform';
export type { PageInfo } from './acroform';
