// The only runtime importer of the pkcs11js addon: loads a PKCS#11 module (SafeNet eToken, OpenSC,
// YubiKey, SoftHSM...) and exposes a small, typed view of it. Every failure is a Pkcs11Error with a
// stable `code` (the CKR_* name, or one of our own codes) and an English message.
//
// The addon is imported lazily in loadModule(), so importing this file never crashes a process
// where pkcs11js is not built. Calls are synchronous in pkcs11js; the API is asynchronous so that
// it can move to pkcs11js' async variants (or a worker) without changing callers.
//
// PINs: login() takes a Buffer and zeroes it before returning, whatever happens. pkcs11js only
// accepts the PIN as a JS string, which cannot be wiped; it lives only for the duration of the call.
// Never log a PIN, never put one in an error message.
import { existsSync } from 'node:fs';
import { endianness } from 'node:os';
import type * as Pkcs11Js from 'pkcs11js';

type Lib = typeof Pkcs11Js;
type Handle = Buffer;

/** Our own codes, beside the module's CKR_* names. */
export type Pkcs11LocalErrorCode = 'addon-load-failed' | 'module-load-failed' | 'slot-not-found' | 'module-closed';

export class Pkcs11Error extends Error {
  override readonly name = 'Pkcs11Error';
  /** 'CKR_PIN_INCORRECT', 'CKR_PIN_LOCKED', 'CKR_TOKEN_NOT_PRESENT', ... or a Pkcs11LocalErrorCode. */
  readonly code: string;
  /** The PKCS#11 function that failed ('C_Login'), when known. */
  readonly method: string | undefined;
  constructor(code: string, message: string, options: { method?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.method = options.method;
  }
}

const MESSAGES: Record<string, string> = {
  CKR_PIN_INCORRECT: 'The PIN is incorrect.',
  CKR_PIN_LOCKED: 'The PIN is locked after too many wrong attempts; the token must be unblocked with its administrator (SO) PIN.',
  CKR_PIN_LEN_RANGE: 'The PIN is too short or too long for this token.',
  CKR_PIN_EXPIRED: 'The PIN has expired and must be changed before the token can be used.',
  CKR_PIN_INVALID: 'The PIN contains characters this token does not accept.',
  CKR_TOKEN_NOT_PRESENT: 'No token is present in this slot.',
  CKR_TOKEN_NOT_RECOGNIZED: 'The token in this slot is not recognized by the module.',
  CKR_DEVICE_REMOVED: 'The token was removed.',
  CKR_DEVICE_ERROR: 'The token reported a device error.',
  CKR_SLOT_ID_INVALID: 'This slot does not exist (any more).',
  CKR_SESSION_HANDLE_INVALID: 'The session with the token was closed (was the token removed?).',
  CKR_SESSION_CLOSED: 'The session with the token was closed.',
  CKR_USER_NOT_LOGGED_IN: 'Log in to the token first.',
  CKR_USER_PIN_NOT_INITIALIZED: 'The token has no user PIN yet: initialise it with the token tools.',
  CKR_FUNCTION_CANCELED: 'The operation was cancelled on the token (PIN pad).',
  CKR_CRYPTOKI_NOT_INITIALIZED: 'The PKCS#11 module is not initialised.',
  CKR_GENERAL_ERROR: 'The PKCS#11 module reported a general error.',
};

/** PKCS#11 v2.40 slot and token flags (missing from pkcs11js' typings for the slot ones). */
const CKF = {
  TOKEN_PRESENT: 0x1,
  REMOVABLE_DEVICE: 0x2,
  HW_SLOT: 0x4,
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

export interface ModuleInfo {
  path: string;
  /** e.g. '2.40' */
  cryptokiVersion: string;
  manufacturer: string;
  description: string;
  /** e.g. '2.6' */
  libraryVersion: string;
}

export interface TokenFlags {
  loginRequired: boolean;
  protectedAuthPath: boolean;
  userPinInitialized: boolean;
  userPinCountLow: boolean;
  userPinFinalTry: boolean;
  userPinLocked: boolean;
  tokenInitialized: boolean;
  writeProtected: boolean;
}

export interface TokenInfo {
  label: string;
  manufacturer: string;
  model: string;
  serial: string;
  flags: TokenFlags;
}

export interface SlotInfo {
  /** The slot ID as a hex number ('4f8f705'); pass it back to findObjects/login/logout. */
  id: string;
  description: string;
  manufacturer: string;
  tokenPresent: boolean;
  removable: boolean;
  /** Present when tokenPresent. */
  token?: TokenInfo;
}

export type ObjectClass = 'certificate' | 'privateKey' | 'publicKey';

export interface Pkcs11Object {
  class: ObjectClass;
  /** CKA_LABEL (UTF-8). */
  label: string;
  /** CKA_ID in lower-case hex ('01'). */
  id: string;
  /** For certificates: the DER of the X.509 certificate (CKA_VALUE). */
  value?: Buffer;
}

export interface FindQuery {
  class: ObjectClass;
  /** CKA_ID in hex, to narrow the search. */
  id?: string;
}

export interface Pkcs11Module {
  readonly path: string;
  info(): ModuleInfo;
  /** Every slot (with or without a token). */
  slots(): Promise<SlotInfo[]>;
  /** Objects visible in the slot's session: public ones always, private ones after login(). */
  findObjects(slotId: string, query: FindQuery): Promise<Pkcs11Object[]>;
  /** Logs the user in; an empty buffer logs in through the protected authentication path (PIN pad). Zeroes `pin`. */
  login(slotId: string, pin: Buffer): Promise<void>;
  logout(slotId: string): Promise<void>;
  /** Closes this module's sessions; C_Finalize once the last user of the module closes. Idempotent. */
  close(): Promise<void>;
}

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

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Maps anything pkcs11js throws to a Pkcs11Error. */
function toPkcs11Error(e: unknown, context?: string): Pkcs11Error {
  if (e instanceof Pkcs11Error) return e;
  const message = errorText(e);
  const ckr = /\b(CKR_[A-Z0-9_]+)/.exec(message)?.[1];
  const method =
    typeof e === 'object' && e !== null && 'method' in e && typeof e.method === 'string' && e.method !== '' ? e.method : undefined;
  if (ckr !== undefined) {
    const text = MESSAGES[ckr] ?? `The PKCS#11 module returned ${ckr}${method ? ` from ${method}` : ''}.`;
    return new Pkcs11Error(ckr, context ? `${context}: ${text}` : text, { method, cause: e });
  }
  return new Pkcs11Error('module-load-failed', context ? `${context}: ${message}` : message, { method, cause: e });
}

const trim = (s: string): string => s.replace(/[\s\0]+$/, '');
const version = (v: { major: number; minor: number }): string => `${v.major}.${v.minor}`;

/** Slot handles are native-endian CK_ULONGs; their ID is the number in hex. */
function handleToId(handle: Handle): string {
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

export async function loadModule(path: string): Promise<Pkcs11Module> {
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
  return openModule(lib, path, entry);
}

function openModule(lib: Lib, path: string, entry: Loaded): Pkcs11Module {
  const { pkcs11 } = entry;
  const slotHandles = new Map<string, Handle>();
  const sessions = new Map<string, Handle>();
  let closed = false;

  const ensureOpen = (): void => {
    if (closed) throw new Pkcs11Error('module-closed', `The PKCS#11 module ${path} has been closed.`);
  };

  const call = <T>(fn: () => T, slotId?: string): T => {
    try {
      return fn();
    } catch (e) {
      const err = toPkcs11Error(e);
      if (slotId !== undefined && SESSION_GONE.has(err.code)) sessions.delete(slotId);
      throw err;
    }
  };

  const refreshSlots = (): Handle[] => {
    const handles = call(() => pkcs11.C_GetSlotList(false));
    slotHandles.clear();
    for (const h of handles) slotHandles.set(handleToId(h), h);
    return handles;
  };

  const slotHandle = (slotId: string): Handle => {
    let handle = slotHandles.get(slotId);
    if (handle === undefined) {
      refreshSlots();
      handle = slotHandles.get(slotId);
    }
    if (handle === undefined) throw new Pkcs11Error('slot-not-found', `There is no slot ${slotId} in the PKCS#11 module ${path}.`);
    return handle;
  };

  const session = (slotId: string): Handle => {
    let s = sessions.get(slotId);
    if (s === undefined) {
      const slot = slotHandle(slotId);
      s = call(() => pkcs11.C_OpenSession(slot, lib.CKF_SERIAL_SESSION), slotId);
      sessions.set(slotId, s);
    }
    return s;
  };

  const classValue = (c: ObjectClass): number =>
    c === 'certificate' ? lib.CKO_CERTIFICATE : c === 'privateKey' ? lib.CKO_PRIVATE_KEY : lib.CKO_PUBLIC_KEY;

  return {
    path,

    info() {
      ensureOpen();
      const i = call(() => pkcs11.C_GetInfo());
      return {
        path,
        cryptokiVersion: version(i.cryptokiVersion),
        manufacturer: trim(i.manufacturerID),
        description: trim(i.libraryDescription),
        libraryVersion: version(i.libraryVersion),
      };
    },

    async slots() {
      ensureOpen();
      return refreshSlots().map((handle): SlotInfo => {
        const s = call(() => pkcs11.C_GetSlotInfo(handle));
        const slot: SlotInfo = {
          id: handleToId(handle),
          description: trim(s.slotDescription),
          manufacturer: trim(s.manufacturerID),
          tokenPresent: (s.flags & CKF.TOKEN_PRESENT) !== 0,
          removable: (s.flags & CKF.REMOVABLE_DEVICE) !== 0,
        };
        if (slot.tokenPresent) {
          const t = call(() => pkcs11.C_GetTokenInfo(handle));
          const has = (flag: number): boolean => (t.flags & flag) !== 0;
          slot.token = {
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
        return slot;
      });
    },

    async findObjects(slotId, query) {
      ensureOpen();
      const s = session(slotId);
      const template: Pkcs11Js.Template = [{ type: lib.CKA_CLASS, value: classValue(query.class) }];
      if (query.class === 'certificate') template.push({ type: lib.CKA_CERTIFICATE_TYPE, value: lib.CKC_X_509 });
      if (query.id !== undefined) template.push({ type: lib.CKA_ID, value: Buffer.from(query.id, 'hex') });
      const handles: Handle[] = [];
      call(() => pkcs11.C_FindObjectsInit(s, template), slotId);
      try {
        for (;;) {
          const batch = call(() => pkcs11.C_FindObjects(s, 64), slotId);
          handles.push(...batch);
          if (batch.length < 64) break;
        }
      } finally {
        call(() => pkcs11.C_FindObjectsFinal(s), slotId);
      }
      return handles.map((h): Pkcs11Object => {
        const wanted: Pkcs11Js.Template = [{ type: lib.CKA_LABEL }, { type: lib.CKA_ID }];
        if (query.class === 'certificate') wanted.push({ type: lib.CKA_VALUE });
        const attrs = call(() => pkcs11.C_GetAttributeValue(s, h, wanted), slotId);
        const get = (type: number): Buffer | undefined => {
          const v = attrs.find((a) => a.type === type)?.value;
          return Buffer.isBuffer(v) ? v : undefined;
        };
        const object: Pkcs11Object = {
          class: query.class,
          label: get(lib.CKA_LABEL)?.toString('utf8') ?? '',
          id: get(lib.CKA_ID)?.toString('hex') ?? '',
        };
        const value = get(lib.CKA_VALUE);
        if (value !== undefined) object.value = Buffer.from(value);
        return object;
      });
    },

    async login(slotId, pin) {
      try {
        ensureOpen();
        const s = session(slotId);
        const attempt = (): void => {
          if (pin.length === 0) pkcs11.C_Login(s, lib.CKU_USER);
          else pkcs11.C_Login(s, lib.CKU_USER, pin.toString('utf8'));
        };
        try {
          try {
            attempt();
          } catch (e) {
            // Already logged in (by us or another session of this process): log out and check
            // this PIN, so that a wrong PIN is never reported as a success.
            if (toPkcs11Error(e).code !== 'CKR_USER_ALREADY_LOGGED_IN') throw e;
            pkcs11.C_Logout(s);
            attempt();
          }
        } catch (e) {
          const err = toPkcs11Error(e);
          if (SESSION_GONE.has(err.code)) sessions.delete(slotId);
          throw err;
        }
      } finally {
        pin.fill(0);
      }
    },

    async logout(slotId) {
      ensureOpen();
      const s = sessions.get(slotId);
      if (s === undefined) return;
      try {
        pkcs11.C_Logout(s);
      } catch (e) {
        const err = toPkcs11Error(e);
        if (err.code !== 'CKR_USER_NOT_LOGGED_IN' && !SESSION_GONE.has(err.code)) throw err;
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      for (const s of sessions.values()) {
        try {
          pkcs11.C_CloseSession(s);
        } catch {
          // the token may be gone; nothing to release then
        }
      }
      sessions.clear();
      entry.users -= 1;
      if (entry.users > 0) return;
      loaded.delete(path);
      try {
        pkcs11.C_Finalize();
        pkcs11.close();
      } catch (e) {
        throw toPkcs11Error(e, `Closing the PKCS#11 module ${path} failed`);
      }
    },
  };
}
