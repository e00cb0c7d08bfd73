// The ports of the signing pipeline (DESIGN.md, "Signing"): what the stages need from outside,
// injected by whoever builds the pipeline (createServices for the app and the CLI, tests), never
// imported by the stages themselves.
//   IdentityProvider  lists identities of one kind and opens a Signer for one of them
//   Authorizer        asks the user for a password, a PIN, an OTP or an approval; keeps nothing
//   Timestamper       RFC 3161 tokens (a TSA today; CSC signatures/timestamp later)
//   ValidationDataSource  certificates, OCSP responses and CRLs for B-LT
//   EvidenceSink      sees every stage's facts (hashes before and after, identity, times), no secret
import type { Message } from '../../../preload/contract/messages';
import type { Identity } from '../../../preload/contract/schemas';
import type { HashAlgorithm, Signer } from '../../signers/signer';

/** What an Authorizer is asked. Each carries what the dialog or prompt needs to say, no secret. */
export type AuthorizationRequest =
  | {
      kind: 'password';
      /** The identity's file, as the user knows it (e.g. "signer.p12"). */
      file: string;
      /** A previous answer was wrong. */
      retry: boolean;
    }
  | {
      kind: 'pin';
      token: string;
      /** The certificate the PIN unlocks, by its holder's name. */
      key: string;
      /** 'low' few tries left, 'final' one more wrong PIN locks the token, null unknown or many. */
      triesLeft: 'low' | 'final' | null;
      /** The reader has its own keypad: the PIN is typed there, not here. */
      pinPad: boolean;
      /** The key asks its PIN again for each signature (CKA_ALWAYS_AUTHENTICATE). */
      contextSpecific: boolean;
      retry: boolean;
      /** Why it is asked again (e.g. the token's "wrong PIN, 2 tries left"), as a catalog message; no secret. */
      problem: Message | null;
    }
  | {
      kind: 'otp';
      /** The service that sent the one-time password, for the prompt (e.g. "DigiCert"). */
      service: string;
      identity: string;
      /** How many documents this one password authorizes. */
      documents: number;
      /** Tries the service still allows, when it says. */
      triesLeft: number | null;
      retry: boolean;
    }
  | {
      kind: 'approval';
      /** Approve on the phone (or in the browser): the answer is '' once approved, null when refused or cancelled. */
      service: string;
      identity: string;
      documents: number;
    };

export type AuthorizationKind = AuthorizationRequest['kind'];

/**
 * Asks the user. The app's asks through renderer requests (the PIN dialog); the CLI's reads the
 * terminal or an environment variable. Returns null when the user cancels or nobody can answer.
 * What it returns is used for one call and never stored, logged or sent anywhere else.
 */
export interface Authorizer {
  ask(request: AuthorizationRequest): Promise<string | null>;
  /**
   * How many times it may be asked for the same thing after wrong answers (default: until the user
   * cancels). A secret from the environment is the same at every ask: 1.
   */
  readonly attempts?: Partial<Record<AuthorizationKind, number>>;
}

/** An Authorizer that can answer nothing (headless and no secret given): every ask is null. */
export const NO_AUTHORIZER: Authorizer = { ask: async () => null };

/** A certificate and the issuer certificates that come with it (DER, public: no secret opens them). */
export interface PublicCertificates {
  certificate: Uint8Array;
  /** Issuer first when known; may be incomplete. */
  chain: Uint8Array[];
}

/**
 * One kind of signing identity (personal ID, PKCS#12, PKCS#11 today; CSC and CertSign next).
 * `list` returns the identities as the interface shows them (`I`: the holders it lists, e.g.
 * FileIdentity for the .p12 files); `open` gives a Signer for one of them (the one `list` returned
 * with that id: the registry hands a provider only its own), asking `authorizer` for what it needs.
 */
export interface IdentityProvider<I extends Identity = Identity> {
  /** Lower-case letters and digits, 2–16: the `kind` of its identities. */
  readonly kind: string;
  list(): Promise<I[]>;
  open(identity: I, authorizer: Authorizer): Promise<Signer>;
  /**
   * The identity's certificate and the issuer certificates it comes with, known without any secret
   * (what the sign panel's chain notice is decided from before signing); null or absent when they
   * are only known once opened.
   */
  certificates?(identity: I): Promise<PublicCertificates | null>;
  /** Forgets an identity (the personal ID's key leaves the keychain; a .p12 is only forgotten). */
  remove?(identity: I): Promise<void>;
  /** Releases what the provider holds (token sessions, remote sessions). */
  close?(): Promise<void>;
}

export interface TimestampReply {
  /** DER TimeStampToken (ContentInfo), checked by the Timestamper (status, nonce, imprint, signature). */
  token: Uint8Array;
  genTime: Date;
}

/** RFC 3161 timestamps over an imprint. */
export interface Timestamper {
  /** How messages and evidence name it (e.g. the TSA's URL). */
  readonly name: string;
  timestamp(request: { imprint: Uint8Array; hash: HashAlgorithm; signal?: AbortSignal }): Promise<TimestampReply>;
}

export interface ValidationMaterial {
  certs: Uint8Array[];
  ocsps: Uint8Array[];
  crls: Uint8Array[];
}

/** Certificates and revocation data for the chains of `certificates` (B-LT's DSS). */
export interface ValidationDataSource {
  collect(certificates: readonly Uint8Array[], control?: { signal?: AbortSignal }): Promise<ValidationMaterial>;
}

/** A fact of one stage. Hashes are hex; times ISO 8601; never a secret, never key material. */
export type EvidenceFact =
  /** `signer`: the signer's label (e.g. "Élodie Signataire (signer.p12)"). */
  | { stage: 'identity'; at: string; signer: string; subject: string; certificateSha256: string }
  | { stage: 'input'; at: string; document: string; size: number; sha256: string }
  | {
      stage: 'prepared';
      at: string;
      document: string;
      field: string;
      byteRange: readonly [number, number, number, number];
      hash: HashAlgorithm;
      /** hash(the two byte ranges): the message-digest attribute. */
      contentDigest: string;
      /** hash(the DER signed attributes): what the key signs. */
      signedAttributesDigest: string;
    }
  | { stage: 'signed'; at: string; document: string; signatureSha256: string; timestampedAt: string | null }
  | { stage: 'extended'; at: string; document: string; level: string }
  | { stage: 'output'; at: string; document: string; output: string; size: number; sha256: string }
  | { stage: 'failed'; at: string; document: string; code: string };

/** Sees every stage's facts. A sink that fails makes the signing fail (evidence is not optional once asked for). */
export interface EvidenceSink {
  record(fact: EvidenceFact): void | Promise<void>;
}
