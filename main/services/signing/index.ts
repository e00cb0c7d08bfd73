// The signing pipeline (DESIGN.md "Signing"): stages (./stages), ports (./ports), their network
// implementations (./remote-ports), and the session that runs them for one signer (./session).
export { appearanceDate, loadAppearanceFont, SigningSession } from './session';
export type { BatchItem, BatchOutcome, SessionPorts, SignOptions, SignResult } from './session';
export { extend, finish, inputChanged, PLACEHOLDER_MARGIN, placeholderSize, prepare } from './stages';
export type { ExtendPorts, FinishedDocument, OpenedInput, PadesLevel, PrepareOptions, PreparedDocument, SignerProfile } from './stages';
export { completedChain, signingWarnings, withIssuers } from './chain';
export type { SigningWarning } from './chain';
export { NO_AUTHORIZER } from './ports';
export type {
  AuthorizationKind, AuthorizationRequest, Authorizer, EvidenceFact, EvidenceSink, IdentityProvider, PublicCertificates, Timestamper, TimestampReply,
  ValidationDataSource, ValidationMaterial,
} from './ports';
export { onlineValidationData, tsaTimestamper } from './remote-ports';
