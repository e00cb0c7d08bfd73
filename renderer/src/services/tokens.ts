// Hardware tokens in the sign panel: the list of token drivers, tokens and their certificates,
// kept current by main's 'tokens:changed' events (insertion and removal while the app runs).
// Certificates on tokens are signing identities: the identity list is refreshed with the tokens.
import type { TokenList } from '../../../preload/contract/schemas';
import { useStore } from '../store';
import { call } from './api';
import { failInSignPanel, loadIdentities } from './signing';

export async function loadTokens(): Promise<void> {
  try {
    useStore.getState().setTokens(await call('listTokens'));
  } catch (error) {
    failInSignPanel(error);
  }
}

/** Follows insertions and removals; returns the unsubscribe function. */
export function followTokens(): () => void {
  return window.paraphe.onEvent('tokens:changed', (tokens: TokenList) => {
    useStore.getState().setTokens(tokens);
    void loadIdentities();
  });
}

/** "Add a token driver…": the OS dialog for a PKCS#11 library, kept in settings. */
export async function addTokenModule(): Promise<void> {
  useStore.getState().setSignError(null);
  try {
    const tokens = await call('addTokenModule');
    if (!tokens) return;
    useStore.getState().setTokens(tokens);
    await loadIdentities();
  } catch (error) {
    failInSignPanel(error);
  }
}

export async function removeTokenModule(path: string): Promise<void> {
  try {
    useStore.getState().setTokens(await call('removeTokenModule', { path }));
    await loadIdentities();
  } catch (error) {
    failInSignPanel(error);
  }
}
