// The background check of a signed document's signatures: started when it opens, it never blocks
// the viewer; the panel and the toolbar badge show its result when it comes.
import type { DocumentSummary } from '../../../preload/contract/schemas';
import { useStore } from '../store';
import { call, toUiError } from './api';

export async function checkSignatures(doc: DocumentSummary, options: { online?: boolean } = {}): Promise<void> {
  if (doc.signatureCount === 0) return;
  const { docId } = doc;
  useStore.getState().setValidation({ docId, state: 'checking' });
  try {
    const result = await call('validateDocument', { docId, online: options.online ?? false });
    useStore.getState().setValidation({ docId, state: 'done', result });
  } catch (error) {
    useStore.getState().setValidation({ docId, state: 'failed', error: toUiError(error) });
  }
}

/** Checks again, fetching missing certificates and revocation answers from the network. */
export async function checkOnline(): Promise<void> {
  const doc = useStore.getState().doc;
  if (doc) await checkSignatures(doc, { online: true });
}

/**
 * Trusts a certificate of a signature's chain (the user confirmed it in the panel), then checks the
 * document again so that the cards say what the new trust changes.
 */
export async function trustCertificate(signatureIndex: number, certificateIndex: number): Promise<void> {
  const doc = useStore.getState().doc;
  if (!doc) return;
  const online = (() => {
    const v = useStore.getState().validation;
    return v?.state === 'done' && v.result.online;
  })();
  try {
    await call('trustCertificate', { docId: doc.docId, signatureIndex, certificateIndex });
  } catch (error) {
    useStore.getState().fail(toUiError(error));
    return;
  }
  await checkSignatures(doc, { online });
}

/** Stops trusting a certificate, then checks the document again. */
export async function untrustCertificate(fingerprint: string): Promise<void> {
  const doc = useStore.getState().doc;
  try {
    await call('removeTrustedCertificate', { fingerprint });
  } catch (error) {
    useStore.getState().fail(toUiError(error));
    return;
  }
  if (doc) await checkSignatures(doc);
}

/** "View the signed version": opens the revision a signature covers, keeping the current one. */
export async function openSignedVersion(signatureIndex: number): Promise<void> {
  const doc = useStore.getState().doc;
  if (!doc) return;
  try {
    const version = await call('openSignedVersion', { docId: doc.docId, signatureIndex });
    useStore.getState().signedVersionOpened(version);
    void checkSignatures(version);
  } catch (error) {
    useStore.getState().fail(toUiError(error));
  }
}

/** Back to the current document; the signed version is closed. */
export async function backToCurrentVersion(): Promise<void> {
  const { doc, currentVersion } = useStore.getState();
  if (!currentVersion || !doc) return;
  useStore.getState().backToCurrentVersion();
  await call('closeDocument', { docId: doc.docId }).catch(() => undefined);
}
