// What the token service reports and takes: modules, tokens, their certificates, a selection.
import type { Message } from '../../../preload/contract/messages';
import type { TokenFlags } from '../../../native/pkcs11';

export interface ModuleReport {
  path: string;
  name: string;
  source: 'known' | 'user';
  /** Loaded and initialised; otherwise `error` says why (missing file, wrong architecture...). */
  loaded: boolean;
  error: string | null;
  manufacturer: string | null;
  description: string | null;
  version: string | null;
}

export interface TokenCertificate {
  /** SHA-256 of the certificate, lower-case hex: how the app names this identity. */
  fingerprint: string;
  /** CKA_ID of the certificate (and, by convention, of its key), lower-case hex. */
  keyId: string;
  /** CKA_LABEL of the certificate. */
  label: string;
  name: string;
  subjectDn: string;
  issuer: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  /** Whether the key was seen (after a login in this process); null before any login. */
  keyConfirmed: boolean | null;
  /** Why it cannot sign now (expired, no signing key usage...); null when it can. */
  unusable: string | null;
  /** The same, as a catalog message (worded where it is shown); null when it can sign. */
  unusableMessage: Message | null;
}

export interface TokenReport {
  modulePath: string;
  slotId: string;
  label: string;
  manufacturer: string;
  model: string;
  serial: string;
  flags: TokenFlags;
  certificates: TokenCertificate[];
  /** Objects that cannot sign (a key without certificate...), with the reason, as notes: English sentences (the CLI, --json). */
  notes: string[];
  /** The same notes, in the same order, as catalog messages (worded where they are shown). */
  noteMessages: Message[];
}

export interface TokenScan {
  modules: ModuleReport[];
  tokens: TokenReport[];
}

/** How the CLI and the app point at one certificate: --token LABEL, --key ID_HEX|LABEL, or a fingerprint. */
export interface TokenSelection {
  token?: string | null;
  key?: string | null;
  fingerprint?: string | null;
}

export interface TokenServiceOptions {
  /** Module paths to add to the usual ones (--module, settings). Asked again at every scan. */
  userModules: () => Promise<readonly string[]> | readonly string[];
  /** Overrides the usual install paths (tests: only the SoftHSM module of the run). */
  knownModules?: () => readonly string[];
  /** Time allowed to fetch each missing issuer certificate (AIA) when a token lacks the chain. Default 5 s. */
  aiaTimeoutMs?: number;
  now?: () => Date;
}
