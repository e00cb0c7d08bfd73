// The one IPC contract: every channel between renderer and main, with its request and response
// schema. Main validates every payload with these; types are inferred, never written twice.
// This file imports zod only: it is shared by main, the preload and (as types) the renderer.
import { z } from 'zod';
import { CERTIFY_MODES, PADES_LEVELS, SIGNATURE_LEVELS } from './domain';

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
  /** Set when this is the earlier revision a signature covers ("view the signed version"). */
  signedVersion: z
    .object({ of: DocId, field: z.string().nullable(), revision: z.number().int().positive(), revisionCount: z.number().int().positive() })
    .strict()
    .optional(),
});

const ValidationStatus = z.enum(['VALID', 'INVALID', 'INDETERMINATE']);

/** One finding of the validator: a stable code and its sentence in both languages. */
export const ValidationReason = z.object({ code: z.string().regex(/^[A-Z_]{1,64}$/), en: z.string(), fr: z.string() }).strict();

const Fingerprint = z.string().regex(/^[0-9a-f]{64}$/, 'not a SHA-256 fingerprint');

/** What a certificate says of itself, as the interface shows it (certificates are public). */
const CertificateFields = {
  /** Common name (or the whole subject when there is none), for sentences. */
  name: z.string(),
  subject: z.string(),
  issuer: z.string(),
  serial: z.string(),
  notBefore: z.string(),
  notAfter: z.string(),
  /** SHA-256 of the DER, lower-case hex. */
  fingerprint: Fingerprint,
};

/** A certificate as the details of a signature show it. */
export const CertificateView = z
  .object({
    ...CertificateFields,
    /** The issuer's own certificate is this one (a root, or a self-signed personal ID). */
    selfSigned: z.boolean(),
    /** The user trusts it (kept in settings). */
    trustedByUser: z.boolean(),
  })
  .strict();

/** A certificate the user chose to trust, kept in settings with its DER (base64). */
export const TrustedCertificate = z
  .object({
    ...CertificateFields,
    der: z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/).max(64 * 1024),
    addedAt: z.string(),
  })
  .strict();

/** What the verification panel shows of one signature (from main/validation's SignatureReport). */
export const SignatureValidation = z
  .object({
    field: z.string().nullable(),
    kind: z.enum(['approval', 'certification', 'doc-timestamp']),
    subFilter: z.string().nullable(),
    status: ValidationStatus,
    /** The signer's certificate: its common name (for sentences) and full subject. */
    signer: z.object({ name: z.string(), subject: z.string() }).strict().nullable(),
    /** The time claimed by the signer (/M), ISO 8601. */
    signedAt: z.string().nullable(),
    /** The signature timestamp, when there is one: a certified time. */
    timestamp: z.object({ time: z.string(), tsa: z.string(), valid: z.boolean() }).strict().nullable(),
    intact: z.boolean(),
    modifications: z.enum(['none', 'dss-timestamps', 'form-filling', 'annotations', 'other']),
    level: z.enum(SIGNATURE_LEVELS),
    coversWholeFile: z.boolean(),
    revocation: z.enum(['good', 'revoked', 'unknown', 'not-checked']),
    trusted: z.boolean(),
    reasons: z.array(ValidationReason),
    /** The revision it signs (1-based), null when its byte range ends elsewhere. */
    revision: z.number().int().positive().nullable(),
    /** Its certificate chain as built, signer first, up to the trust anchor when one was found. */
    chain: z.array(CertificateView),
    /** Each revocation answer used: for which certificate, what it says, and where it came from. */
    revocationChecks: z.array(
      z
        .object({
          certificate: z.string(),
          timestampAuthority: z.boolean(),
          status: z.enum(['good', 'revoked', 'unknown']),
          origin: z.enum(['dss', 'signature', 'online', 'stale', 'failed']),
          kind: z.enum(['OCSP', 'CRL']).nullable(),
          revokedAt: z.string().nullable(),
        })
        .strict(),
    ),
  })
  .strict();

