// Lifetimes and sessions: the pkcs11js addon (imported lazily), one loaded and initialised library
// per path shared by every loadModule() of that path (C_Finalize when the last user closes), and,
// per loaded module, one session per slot, opened on first use and kept, with a call queue per
// slot; login and logout, token flags, and the replacement of a session whose operation must be
// abandoned.
//
// PINs: login() takes a Buffer and zeroes it before returning, whatever happens. pkcs11js only
// accepts the PIN as a JS string, which cannot be wiped; it lives only for the duration of the call.
// Never log a PIN, never put one in an error message.
import { existsSync } from 'node:fs';
import { endianness } from 'node:os';
import type * as Pkcs11Js from 'pkcs11js';
import { errorText, MESSAGES, Pkcs11Error, pinIncorrectError, toPkcs11Error } from './errors';
import type { ModuleStats, TokenFlags, TokenInfo } from './types';

export type Lib = typeof Pkcs11Js;
export type Handle = Buffer;

/** PKCS#11 v2.40 slot and token flags (missing from pkcs11js' typings for the slot ones). */
export const CKF = {
  TOKEN_PRESENT: 0x1,
  REMOVABLE_DEVICE: 0x2,
  WRITE_PROTECTED: 0x2,
  LOGIN_REQUIRED: 0x4,
  USER_PIN_INITIALIZED: 0x8,
  PROTECTED_AUTHENTICATION_PATH: 0x100,
  TOKEN_INITIALIZED: 0x400,
  USER_PIN_COUNT_LOW: 0x10000,
  USER_PIN_FINAL_TRY: 0x20000,
  USER_PIN_LOCKED: 0x40000,
} as const;

/** Session handles that are dead after these errors. */
const SESSION_GONE = new Set(['CKR_SESSION_HANDLE_INVALID', 'CKR_SESSION_CLOSED', 'CKR_DEVICE_REMOVED', 'CKR_TOKEN_NOT_PRESENT']);

let libPromise: Promise<Lib> | undefined;

async function loadAddon(): Promise<Lib> {
  libPromise ??= import('pkcs11js').then(
    (mod) => (mod as unknown as { default?: Lib }).default ?? (mod as unknown as Lib),
  );
  try {
    return await libPromise;
  } catch (e) {
    libPromise = undefined;
    throw new Pkcs11Error('addon-load-failed', `The PKCS#11 support (pkcs11js native addon) cannot be loaded: ${errorText(e)}`, { cause: e });
  }
}

export const trim = (s: string): string => s.replace(/[\s\0]+$/, '');
export const version = (v: { major: number; minor: number }): string => `${v.major}.${v.minor}`;

/** Slot handles are native-endian CK_ULONGs; their ID is the number in hex. */
export function handleToId(handle: Handle): string {
  const bytes = Buffer.from(handle);
  if (endianness() === 'LE') bytes.reverse();
  return bytes.toString('hex').replace(/^0+(?=.)/, '');
}

/** One loaded and initialised library per path, shared by every loadModule() of that path. */
interface Loaded {
  pkcs11: Pkcs11Js.PKCS11;
  users: number;
}
const loaded = new Map<string, Loaded>();

/** The library at `path`, loaded and C_Initialize'd the first time, with one more user. */
export async function acquireLibrary(path: string): Promise<SlotSessions> {
  if (!existsSync(path)) {
    throw new Pkcs11Error('module-load-failed', `Cannot load the PKCS#11 module ${path}: the file does not exist.`);
  }
  const lib = await loadAddon();
  let entry = loaded.get(path);
  if (entry === undefined) {
    const pkcs11 = new lib.PKCS11();
    try {
      pkcs11.load(path);
    } catch (e) {
      throw new Pkcs11Error('module-load-failed', `Cannot load the PKCS#11 module ${path}: ${errorText(e)}`, { cause: e });
    }
    try {
      pkcs11.C_Initialize({ flags: lib.CKF_OS_LOCKING_OK });
    } catch (e) {
      const err = toPkcs11Error(e);
      if (err.code !== 'CKR_CRYPTOKI_ALREADY_INITIALIZED') {
        try {
          pkcs11.close();
        } catch {
          // nothing more to release
        }
        throw new Pkcs11Error(err.code, `The PKCS#11 module ${path} failed to initialise: ${err.message}`, { cause: e });
      }
    }
    entry = { pkcs11, users: 0 };
    loaded.set(path, entry);
  }
  entry.users += 1;
  return new SlotSessions(lib, path, entry);
}

