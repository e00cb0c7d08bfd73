// Verbs of window.paraphe and the transport channel names. No zod here, so the preload bundle
// stays small; the schemas live in ./schemas and are applied by main.
import type {
  ChannelName, Envelope, EventName, EventPayload, RendererRequestKind, RendererRequestOf,
  RendererResponseOf, RequestOf, ResponseOf,
} from './schemas';

/** window.paraphe.<verb>(request) -> channel. One verb per channel, nothing generic. */
export const verbs = {
  getAppInfo: 'app:info',
  getSettings: 'settings:get',
  setLocale: 'settings:setLocale',
  chooseAndOpenDocument: 'document:chooseAndOpen',
  openDocumentPath: 'document:openPath',
  openDocumentBytes: 'document:openBytes',
  readDocumentRange: 'document:readRange',
  closeDocument: 'document:close',
  validateDocument: 'document:validate',
  listTokens: 'tokens:list',
  addTokenModule: 'tokens:addModule',
  removeTokenModule: 'tokens:removeModule',
  openSignedVersion: 'document:openSignedVersion',
  trustCertificate: 'trust:addFromSignature',
  removeTrustedCertificate: 'trust:remove',
  listIssuerCertificates: 'issuers:list',
  importIssuerCertificates: 'issuers:import',
  removeIssuerCertificate: 'issuers:remove',
  listRecent: 'recent:list',
  removeRecent: 'recent:remove',
  clearRecent: 'recent:clear',
  listIdentities: 'identity:list',
  createPersonalId: 'identity:createPersonal',
  chooseP12File: 'identity:chooseP12File',
  importP12: 'identity:importP12',
  removeIdentity: 'identity:remove',
  getSigningWarnings: 'identity:warnings',
  exportPersonalId: 'identity:exportPersonal',
  listRemoteAccounts: 'remote:list',
  addRemoteAccount: 'remote:add',
  loginRemoteAccount: 'remote:login',
  cancelRemoteLogin: 'remote:cancelLogin',
  logoutRemoteAccount: 'remote:logout',
  removeRemoteAccount: 'remote:remove',
  previewSignature: 'signature:preview',
  signDocument: 'document:sign',
} as const satisfies Record<string, ChannelName>;

/** Main -> renderer notification channel: payload { name, payload }. */
export const MAIN_EVENT_CHANNEL = 'main:event';
/** Main -> renderer request channel: payload { requestId, kind, payload }. */
export const MAIN_REQUEST_CHANNEL = 'main:request';
/** Main -> renderer: a pending request was withdrawn (timeout, cancelled by main). */
export const MAIN_REQUEST_CANCEL_CHANNEL = 'main:request-cancel';
/** Renderer -> main: the answer to a main -> renderer request. */
export const ANSWER_CHANNEL: ChannelName = 'renderer:answer';

export type Verb = keyof typeof verbs;
type ChannelOf<V extends Verb> = (typeof verbs)[V];
type Call<C extends ChannelName> = Record<never, never> extends RequestOf<C>
  ? (request?: RequestOf<C>) => Promise<Envelope<ResponseOf<C>>>
  : (request: RequestOf<C>) => Promise<Envelope<ResponseOf<C>>>;

export interface MainEventMessage { name: EventName; payload: unknown }
export interface MainRequestMessage { requestId: string; kind: RendererRequestKind; payload: unknown }

export type RendererRequestHandler<K extends RendererRequestKind> = (
  payload: RendererRequestOf<K>,
  signal: AbortSignal,
) => Promise<RendererResponseOf<K> | null>;

export type ParapheApi = { readonly [V in Verb]: Call<ChannelOf<V>> } & {
  /** Subscribe to a main -> renderer notification; returns the unsubscribe function. */
  readonly onEvent: <E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void) => () => void;
  /**
   * Answer main -> renderer requests of one kind (PIN, OTP). The handler resolves with the answer,
   * or null when the user cancels; `signal` aborts when main withdraws the request.
   */
  readonly handleRequest: <K extends RendererRequestKind>(kind: K, handler: RendererRequestHandler<K>) => () => void;
  /** The filesystem path of a dropped File, when the platform can tell (Electron); null otherwise. */
  readonly pathForFile: (file: File) => string | null;
};

/** What a transport must provide to build window.paraphe (Electron IPC, or the browser test harness). */
export interface Transport {
  invoke(channel: ChannelName, payload: unknown): Promise<Envelope<unknown>>;
  on(channel: string, listener: (message: unknown) => void): () => void;
  pathForFile(file: File): string | null;
}
