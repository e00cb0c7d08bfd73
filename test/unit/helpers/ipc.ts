// What the dispatch tests share: the app window as a trusted sender, the app-origin policy, a log
// that prints nothing, and handler tables that record what reaches them.
import { APP_ORIGIN } from '../../../main/app/csp';
import { appOriginPolicy } from '../../../main/ipc/dispatch';
import type { DispatchLog, Handlers, SenderInfo } from '../../../main/ipc/dispatch';

export const trusted: SenderInfo = { url: `${APP_ORIGIN}/index.html`, isMainFrame: true, isAppWindow: true };
export const policy = appOriginPolicy(APP_ORIGIN);
export const quiet: DispatchLog = { warn: () => undefined, error: () => undefined };

/** A loose handler table: only the channels a test needs, each recording the requests it receives. */
export function recordingHandlers(table: Record<string, (request: unknown) => unknown>) {
  const calls: Array<{ channel: string; request: unknown }> = [];
  const handlers: Record<string, (request: unknown) => unknown> = {};
  for (const [channel, fn] of Object.entries(table)) {
    handlers[channel] = (request) => {
      calls.push({ channel, request });
      return fn(request);
    };
  }
  return { handlers: handlers as unknown as Handlers, calls };
}
