// The only runtime importer of the keytar addon: secrets in the OS keychain (Secret Service on
// Linux through libsecret, Keychain on macOS, Credential Vault on Windows).
//
// keytar is imported lazily on first use, so importing this file never crashes a process where the
// addon (or libsecret) is missing: the call fails with a KeychainError instead. Every call is
// bounded in time, because a Secret Service that never answers (or a prompt nobody sees) would
// otherwise hang the caller forever.
//
// Secrets never appear in error messages.

export type KeychainErrorCode = 'unavailable' | 'timeout' | 'failed';

export class KeychainError extends Error {
  override readonly name = 'KeychainError';
  /** 'unavailable': no keychain service / addon; 'timeout': it did not answer in time; 'failed': it refused. */
  readonly code: KeychainErrorCode;
  constructor(code: KeychainErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}

interface Keytar {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
  findCredentials(service: string): Promise<Array<{ account: string; password: string }>>;
}

/** Default bound on every keychain call. */
export const KEYCHAIN_TIMEOUT_MS = 15_000;
let timeoutMs = KEYCHAIN_TIMEOUT_MS;

/** Changes the bound on keychain calls (tests use a short one). */
export function setKeychainTimeout(ms: number): void {
  timeoutMs = ms;
}

const UNAVAILABLE = 'The system keychain (Secret Service) is not available';

let keytarPromise: Promise<Keytar> | undefined;

async function keytar(): Promise<Keytar> {
  keytarPromise ??= import('keytar').then((mod) => (mod as unknown as { default?: Keytar }).default ?? (mod as unknown as Keytar));
  try {
    return await keytarPromise;
  } catch (e) {
    keytarPromise = undefined;
    throw new KeychainError('unavailable', `${UNAVAILABLE}: the keytar native addon cannot be loaded (${messageOf(e)}).`, { cause: e });
  }
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** libsecret/GDBus messages that mean "there is no Secret Service to talk to". */
const NO_SERVICE = [
  /autolaunch/i,
  /could not connect/i,
  /was not provided by any \.service files/i,
  /no such (?:file|interface|object)/i,
  /not activatable/i,
  /dbus/i,
  /secret service/i,
  /ServiceUnknown/i,
];

function mapError(e: unknown, what: string): KeychainError {
  if (e instanceof KeychainError) return e;
  const message = messageOf(e);
  if (NO_SERVICE.some((re) => re.test(message))) {
    return new KeychainError('unavailable', `${UNAVAILABLE}: ${message}`, { cause: e });
  }
  return new KeychainError('failed', `The system keychain could not ${what}: ${message}`, { cause: e });
}

async function bounded<T>(what: string, fn: (k: Keytar) => Promise<T>): Promise<T> {
  const k = await keytar();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new KeychainError('timeout', `The system keychain did not answer within ${Math.round(timeoutMs / 1000)} s (trying to ${what}).`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([fn(k), timeout]);
  } catch (e) {
    throw mapError(e, what);
  } finally {
    clearTimeout(timer);
  }
}

function check(service: string, account?: string): void {
  if (service === '') throw new KeychainError('failed', 'A keychain service name is required.');
  if (account === '') throw new KeychainError('failed', 'A keychain account name is required.');
}

/** The secret stored for (service, account), or null when there is none. */
export async function getSecret(service: string, account: string): Promise<string | null> {
  check(service, account);
  return bounded('read a secret', (k) => k.getPassword(service, account));
}

/** Stores (or replaces) the secret for (service, account). */
export async function setSecret(service: string, account: string, secret: string): Promise<void> {
  check(service, account);
  if (secret === '') throw new KeychainError('failed', 'An empty secret cannot be stored in the keychain.');
  return bounded('store a secret', (k) => k.setPassword(service, account, secret));
}

/** Deletes the secret for (service, account); false when there was none. */
export async function deleteSecret(service: string, account: string): Promise<boolean> {
  check(service, account);
  return bounded('delete a secret', (k) => k.deletePassword(service, account));
}

/** The accounts that have a secret for `service`, sorted (the secrets themselves are not returned). */
export async function findAccounts(service: string): Promise<string[]> {
  check(service);
  const found = await bounded('list accounts', (k) => k.findCredentials(service));
  return found.map((c) => c.account).sort();
}