/** The sessions of one loadModule(): one per slot, kept until close(). */
export class SlotSessions {
  readonly pkcs11: Pkcs11Js.PKCS11;
  readonly counters: ModuleStats = { logins: 0, contextLogins: 0, signatures: 0 };
  private readonly slotHandles = new Map<string, Handle>();
  private readonly sessions = new Map<string, Handle>();
  private readonly queues = new Map<string, Promise<void>>();
  private closed = false;

  constructor(
    readonly lib: Lib,
    readonly path: string,
    private readonly entry: Loaded,
  ) {
    this.pkcs11 = entry.pkcs11;
  }

  ensureOpen(): void {
    if (this.closed) throw new Pkcs11Error('module-closed', `The PKCS#11 module ${this.path} has been closed.`);
  }

  /** Runs a pkcs11js call; its error as a Pkcs11Error, forgetting the slot's session when the error says it is dead. */
  call<T>(fn: () => T, slotId?: string): T {
    try {
      return fn();
    } catch (e) {
      const err = toPkcs11Error(e);
      if (slotId !== undefined && SESSION_GONE.has(err.code)) this.sessions.delete(slotId);
      throw err;
    }
  }

  /**
   * Runs `fn` after every earlier call on this slot has settled: a token does one thing at a time,
   * and a signature spans awaits (the context-specific PIN) during which nothing else may touch
   * the session.
   */
  queued<T>(slotId: string, fn: () => T | Promise<T>): Promise<T> {
    const previous = this.queues.get(slotId) ?? Promise.resolve();
    const next = previous.then(() => fn());
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(slotId, settled);
    void settled.then(() => {
      if (this.queues.get(slotId) === settled) this.queues.delete(slotId);
    });
    return next;
  }

  refreshSlots(): Handle[] {
    const handles = this.call(() => this.pkcs11.C_GetSlotList(false));
    this.slotHandles.clear();
    for (const h of handles) this.slotHandles.set(handleToId(h), h);
    return handles;
  }

  slotHandle(slotId: string): Handle {
    let handle = this.slotHandles.get(slotId);
    if (handle === undefined) {
      this.refreshSlots();
      handle = this.slotHandles.get(slotId);
    }
    if (handle === undefined) throw new Pkcs11Error('slot-not-found', `There is no slot ${slotId} in the PKCS#11 module ${this.path}.`);
    return handle;
  }

  /** The slot's session, opened (serial, read-only) on first use. */
  session(slotId: string): Handle {
    let s = this.sessions.get(slotId);
    if (s === undefined) {
      const slot = this.slotHandle(slotId);
      s = this.call(() => this.pkcs11.C_OpenSession(slot, this.lib.CKF_SERIAL_SESSION), slotId);
      this.sessions.set(slotId, s);
    }
    return s;
  }

  /**
   * Replaces the slot's session `busy` (an operation in it must be abandoned: PKCS#11 2.40 cannot
   * cancel one, C_SessionCancel is 3.0): a new one is opened first, so that the token stays logged
   * in (a login lasts while the application has a session with the token), then `busy` is closed.
   */
  replaceSession(slotId: string, busy: Handle): void {
    try {
      const fresh = this.pkcs11.C_OpenSession(this.slotHandle(slotId), this.lib.CKF_SERIAL_SESSION);
      this.sessions.set(slotId, fresh);
    } catch {
      this.sessions.delete(slotId);
    }
    try {
      this.pkcs11.C_CloseSession(busy);
    } catch {
      // already gone
    }
  }

  tokenOf(handle: Handle, slotId?: string): TokenInfo {
    const t = this.call(() => this.pkcs11.C_GetTokenInfo(handle), slotId);
    const has = (flag: number): boolean => (t.flags & flag) !== 0;
    return {
      label: trim(t.label),
      manufacturer: trim(t.manufacturerID),
      model: trim(t.model),
      serial: trim(t.serialNumber),
      flags: {
        loginRequired: has(CKF.LOGIN_REQUIRED),
        protectedAuthPath: has(CKF.PROTECTED_AUTHENTICATION_PATH),
        userPinInitialized: has(CKF.USER_PIN_INITIALIZED),
        userPinCountLow: has(CKF.USER_PIN_COUNT_LOW),
        userPinFinalTry: has(CKF.USER_PIN_FINAL_TRY),
        userPinLocked: has(CKF.USER_PIN_LOCKED),
        tokenInitialized: has(CKF.TOKEN_INITIALIZED),
        writeProtected: has(CKF.WRITE_PROTECTED),
      },
    };
  }

