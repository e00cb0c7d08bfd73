// The browser harness's preload: the same buildApi() as the Electron preload, over Playwright
// bindings instead of ipcRenderer. Bundled as an IIFE and injected before the renderer loads.
import { buildApi } from '../../preload/api';
import type { Envelope } from '../../preload/contract/schemas';
import { decodeWire, encodeWire } from './wire';

type Listener = (message: unknown) => void;
interface HarnessWindow {
  __parapheInvoke(channel: string, payload: unknown): Promise<unknown>;
  __parapheDeliver?: (channel: string, message: unknown) => void;
  paraphe?: unknown;
}

const w = window as unknown as HarnessWindow;
const listeners = new Map<string, Set<Listener>>();
w.__parapheDeliver = (channel, message) => {
  for (const listener of listeners.get(channel) ?? []) listener(decodeWire(message));
};

const api = buildApi({
  invoke: async (channel, payload) => decodeWire(await w.__parapheInvoke(channel, encodeWire(payload))) as Envelope<unknown>,
  on: (channel, listener) => {
    let set = listeners.get(channel);
    if (!set) listeners.set(channel, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  },
  pathForFile: () => null,
});
Object.defineProperty(window, 'paraphe', { value: api, writable: false, configurable: false, enumerable: true });
