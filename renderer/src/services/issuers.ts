// The settings' issuer certificates: list, import (main's own open dialog chooses the file and
// main reads it; the renderer never names a path), remove. Each change asks main again what the
// sign panel should say of the selected identity: importing its missing issuer ends the notice.
import { useStore } from '../store';
import { call, toUiError } from './api';
import { loadSigningWarnings } from './signing';

export async function loadIssuerCertificates(): Promise<void> {
  try {
    useStore.getState().setIssuerCertificates(await call('listIssuerCertificates'));
  } catch (error) {
    useStore.getState().setIssuerOutcome({ kind: 'failed', error: toUiError(error) });
  }
}

/** What the sign panel says may have changed with the pool of issuer certificates. */
async function afterChange(): Promise<void> {
  const { signPanelOpen, selectedIdentityId } = useStore.getState();
  if (signPanelOpen && selectedIdentityId) await loadSigningWarnings(selectedIdentityId);
}

/** "Import issuer certificates…": main's open dialog, then the certificates kept; nothing when cancelled. */
export async function importIssuerCertificates(): Promise<void> {
  const store = useStore.getState();
  store.setIssuerOutcome(null);
  try {
    const imported = await call('importIssuerCertificates');
    if (!imported) return;
    const { certificates, ...counts } = imported;
    store.setIssuerCertificates(certificates);
    store.setIssuerOutcome({ kind: 'imported', counts });
  } catch (error) {
    store.setIssuerOutcome({ kind: 'failed', error: toUiError(error) });
    return;
  }
  await afterChange();
}

export async function removeIssuerCertificate(fingerprint: string): Promise<void> {
  const store = useStore.getState();
  store.setIssuerOutcome(null);
  try {
    store.setIssuerCertificates(await call('removeIssuerCertificate', { fingerprint }));
  } catch (error) {
    store.setIssuerOutcome({ kind: 'failed', error: toUiError(error) });
    return;
  }
  await afterChange();
}
