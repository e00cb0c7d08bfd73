// The channels table: every renderer -> main request with its request and response schema, the
// main -> renderer notifications, and the main -> renderer requests answered by the user (PIN,
// OTP). Main validates every payload with these; the verbs (../verbs) and types derive from them.
import { z } from 'zod';
import { AppInfo, LocalePreference } from './app';
import { Bytes, DocId, FilePath, Fingerprint, Secret } from './common';
import { DocumentSummary, RecentDocument } from './documents';
import { Identity, IdentityId, PersonalKeyType } from './identities';
import { Settings } from './settings';
import { Points, SignatureText, SigningWarning, SignRequest } from './signing';
import { TokenList } from './tokens';
import { NewRemoteAccount, RemoteAccountName, RemoteAccountView } from './remote';
import { DocumentValidation, IssuerCertificate, IssuerImport, TrustedCertificate } from './validation';

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
  /**
   * Checks every signature of the open document (integrity, trust, time, changes after signing).
   * `documentPassword`: an encrypted document's, as the user typed it to open it (never stored).
   */
  'document:validate': { request: z.object({ docId: DocId, online: z.boolean().optional(), documentPassword: Secret.optional() }).strict(), response: DocumentValidation },
  /** Opens, as a document of its own, the earlier revision a signature covers (what was signed). */
  'document:openSignedVersion': {
    request: z.object({ docId: DocId, signatureIndex: z.number().int().nonnegative().max(10_000) }).strict(),
    response: DocumentSummary,
  },
  /** Trusts a certificate of a signature's chain (as last validated) for every later verification. */
  'trust:addFromSignature': {
    request: z
      .object({ docId: DocId, signatureIndex: z.number().int().nonnegative().max(10_000), certificateIndex: z.number().int().nonnegative().max(64) })
      .strict(),
    response: z.array(TrustedCertificate),
  },
  'trust:remove': { request: z.object({ fingerprint: Fingerprint }).strict(), response: z.array(TrustedCertificate) },
  /** The issuer certificates imported in settings (they complete the chains of the app's signatures). */
  'issuers:list': { request: Empty, response: z.array(IssuerCertificate) },
  /** Main's open dialog for .pem/.cer/.crt/.der/.p7b files, then their certificates kept; null when cancelled. */
  'issuers:import': { request: Empty, response: IssuerImport.nullable() },
  'issuers:remove': { request: z.object({ fingerprint: Fingerprint }).strict(), response: z.array(IssuerCertificate) },
  'recent:list': { request: Empty, response: z.array(RecentDocument) },
  'recent:remove': { request: z.object({ path: FilePath }).strict(), response: z.array(RecentDocument) },
  'recent:clear': { request: Empty, response: z.array(RecentDocument) },
  'identity:list': { request: Empty, response: z.array(Identity) },
  'identity:createPersonal': {
    request: z
      .object({ name: z.string().trim().min(1).max(64), email: z.string().trim().min(3).max(255), keyType: PersonalKeyType })
      .strict(),
    response: Identity,
  },
  /** The OS open dialog for a .p12/.pfx; null when the user cancels. */
  'identity:chooseP12File': { request: Empty, response: z.object({ path: z.string(), name: z.string() }).nullable() },
  /** Opens the file once with the password (checked, then forgotten) and remembers path + certificate. */
  'identity:importP12': { request: z.object({ path: FilePath, password: Secret }).strict(), response: Identity },
  /** The personal ID: its key is deleted from the keychain. A .p12: forgotten (the file stays). */
  'identity:remove': { request: z.object({ id: IdentityId }).strict(), response: z.array(Identity) },
  /**
   * What to say before signing with the identity (CHAIN_INCOMPLETE: validators will find no issuer),
   * from its certificates and the issuer certificates main knows; no secret is asked.
   */
  'identity:warnings': { request: z.object({ id: IdentityId }).strict(), response: z.array(SigningWarning).max(8) },
  /** Save dialog, then the personal ID written as a .p12 protected by `password`; null when cancelled. */
  'identity:exportPersonal': {
    request: z.object({ id: IdentityId, password: Secret }).strict(),
    response: z.object({ path: z.string() }).nullable(),
  },
  /** Token drivers, tokens plugged in and their signing certificates (no PIN asked). */
  'tokens:list': { request: Empty, response: TokenList },
  /** The OS open dialog for a PKCS#11 library; it is kept in settings and loaded. null when cancelled. */
  'tokens:addModule': { request: Empty, response: TokenList.nullable() },
  'tokens:removeModule': { request: z.object({ path: FilePath }).strict(), response: TokenList },
  /** The remote signing accounts (Settings → Accounts), with whether each is signed in; never a secret. */
  'remote:list': { request: Empty, response: z.array(RemoteAccountView) },
  /** Adds an account (a new name): DTM by environment and region, or any CSC service by its root. */
  'remote:add': { request: NewRemoteAccount, response: z.array(RemoteAccountView) },
  /**
   * Signs in: the code grant opens the service's page in the system browser and waits for its
   * answer (up to 5 minutes, or remote:cancelLogin); the other grants check their secret.
   */
  'remote:login': { request: z.object({ name: RemoteAccountName }).strict(), response: z.array(RemoteAccountView) },
  /** Stops the sign-in that waits on the browser (remote:login then fails as cancelled). */
  'remote:cancelLogin': { request: z.object({ name: RemoteAccountName }).strict(), response: z.null() },
  /** Signs out: the refresh token is revoked at the service and removed from the keychain. */
  'remote:logout': { request: z.object({ name: RemoteAccountName }).strict(), response: z.array(RemoteAccountView) },
  /** Removes the account, once the user confirmed it in main's dialog (signed out first). */
  'remote:remove': { request: z.object({ name: RemoteAccountName }).strict(), response: z.array(RemoteAccountView) },
  /** A one-page PDF of exactly width x height points showing the signature's appearance. */
  'signature:preview': {
    request: z
      .object({ identityId: IdentityId, width: Points, height: Points, reason: SignatureText.optional(), location: SignatureText.optional() })
      .strict(),
    response: Bytes,
  },
  /**
   * Signs the open document: main asks where to save (never over the input), signs, and opens the
   * signed copy. null when the user cancels the save dialog.
   */
  'document:sign': {
    request: SignRequest,
    response: z.object({ output: z.string(), document: DocumentSummary }).nullable(),
  },
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
  /** A token was plugged in or pulled out (or a driver added): the new list. */
  'tokens:changed': TokenList,
} as const;

