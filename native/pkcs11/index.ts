// The only runtime importer of the pkcs11js addon: loads a PKCS#11 module (SafeNet eToken, OpenSC,
// YubiKey, SoftHSM...) and exposes a small, typed view of it. Every failure is a Pkcs11Error with a
// stable `code` (the CKR_* name, or one of our own codes) and an English message.
//
// The addon is imported lazily in loadModule(), so importing this file never crashes a process
// where pkcs11js is not built. Calls are synchronous in pkcs11js; the API is asynchronous so that
// it can move to pkcs11js' async variants (or a worker) without changing callers.
//
// This file is the entry point: it assembles the Pkcs11Module from session.ts (library and session
// lifetimes, call queues, login), objects.ts (objects, attributes, signing identities, with the
// pairing of pairing.ts) and sign.ts (C_Sign, with the mechanism choice of mechanisms.ts).
import { discoverModules } from './discovery';
import type { ModuleCandidate } from './discovery';
import { toPkcs11Error } from './errors';
import { SIGN_MECHANISMS } from './mechanisms';
import { findObjects, listIdentities } from './objects';
import { acquireLibrary, CKF, handleToId, trim, version } from './session';
import type { SlotSessions } from './session';
import { signOnToken } from './sign';
import type { LoadedCandidate, Pkcs11Module, SlotInfo } from './types';

export { Pkcs11Error } from './errors';
export { chooseMechanism, digestInfo, DIGEST_LENGTH, SIGN_MECHANISMS } from './mechanisms';
export type { ChosenMechanism, DigestName, SignatureWanted, SignInput, SignMechanism, SignMechanismName } from './mechanisms';
export { discoverModules } from './discovery';
export type { DiscoverOptions, ModuleCandidate } from './discovery';
export { watchSlots } from './watch';
export type { SlotChange, WatchedToken } from './watch';
export type { Pkcs11LocalErrorCode } from './errors';
export type {
  FindQuery, IdentityListing, IgnoredObject, KeyDescription, KeyRef, LoadedCandidate, ModuleInfo, ModuleStats, ObjectClass, PinPrompt, Pkcs11Module,
  Pkcs11Object, SigningIdentity, SignOptions, SlotInfo, TokenFlags, TokenInfo,
} from './types';

export async function loadModule(path: string): Promise<Pkcs11Module> {
  return openModule(await acquireLibrary(path));
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

function openModule(t: SlotSessions): Pkcs11Module {
  const { lib, pkcs11, path } = t;
  return {
    path,

    info() {
      t.ensureOpen();
      const i = t.call(() => pkcs11.C_GetInfo());
      return {
        path,
        cryptokiVersion: version(i.cryptokiVersion),
        manufacturer: trim(i.manufacturerID),
        description: trim(i.libraryDescription),
        libraryVersion: version(i.libraryVersion),
      };
    },

    async slots() {
      t.ensureOpen();
      return t.refreshSlots().map((handle): SlotInfo => {
        const s = t.call(() => pkcs11.C_GetSlotInfo(handle));
        const slot: SlotInfo = {
          id: handleToId(handle),
          description: trim(s.slotDescription),
          manufacturer: trim(s.manufacturerID),
          tokenPresent: (s.flags & CKF.TOKEN_PRESENT) !== 0,
          removable: (s.flags & CKF.REMOVABLE_DEVICE) !== 0,
        };
        if (slot.tokenPresent) slot.token = t.tokenOf(handle);
        return slot;
      });
    },

    async token(slotId) {
      t.ensureOpen();
      return t.tokenOf(t.slotHandle(slotId), slotId);
    },

    findObjects(slotId, query) {
      return t.queued(slotId, () => {
        t.ensureOpen();
        return findObjects(t, slotId, query);
      });
    },

    login(slotId, pin) {
      return t.queued(slotId, () => t.login(slotId, pin));
    },

    logout(slotId) {
      return t.queued(slotId, () => t.logout(slotId));
    },

    isLoggedIn(slotId) {
      return t.queued(slotId, () => {
        t.ensureOpen();
        return t.loggedIn(slotId);
      });
    },

    async mechanisms(slotId) {
      t.ensureOpen();
      const slot = t.slotHandle(slotId);
      const list = new Set(t.call(() => pkcs11.C_GetMechanismList(slot), slotId));
      return SIGN_MECHANISMS.filter((name) => {
        const value = (lib as unknown as Record<string, number>)[name];
        if (value === undefined || !list.has(value)) return false;
        return (t.call(() => pkcs11.C_GetMechanismInfo(slot, value), slotId).flags & lib.CKF_SIGN) !== 0;
      });
    },

    listSigningIdentities(slotId) {
      return t.queued(slotId, () => {
        t.ensureOpen();
        return listIdentities(t, slotId);
      });
    },

    sign(slotId, key, mechanism, data, options = {}) {
      return t.queued(slotId, () => signOnToken(t, slotId, key, mechanism, data, options));
    },

    initToken(slotId, soPin, label) {
      return t.queued(slotId, () => t.initToken(slotId, soPin, label));
    },

    stats() {
      return { ...t.counters };
    },

    close() {
      return t.close();
    },
  };
}
