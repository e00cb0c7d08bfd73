// Builds window.paraphe from the contract and a transport. Shared verbatim by the Electron preload
// (ipcRenderer transport) and the browser test harness (Playwright bindings), so UI tests run the
// same API code as the app.
import {
  ANSWER_CHANNEL, MAIN_EVENT_CHANNEL, MAIN_REQUEST_CANCEL_CHANNEL, MAIN_REQUEST_CHANNEL, verbs,
} from './contract/verbs';
import type { MainEventMessage, MainRequestMessage, ParapheApi, RendererRequestHandler, Transport } from './contract/verbs';
import type { RendererRequestKind } from './contract/schemas';

export function buildApi(transport: Transport): ParapheApi {
  const calls: Record<string, (request?: unknown) => Promise<unknown>> = {};
  for (const [verb, channel] of Object.entries(verbs)) {
    calls[verb] = (request?: unknown) => transport.invoke(channel, request ?? {});
  }

  // Events that arrive before anyone listens (a PDF given on the command line, while React has not
  // subscribed yet) are kept, a few per name, and delivered to the first listener.
  const eventListeners = new Map<string, Set<(payload: unknown) => void>>();
  const undelivered = new Map<string, unknown[]>();
  transport.on(MAIN_EVENT_CHANNEL, (message) => {
    const { name, payload } = message as MainEventMessage;
    const listeners = eventListeners.get(name);
    if (listeners && listeners.size > 0) {
      for (const listener of listeners) listener(payload);
      return;
    }
    const queue = undelivered.get(name) ?? [];
    if (queue.length < 16) queue.push(payload);
    undelivered.set(name, queue);
  });

  const requestHandlers = new Map<string, RendererRequestHandler<RendererRequestKind>>();
  const pending = new Map<string, AbortController>();
  const answer = (requestId: string, outcome: unknown) => {
    void transport.invoke(ANSWER_CHANNEL, { requestId, outcome });
  };
  transport.on(MAIN_REQUEST_CHANNEL, (message) => {
    const { requestId, kind, payload } = message as MainRequestMessage;
    const handler = requestHandlers.get(kind);
    if (!handler) {
      answer(requestId, { status: 'cancelled' });
      return;
    }
    const controller = new AbortController();
    pending.set(requestId, controller);
    handler(payload as never, controller.signal).then(
      (value) => {
        if (controller.signal.aborted) return;
        answer(requestId, value === null ? { status: 'cancelled' } : { status: 'answered', value });
      },
      () => {
        if (!controller.signal.aborted) answer(requestId, { status: 'cancelled' });
      },
    ).finally(() => pending.delete(requestId));
  });
  transport.on(MAIN_REQUEST_CANCEL_CHANNEL, (message) => {
    const { requestId } = message as { requestId: string };
    pending.get(requestId)?.abort();
    pending.delete(requestId);
  });

  const api = {
    ...calls,
    onEvent: (name: string, listener: (payload: unknown) => void) => {
      let set = eventListeners.get(name);
      if (!set) eventListeners.set(name, (set = new Set()));
      set.add(listener);
      const queued = undelivered.get(name);
      if (queued) {
        undelivered.delete(name);
        for (const payload of queued) listener(payload);
      }
      return () => set.delete(listener);
    },
    handleRequest: (kind: RendererRequestKind, handler: RendererRequestHandler<RendererRequestKind>) => {
      requestHandlers.set(kind, handler);
      return () => {
        if (requestHandlers.get(kind) === handler) requestHandlers.delete(kind);
      };
    },
    pathForFile: (file: File) => transport.pathForFile(file),
  };
  return Object.freeze(api) as unknown as ParapheApi;
}
