// PKCS#11 tokens (SafeNet eToken, OpenSC cards, YubiKey, SoftHSM) as Signers, over native/pkcs11.
// The key never leaves the token: sign() sends the signed attributes (combined mechanisms such as
// CKM_SHA256_RSA_PKCS hash on the token) or their digest (CKM_ECDSA, CKM_RSA_PKCS over a
// DigestInfo, CKM_RSA_PKCS_PSS) when the token lacks the combined mechanism.
//
// Authorization is a separate object: getPin() is asked when a login is needed (once for a whole
// batch) and, for keys with CKA_ALWAYS_AUTHENTICATE, before every signature. The PIN Buffer it
// returns is zeroed after use and never kept, logged or put in a message.
import * as asn1js from 'asn1js';
import { chooseMechanism, digestInfo, Pkcs11Error } from '../../native/pkcs11';
import type { IdentityListing, Pkcs11Module, SigningIdentity, SignMechanismName } from '../../native/pkcs11';
import { checkSigningCertificate, describeCertificate } from './checks';
import { SignerError } from './errors';
import { msg } from '../errors';
import type { SignerErrorCode } from './errors';
import type { Message } from '../../preload/contract/messages';
import { checkedDigest } from './signer';
import type { HashAlgorithm, SignatureAlgorithm, Signer, SignRequest } from './signer';
import { orderChain } from './software';

export interface PinRequest {
  /** 'login': once per session (a batch signs under one login); 'context-specific': for one signature of a CKA_ALWAYS_AUTHENTICATE key. */
  reason: 'login' | 'context-specific';
  /** What the token flags say (CKF_USER_PIN_COUNT_LOW / CKF_USER_PIN_FINAL_TRY); absent when it says nothing. */
  triesLeft?: 'low' | 'final';
  /** The token has a PIN pad: show "enter the PIN on the reader" and answer with an empty Buffer. */
  pinPad: boolean;
  /** The token's label, for the prompt. */
  token: string;
}

/** Asks the user (through the renderer or the terminal) for the PIN; null means cancelled. */
export interface Pkcs11Authorization {
  getPin(request: PinRequest): Promise<Buffer | null>;
}

export interface OpenPkcs11SignerOptions {
  module: Pkcs11Module;
  slotId: string;
  /** From module.listSigningIdentities(slotId) (see listPkcs11Identities). */
  identity: SigningIdentity;
  authorize: Pkcs11Authorization;
  /** Certificates to build the chain from (default: the token's other certificates). */
  otherCertificates?: Uint8Array[];
  /** When the certificate must be valid (default: now). */
  at?: Date;
  /** Mechanisms not to use although the token lists them (a token known to get one wrong). */
  avoidMechanisms?: SignMechanismName[];
}

export interface Pkcs11Signer extends Signer {
  /** What the certificate checks allowed but want said (see checkSigningCertificate). */
  readonly warnings: readonly string[];
  /** The mechanisms this token offers for signing. */
  readonly mechanisms: readonly SignMechanismName[];
}

const TOKEN_GONE = new Set([
  'CKR_TOKEN_NOT_PRESENT',
  'CKR_DEVICE_REMOVED',
  'CKR_SESSION_HANDLE_INVALID',
  'CKR_SESSION_CLOSED',
  'CKR_SLOT_ID_INVALID',
  'CKR_TOKEN_NOT_RECOGNIZED',
  'slot-not-found',
]);

