// One signature on the token: C_SignInit with the mechanism as pkcs11js wants it (RSA-PSS with its
// parameters), the context-specific login a CKA_ALWAYS_AUTHENTICATE key needs, then C_Sign. Which
// mechanism, and what to pass it (data, digest or DigestInfo), is mechanisms.ts' choice.
import type * as Pkcs11Js from 'pkcs11js';
import { Pkcs11Error } from './errors';
import type { SignMechanism } from './mechanisms';
import { flag, resolveKey } from './objects';
import type { Lib, SlotSessions } from './session';
import type { KeyRef, SignOptions } from './types';

function mechanismOf(lib: Lib, m: SignMechanism): Pkcs11Js.Mechanism {
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
}

/**
 * C_SignInit + (context-specific login) + C_Sign; run it in the slot's queue. A context-specific
 * login that is cancelled or fails abandons the operation by replacing the session.
 */
export async function signOnToken(
  t: SlotSessions, slotId: string, key: KeyRef, mechanism: SignMechanism, data: Uint8Array, options: SignOptions,
): Promise<Buffer> {
  const { lib, pkcs11 } = t;
  t.ensureOpen();
  const s = t.session(slotId);
  const h = resolveKey(t, slotId, s, key);
  const always = flag(t, s, h, lib.CKA_ALWAYS_AUTHENTICATE) ?? false;
  const mech = mechanismOf(lib, mechanism);
  t.call(() => pkcs11.C_SignInit(s, mech, h), slotId);
  if (always) {
    const provider = options.contextPin;
    if (provider === undefined) {
      t.replaceSession(slotId, s);
      throw new Pkcs11Error('CKR_USER_NOT_LOGGED_IN', 'This key asks for the PIN for every signature, and no PIN was given.');
    }
    let pin: Buffer | null;
    try {
      const flags = t.tokenOf(t.slotHandle(slotId), slotId).flags;
      pin = await provider({
        pinPad: flags.protectedAuthPath,
        ...(flags.userPinFinalTry ? { triesLeft: 'final' as const } : flags.userPinCountLow ? { triesLeft: 'low' as const } : {}),
      });
    } catch (e) {
      t.replaceSession(slotId, s);
      throw e;
    }
    if (pin === null) {
      t.replaceSession(slotId, s);
      throw new Pkcs11Error('pin-cancelled', 'The PIN entry was cancelled.');
    }
    t.contextLogin(slotId, s, pin);
  }
  // 2048 bytes: an RSA-16384 signature, the largest SoftHSM makes.
  const signature = t.call(() => pkcs11.C_Sign(s, Buffer.from(data), Buffer.alloc(2048)), slotId);
  t.counters.signatures += 1;
  return Buffer.from(signature);
}
