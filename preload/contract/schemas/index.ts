// The one IPC contract: every channel between renderer and main, with its request and response
// schema. Main validates every payload with these; types are inferred, never written twice.
// These files import zod only (and ../domain): they are shared by main, the preload and (as types)
// the renderer. One file per domain (see ../README.md); this index re-exports the public names, so
// `import { IdentityId } from '.../preload/contract/schemas'` is the one import path, but for the
// code of the command line (main/cli and the services it runs), which imports the one file it needs
// (schemas/settings, schemas/identities): this index builds every channel's schema, a tenth of a
// command's start-up (main/tools/build.mjs refuses a command-line bundle that holds it).
export { AppInfo, Locale, LocalePreference } from './app';
export { Bytes, CatalogMessage, DocId, FilePath } from './common';
export { DocumentSummary, RecentDocument, SignatureSummary } from './documents';
export { FileIdentity, Identity, IdentityId, IdentityKind, KeychainIdentity, PersonalKeyType, RemoteIdentity, SavedP12Identity, TokenIdentity } from './identities';
export type { IdentityHolder } from './identities';
export { Settings } from './settings';
export { NewRemoteAccount, RemoteAccountName, RemoteAccountView, RemoteService } from './remote';
export { CertifyMode, PadesLevel, SignaturePlacement, SigningWarning, SignRequest } from './signing';
export { TokenCertificateView, TokenList } from './tokens';
export { CertificateView, DocumentValidation, IssuerCertificate, IssuerImport, SignatureValidation, TrustedCertificate, ValidationReason } from './validation';
export { channels, events, rendererRequests } from './channels';
export type {
  ChannelName, EventName, EventPayload, ParsedRequestOf, RendererRequestKind, RendererRequestOf, RendererResponseOf, RequestOf, ResponseOf,
} from './channels';
export { ErrorInfo } from './envelope';
export type { Envelope } from './envelope';
