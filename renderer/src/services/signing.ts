// The sign flow: identities (list, create the personal ID, import a .p12, remove, export), the
// appearance preview, and signing the open document. The store is updated here; components only
// call these. A .p12 password is passed through for the one call that needs it and kept nowhere;
// an encrypted document's password (typed to open it) goes with the sign request, and to its copy.
import type { Identity, PadesLevel, RequestOf, SigningWarning, SignRequest } from '../../../preload/contract/schemas';
import { useStore } from '../store';
import { call, isDeclined, toUiError } from './api';
import { documentPassword, rememberDocumentPassword } from './document-passwords';
import { refreshRecent, showOpened } from './documents';

/** Shows an error of the sign panel's flows (identities, tokens, signing) in the panel. */
export function failInSignPanel(error: unknown): void {
  // "No" in main's confirmation (create, remove): nothing was done, nothing to report.
  if (isDeclined(error)) return;
  useStore.getState().setSignError(toUiError(error));
}

export async function loadIdentities(): Promise<void> {
  try {
    useStore.getState().setIdentities(await call('listIdentities'));
  } catch (error) {
    failInSignPanel(error);
  }
}

/**
 * Asks main what to say before signing with `identityId` (a chain validators cannot complete).
 * Only an answer about the identity still selected is kept; a failure says nothing (the notice is
 * advice, and signing reports its own errors).
 */
export async function loadSigningWarnings(identityId: string): Promise<void> {
  let warnings: SigningWarning[];
  try {
    warnings = await call('getSigningWarnings', { id: identityId });
  } catch {
    warnings = [];
  }
  const store = useStore.getState();
  if (store.selectedIdentityId === identityId) store.setSignWarnings({ identityId, warnings });
}

/** Creates the personal digital ID and selects it; false when it failed (the panel says why). */
export async function createPersonalId(request: RequestOf<'identity:createPersonal'>): Promise<boolean> {
  const store = useStore.getState();
  store.setSignError(null);
  try {
    const created = await call('createPersonalId', request);
    store.setIdentities(await call('listIdentities'), created.id);
    return true;
  } catch (error) {
    failInSignPanel(error);
    return false;
  }
}

/** The OS dialog for a .p12/.pfx file; null when cancelled. */
export async function chooseP12File(): Promise<{ path: string; name: string } | null> {
  useStore.getState().setSignError(null);
  try {
    return await call('chooseP12File');
  } catch (error) {
    failInSignPanel(error);
    return null;
  }
}

/** Checks the password by opening the file once, then remembers the file; the new identity or null. */
export async function importP12(path: string, password: string): Promise<Identity | null> {
  const store = useStore.getState();
  store.setSignError(null);
  try {
    const imported = await call('importP12', { path, password });
    store.setIdentities(await call('listIdentities'), imported.id);
    return imported;
  } catch (error) {
    failInSignPanel(error);
    return null;
  }
}

export async function removeIdentity(id: string): Promise<void> {
  const store = useStore.getState();
  store.setSignError(null);
  try {
    store.setIdentities(await call('removeIdentity', { id }), null);
  } catch (error) {
    failInSignPanel(error);
  }
}

/** Exports the personal ID as a .p12 where the user says; the path, or null when cancelled or failed. */
export async function exportPersonalId(id: string, password: string): Promise<string | null> {
  useStore.getState().setSignError(null);
  try {
    return (await call('exportPersonalId', { id, password }))?.path ?? null;
  } catch (error) {
    failInSignPanel(error);
    return null;
  }
}

export type PreviewRequest = RequestOf<'signature:preview'>;

/** The appearance as a one-page PDF (for pdf.js); throws ApiError. */
export function previewSignature(request: PreviewRequest): Promise<Uint8Array> {
  return call('previewSignature', request);
}

/** A typed text without its surrounding spaces; undefined when nothing is left. */
export function optional(text: string): string | undefined {
  const trimmed = text.trim();
  return trimmed.length > 0 ? trimmed : undefined;
}

/**
 * Signs the open document with what the sign panel holds; main asks where to save. On success the
 * signed copy replaces the document in the viewer and its signatures are listed.
 */
export async function signDocument(password: string): Promise<void> {
  const store = useStore.getState();
  const { doc, selectedIdentityId, identities, placementMode, signatureRect, level, certify } = store;
  if (!doc || store.signing) return;
  const identity = identities.find((i) => i.id === selectedIdentityId);
  const refuse = (code: string) => store.setSignError({ code, message: '' });
  if (!identity) return refuse('no-identity');
  if (identity.needsPassword && password.length === 0) return refuse('password-required');
  if (placementMode === 'visible' && !signatureRect) return refuse('no-rectangle');
  // B-B takes no timestamp server (the contract refuses one); the other levels need it.
  const tsaUrl = optional(store.tsaUrl);
  let timestamp: { level: 'B-B' } | { level: Exclude<PadesLevel, 'B-B'>; tsaUrl: string };
  if (level === 'B-B') timestamp = { level };
  else if (tsaUrl) timestamp = { level, tsaUrl };
  else return refuse('tsa-required');

  const opensWith = documentPassword(doc.docId);
  const request: SignRequest = {
    docId: doc.docId,
    identityId: identity.id,
    password: identity.needsPassword ? password : undefined,
    documentPassword: opensWith,
    placement: placementMode === 'visible' && signatureRect ? { kind: 'visible', page: signatureRect.page, rect: signatureRect.rect } : { kind: 'invisible' },
    reason: optional(store.reason),
    location: optional(store.location),
    ...timestamp,
    certify: certify === 'none' ? undefined : certify,
  };
  store.setSignError(null);
  store.setSigning(true);
  try {
    const result = await call('signDocument', request);
    if (!result) return; // the user cancelled the save dialog
    // The signed copy is encrypted as the document was, with the same password.
    if (opensWith !== undefined) rememberDocumentPassword(result.document.docId, opensWith);
    const shown = showOpened(result.document, doc.docId);
    useStore.getState().signed(result.output);
    await shown;
    await refreshRecent();
  } catch (error) {
    failInSignPanel(error);
  } finally {
    useStore.getState().setSigning(false);
  }
}
