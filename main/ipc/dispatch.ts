// One handler table, two transports. Every call: check the sender -> parse the payload with the
// channel's schema -> call the service -> validate the response -> answer with an envelope.
// Electron's ipcMain.handle and the browser test harness both go through `dispatch`.
import { channels } from '../../preload/contract/schemas';
import type { ChannelName, Envelope, ErrorInfo, ParsedRequestOf, ResponseOf } from '../../preload/contract/schemas';
import { isUserFacing, msg } from '../errors';
import type { UserFacingError } from '../errors';
import { format } from '../../preload/contract/messages';
import type { Message } from '../../preload/contract/messages';

/** Who sent a call: the frame's URL and whether it is the main frame of one of our windows. */
export interface SenderInfo {
  url: string;
  isMainFrame: boolean;
  /** True when the frame belongs to a window this app created (Electron: known webContents). */
  isAppWindow: boolean;
}

export type SenderPolicy = (sender: SenderInfo) => boolean;

/** What a handler is given beside its request: `signal` aborts when the call's deadline passed. */
export interface HandlerContext {
  signal: AbortSignal;
}

export type Handlers = {
  [C in ChannelName]: (request: ParsedRequestOf<C>, context: HandlerContext) => Promise<ResponseOf<C>> | ResponseOf<C>;
};

/**
 * How long a call may take before it is answered with a `timeout` error, per channel (ms); null:
 * no deadline, because the call waits on the user (an OS dialog, main's confirmation, a PIN or
 * one-time password prompt) — those waits end by the user's answer, or by the prompt's own
 * timeout (renderer-bridge). Generous for real work: validating or signing a 200 MB file on a
 * slow disk, an online check (bounded by itself: ONLINE_CHECK_LIMITS).
 */
export const DEFAULT_DEADLINE_MS = 60_000;
export const CHANNEL_DEADLINES: Record<ChannelName, number | null> = {
  'app:info': 15_000,
  'settings:get': 15_000,
  'settings:setLocale': 15_000,
  'document:chooseAndOpen': null, // the OS open dialog
  'document:openPath': 5 * 60_000, // a slow network share
  'document:openBytes': 5 * 60_000,
  'document:readRange': DEFAULT_DEADLINE_MS,
  'document:close': DEFAULT_DEADLINE_MS,
  // Online, main's confirmation comes first (a user who leaves it open for ten minutes is answered
  // with a timeout, and asked again next time); the online check itself is bounded (ONLINE_CHECK_LIMITS).
  'document:validate': 10 * 60_000,
  'document:openSignedVersion': 5 * 60_000,
  'trust:addFromSignature': null, // main's confirmation
  'trust:remove': DEFAULT_DEADLINE_MS,
  'issuers:list': 15_000,
  'issuers:import': null, // the OS open dialog
  'issuers:remove': 15_000,
  'recent:list': 15_000,
  'recent:remove': 15_000,
  'recent:clear': 15_000,
  'identity:list': 2 * 60_000, // token drivers can be slow to list
  'identity:createPersonal': null, // main's confirmation, then the keychain (which may ask to unlock)
  'identity:chooseP12File': null, // the OS open dialog
  'identity:importP12': 2 * 60_000,
  'identity:remove': null, // main's confirmation
  'identity:warnings': 2 * 60_000, // token drivers can be slow to list
  'identity:exportPersonal': null, // the save dialog; the keychain may ask to unlock
  'tokens:list': 2 * 60_000,
  'tokens:addModule': null, // the OS open dialog
  'tokens:removeModule': 2 * 60_000,
  'remote:list': DEFAULT_DEADLINE_MS,
  'remote:add': DEFAULT_DEADLINE_MS,
  'remote:login': null,
  'remote:cancelLogin': DEFAULT_DEADLINE_MS,
  'remote:logout': DEFAULT_DEADLINE_MS,
  'remote:remove': null,
  'signature:preview': DEFAULT_DEADLINE_MS,
  'document:sign': null, // the save dialog, the PIN/OTP prompts; a 200 MB file
  'renderer:answer': 15_000,
};