/**
 * Main -> renderer requests that wait for the user's answer (PIN, OTP). Each times out or can be
 * cancelled by either side; the answer is validated by main with `response`.
 */
export const rendererRequests = {
  'prompt:pin': {
    request: z.object({
      tokenLabel: z.string(),
      /** The certificate the PIN unlocks (its common name), when known. */
      keyLabel: z.string().nullable(),
      /** Tries left when the token tells a number; null otherwise (see `pinCountLow`, `finalTry`). */
      triesLeft: z.number().int().nonnegative().nullable(),
      /** The token says few tries are left (CKF_USER_PIN_COUNT_LOW). */
      pinCountLow: z.boolean(),
      /** The token says one more wrong PIN locks it (CKF_USER_PIN_FINAL_TRY). */
      finalTry: z.boolean(),
      /** The previous PIN was refused. */
      retry: z.boolean(),
      /** The reader has its own keypad: the PIN is typed there, the app only waits. */
      pinPad: z.boolean(),
      /** CKA_ALWAYS_AUTHENTICATE: a second, per-signature PIN entry. */
      contextSpecific: z.boolean(),
    }),
    response: z.object({ pin: z.string().min(1).max(256) }).strict(),
  },
  'prompt:otp': {
    request: z.object({
      /** The service that sent the one-time password (e.g. "DigiCert"). */
      service: z.string(),
      /** Whose signature it authorizes (the identity's name). */
      identity: z.string(),
      /** How many documents this one password signs. */
      documents: z.number().int().positive(),
      /** Tries the service still allows, when it says. */
      triesLeft: z.number().int().nonnegative().nullable(),
      /** The previous password was refused. */
      retry: z.boolean(),
    }),
    response: z.object({ otp: z.string().min(4).max(16) }).strict(),
  },
} as const;

export type ChannelName = keyof typeof channels;
export type EventName = keyof typeof events;
export type RendererRequestKind = keyof typeof rendererRequests;
export type RequestOf<C extends ChannelName> = z.input<(typeof channels)[C]['request']>;
export type ParsedRequestOf<C extends ChannelName> = z.output<(typeof channels)[C]['request']>;
export type ResponseOf<C extends ChannelName> = z.output<(typeof channels)[C]['response']>;
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>;
export type RendererRequestOf<K extends RendererRequestKind> = z.output<(typeof rendererRequests)[K]['request']>;
export type RendererResponseOf<K extends RendererRequestKind> = z.input<(typeof rendererRequests)[K]['response']>;
