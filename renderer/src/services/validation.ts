// The background check of a signed document's signatures: started when it opens, it never blocks
// the viewer; the panel and the toolbar badge show its result when it comes.
import type { DocumentSummary } from '../../../preload/contract/schemas';
import { useStore } from '../store';
import { call, toUiError } from './api';

export async function checkSignatures(doc: DocumentSummary): Promise<void> {
  if (doc.signatureCount === 0) return;
  const { docId } = doc;
  useStore.getState().setValidation({ docId, state: 'checking' });
  try {
    const result = await call('validateDocument', { docId });
    useStore.getState().setValidation({ docId, state: 'done', result });
  } catch (error) {
    useStore.getState().setValidation({ docId, state: 'failed', error: toUiError(error) });
  }
}
