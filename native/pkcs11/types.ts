// The typed view of a PKCS#11 module that native/pkcs11 exposes: slots, tokens and their flags,
// objects, signing identities (a certificate paired with its private key) and the module's API.
import type { ModuleCandidate } from './discovery';
import type { Pkcs11Error } from './errors';
import type { SignMechanism, SignMechanismName } from './mechanisms';
import type { PairingCode } from './pairing';

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
  /**
   * Why it cannot sign, as pairing.ts found it: `key-cannot-sign`, `no-certificate` (keys),
   * `no-key` (an end-entity certificate; before login, tokens hide their keys: see
   * IdentityListing.loggedIn), `unreadable-certificate`. What callers test, never `reason`.
   */
  code: Exclude<PairingCode, 'paired-by-id' | 'paired-by-public-key' | 'ca-certificate'>;
  /** The same, one English sentence (logs, diagnostics). */
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

export interface LoadedCandidate {
  candidate: ModuleCandidate;
  /** The loaded module, or why it could not be loaded (wrong architecture, a missing dependency, no PKCS#11 library...). */
  module?: Pkcs11Module;
  error?: Pkcs11Error;
}
