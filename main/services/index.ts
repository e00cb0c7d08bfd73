// The use cases the IPC handlers and the CLI call. Nothing here imports electron: the app hands in
// what only it can do (dialogs) through small ports.
import { PersonalIdStore } from '../signers';
import type { KeychainAccess } from '../signers';
import type { Dialogs } from './dialogs';
import { DocumentService } from './documents';
import { GrantedPaths } from './granted-paths';
import { IdentityService } from './identities';
import { IssuerCertificateStore } from './issuers';
import { keychainPort } from './paths';
import { SettingsService } from './settings';
import { effectiveLocale } from './locale';
import { SignDocumentService } from './sign-document';
import { TokenService } from './tokens';
import type { AskOtp, AskPin } from './authorizers';
import { personalIdProvider } from './providers/personal';
import { pkcs12Provider } from './providers/pkcs12';
import { pkcs11Provider } from './providers/pkcs11';
import { IdentityRegistry } from './providers/registry';
import { keychainSecretStore, RemoteAccountService } from './remote-accounts';
import type { IdentityProvider } from './signing/ports';

export type { CertificateDetails, ConfirmRequest, Dialogs, SaveRequest } from './dialogs';
export type { GrantKind } from './granted-paths';

export interface Environment {
  appName: string;
  version: string;
  platform: string;
  /** The OS locale, e.g. "fr-FR". */
  systemLocale: string;
}

export interface Services {
  env: Environment;
  settings: SettingsService;
  documents: DocumentService;
  identities: IdentityService;
  /** The issuer certificates imported in settings, and the pool that completes every signer's chain. */
  issuers: IssuerCertificateStore;
  signing: SignDocumentService;
  tokens: TokenService;
  /** The remote signing accounts (Settings → Accounts, `paraphe remote`). */
  remoteAccounts: RemoteAccountService;
  /**
   * The OS dialogs and main's confirmations. The paths the open dialogs answer are granted (see
   * `paths`) as they come back.
   */
  dialogs: Dialogs;
  /** The paths the renderer may name: those main received (dialogs, command line, its lists). */
  paths: GrantedPaths;
  dispose(): Promise<void>;
}

export interface ServicesOptions {
  userDataDir: string;
  dialogs: Dialogs;
  env: Environment;
  /** Where assets/ lives (fonts of visible signatures): the app folder, or the checkout. */
  appRoot: string;
  /** The OS keychain (default: native/keychain). Tests may pass another, preferably the real one. */
  keychain?: KeychainAccess;
  /** Asks the user for a token's PIN (the renderer's PIN dialog); null when cancelled or nobody can answer. */
  askPin?: AskPin;
  /** Asks the user for a one-time password (the renderer's OTP dialog); null when cancelled or nobody can answer. */
  askOtp?: AskOtp;
  /**
   * More identity providers, after the personal ID, .p12 files and tokens (a new backend is one
   * provider plus its remote client; tests register their own).
   */
  providers?: readonly IdentityProvider[];
  /** The token service (default: one of its own, with the drivers added in the settings). */
  tokens?: TokenService;
  /**
   * The remote signing accounts of the settings as identities (kind 'csc'), signed in with
   * secrets named in `env` and refresh tokens in the keychain; absent: no remote identity.
   */
  remote?: {
    env: Readonly<Record<string, string | undefined>>;
    ca?: readonly string[];
    /** Opens the system browser (the code grant's sign-in page); absent: no sign-in through the browser. */
    openBrowser?: (url: string) => Promise<void>;
    /** How long a sign-in waits for the browser (default 5 minutes). */
    loginTimeoutMs?: number;
  };
}

export function createServices(options: ServicesOptions): Services {
  const settings = new SettingsService(options.userDataDir);
  const paths = new GrantedPaths(async (kind) => {
    const current = await settings.get();
    return kind === 'document' ? current.recent.map((r) => r.path) : (current.identities ?? []).map((i) => i.path);
  });
  const given = options.dialogs;
  const dialogs: Dialogs = {
    chooseDocument: async () => {
      const path = await given.chooseDocument();
      return path === null ? null : paths.grant(path, 'document');
    },
    chooseCertificateFile: async () => {
      const path = await given.chooseCertificateFile();
      return path === null ? null : paths.grant(path, 'certificate');
    },
    chooseModuleFile: () => given.chooseModuleFile(),
    // Read by main at once; the renderer never learns the path.
    ...(given.chooseIssuerCertificateFile ? { chooseIssuerCertificateFile: given.chooseIssuerCertificateFile.bind(given) } : {}),
    chooseSavePath: (request) => given.chooseSavePath(request),
    ...(given.confirm ? { confirm: given.confirm.bind(given) } : {}),
  };
  const documents = new DocumentService(settings);
  const keychain = options.keychain ?? keychainPort();
  const personal = new PersonalIdStore({ dir: options.userDataDir, keychain });
  const tokens = options.tokens ?? new TokenService({ userModules: async () => (await settings.get()).pkcs11Modules ?? [] });
  const remoteAccounts = new RemoteAccountService(settings, { env: {}, ...options.remote, secrets: keychainSecretStore(keychain) });
  const remote = options.remote ? [remoteAccounts.provider()] : [];
  const registry = new IdentityRegistry([personalIdProvider(personal), pkcs12Provider(settings), pkcs11Provider(tokens), ...(options.providers ?? []), ...remote]);
  const issuers = new IssuerCertificateStore(options.userDataDir, { trusted: () => settings.trustAnchors() });
  const identities = new IdentityService(settings, personal, dialogs, registry, issuers);
  const signing = new SignDocumentService({
    documents,
    identities,
    dialogs,
    askPin: options.askPin ?? (async () => null),
    askOtp: options.askOtp,
    root: options.appRoot,
    locale: async () => effectiveLocale((await settings.get()).locale, options.env.systemLocale),
  });
  return {
    env: options.env,
    settings,
    documents,
    identities,
    issuers,
    signing,
    tokens,
    remoteAccounts,
    dialogs,
    paths,
    dispose: async () => {
      await documents.closeAll();
      await registry.close();
      await tokens.close();
    },
  };
}

export { DocumentService, GrantedPaths, IdentityRegistry, IdentityService, IssuerCertificateStore, SettingsService, SignDocumentService, TokenService };
export type { AuthorizationRequest, Authorizer, EvidenceFact, EvidenceSink, IdentityProvider, Timestamper, ValidationDataSource } from './signing/ports';
