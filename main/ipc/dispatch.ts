// One handler table, two transports. Every call: check the sender -> parse the payload with the
// channel's schema -> call the service -> validate the response -> answer with an envelope.
// Electron's ipcMain.handle and the browser test harness both go through `dispatch`.
import { channels } from '../../preload/contract/schemas';
import type { ChannelName, Envelope, ParsedRequestOf, ResponseOf } from '../../preload/contract/schemas';
import { isUserFacing } from '../errors';

/** Who sent a call: the frame's URL and whether it is the main frame of one of our windows. */
export interface SenderInfo {
  url: string;
  isMainFrame: boolean;
  /** True when the frame belongs to a window this app created (Electron: known webContents). */
  isAppWindow: boolean;
}

export type SenderPolicy = (sender: SenderInfo) => boolean;

export type Handlers = {
  [C in ChannelName]: (request: ParsedRequestOf<C>) => Promise<ResponseOf<C>> | ResponseOf<C>;
};

/**
 * The origin of a URL as Chromium sees it. Node's URL gives every non-special scheme (our
 * paraphe://app among them) the opaque origin "null", so scheme://host is rebuilt for those.
 * Opaque URLs (data:, about:blank) have no host and match no app origin.
 */
function originOf(url: string): string | null {
  try {
    const parsed = new URL(url);
    if (parsed.origin !== 'null') return parsed.origin;
    return parsed.host === '' ? null : `${parsed.protocol}//${parsed.host}`;
  } catch {
    return null;
  }
}

/** Accept only the main frame of our own window, loaded from the app's own origin. */
export function appOriginPolicy(origin: string): SenderPolicy {
  const expected = originOf(origin);
  return (sender) => {
    if (!sender.isAppWindow || !sender.isMainFrame) return false;
    return expected !== null && originOf(sender.url) === expected;
  };
}

export interface DispatchLog {
  warn(message: string): void;
  error(message: string, error: unknown): void;
}

function isChannel(name: string): name is ChannelName {
  return Object.prototype.hasOwnProperty.call(channels, name);
}

export async function dispatch(
  handlers: Handlers,
  policy: SenderPolicy,
  channel: string,
  payload: unknown,
  sender: SenderInfo,
  log: DispatchLog = console,
): Promise<Envelope<unknown>> {
  if (!isChannel(channel)) {
    log.warn(`ipc: unknown channel ${JSON.stringify(channel).slice(0, 80)} refused`);
    return { ok: false, error: { code: 'unknown-channel', message: 'This request is not part of the app.' } };
  }
  if (!policy(sender)) {
    // The URL is logged, never the payload (it may carry a PIN).
    log.warn(`ipc: ${channel} refused from untrusted sender ${sender.url.slice(0, 200)}`);
    return { ok: false, error: { code: 'untrusted-sender', message: 'This request did not come from the Paraphe window.' } };
  }
  const spec = channels[channel];
  const parsed = spec.request.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` (${issue.path.join('.')})` : '';
    return { ok: false, error: { code: 'invalid-request', message: `Invalid request for ${channel}${where}: ${issue?.message ?? 'malformed'}` } };
  }
  try {
    const handler = handlers[channel] as (request: unknown) => Promise<unknown> | unknown;
    const value = await handler(parsed.data);
    const checked = spec.response.safeParse(value);
    if (!checked.success) {
      log.error(`ipc: ${channel} produced a response that breaks the contract`, checked.error);
      return { ok: false, error: { code: 'internal', message: 'Paraphe produced an unexpected answer.' } };
    }
    return { ok: true, value: checked.data };
  } catch (error) {
    if (isUserFacing(error)) return { ok: false, error: { code: error.code, message: error.message } };
    log.error(`ipc: ${channel} failed`, error);
    return { ok: false, error: { code: 'internal', message: 'Something went wrong inside Paraphe. The details are in the log.' } };
  }
}
