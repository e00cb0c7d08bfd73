// The Electron preload (sandboxed, context-isolated). Exposes window.paraphe — one function per
// verb of the contract — and nothing else: never ipcRenderer, never a generic invoke.
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { buildApi } from './api';
import type { Envelope } from './contract/schemas';

const api = buildApi({
  invoke: (channel, payload) => ipcRenderer.invoke(channel, payload) as Promise<Envelope<unknown>>,
  on: (channel, listener) => {
    const wrapped = (_event: unknown, message: unknown) => listener(message);
    ipcRenderer.on(channel, wrapped);
    return () => ipcRenderer.removeListener(channel, wrapped);
  },
  pathForFile: (file) => {
    try {
      return webUtils.getPathForFile(file) || null;
    } catch {
      return null;
    }
  },
});

contextBridge.exposeInMainWorld('paraphe', api);