/** A Pkcs11Error (or anything else a token call threw) as a SignerError with words for the user. */
export function pkcs11SignerError(e: unknown, token: string): SignerError {
  if (e instanceof SignerError) return e;
  if (!(e instanceof Pkcs11Error)) {
    return new SignerError('token-error', msg('error.signer.token-failed', { token, detail: e instanceof Error ? e.message : String(e) }), { cause: e });
  }
  const make = (code: SignerErrorCode, message: Message): SignerError => new SignerError(code, message, { cause: e });
  switch (e.code) {
    case 'CKR_PIN_INCORRECT':
      // Tokens tell "few tries left" or "last try" (CKF_USER_PIN_COUNT_LOW / _FINAL_TRY), not a count.
      return make('pin-incorrect', msg('error.signer.pin-incorrect', { token, tries: e.triesLeft ?? 'unknown' }));
    case 'CKR_PIN_LEN_RANGE':
    case 'CKR_PIN_INVALID':
      return make('pin-incorrect', msg('error.signer.pin-invalid', { token, detail: `${e.message.charAt(0).toLowerCase()}${e.message.slice(1)}` }));
    case 'CKR_PIN_LOCKED':
      return make('pin-locked', msg('error.signer.pin-locked', { token }));
    case 'CKR_PIN_EXPIRED':
      return make('pin-expired', msg('error.signer.pin-expired', { token }));
    case 'CKR_FUNCTION_CANCELED':
    case 'pin-cancelled':
      return make('pin-cancelled', msg('error.signer.pin-cancelled', { token }));
    case 'CKR_USER_NOT_LOGGED_IN':
      return make('not-logged-in', msg('error.signer.not-logged-in', { token }));
    case 'CKR_MECHANISM_INVALID':
    case 'CKR_MECHANISM_PARAM_INVALID':
    case 'mechanism-unsupported':
      return make('mechanism-unsupported', e.message.startsWith('The token ')
        ? msg('error.signer.token-mechanism', { token, detail: e.message.slice('The token '.length) })
        : msg('error.signer.token-detail', { token, detail: e.message }));
    case 'key-not-found':
      return make('key-not-found', msg('error.signer.key-not-found', { token }));
    case 'module-closed':
      return make('signer-closed', msg('error.signer.module-closed', { token }));
    default:
      if (TOKEN_GONE.has(e.code)) return make('token-removed', msg('error.signer.token-removed', { token }));
      return make('token-error', msg('error.signer.token-failed', { token, detail: e.message }));
  }
}

const ALGORITHM_MECHANISMS: Record<SignatureAlgorithm, readonly SignMechanismName[]> = {
  'rsa-pkcs1': ['CKM_SHA256_RSA_PKCS', 'CKM_SHA384_RSA_PKCS', 'CKM_SHA512_RSA_PKCS', 'CKM_RSA_PKCS'],
  'rsa-pss': ['CKM_SHA256_RSA_PKCS_PSS', 'CKM_SHA384_RSA_PKCS_PSS', 'CKM_SHA512_RSA_PKCS_PSS', 'CKM_RSA_PKCS_PSS'],
  ecdsa: ['CKM_ECDSA_SHA256', 'CKM_ECDSA_SHA384', 'CKM_ECDSA_SHA512', 'CKM_ECDSA'],
};

/** PKCS#11 ECDSA signatures are r||s (each half the length); CMS wants a DER Ecdsa-Sig-Value. */
export function ecdsaRawToDer(raw: Uint8Array): Uint8Array {
  if (raw.length === 0 || raw.length % 2 !== 0) throw new Error(`an ECDSA signature r||s has an even length, not ${raw.length}`);
  const half = raw.length / 2;
  const int = (bytes: Uint8Array): asn1js.Integer => asn1js.Integer.fromBigInt(BigInt(`0x${Buffer.from(bytes).toString('hex')}`));
  const sequence = new asn1js.Sequence({ value: [int(raw.subarray(0, half)), int(raw.subarray(half))] });
  return new Uint8Array(sequence.toBER());
}

async function loginIfNeeded(module: Pkcs11Module, slotId: string, authorize: Pkcs11Authorization): Promise<void> {
  const token = await module.token(slotId);
  if (!token.flags.loginRequired || (await module.isLoggedIn(slotId))) return;
  if (token.flags.userPinLocked) throw pkcs11SignerError(new Pkcs11Error('CKR_PIN_LOCKED', 'The PIN is locked.'), token.label);
  const triesLeft = token.flags.userPinFinalTry ? 'final' : token.flags.userPinCountLow ? 'low' : undefined;
  const pin = await authorize.getPin({ reason: 'login', pinPad: token.flags.protectedAuthPath, token: token.label, ...(triesLeft ? { triesLeft } : {}) });
  if (pin === null) throw new SignerError('pin-cancelled', msg('error.signer.pin-cancelled', { token: token.label }));
  await module.login(slotId, pin); // zeroes pin
}

/**
 * Logs in to the token when needed (asking authorize.getPin) and lists its signing identities:
 * tokens hide private keys until login, so listing before would find certificates only.
 */