export interface DispatchOptions {
  /** Deadlines to use instead of CHANNEL_DEADLINES (tests). */
  deadlines?: Partial<Record<ChannelName, number | null>>;
  /**
   * A call that was answered with `timeout` may still finish later: what it produced is handed
   * here so that it can be released (a document opened after its caller gave up is closed).
   */
  release?: (channel: ChannelName, value: unknown) => void;
}

/**
 * What crosses to the renderer for an error: its code, its catalog message (key and params) for
 * the renderer to word in the interface language, and the English sentence as a fallback.
 */
export function errorInfo(code: string, message: Message): ErrorInfo {
  return { code, message: format('en', message.key, message.params), key: message.key, params: { ...message.params } };
}

/** A user-facing error from a service, as it crosses: an error made with an English sentence only has no key. */
export function userFacingErrorInfo(error: UserFacingError): ErrorInfo {
  if (error.key === undefined) return { code: error.code, message: error.message };
  return { code: error.code, message: error.message, key: error.key, params: { ...error.params } };
}

function timeoutError(channel: string, ms: number): ErrorInfo {
  return errorInfo('timeout', msg('error.ipc.timeout', { channel, seconds: Math.round(ms / 1000) }));
}

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
  options: DispatchOptions = {},
): Promise<Envelope<unknown>> {
  if (!isChannel(channel)) {
    log.warn(`ipc: unknown channel ${JSON.stringify(channel).slice(0, 80)} refused`);
    return { ok: false, error: errorInfo('unknown-channel', msg('error.ipc.unknown-channel')) };
  }
  if (!policy(sender)) {
    // The URL is logged, never the payload (it may carry a PIN).
    log.warn(`ipc: ${channel} refused from untrusted sender ${sender.url.slice(0, 200)}`);
    return { ok: false, error: errorInfo('untrusted-sender', msg('error.ipc.untrusted-sender')) };
  }
  const spec = channels[channel];
  const parsed = spec.request.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const detail = issue?.message ?? 'malformed';
    const message = issue && issue.path.length > 0
      ? msg('error.ipc.invalid-request-field', { channel, field: issue.path.join('.'), detail })
      : msg('error.ipc.invalid-request', { channel, detail });
    return { ok: false, error: errorInfo('invalid-request', message) };
  }
  const deadline = options.deadlines && channel in options.deadlines ? (options.deadlines[channel] ?? null) : CHANNEL_DEADLINES[channel];
  const controller = new AbortController();
  try {
    const handler = handlers[channel] as (request: unknown, context: HandlerContext) => Promise<unknown> | unknown;
    const work = Promise.resolve().then(() => handler(parsed.data, { signal: controller.signal }));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = Symbol('expired');
    const outcome = deadline === null
      ? await work
      : await Promise.race([work, new Promise<typeof expired>((resolve) => { timer = setTimeout(() => resolve(expired), deadline); })]).finally(() => clearTimeout(timer));
    if (outcome === expired) {
      controller.abort();
      log.warn(`ipc: ${channel} did not answer within ${deadline} ms; answered with a timeout`);
      // What it still produces is released; a late failure is only logged.
      work.then(
        (late) => options.release?.(channel, late),
        (error: unknown) => { if (!isUserFacing(error)) log.error(`ipc: ${channel} failed after its deadline`, error); },
      );
      return { ok: false, error: timeoutError(channel, deadline ?? 0) };
    }
    const value = outcome;
    const checked = spec.response.safeParse(value);
    if (!checked.success) {
      log.error(`ipc: ${channel} produced a response that breaks the contract`, checked.error);
      return { ok: false, error: errorInfo('internal', msg('error.ipc.bad-response')) };
    }
    return { ok: true, value: checked.data };
  } catch (error) {
    if (isUserFacing(error)) return { ok: false, error: userFacingErrorInfo(error) };
    log.error(`ipc: ${channel} failed`, error);
    return { ok: false, error: errorInfo('internal', msg('error.ipc.internal')) };
  }
}
