// The passwords of the open encrypted documents, as the user typed them to open each one in the
// viewer (pdf.js): in this module's memory only (not the store, never persisted or logged), sent to
// main only with the requests that need one (sign, check the signatures), forgotten when the
// document closes. A signed copy of an encrypted document has the same password: it is carried
// over, so the copy opens without asking again.
const passwords = new Map<string, string>();

/** The password pdf.js opened `docId` with. */
export function rememberDocumentPassword(docId: string, password: string): void {
  passwords.set(docId, password);
}

/** The password the open document `docId` was opened with; undefined when it took none. */
export function documentPassword(docId: string): string | undefined {
  return passwords.get(docId);
}

export function forgetDocumentPassword(docId: string): void {
  passwords.delete(docId);
}