export async function listPkcs11Identities(module: Pkcs11Module, slotId: string, authorize: Pkcs11Authorization): Promise<IdentityListing> {
  let label = slotId;
  try {
    label = (await module.token(slotId)).label;
    await loginIfNeeded(module, slotId, authorize);
    return await module.listSigningIdentities(slotId);
  } catch (e) {
    throw pkcs11SignerError(e, label);
  }
}

/**
 * A Signer over a private key on a PKCS#11 token, label "CN (token label)". Checks the certificate
 * (checkSigningCertificate) and that the token can sign with the key. Throws SignerError.
 */
export async function openPkcs11Signer(options: OpenPkcs11SignerOptions): Promise<Pkcs11Signer> {
  const { module, slotId, identity, authorize } = options;
  let tokenLabel = slotId;
  let mechanisms: SignMechanismName[];
  let others: Uint8Array[];
  try {
    tokenLabel = (await module.token(slotId)).label;
    mechanisms = await module.mechanisms(slotId);
    others = options.otherCertificates ?? (await module.listSigningIdentities(slotId)).otherCertificates;
  } catch (e) {
    throw pkcs11SignerError(e, tokenLabel);
  }
  const certificate = new Uint8Array(identity.certificate);
  const { warnings } = checkSigningCertificate(certificate, { at: options.at ?? new Date() });
  const label = `${describeCertificate(certificate).subject} (${tokenLabel})`;
  const keyType = identity.key.keyType;
  if (keyType === 'other') throw new SignerError('unsupported-key', msg('error.signer.key-not-rsa-ec', { label }));
  const avoid = options.avoidMechanisms ?? [];
  const usable = mechanisms.filter((m) => !avoid.includes(m));
  const algorithms = (keyType === 'rsa' ? (['rsa-pkcs1', 'rsa-pss'] as const) : (['ecdsa'] as const)).filter((a) =>
    ALGORITHM_MECHANISMS[a].some((m) => usable.includes(m)),
  );
  if (algorithms.length === 0) {
    throw new SignerError('mechanism-unsupported', msg('error.signer.no-mechanism', { token: tokenLabel, keyType: keyType.toUpperCase(), label }));
  }
  const keyRef = identity.key.id !== '' ? { id: identity.key.id } : { handle: identity.key.handle };
  const chain = orderChain(certificate, others.map((c) => new Uint8Array(c)));
  let closed = false;

  const contextPin = async ({ pinPad, triesLeft }: { pinPad: boolean; triesLeft?: 'low' | 'final' }): Promise<Buffer | null> =>
    authorize.getPin({ reason: 'context-specific', pinPad, token: tokenLabel, ...(triesLeft ? { triesLeft } : {}) });

  const signOne = async (request: SignRequest): Promise<Uint8Array> => {
    if (!(algorithms as readonly string[]).includes(request.algorithm)) {
      throw new SignerError('unsupported-algorithm', msg('error.signer.token-algorithm', { label, algorithm: request.algorithm, algorithms: algorithms.join(', ') }));
    }
    const hash: HashAlgorithm = request.hash;
    const digest = checkedDigest(request);
    const chosen = chooseMechanism(usable, { keyType, algorithm: request.algorithm, hash }, avoid);
    const input = chosen.input === 'data' ? request.data : chosen.input === 'digest' ? digest : digestInfo(hash, digest);
    const raw = await module.sign(slotId, keyRef, chosen.mechanism, input, { contextPin });
    return keyType === 'ec' ? ecdsaRawToDer(raw) : new Uint8Array(raw);
  };

  const signMany = async (requests: SignRequest[]): Promise<Uint8Array[]> => {
    if (closed) throw new SignerError('signer-closed', msg('error.signer.closed', { label }));
    try {
      await loginIfNeeded(module, slotId, authorize);
      const out: Uint8Array[] = [];
      for (const request of requests) out.push(await signOne(request));
      return out;
    } catch (e) {
      throw pkcs11SignerError(e, tokenLabel);
    }
  };

  return {
    label,
    certificate,
    chain,
    keyType,
    keyBits: identity.key.bits,
    algorithms: [...algorithms],
    warnings,
    mechanisms: usable,
    sign: async (request) => {
      const [signature] = await signMany([request]);
      if (signature === undefined) throw new Error('no signature');
      return signature;
    },
    signMany,
    close: async () => {
      if (closed) return;
      closed = true;
      await module.logout(slotId).catch(() => undefined);
    },
  };
}
