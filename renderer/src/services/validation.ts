// The background check of a signed document's signatures: started when it opens, it never blocks
// the viewer; the panel and the toolbar badge show its result when it comes.
import type { DocumentSummary } from '../../../preload/contract/schemas';
import { useStore } from '../store';
import { call, isDeclined, toUiError } from './api';
import { documentPassword } from './document-passwords';

/** The check shown for `docId` now (the open document's, or the current one's behind a signed version). */
function shownValidation(docId: string) {
  const { doc, validation, currentVersion } = useStore.getState();
  if (doc?.docId === docId) return validation;
  if (currentVersion?.doc.docId === docId) return currentVersion.validation;
  return null;
}

export async function checkSignatures(doc: DocumentSummary, options: { online?: boolean } = {}): Promise<void> {
  if (doc.signatureCount === 0) return;
  const { docId } = doc;
  const before = shownValidation(docId);
  useStore.getState().setValidation({ docId, state: 'checking' });
  try {
    const password = documentPassword(docId);
    const result = await call('validateDocument', { docId, online: options.online ?? false, ...(password === undefined ? {} : { documentPassword: password }) });
    useStore.getState().setValidation({ docId, state: 'done', result });
  } catch (error) {
    // "No" in main's "check online?" dialog: the last result stays, nothing to report.
    if (isDeclined(error) && before && before.state !== 'checking') {
      useStore.getState().setValidation(before);
      return;
    }
    useStore.getState().setValidation({ docId, state: 'failed', error: toUiError(error) });
  }
}

/** Checks again, fetching missing certificates and revocation answers from the network. */
export async function checkOnline(): Promise<void> {
  const doc = useStore.getState().doc;
  if (doc) await checkSignatures(doc, { online: true });
}

/**
 * Runs a change of the user's trust, then checks the open document again (online if its last check
 * was) so that the cards say what the new trust changes.
 */
async function changeTrust(change: () => Promise<unknown>): Promise<void> {
  const { doc, validation } = useStore.getState();
  const online = validation?.state === 'done' && validation.result.online;
  try {
    await change();
  } catch (error) {
    // "No" in main's confirmation: nothing changed, nothing to say.
    if (!isDeclined(error)) useStore.getState().fail(toUiError(error));
    return;
  }
  if (doc) await checkSignatures(doc, { online });
}

/** Trusts a certificate of a signature's chain (the user confirmed it in the panel). */
export async function trustCertificate(signatureIndex: number, certificateIndex: number): Promise<void> {
  const doc = useStore.getState().doc;
  if (doc) await changeTrust(() => call('trustCertificate', { docId: doc.docId, signatureIndex, certificateIndex }));
}

/** Stops trusting a certificate. */
export async function untrustCertificate(fingerprint: string): Promise<void> {
  await changeTrust(() => call('removeTrustedCertificate', { fingerprint }));
}