export const DocumentValidation = z
  .object({
    docId: DocId,
    verdict: z.enum(['VALID', 'INVALID', 'INDETERMINATE', 'NO_SIGNATURES']),
    signatures: z.array(SignatureValidation),
    /** Revocation and missing certificates were fetched from the network (the "check online" button). */
    online: z.boolean(),
  })
  .strict();

export const RecentDocument = z.object({
  path: z.string(),
  name: z.string(),
  openedAt: z.string(),
  pageCount: z.number().int().nonnegative().nullable(),
});

/** A PKCS#12 file the user imported: its path and what its certificate says. Never its password. */
export const SavedP12Identity = z.object({
  path: z.string(),
  fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
  subject: z.string(),
  issuer: z.string(),
  serial: z.string(),
  notBefore: z.string(),
  notAfter: z.string(),
  addedAt: z.string(),
});

export const Settings = z.object({
  locale: LocalePreference,
  recent: z.array(RecentDocument).max(50),
  /** Imported .p12/.pfx identities (absent until the first import). */
  identities: z.array(SavedP12Identity).max(50).optional(),
  /** Certificates the user trusts for verification, beside the system roots (absent until the first). */
  trustedCertificates: z.array(TrustedCertificate).max(200).optional(),
  /** PKCS#11 libraries the user added, beside the ones found in the usual places. */
  pkcs11Modules: z.array(z.string().min(1).max(4096)).max(20).optional(),
});

/**
 * The kind of a signing identity: its provider's (main/services/providers): 'personal', 'p12',
 * 'token' today; a new backend registers its own. 2-16 lower-case letters and digits.
 */
export const IdentityKind = z.string().regex(/^[a-z][a-z0-9]{1,15}$/, 'not an identity kind');
/**
 * Opaque handle of a signing identity, minted by main (its provider's kind and the certificate's
 * SHA-256 fingerprint). Nobody reads meaning into it: main routes it to the provider that listed it.
 */
export const IdentityId = z.string().regex(/^[a-z][a-z0-9]{1,15}-[0-9a-f]{64}$/, 'not an identity handle');
export const PersonalKeyType = z.enum(['rsa-3072', 'p256']);

/** A signing identity as the interface shows it; no key material, no password. */
export const Identity = z.object({
  id: IdentityId,
  kind: IdentityKind,
  /** The certificate's subject common name. */
  name: z.string(),
  email: z.string().nullable(),
  issuer: z.string(),
  serial: z.string(),
  /** ISO 8601. */
  notBefore: z.string(),
  notAfter: z.string(),
  fingerprint: z.string(),
  /** The .p12/.pfx file; null for the personal digital ID. */
  file: z.string().nullable(),
  keyType: PersonalKeyType.nullable(),
  /** A .p12 needs its password for each signature; the personal ID's key is in the keychain; a token asks its PIN itself. */
  needsPassword: z.boolean(),
  /** For a certificate on a hardware token: the token it is on (its PIN is asked by main when signing). */
  token: z.object({ label: z.string(), serial: z.string() }).strict().nullable().optional(),
});

/** A signing certificate on a token, as the token picker shows it. */
export const TokenCertificateView = z
  .object({
    /** The identity to sign with; null when it cannot sign (see `unusable`). */
    identityId: IdentityId.nullable(),
    name: z.string(),
    issuer: z.string(),
    notAfter: z.string(),
    keyId: z.string(),
    unusable: z.string().nullable(),
  })
  .strict();

/** What the token picker shows: the token drivers (PKCS#11 modules), the tokens plugged in, their certificates. */
export const TokenList = z
  .object({
    modules: z.array(
      z.object({ path: z.string(), name: z.string(), source: z.enum(['known', 'user']), loaded: z.boolean(), error: z.string().nullable() }).strict(),
    ),
    tokens: z.array(
      z
        .object({
          label: z.string(),
          manufacturer: z.string(),
          model: z.string(),
          serial: z.string(),
          pinPad: z.boolean(),
          pinLocked: z.boolean(),
          pinCountLow: z.boolean(),
          finalTry: z.boolean(),
          certificates: z.array(TokenCertificateView),
          notes: z.array(z.string()),
        })
        .strict(),
    ),
  })
  .strict();

