// Opening and closing documents: the flows behind the Open button, drag-and-drop, the recent
// list, "open with", and the signed version of a revision. The store is updated here; components
// only call these.
import type { DocumentSummary } from '../../../preload/contract/schemas';
import { useStore } from '../store';
import { ApiError, call, toUiError } from './api';
import { forgetDocumentPassword } from './document-passwords';
import { checkSignatures } from './validation';

/** The file name of a path (either separator). */
export function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

/** Closes a document in main; a failure changes nothing the user can act on. */
async function closeQuietly(docId: string): Promise<void> {
  forgetDocumentPassword(docId);
  await call('closeDocument', { docId }).catch(() => undefined);
}

/**
 * Shows `doc` in the viewer, starts the check of its signatures, and closes what the viewer showed
 * before (a signed version is closed with its document: main does that).
 */
export async function showOpened(doc: DocumentSummary, previousDocId: string | undefined): Promise<void> {
  useStore.getState().documentOpened(doc);
  void checkSignatures(doc);
  if (previousDocId && previousDocId !== doc.docId) await closeQuietly(previousDocId);
}

export async function refreshRecent(): Promise<void> {
  try {
    useStore.getState().setRecent(await call('listRecent'));
  } catch {
    // the recent list is a convenience: a failure to read it is not worth a banner
  }
}

/**
 * The one open flow: `load` asks main for the document (null when the user cancels); on success
 * the viewer switches to it and the previous document is closed, on failure a banner explains.
 */
async function open(name: string | null, load: () => Promise<DocumentSummary | null>): Promise<void> {
  const store = useStore.getState();
  // While a signed version is shown, the document it came from is what is open.
  const previous = store.currentVersion?.doc.docId ?? store.doc?.docId;
  if (name) store.startOpening(name);
  try {
    const doc = await load();
    if (!doc) return;
    await showOpened(doc, previous);
  } catch (error) {
    useStore.getState().fail(toUiError(error));
  }
}

export async function openWithDialog(): Promise<void> {
  await open(null, () => call('chooseAndOpenDocument'));
  await refreshRecent();
}

export async function openPath(path: string): Promise<void> {
  await open(baseName(path), () => call('openDocumentPath', { path }));
  await refreshRecent();
}

/**
 * A dropped file: by path when the platform tells it (Electron) and main already knows the path
 * (a recent document), else by its bytes (main opens only paths it received itself).
 */
export async function openDroppedFile(file: File): Promise<void> {
  const path = window.paraphe.pathForFile(file);
  const byBytes = async () => {
    const bytes = new Uint8Array(await file.arrayBuffer());
    return call('openDocumentBytes', { name: file.name || 'document.pdf', bytes });
  };
  if (!path) return open(file.name, byBytes);
  await open(baseName(path), async () => {
    try {
      return await call('openDocumentPath', { path });
    } catch (error) {
      if (error instanceof ApiError && error.code === 'path-not-granted') return byBytes();
      throw error;
    }
  });
  await refreshRecent();
}

export async function closeDocument(): Promise<void> {
  const { currentVersion, doc: shown } = useStore.getState();
  const doc = currentVersion?.doc ?? shown;
  useStore.getState().documentClosed();
  if (doc) await closeQuietly(doc.docId);
  await refreshRecent();
}

export async function removeRecent(path: string): Promise<void> {
  try {
    useStore.getState().setRecent(await call('removeRecent', { path }));
  } catch (error) {
    useStore.getState().fail(toUiError(error));
  }
}

export async function clearRecent(): Promise<void> {
  try {
    useStore.getState().setRecent(await call('clearRecent'));
  } catch (error) {
    useStore.getState().fail(toUiError(error));
  }
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
  await closeQuietly(doc.docId);
}
