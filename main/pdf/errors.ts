// Errors of the PDF reader. `code` is stable (tests, --json, the renderer's translations);
// `message` is one English sentence that names the file, meant for the user as it is.

import { UserFacingError } from '../errors';

export type PdfErrorCode =
  | 'not-found' // the path does not exist
  | 'not-a-file' // a directory, a device, a socket...
  | 'io' // the file exists but cannot be read
  | 'empty' // 0 bytes
  | 'not-pdf' // no %PDF- header
  | 'truncated' // no startxref / %%EOF at the end
  | 'broken-xref' // startxref, an xref section or an xref entry points at the wrong bytes
  | 'malformed' // an object the xref points at cannot be parsed
  | 'unsupported' // a filter or feature the reader does not implement
  | 'decode-limit' // a stream (or the document's streams together) would decode to more than the reader allows
  | 'damaged-signed' // a damaged file that carries signatures: repairing it would break them
  | 'encrypted' // the bytes needed are encrypted with a password we do not have
  | 'bad-password' // the password given opens the document neither as its user nor as its owner
  | 'needs-password' // an update of a document encrypted with a password needs that password
  | 'unsupported-encryption' // a security handler we cannot update: certificates (/Adobe.PubSec), another handler, an unknown revision
  | 'not-permitted' // the permissions (/P) the user password grants do not allow this change; the owner password lifts them
  // Refusals of the incremental writer and signature-field preparation:
  | 'certified-no-changes' // a certification signature with DocMDP P=1 forbids any further signature
  | 'already-signed' // a certification signature must be the first signature of the document
  | 'field-not-found' // the named field is not a signature field (or cannot be created under that name)
  | 'field-already-signed' // the named signature field already has a value
  | 'page-out-of-range'; // a visible signature on a page the document does not have

export class PdfError extends UserFacingError<PdfErrorCode> {}

export function isPdfError(error: unknown, code?: PdfErrorCode): error is PdfError {
  return error instanceof PdfError && (code === undefined || error.code === code);
}

/** How messages name a document whose source has no name. */
export const UNNAMED = 'the document';
