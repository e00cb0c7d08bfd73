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
import { discoverModules } from './discovery';
import type { ModuleCandidate } from './discovery';
import { errorText, MESSAGES, Pkcs11Error, pinIncorrectError, toPkcs11Error } from './errors';
import { certificateKey, ecBits, ecFingerprint, rsaBits, rsaFingerprint } from './keys';
import { SIGN_MECHANISMS } from './mechanisms';
import type { SignMechanism, SignMechanismName } from './mechanisms';

export { Pkcs11Error } from './errors';
export { chooseMechanism, digestInfo, DIGEST_LENGTH, SIGN_MECHANISMS } from './mechanisms';
export type { ChosenMechanism, DigestName, SignatureWanted, SignInput, SignMechanism, SignMechanismName } from './mechanisms';
export { discoverModules } from './discovery';
export type { DiscoverOptions, ModuleCandidate } from './discovery';
export { watchSlots } from './watch';
export type { SlotChange, WatchedToken } from './watch';
export type { Pkcs11LocalErrorCode } from './errors';

type Lib = typeof Pkcs11Js;
type Handle = Buffer;

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

/** A private key to sign with: its CKA_ID (hex) as listed, or the handle from a listing. */
export type KeyRef = { id: string } | { handle: string };

export interface KeyDescription {
  /** CKA_ID, lower-case hex ('' when the key has none). */
  id: string;
  label: string;
  keyType: 'rsa' | 'ec' | 'other';
  /** RSA modulus or EC field size; 0 when unknown. */
  bits: number;
  /** CKA_ALWAYS_AUTHENTICATE: every signature needs the PIN again (context-specific login). */
  alwaysAuthenticate: boolean;
  /** The object handle in hex, valid while the module stays loaded. */
  handle: string;
}

export interface SigningIdentity {
  /** The certificate's DER (CKA_VALUE). */
  certificate: Buffer;
  /** CKA_LABEL and CKA_ID (hex) of the certificate. */
  certificateLabel: string;
  certificateId: string;
  key: KeyDescription;
  /** How the key was found: same CKA_ID, or (when the ids differ) the same public key. */
  pairedBy: 'id' | 'public-key';
}

export interface IgnoredObject {
  class: 'certificate' | 'privateKey';
  label: string;
  id: string;
  /** The certificate's DER, for certificates. */
  certificate?: Buffer;
  /** Why it cannot sign, one English sentence. */
  reason: string;
}

export interface IdentityListing {
  identities: SigningIdentity[];
  /** Keys without a certificate, end-entity certificates without a key. */
  ignored: IgnoredObject[];
  /** Every certificate not paired with a key (CA certificates included): material for chains. */
  otherCertificates: Buffer[];
  /** Whether the listing was made logged in; before login, tokens hide their private keys. */
  loggedIn: boolean;
}

/** Counters for tests and diagnostics (no secrets). */
export interface ModuleStats {
  /** C_Login calls as CKU_USER (each attempt). */
  logins: number;
  /** C_Login calls as CKU_CONTEXT_SPECIFIC. */
  contextLogins: number;
  /** Successful C_Sign calls. */
  signatures: number;
}

export interface PinPrompt {
  /** The token has a PIN pad (CKF_PROTECTED_AUTHENTICATION_PATH): answer with an empty Buffer. */
  pinPad: boolean;
  triesLeft?: 'low' | 'final';
}

export interface SignOptions {
  /**
   * Asked for the PIN after C_SignInit when the key has CKA_ALWAYS_AUTHENTICATE. null cancels
   * ('pin-cancelled'). The buffer is zeroed after use. Without it, such a key fails with
   * CKR_USER_NOT_LOGGED_IN.
   */
  contextPin?: (prompt: PinPrompt) => Promise<Buffer | null>;
}