export const PadesLevel = z.enum(PADES_LEVELS);
export const CertifyMode = z.enum(CERTIFY_MODES);

/** A secret typed by the user for one call; never stored, logged or sent back. */
const Secret = z.string().min(1).max(1024);
/** Free text of a signature (reason, location): one line or a few, no NUL. */
const SignatureText = z.string().max(500).refine((t) => !t.includes('\0'), 'text contains a NUL byte');
/** Size of a signature rectangle in points. */
const Points = z.number().finite().min(8).max(14_400);
const Coordinate = z.number().finite().min(-14_400).max(28_800);

export const SignaturePlacement = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('invisible') }).strict(),
  z
    .object({
      kind: z.literal('visible'),
      /** 1-based page number. */
      page: z.number().int().min(1).max(1_000_000),
      /** [x1, y1, x2, y2] in the page's default user space (PDF points, origin bottom-left). */
      rect: z.tuple([Coordinate, Coordinate, Coordinate, Coordinate]),
    })
    .strict()
    .refine((p) => Math.abs(p.rect[2] - p.rect[0]) >= 8 && Math.abs(p.rect[3] - p.rect[1]) >= 8, 'the rectangle must be at least 8 points wide and high'),
]);

const HttpUrl = z
  .string()
  .max(2048)
  .refine((u) => {
    try {
      const url = new URL(u);
      return url.protocol === 'http:' || url.protocol === 'https:';
    } catch {
      return false;
    }
  }, 'not an http(s) URL');

export const SignRequest = z
  .object({
    docId: DocId,
    identityId: IdentityId,
    /**
     * What the user typed in the sign panel for this one signature, for an identity that
     * `needsPassword` (a .p12's password); main's providers refuse it missing, and ask for PINs and
     * one-time passwords themselves.
     */
    password: Secret.optional(),
    placement: SignaturePlacement,
    reason: SignatureText.optional(),
    location: SignatureText.optional(),
    level: PadesLevel,
    tsaUrl: HttpUrl.optional(),
    certify: CertifyMode.optional(),
  })
  .strict()
  .refine((r) => r.level === 'B-B' || r.tsaUrl !== undefined, { message: 'levels B-T, B-LT and B-LTA need a timestamp server URL', path: ['tsaUrl'] });


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
  /** Checks every signature of the open document (integrity, trust, time, changes after signing). */
  'document:validate': { request: z.object({ docId: DocId, online: z.boolean().optional() }).strict(), response: DocumentValidation },
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
    request: z.object({ credentialLabel: z.string(), triesLeft: z.number().int().nonnegative().nullable() }),
    response: z.object({ otp: z.string().min(4).max(16) }).strict(),
  },
} as const;

/**
 * An error as it crosses to the renderer: the stable code, the catalog message that words it
 * (`key`, preload/contract/messages) with its arguments, and the English sentence as a fallback
 * for an error that has no key yet. The renderer words `key` in the interface language.
 */
export const ErrorInfo = z.object({
  code: z.string(),
  message: z.string(),
  key: z.string().optional(),
  params: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
});

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
export type SignatureValidation = z.output<typeof SignatureValidation>;
export type DocumentValidation = z.output<typeof DocumentValidation>;
export type CertificateView = z.output<typeof CertificateView>;
export type TrustedCertificate = z.output<typeof TrustedCertificate>;
export type TokenList = z.output<typeof TokenList>;
export type Settings = z.output<typeof Settings>;
export type AppInfo = z.output<typeof AppInfo>;
export type SavedP12Identity = z.output<typeof SavedP12Identity>;
export type Identity = z.output<typeof Identity>;
export type PersonalKeyType = z.output<typeof PersonalKeyType>;
export type PadesLevel = z.output<typeof PadesLevel>;
export type CertifyMode = z.output<typeof CertifyMode>;
export type SignaturePlacement = z.output<typeof SignaturePlacement>;
export type SignRequest = z.output<typeof SignRequest>;
export type Locale = z.output<typeof Locale>;
export type LocalePreference = z.output<typeof LocalePreference>;

/** Every call answers with an envelope: errors keep their code across the boundary. */
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: ErrorInfo };
