// The one IPC contract: every channel between renderer and main, with its request and response
// schema. Main validates every payload with these; types are inferred, never written twice.
// This file imports zod only: it is shared by main, the preload and (as types) the renderer.
import { z } from 'zod';

/** Raw bytes crossing the boundary (structured clone in Electron; base64 in the browser harness). */
export const Bytes = z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'expected bytes');

export const Locale = z.enum(['en', 'fr']);
export const LocalePreference = z.enum(['system', 'en', 'fr']);

/** Opaque handle of an open document; minted by main, never a path. */
export const DocId = z.string().regex(/^doc-[0-9a-f]{16}$/, 'not a document handle');

/** A local filesystem path chosen by the user (dialog, drop, recent list, command line). */
export const FilePath = z.string().min(1).max(4096).refine((p) => !p.includes('\0'), 'path contains a NUL byte');

export const SignatureSummary = z.object({
  field: z.string(),
  kind: z.enum(['signature', 'doc-timestamp']),
  subFilter: z.string().nullable(),
});

export const DocumentSummary = z.object({
  docId: DocId,
  name: z.string(),
  path: z.string().nullable(),
  size: z.number().int().nonnegative(),
  pdfVersion: z.string(),
  pageCount: z.number().int().nonnegative().nullable(),
  encrypted: z.boolean(),
  signatureCount: z.number().int().nonnegative(),
  revisionCount: z.number().int().nonnegative(),
  signatures: z.array(SignatureSummary),
});

export const RecentDocument = z.object({
  path: z.string(),
  name: z.string(),
  openedAt: z.string(),
  pageCount: z.number().int().nonnegative().nullable(),
});

export const Settings = z.object({
  locale: LocalePreference,
  recent: z.array(RecentDocument).max(50),
});

export const AppInfo = z.object({
  name: z.string(),
  version: z.string(),
  platform: z.string(),
  systemLocale: z.string(),
  /** The language the interface should use now: the preference, or the system's when it is 'system'. */
  locale: Locale,
});

const Empty = z.object({}).strict();
const MAX_RANGE = 16 * 1024 * 1024;
const MAX_DROPPED_BYTES = 1024 * 1024 * 1024;

/** Renderer -> main requests (ipcRenderer.invoke / ipcMain.handle). */
export const channels = {
  'app:info': { request: Empty, response: AppInfo },
  'settings:get': { request: Empty, response: Settings },
  'settings:setLocale': { request: z.object({ locale: LocalePreference }).strict(), response: Settings },
  'document:chooseAndOpen': { request: Empty, response: DocumentSummary.nullable() },
  'document:openPath': { request: z.object({ path: FilePath }).strict(), response: DocumentSummary },
  'document:openBytes': {
    request: z.object({ name: z.string().min(1).max(255), bytes: Bytes.refine((b) => b.byteLength <= MAX_DROPPED_BYTES, 'file too large') }).strict(),
    response: DocumentSummary,
  },
  'document:readRange': {
    request: z
      .object({ docId: DocId, begin: z.number().int().nonnegative(), end: z.number().int().nonnegative() })
      .strict()
      .refine((r) => r.end > r.begin && r.end - r.begin <= MAX_RANGE, 'range must be non-empty and at most 16 MiB'),
    response: Bytes,
  },
  'document:close': { request: z.object({ docId: DocId }).strict(), response: z.null() },
  'recent:list': { request: Empty, response: z.array(RecentDocument) },
  'recent:remove': { request: z.object({ path: FilePath }).strict(), response: z.array(RecentDocument) },
  'recent:clear': { request: Empty, response: z.array(RecentDocument) },
  /** The renderer's answer to a main -> renderer request (see rendererRequests). */
  'renderer:answer': {
    request: z
      .object({
        requestId: z.string().regex(/^req-[0-9a-f]{16}$/),
        outcome: z.discriminatedUnion('status', [
          z.object({ status: z.literal('answered'), value: z.unknown() }).strict(),
          z.object({ status: z.literal('cancelled') }).strict(),
        ]),
      })
      .strict(),
    response: z.null(),
  },
} as const;

/** Main -> renderer notifications (no answer). */
export const events = {
  /** A PDF was handed to the app: command line, second instance, OS "open with". */
  'document:openRequested': z.object({ path: FilePath }).strict(),
} as const;

/**
 * Main -> renderer requests that wait for the user's answer (PIN, OTP). Each times out or can be
 * cancelled by either side; the answer is validated by main with `response`.
 */
export const rendererRequests = {
  'prompt:pin': {
    request: z.object({
      tokenLabel: z.string(),
      triesLeft: z.number().int().nonnegative().nullable(),
      pinPad: z.boolean(),
      /** CKA_ALWAYS_AUTHENTICATE: a second, per-signature PIN entry. */
      contextSpecific: z.boolean(),
    }),
    response: z.object({ pin: z.string().min(1).max(256) }).strict(),
  },
  'prompt:otp': {
    request: z.object({ credentialLabel: z.string(), triesLeft: z.number().int().nonnegative().nullable() }),
    response: z.object({ otp: z.string().min(4).max(16) }).strict(),
  },
} as const;

export const ErrorInfo = z.object({ code: z.string(), message: z.string() });

export type ChannelName = keyof typeof channels;
export type EventName = keyof typeof events;
export type RendererRequestKind = keyof typeof rendererRequests;
export type RequestOf<C extends ChannelName> = z.input<(typeof channels)[C]['request']>;
export type ParsedRequestOf<C extends ChannelName> = z.output<(typeof channels)[C]['request']>;
export type ResponseOf<C extends ChannelName> = z.output<(typeof channels)[C]['response']>;
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>;
export type RendererRequestOf<K extends RendererRequestKind> = z.output<(typeof rendererRequests)[K]['request']>;
export type RendererResponseOf<K extends RendererRequestKind> = z.input<(typeof rendererRequests)[K]['response']>;
export type ErrorInfo = z.output<typeof ErrorInfo>;
export type DocumentSummary = z.output<typeof DocumentSummary>;
export type RecentDocument = z.output<typeof RecentDocument>;
export type Settings = z.output<typeof Settings>;
export type AppInfo = z.output<typeof AppInfo>;
export type Locale = z.output<typeof Locale>;
export type LocalePreference = z.output<typeof LocalePreference>;

/** Every call answers with an envelope: errors keep their code across the boundary. */
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: ErrorInfo };