  /** A failed C_Login, in words: after a wrong PIN the token flags are read again for the tries left. */
  loginError(slotId: string, e: unknown): Pkcs11Error {
    const err = toPkcs11Error(e);
    if (SESSION_GONE.has(err.code)) this.sessions.delete(slotId);
    if (err.code !== 'CKR_PIN_INCORRECT') return err;
    let flags: TokenFlags | undefined;
    try {
      flags = this.tokenOf(this.slotHandle(slotId)).flags;
    } catch {
      // the token may be gone; the wrong PIN is still the news
    }
    if (flags?.userPinLocked) {
      return new Pkcs11Error('CKR_PIN_LOCKED', MESSAGES.CKR_PIN_LOCKED ?? 'The PIN is locked.', { method: 'C_Login', cause: e });
    }
    return pinIncorrectError(flags?.userPinFinalTry ? 'final' : flags?.userPinCountLow ? 'low' : undefined, e);
  }

  loggedIn(slotId: string): boolean {
    const s = this.session(slotId);
    const state = this.call(() => this.pkcs11.C_GetSessionInfo(s), slotId).state;
    // CKS_RO_USER_FUNCTIONS, CKS_RW_USER_FUNCTIONS (missing from pkcs11js' constants)
    return state === 1 || state === 3;
  }

  /** C_Login as CKU_USER (an empty PIN: the PIN pad); zeroes `pin`. Run it in the slot's queue. */
  login(slotId: string, pin: Buffer): void {
    try {
      this.ensureOpen();
      const s = this.session(slotId);
      const attempt = (): void => {
        this.counters.logins += 1;
        if (pin.length === 0) this.pkcs11.C_Login(s, this.lib.CKU_USER);
        else this.pkcs11.C_Login(s, this.lib.CKU_USER, pin.toString('utf8'));
      };
      try {
        try {
          attempt();
        } catch (e) {
          // Already logged in (by us or another session of this process): log out and check
          // this PIN, so that a wrong PIN is never reported as a success.
          if (toPkcs11Error(e).code !== 'CKR_USER_ALREADY_LOGGED_IN') throw e;
          this.pkcs11.C_Logout(s);
          attempt();
        }
      } catch (e) {
        throw this.loginError(slotId, e);
      }
    } finally {
      pin.fill(0);
    }
  }

  /**
   * C_Login as CKU_CONTEXT_SPECIFIC in session `s` (after C_SignInit of a CKA_ALWAYS_AUTHENTICATE
   * key); zeroes `pin`. A failure replaces the session (the operation is abandoned).
   */
  contextLogin(slotId: string, s: Handle, pin: Buffer): void {
    try {
      this.counters.contextLogins += 1;
      if (pin.length === 0) this.pkcs11.C_Login(s, this.lib.CKU_CONTEXT_SPECIFIC);
      else this.pkcs11.C_Login(s, this.lib.CKU_CONTEXT_SPECIFIC, pin.toString('utf8'));
    } catch (e) {
      this.replaceSession(slotId, s);
      throw this.loginError(slotId, e);
    } finally {
      pin.fill(0);
    }
  }

  /** C_Logout; not being logged in, or a session already gone, is not an error. Run it in the slot's queue. */
  logout(slotId: string): void {
    this.ensureOpen();
    const s = this.sessions.get(slotId);
    if (s === undefined) return;
    try {
      this.pkcs11.C_Logout(s);
    } catch (e) {
      const err = toPkcs11Error(e);
      if (err.code !== 'CKR_USER_NOT_LOGGED_IN' && !SESSION_GONE.has(err.code)) throw err;
    }
  }

  /** C_InitToken, after closing this module's session with the token (it refuses while one is open); zeroes `soPin`. */
  initToken(slotId: string, soPin: Buffer, label: string): void {
    try {
      this.ensureOpen();
      const slot = this.slotHandle(slotId);
      const open = this.sessions.get(slotId);
      if (open !== undefined) {
        this.sessions.delete(slotId);
        try {
          this.pkcs11.C_CloseSession(open);
        } catch {
          // already gone
        }
      }
      this.call(() => this.pkcs11.C_InitToken(slot, soPin.toString('utf8'), label), slotId);
    } finally {
      soPin.fill(0);
    }
  }

  /** Waits for the queued calls, closes every session; C_Finalize once the library's last user closes. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.queues.values()]);
    for (const s of this.sessions.values()) {
      try {
        this.pkcs11.C_CloseSession(s);
      } catch {
        // the token may be gone; nothing to release then
      }
    }
    this.sessions.clear();
    this.entry.users -= 1;
    if (this.entry.users > 0) return;
    loaded.delete(this.path);
    try {
      this.pkcs11.C_Finalize();
      this.pkcs11.close();
    } catch (e) {
      throw toPkcs11Error(e, `Closing the PKCS#11 module ${this.path} failed`);
    }
  }
}
