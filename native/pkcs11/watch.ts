// Token insertion and removal, by polling C_GetSlotList / C_GetTokenInfo.
//
// Why not C_WaitForSlotEvent: its blocking form would block the thread that calls it (pkcs11js
// runs it synchronously, i.e. on Electron's main thread), and C_Finalize is the only way to wake it;
// its CKF_DONT_BLOCK form is not implemented by every module (SoftHSM 2.6 answers
// CKR_FUNCTION_NOT_SUPPORTED) and several vendor modules report events only for slots that
// existed at C_Initialize. Reading the slot list every second or so is cheap and works everywhere
// the module itself notices the change. Note: SoftHSM reads its token directory only at
// C_Initialize, so tokens created by softhsm2-util in another process do not appear until the
// module is loaded again; C_InitToken through this process does show up.
import type { Pkcs11Module } from './index';

export interface WatchedToken {
  slotId: string;
  label: string;
  serial: string;
  manufacturer: string;
  model: string;
}

export interface SlotChange {
  /** True for the first report, which lists the tokens present when watching started. */
  initial: boolean;
  inserted: WatchedToken[];
  removed: WatchedToken[];
}

export interface WatchOptions {
  /** Polling failures (other than the module being closed, which stops the watch quietly). */
  onError?: (error: unknown) => void;
}

const keyOf = (t: WatchedToken): string => `${t.slotId}\n${t.serial}\n${t.label}`;

/**
 * Calls onChange with the tokens present at start (initial: true), then whenever a token appears
 * or disappears (a token re-initialised in place, with a new serial or label, counts as removed and
 * inserted). Returns a function that stops watching.
 */
export function watchSlots(
  module: Pick<Pkcs11Module, 'slots'>,
  onChange: (change: SlotChange) => void,
  intervalMs = 1000,
  options: WatchOptions = {},
): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let known: Map<string, WatchedToken> | undefined;

  const poll = async (): Promise<void> => {
    try {
      const now = new Map<string, WatchedToken>();
      for (const slot of await module.slots()) {
        if (!slot.tokenPresent || slot.token === undefined) continue;
        const t: WatchedToken = { slotId: slot.id, label: slot.token.label, serial: slot.token.serial, manufacturer: slot.token.manufacturer, model: slot.token.model };
        now.set(keyOf(t), t);
      }
      if (stopped) return;
      const before = known;
      known = now;
      if (before === undefined) {
        onChange({ initial: true, inserted: [...now.values()], removed: [] });
        return;
      }
      const inserted = [...now].filter(([k]) => !before.has(k)).map(([, t]) => t);
      const removed = [...before].filter(([k]) => !now.has(k)).map(([, t]) => t);
      if (inserted.length > 0 || removed.length > 0) onChange({ initial: false, inserted, removed });
    } catch (e) {
      if ((e as { code?: unknown }).code === 'module-closed') {
        stopped = true;
        return;
      }
      options.onError?.(e);
    }
  };

  const loop = (): void => {
    void poll().then(() => {
      if (!stopped) timer = setTimeout(loop, intervalMs);
    });
  };
  loop();
  return () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
  };
}
