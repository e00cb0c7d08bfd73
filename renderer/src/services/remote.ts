// Settings → Accounts: the remote signing accounts (DigiCert Document Trust Manager, any CSC
// service). Main keeps them and their secrets (the keychain); the renderer lists, adds, signs in
// (main opens the system browser and waits for its answer), signs out and removes. After each
// change the identity picker is listed again: an account's credentials appear or go.
import type { RequestOf } from '../../../preload/contract/schemas';
import { useStore } from '../store';
import { ApiError, call, isDeclined, toUiError } from './api';
import { loadIdentities } from './signing';

function failed(name: string | null, error: unknown): void {
  // "No" in main's confirmation, or the user's own Cancel of a sign-in: nothing to report.
  if (isDeclined(error) || (error instanceof ApiError && error.code === 'remote-login-cancelled')) return;
  useStore.getState().setRemoteOutcome({ kind: 'failed', name, error: toUiError(error) });
}

export async function loadRemoteAccounts(): Promise<void> {
  try {
    useStore.getState().setRemoteAccounts(await call('listRemoteAccounts'));
  } catch (error) {
    failed(null, error);
  }
}

/** Adds the account; true when it was added (the form then closes). */
export async function addRemoteAccount(request: RequestOf<'remote:add'>): Promise<boolean> {
  const store = useStore.getState();
  store.setRemoteOutcome(null);
  try {
    store.setRemoteAccounts(await call('addRemoteAccount', request));
    store.setRemoteOutcome({ kind: 'added', name: request.name });
  } catch (error) {
    failed(request.name, error);
    return false;
  }
  await loadIdentities();
  return true;
}

async function act(name: string, action: 'login' | 'logout' | 'remove'): Promise<void> {
  const store = useStore.getState();
  store.setRemoteOutcome(null);
  store.setRemoteBusy({ name, action });
  try {
    const verb = action === 'login' ? 'loginRemoteAccount' : action === 'logout' ? 'logoutRemoteAccount' : 'removeRemoteAccount';
    const accounts = await call(verb, { name });
    store.setRemoteAccounts(accounts);
    const account = accounts.find((a) => a.name === name);
    if (action === 'login') store.setRemoteOutcome({ kind: account?.grant === 'code' ? 'signed-in' : 'checked', name });
    if (action === 'logout') store.setRemoteOutcome({ kind: 'signed-out', name });
  } catch (error) {
    failed(name, error);
  } finally {
    useStore.getState().setRemoteBusy(null);
  }
  await loadIdentities();
}

/** Signs in: the code grant waits for the browser (cancelRemoteLogin stops it). */
export const loginRemoteAccount = (name: string): Promise<void> => act(name, 'login');
export const logoutRemoteAccount = (name: string): Promise<void> => act(name, 'logout');
/** Main asks the user to confirm in its own dialog; a "no" changes nothing and says nothing. */
export const removeRemoteAccount = (name: string): Promise<void> => act(name, 'remove');

export async function cancelRemoteLogin(name: string): Promise<void> {
  await call('cancelRemoteLogin', { name }).catch((error: unknown) => failed(name, error));
}