export interface Pkcs11Module {
  readonly path: string;
  info(): ModuleInfo;
  /** Every slot (with or without a token). */
  slots(): Promise<SlotInfo[]>;
  /** The token in a slot (throws CKR_TOKEN_NOT_PRESENT when there is none). */
  token(slotId: string): Promise<TokenInfo>;
  /** Objects visible in the slot's session: public ones always, private ones after login(). */
  findObjects(slotId: string, query: FindQuery): Promise<Pkcs11Object[]>;
  /**
   * Logs the user in; an empty buffer logs in through the protected authentication path (PIN pad).
   * Zeroes `pin`. A wrong PIN: CKR_PIN_INCORRECT with `triesLeft` from the token flags re-read
   * after the failure, or CKR_PIN_LOCKED when that failure locked the token.
   */
  login(slotId: string, pin: Buffer): Promise<void>;
  logout(slotId: string): Promise<void>;
  /** Whether the user is logged in to the token of this slot (C_GetSessionInfo). */
  isLoggedIn(slotId: string): Promise<boolean>;
  /** The signing mechanisms (of SIGN_MECHANISMS) the token offers with CKF_SIGN. */
  mechanisms(slotId: string): Promise<SignMechanismName[]>;
  /** Certificates paired with private keys (log in first: tokens hide private keys until then). */
  listSigningIdentities(slotId: string): Promise<IdentityListing>;
  /** C_SignInit + (context-specific login) + C_Sign. Calls to one slot run one at a time. */
  sign(slotId: string, key: KeyRef, mechanism: SignMechanism, data: Uint8Array, options?: SignOptions): Promise<Buffer>;
  /**
   * Initialises the token of a slot (SoftHSM's free slot, a blank card), erasing what it holds:
   * C_InitToken, after closing this module's session with it. Zeroes `soPin`.
   */
  initToken(slotId: string, soPin: Buffer, label: string): Promise<void>;
  stats(): ModuleStats;
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

export interface LoadedCandidate {
  candidate: ModuleCandidate;
  /** The loaded module, or why it could not be loaded (wrong architecture, a missing dependency, no PKCS#11 library...). */
  module?: Pkcs11Module;
  error?: Pkcs11Error;
}

/**
 * Loads every candidate that exists, and every user path (a missing one is reported, not skipped);
 * one failure never hides the others. Close each returned module when done.
 */
export async function loadModules(candidates: readonly ModuleCandidate[] = discoverModules()): Promise<LoadedCandidate[]> {
  const out: LoadedCandidate[] = [];
  for (const candidate of candidates) {
    if (!candidate.exists && candidate.source === 'known') continue;
    try {
      out.push({ candidate, module: await loadModule(candidate.path) });
    } catch (e) {
      out.push({ candidate, error: toPkcs11Error(e) });
    }
  }
  return out;
}

/** A native-endian CK_ULONG attribute. */
function ulong(b: Buffer): number {
  const n = Math.min(b.length, 6);
  return endianness() === 'LE' ? b.readUIntLE(0, n) : b.readUIntBE(b.length - n, n);
}

function openModule(lib: Lib, path: string, entry: Loaded): Pkcs11Module {
  const { pkcs11 } = entry;
  const slotHandles = new Map<string, Handle>();
  const sessions = new Map<string, Handle>();
  const queues = new Map<string, Promise<void>>();
  const counters: ModuleStats = { logins: 0, contextLogins: 0, signatures: 0 };
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

  /**
   * Runs `fn` after every earlier call on this slot has settled: a token does one thing at a time,
   * and a signature spans awaits (the context-specific PIN) during which nothing else may touch
   * the session.
   */
  const queued = <T>(slotId: string, fn: () => T | Promise<T>): Promise<T> => {
    const previous = queues.get(slotId) ?? Promise.resolve();
    const next = previous.then(() => fn());
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    queues.set(slotId, settled);
    void settled.then(() => {
      if (queues.get(slotId) === settled) queues.delete(slotId);
    });
    return next;
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

  const tokenOf = (handle: Handle, slotId?: string): TokenInfo => {
    const t = call(() => pkcs11.C_GetTokenInfo(handle), slotId);
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
  };

  /** A failed C_Login, in words: after a wrong PIN the token flags are read again for the tries left. */
  const loginError = (slotId: string, e: unknown): Pkcs11Error => {
    const err = toPkcs11Error(e);
    if (SESSION_GONE.has(err.code)) sessions.delete(slotId);
    if (err.code !== 'CKR_PIN_INCORRECT') return err;
    let flags: TokenFlags | undefined;
    try {
      flags = tokenOf(slotHandle(slotId)).flags;
    } catch {
      // the token may be gone; the wrong PIN is still the news
    }
    if (flags?.userPinLocked) {
      return new Pkcs11Error('CKR_PIN_LOCKED', MESSAGES.CKR_PIN_LOCKED ?? 'The PIN is locked.', { method: 'C_Login', cause: e });
    }
    return pinIncorrectError(flags?.userPinFinalTry ? 'final' : flags?.userPinCountLow ? 'low' : undefined, e);
  };

  const classValue = (c: ObjectClass): number =>
    c === 'certificate' ? lib.CKO_CERTIFICATE : c === 'privateKey' ? lib.CKO_PRIVATE_KEY : lib.CKO_PUBLIC_KEY;

  const findHandles = (slotId: string, s: Handle, template: Pkcs11Js.Template): Handle[] => {
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
    return handles;
  };

  /** One attribute, or undefined when the object does not have it (or keeps it secret). */
  const attribute = (s: Handle, h: Handle, type: number): Buffer | undefined => {
    try {
      const value = pkcs11.C_GetAttributeValue(s, h, [{ type }])[0]?.value;
      return Buffer.isBuffer(value) ? Buffer.from(value) : undefined;
    } catch {
      return undefined;
    }
  };
  const flag = (s: Handle, h: Handle, type: number): boolean | undefined => {
    const v = attribute(s, h, type);
    return v === undefined || v.length === 0 ? undefined : v[0] !== 0;
  };

  const findSync = (slotId: string, query: FindQuery): Pkcs11Object[] => {
    const s = session(slotId);
    const template: Pkcs11Js.Template = [{ type: lib.CKA_CLASS, value: classValue(query.class) }];
    if (query.class === 'certificate') template.push({ type: lib.CKA_CERTIFICATE_TYPE, value: lib.CKC_X_509 });
    if (query.id !== undefined) template.push({ type: lib.CKA_ID, value: Buffer.from(query.id, 'hex') });
    return findHandles(slotId, s, template).map((h): Pkcs11Object => {
      const object: Pkcs11Object = {
        class: query.class,
        label: attribute(s, h, lib.CKA_LABEL)?.toString('utf8') ?? '',
        id: attribute(s, h, lib.CKA_ID)?.toString('hex') ?? '',
      };
      if (query.class === 'certificate') {
        const value = attribute(s, h, lib.CKA_VALUE);
        if (value !== undefined) object.value = value;
      }
      return object;
    });
  };

  const loggedIn = (slotId: string): boolean => {
    const s = session(slotId);
    const state = call(() => pkcs11.C_GetSessionInfo(s), slotId).state;
    // CKS_RO_USER_FUNCTIONS, CKS_RW_USER_FUNCTIONS (missing from pkcs11js' constants)
    return state === 1 || state === 3;
  };

  interface KeyFacts extends KeyDescription {
    fingerprint: string | undefined;
    canSign: boolean;
    h: Handle;
  }

  const describeKeys = (slotId: string, s: Handle): KeyFacts[] => {
    const publicPoints = new Map<string, string>();
    for (const h of findHandles(slotId, s, [{ type: lib.CKA_CLASS, value: lib.CKO_PUBLIC_KEY }])) {
      const id = attribute(s, h, lib.CKA_ID)?.toString('hex') ?? '';
      const point = attribute(s, h, lib.CKA_EC_POINT);
      const fp = point ? ecFingerprint(point) : undefined;
      if (fp !== undefined && id !== '') publicPoints.set(id, fp);
    }
    return findHandles(slotId, s, [{ type: lib.CKA_CLASS, value: lib.CKO_PRIVATE_KEY }]).map((h): KeyFacts => {
      const id = attribute(s, h, lib.CKA_ID)?.toString('hex') ?? '';
      const typeAttr = attribute(s, h, lib.CKA_KEY_TYPE);
      const type = typeAttr ? ulong(typeAttr) : -1;
      const base = {
        id,
        label: attribute(s, h, lib.CKA_LABEL)?.toString('utf8') ?? '',
        alwaysAuthenticate: flag(s, h, lib.CKA_ALWAYS_AUTHENTICATE) ?? false,
        canSign: flag(s, h, lib.CKA_SIGN) ?? true,
        handle: h.toString('hex'),
        h,
      };
      if (type === lib.CKK_RSA) {
        const modulus = attribute(s, h, lib.CKA_MODULUS);
        return { ...base, keyType: 'rsa', bits: modulus ? rsaBits(modulus) : 0, fingerprint: modulus ? rsaFingerprint(modulus) : undefined };
      }
      if (type === lib.CKK_EC) {
        // A private EC key rarely carries its point (CKA_EC_POINT is a public-key attribute): take
        // it from the public key of the same CKA_ID when the key has none.
        const own = attribute(s, h, lib.CKA_EC_POINT);
        const fingerprint = (own ? ecFingerprint(own) : undefined) ?? publicPoints.get(id);
        return { ...base, keyType: 'ec', bits: ecBits(attribute(s, h, lib.CKA_EC_PARAMS)), fingerprint };
      }
      return { ...base, keyType: 'other', bits: 0, fingerprint: undefined };
    });
  };

  const listIdentities = (slotId: string): IdentityListing => {
    const s = session(slotId);
    const isLoggedIn = loggedIn(slotId);
    const certs = findHandles(slotId, s, [
      { type: lib.CKA_CLASS, value: lib.CKO_CERTIFICATE },
      { type: lib.CKA_CERTIFICATE_TYPE, value: lib.CKC_X_509 },
    ]).map((h) => {
      const value = attribute(s, h, lib.CKA_VALUE) ?? Buffer.alloc(0);
      let facts: ReturnType<typeof certificateKey> | undefined;
      try {
        facts = certificateKey(value);
      } catch {
        facts = undefined;
      }
      return {
        label: attribute(s, h, lib.CKA_LABEL)?.toString('utf8') ?? '',
        id: attribute(s, h, lib.CKA_ID)?.toString('hex') ?? '',
        value,
        facts,
        used: false,
      };
    });
    const keys = describeKeys(slotId, s);
    const identities: SigningIdentity[] = [];
    const ignored: IgnoredObject[] = [];
    for (const key of keys) {
      const matches = (c: (typeof certs)[number]): boolean =>
        c.facts !== undefined && (key.fingerprint === undefined || c.facts.fingerprint === undefined || c.facts.fingerprint === key.fingerprint);
      let pairedBy: SigningIdentity['pairedBy'] = 'id';
      let cert = key.id === '' ? undefined : certs.find((c) => !c.used && c.id === key.id && matches(c));
      if (cert === undefined && key.fingerprint !== undefined) {
        cert = certs.find((c) => !c.used && c.facts?.fingerprint === key.fingerprint);
        pairedBy = 'public-key';
      }
      const { fingerprint: _fingerprint, canSign, h: _h, ...description } = key;
      if (cert === undefined) {
        ignored.push({
          class: 'privateKey',
          label: key.label,
          id: key.id,
          reason: `The key "${key.label || key.id || key.handle}" has no certificate on the token (no certificate with its CKA_ID or its public key).`,
        });
        continue;
      }
      cert.used = true;
      if (!canSign) {
        ignored.push({ class: 'privateKey', label: key.label, id: key.id, certificate: cert.value, reason: `The key "${key.label || key.id}" is not allowed to sign (CKA_SIGN is false).` });
        continue;
      }
      if (description.bits === 0 && cert.facts) description.bits = cert.facts.bits;
      identities.push({ certificate: cert.value, certificateLabel: cert.label, certificateId: cert.id, key: description, pairedBy });
    }
    const otherCertificates: Buffer[] = [];
    for (const c of certs) {
      if (c.used) continue;
      if (c.facts === undefined) {
        ignored.push({ class: 'certificate', label: c.label, id: c.id, certificate: c.value, reason: `The certificate "${c.label || c.id}" is not an X.509 certificate that can be read.` });
        continue;
      }
      otherCertificates.push(c.value);
      if (!c.facts.cert.ca) {
        ignored.push({
          class: 'certificate',
          label: c.label,
          id: c.id,
          certificate: c.value,
          reason: isLoggedIn
            ? `The certificate "${c.label || c.id}" has no private key on the token.`
            : `The certificate "${c.label || c.id}" has no private key visible before login.`,
        });
      }
    }
    return { identities, ignored, otherCertificates, loggedIn: isLoggedIn };
  };

  const resolveKey = (slotId: string, s: Handle, key: KeyRef): Handle => {
    if ('handle' in key) return Buffer.from(key.handle, 'hex');
    const found = findHandles(slotId, s, [
      { type: lib.CKA_CLASS, value: lib.CKO_PRIVATE_KEY },
      { type: lib.CKA_ID, value: Buffer.from(key.id, 'hex') },
    ]);
    const first = found[0];
    if (first === undefined) {
      if (!loggedIn(slotId)) throw new Pkcs11Error('CKR_USER_NOT_LOGGED_IN', 'Log in to the token first: its private keys are hidden until then.');
      throw new Pkcs11Error('key-not-found', `There is no private key with id ${key.id} on the token.`);
    }
    return first;
  };

  const mechanismOf = (m: SignMechanism): Pkcs11Js.Mechanism => {
    const mechanism = (lib as unknown as Record<string, number>)[m.name];
    if (typeof mechanism !== 'number') throw new Pkcs11Error('mechanism-unsupported', `pkcs11js does not know ${m.name}.`);
    if (!m.name.includes('PSS')) return { mechanism };
    if (m.pss === undefined) throw new TypeError(`${m.name} needs PSS parameters`);
    const hash = m.pss.hash.toUpperCase();
    const params: Pkcs11Js.RsaPSS = {
      type: lib.CK_PARAMS_RSA_PSS,
      hashAlg: (lib as unknown as Record<string, number>)[`CKM_${hash}`] ?? 0,
      mgf: (lib as unknown as Record<string, number>)[`CKG_MGF1_${hash}`] ?? 0,
      saltLen: m.pss.saltLength,
    };
    return { mechanism, parameter: params };
  };

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
        if (slot.tokenPresent) slot.token = tokenOf(handle);
        return slot;
      });
    },

    async token(slotId) {
      ensureOpen();
      return tokenOf(slotHandle(slotId), slotId);
    },

    findObjects(slotId, query) {
      return queued(slotId, () => {
        ensureOpen();
        return findSync(slotId, query);
      });
    },

    login(slotId, pin) {
      return queued(slotId, () => {
        try {
          ensureOpen();
          const s = session(slotId);
          const attempt = (): void => {
            counters.logins += 1;
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
            throw loginError(slotId, e);
          }
        } finally {
          pin.fill(0);
        }
      });
    },

    logout(slotId) {
      return queued(slotId, () => {
        ensureOpen();
        const s = sessions.get(slotId);
        if (s === undefined) return;
        try {
          pkcs11.C_Logout(s);
        } catch (e) {
          const err = toPkcs11Error(e);
          if (err.code !== 'CKR_USER_NOT_LOGGED_IN' && !SESSION_GONE.has(err.code)) throw err;
        }
      });
    },

    isLoggedIn(slotId) {
      return queued(slotId, () => {
        ensureOpen();
        return loggedIn(slotId);
      });
    },

    async mechanisms(slotId) {
      ensureOpen();
      const slot = slotHandle(slotId);
      const list = new Set(call(() => pkcs11.C_GetMechanismList(slot), slotId));
      return SIGN_MECHANISMS.filter((name) => {
        const value = (lib as unknown as Record<string, number>)[name];
        if (value === undefined || !list.has(value)) return false;
        return (call(() => pkcs11.C_GetMechanismInfo(slot, value), slotId).flags & lib.CKF_SIGN) !== 0;
      });
    },

    listSigningIdentities(slotId) {
      return queued(slotId, () => {
        ensureOpen();
        return listIdentities(slotId);
      });
    },

    sign(slotId, key, mechanism, data, options = {}) {
      return queued(slotId, async () => {
        ensureOpen();
        const s = session(slotId);
        const h = resolveKey(slotId, s, key);
        const always = flag(s, h, lib.CKA_ALWAYS_AUTHENTICATE) ?? false;
        const mech = mechanismOf(mechanism);
        call(() => pkcs11.C_SignInit(s, mech, h), slotId);
        // PKCS#11 2.40 cannot cancel an active operation (C_SessionCancel is 3.0). Replace the
        // session instead: open a new one first, so that the token stays logged in (a login
        // lasts while the application has a session with the token), then close the busy one.
        const abandon = (): void => {
          try {
            const fresh = pkcs11.C_OpenSession(slotHandle(slotId), lib.CKF_SERIAL_SESSION);
            sessions.set(slotId, fresh);
          } catch {
            sessions.delete(slotId);
          }
          try {
            pkcs11.C_CloseSession(s);
          } catch {
            // already gone
          }
        };
        if (always) {
          const provider = options.contextPin;
          if (provider === undefined) {
            abandon();
            throw new Pkcs11Error('CKR_USER_NOT_LOGGED_IN', 'This key asks for the PIN for every signature, and no PIN was given.');
          }
          let pin: Buffer | null;
          try {
            const flags = tokenOf(slotHandle(slotId), slotId).flags;
            pin = await provider({
              pinPad: flags.protectedAuthPath,
              ...(flags.userPinFinalTry ? { triesLeft: 'final' as const } : flags.userPinCountLow ? { triesLeft: 'low' as const } : {}),
            });
          } catch (e) {
            abandon();
            throw e;
          }
          if (pin === null) {
            abandon();
            throw new Pkcs11Error('pin-cancelled', 'The PIN entry was cancelled.');
          }
          try {
            counters.contextLogins += 1;
            if (pin.length === 0) pkcs11.C_Login(s, lib.CKU_CONTEXT_SPECIFIC);
            else pkcs11.C_Login(s, lib.CKU_CONTEXT_SPECIFIC, pin.toString('utf8'));
          } catch (e) {
            abandon();
            throw loginError(slotId, e);
          } finally {
            pin.fill(0);
          }
        }
        // 2048 bytes: an RSA-16384 signature, the largest SoftHSM makes.
        const signature = call(() => pkcs11.C_Sign(s, Buffer.from(data), Buffer.alloc(2048)), slotId);
        counters.signatures += 1;
        return Buffer.from(signature);
      });
    },

    initToken(slotId, soPin, label) {
      return queued(slotId, () => {
        try {
          ensureOpen();
          const slot = slotHandle(slotId);
          // C_InitToken refuses while the application has a session with the token.
          const open = sessions.get(slotId);
          if (open !== undefined) {
            sessions.delete(slotId);
            try {
              pkcs11.C_CloseSession(open);
            } catch {
              // already gone
            }
          }
          call(() => pkcs11.C_InitToken(slot, soPin.toString('utf8'), label), slotId);
        } finally {
          soPin.fill(0);
        }
      });
    },

    stats() {
      return { ...counters };
    },

    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([...queues.values()]);
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
