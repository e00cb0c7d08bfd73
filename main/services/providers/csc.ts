// Remote signing credentials of CSC services (DigiCert Document Trust Manager, any CSC v1.0.4.0
// service) as identities, kind 'csc'. `list` reads every account's credentials (credentials/list,
// then credentials/info: chain, key, how it is authorized); only usable ones (key enabled,
// certificate valid, a certificate sent) are offered to sign. `open` gives a Signer whose batches
// are authorized once per at most `multisign` signatures: explicit mode asks the PIN and/or the
// OTP (sent first by credentials/sendOTP when it is online) through the Authorizer, again after a
// refused one with the tries the service says are left; implicit mode waits on the service (the
// user approves on the phone); SCAL 2 binds the authorization to the very hashes. Nothing asked is
// kept: a PIN or OTP goes into one credentials/authorize body and is dropped.
import { createHash, randomBytes } from 'node:crypto';
import { verifyTimeStampToken } from '../../cms';
import { AppError, msg } from '../../errors';
import { CscClient, CscError, isCscError, needsOtp, needsPin } from '../../remote/csc';
import type { CscCredentialInfo, Sad, TokenSource } from '../../remote/csc';
import { describeCertificate } from '../../signers';
import type { HashAlgorithm, SignatureAlgorithm, Signer, SignRequest } from '../../signers';
import type { RemoteIdentity } from '../../../preload/contract/schemas';
import type { RemoteAccount } from '../../../preload/contract/schemas/settings';
import type { AuthorizationRequest, Authorizer, IdentityProvider, PublicCertificates, Timestamper } from '../signing/ports';

/** One account, signed in: its settings and where its access tokens come from. */
export interface CscAccountAccess {
  account: RemoteAccount;
  tokens: TokenSource;
  /** PEM trust anchors added to Node's roots for this service (tests: a private CA). */
  ca?: readonly string[];
}

/** A credential as `remote credentials` shows it: what it is and whether it can sign. */
export interface CscCredentialView {
  account: string;
  id: string;
  description: string;
  /** 'usable', or why not: 'key-disabled', 'certificate-expired' / '-revoked' / '-suspended', 'no-certificate'. */
  status: string;
  subject: string | null;
  issuer: string | null;
  notAfter: string | null;
  authMode: CscCredentialInfo['authMode'];
  scal: '1' | '2';
  multisign: number;
  pin: boolean;
  otp: 'online' | 'offline' | null;
}

const HASH_OIDS: Record<HashAlgorithm, string> = { sha256: '2.16.840.1.101.3.4.2.1', sha384: '2.16.840.1.101.3.4.2.2', sha512: '2.16.840.1.101.3.4.2.3' };
const RSA_SIGN_OIDS: Record<HashAlgorithm, string> = { sha256: '1.2.840.113549.1.1.11', sha384: '1.2.840.113549.1.1.12', sha512: '1.2.840.113549.1.1.13' };
const ECDSA_SIGN_OIDS: Record<HashAlgorithm, string> = { sha256: '1.2.840.10045.4.3.2', sha384: '1.2.840.10045.4.3.3', sha512: '1.2.840.10045.4.3.4' };
const RSA_KEY = '1.2.840.113549.1.1.1';
/** How long reading an account's credentials may take, each call (the picker waits for it). */
const LIST_TIMEOUT_MS = 10_000;
/** How long an implicit authorization (approval on the phone) may take. */
const IMPLICIT_TIMEOUT_MS = 180_000;

/** How prompts name the signer: `label` with the account (PIN prompts, messages), `name` alone (beside the service's name). */
interface Who {
  label: string;
  name: string;
}

interface Known {
  access: CscAccountAccess;
  credentialID: string;
  info: CscCredentialInfo;
  chain: Uint8Array[];
}

function client(access: CscAccountAccess, timeoutMs?: number): CscClient {
  return new CscClient({ root: access.account.url, tokens: access.tokens, ...(access.ca ? { ca: access.ca } : {}), ...(timeoutMs ? { timeoutMs } : {}) });
}

function chainOf(info: CscCredentialInfo): Uint8Array[] {
  return (info.cert?.certificates ?? []).map((c) => new Uint8Array(Buffer.from(c, 'base64')));
}

/** Why a credential cannot sign, or 'usable'. */
export function credentialStatus(info: CscCredentialInfo): string {
  if (info.key.status !== 'enabled') return 'key-disabled';
  const cert = info.cert?.status ?? 'valid';
  if (cert !== 'valid') return `certificate-${cert}`;
  if (chainOf(info).length === 0) return 'no-certificate';
  return 'usable';
}

/** The identity id of a credential: stable for the account and the credential (not for its certificate, which may be renewed). */
function identityId(account: string, credentialID: string): string {
  return `csc-${createHash('sha256').update(`${account}\u0000${credentialID}`).digest('hex')}`;
}

export class CscProvider implements IdentityProvider<RemoteIdentity> {
  readonly kind = 'csc';
  private readonly known = new Map<string, Known>();

  constructor(private readonly accounts: () => Promise<readonly CscAccountAccess[]>) {}

  /** Every credential of every account (or of `only`), usable or not, as `remote credentials` lists them. */
  async credentials(only?: string): Promise<CscCredentialView[]> {
    const out: CscCredentialView[] = [];
    for (const access of await this.accounts()) {
      if (only !== undefined && access.account.name !== only) continue;
      for (const known of await this.read(access)) out.push(view(known));
    }
    return out;
  }

  async list(): Promise<RemoteIdentity[]> {
    const out: RemoteIdentity[] = [];
    for (const access of await this.accounts()) {
      const credentials = await this.read(access).catch((): Known[] => []);
      for (const known of credentials) if (credentialStatus(known.info) === 'usable') out.push(identityOf(known));
    }
    return out;
  }

  /** The identity of `credentialID` in `account` (listing it first), or an error in words. */
  async find(account: string, credentialID?: string): Promise<RemoteIdentity> {
    const accesses = (await this.accounts()).filter((a) => a.account.name === account);
    const access = accesses[0];
    if (!access) throw new AppError('remote-account-unknown', msg('error.app.remote-account-unknown', { name: account }));
    const credentials = await this.read(access);
    const usable = credentials.filter((k) => credentialStatus(k.info) === 'usable');
    const chosen = credentialID === undefined ? (usable.length === 1 ? usable[0] : undefined) : credentials.find((k) => k.credentialID === credentialID);
    if (!chosen) {
      throw new AppError(
        'remote-credential-unknown',
        msg('error.app.remote-credential-unknown', { name: account, given: credentialID === undefined ? 'no' : 'yes', credential: credentialID ?? '', count: usable.length }),
      );
    }
    const status = credentialStatus(chosen.info);
    if (status !== 'usable') throw new CscError('unusable', 'credentials/info', access.account.url, { detail: status });
    return identityOf(chosen);
  }

  async certificates(identity: RemoteIdentity): Promise<PublicCertificates | null> {
    const known = this.known.get(identity.id);
    if (!known || known.chain.length === 0) return null;
    const [certificate, ...chain] = known.chain;
    return certificate ? { certificate, chain } : null;
  }

  async open(identity: RemoteIdentity, authorizer: Authorizer): Promise<Signer> {
    const known = this.known.get(identity.id);
    if (!known) throw new AppError('identity-not-found', msg('error.app.identity-not-found'));
    const [certificate, ...chain] = known.chain;
    if (!certificate) throw new CscError('unusable', 'credentials/info', known.access.account.url, { detail: 'no-certificate' });
    // ecPublicKey and the ECDSA signature OIDs all sit under 1.2.840.10045.
    const keyType = known.info.key.algo.some((a) => a.startsWith('1.2.840.10045.')) ? 'ec' : 'rsa';
    if (keyType === 'rsa' && !known.info.key.algo.some((a) => a === RSA_KEY || a.startsWith('1.2.840.113549.1.1.'))) {
      throw new CscError('unsupported', 'credentials/info', known.access.account.url, { detail: `key ${known.info.key.algo.join(', ')}` });
    }
    const label = `${identity.name} (${known.access.account.name})`;
    const multisign = Math.max(1, known.info.multisign);
    const signMany = async (requests: SignRequest[]): Promise<Uint8Array[]> => {
      const out: Uint8Array[] = [];
      for (let at = 0; at < requests.length; at += multisign) out.push(...(await this.signChunk(known, { label, name: identity.name }, requests.slice(at, at + multisign), authorizer)));
      return out;
    };
    const algorithms: SignatureAlgorithm[] = keyType === 'ec' ? ['ecdsa'] : ['rsa-pkcs1'];
    return {
      label,
      certificate,
      chain,
      keyType,
      keyBits: known.info.key.len,
      algorithms,
      batch: { max: multisign },
      sign: async (request) => {
        const [signature] = await signMany([request]);
        if (!signature) throw new CscError('bad-answer', 'signatures/signHash', known.access.account.url, { detail: 'signatures' });
        return signature;
      },
      signMany,
      close: async () => undefined,
    };
  }

  /**
   * The account's signatures/timestamp as the TSA (`--tsa csc`): each token checked as any TSA's
   * (main/cms/tsp.ts: the imprint, the signature, the TSA certificate); refused in words when the
   * service does not advertise the method.
   */
  timestamper(account: string): Timestamper {
    return {
      name: `${account} (CSC signatures/timestamp)`,
      timestamp: async ({ imprint, hash }) => {
        const access = (await this.accounts()).find((a) => a.account.name === account);
        if (!access) throw new AppError('remote-account-unknown', msg('error.app.remote-account-unknown', { name: account }));
        const csc = client(access);
        if (!(await csc.info()).methods.includes('signatures/timestamp')) {
          throw new CscError('unsupported', 'signatures/timestamp', access.account.url, { detail: 'signatures/timestamp' });
        }
        const token = await csc.timestamp(imprint, HASH_OIDS[hash], randomBytes(16).toString('hex'));
        const checked = verifyTimeStampToken(token, { imprint, hash, server: `${access.account.url}/csc/v1/signatures/timestamp` });
        return { token: checked.token, genTime: checked.genTime };
      },
    };
  }

  /** Reads an account's credentials and remembers them by identity id. */
  private async read(access: CscAccountAccess): Promise<Known[]> {
    // Bounded: the identity picker waits on every provider's list.
    const csc = client(access, LIST_TIMEOUT_MS);
    const ids = await csc.listCredentials();
    const out: Known[] = [];
    for (const credentialID of ids.slice(0, 200)) {
      const info = await csc.credentialInfo(credentialID);
      const known = { access, credentialID, info, chain: chainOf(info) };
      this.known.set(identityId(access.account.name, credentialID), known);
      out.push(known);
    }
    return out;
  }

  /** One authorization (SAD) for up to multisign requests, then signatures/signHash. */
  private async signChunk(known: Known, who: Who, requests: SignRequest[], authorizer: Authorizer): Promise<Uint8Array[]> {
    const { info, access } = known;
    const hash = requests[0]?.hash ?? 'sha256';
    if (requests.some((r) => r.hash !== hash)) throw new Error('internal: one CSC authorization signs digests of one hash algorithm');
    const digests = requests.map((r) => r.digest);
    const implicit = info.authMode === 'implicit';
    const csc = client(access, implicit ? IMPLICIT_TIMEOUT_MS : undefined);
    if (info.authMode === 'oauth2code') throw new CscError('unsupported', 'credentials/authorize', access.account.url, { detail: 'oauth2code' });
    const algorithm = requests[0]?.algorithm ?? 'rsa-pkcs1';
    const algorithms = { hashAlgo: HASH_OIDS[hash], signAlgo: algorithm === 'ecdsa' ? ECDSA_SIGN_OIDS[hash] : RSA_SIGN_OIDS[hash] };
    const sad = await this.authorize(csc, known, who, digests, authorizer);
    try {
      return await csc.signHash(sad, digests, algorithms);
    } catch (error) {
      // A SAD that expired between the authorization and the signatures (a slow OTP, a service
      // with short SADs): authorized again once, the user asked again; then the failure stands.
      if (!isCscError(error, 'sad-expired')) throw error;
      return csc.signHash(await this.authorize(csc, known, who, digests, authorizer), digests, algorithms);
    }
  }

  private async authorize(csc: CscClient, known: Known, who: Who, digests: Uint8Array[], authorizer: Authorizer): Promise<Sad> {
    const { label, name } = who;
    const { info, credentialID, access } = known;
    const hashes = info.SCAL === '2' ? digests : undefined;
    const pin = needsPin(info);
    const otp = needsOtp(info);
    // Each secret is asked again after a refusal as often as the Authorizer allows (a PIN from
    // the environment once: it would come back the same), and never more than 10 times.
    const allowed = { pin: Math.min(authorizer.attempts?.pin ?? Number.POSITIVE_INFINITY, 10), otp: Math.min(authorizer.attempts?.otp ?? Number.POSITIVE_INFINITY, 10) };
    const asked = { pin: 0, otp: 0 };
    let pinProblem: { retry: boolean; triesLeft: number | null } = { retry: false, triesLeft: null };
    let otpProblem: { retry: boolean; triesLeft: number | null } = { retry: false, triesLeft: null };
    let pinValue: string | undefined;
    if (info.authMode === 'implicit') {
      // The service asks the user elsewhere (DTM: Go>Sign Mobile): the user is told where, then
      // credentials/authorize waits for the approval (bounded by IMPLICIT_TIMEOUT_MS).
      const told = await authorizer.ask({ kind: 'approval', service: access.account.name, identity: name, documents: digests.length });
      if (told === null) throw new AppError('cancelled', msg('error.app.cancelled'));
      return csc.authorize(credentialID, { numSignatures: digests.length, ...(hashes ? { hashes } : {}), description: `Paraphe: ${digests.length} ${digests.length === 1 ? 'signature' : 'signatures'}` });
    }
    for (;;) {
      if (pin && pinValue === undefined) {
        const request: AuthorizationRequest = {
          kind: 'pin',
          token: access.account.name,
          key: label,
          triesLeft: pinProblem.triesLeft === 1 ? 'final' : pinProblem.triesLeft !== null && pinProblem.triesLeft <= 2 ? 'low' : null,
          pinPad: false,
          contextSpecific: true,
          retry: pinProblem.retry,
          problem: null,
        };
        const answer = await authorizer.ask(request);
        if (answer === null) throw new AppError('pin-required', msg('error.app.remote-pin-required', { name: label }));
        asked.pin++;
        pinValue = answer;
      }
      let otpValue: string | undefined;
      if (otp) {
        if (info.OTP?.type !== 'offline') await csc.sendOtp(credentialID);
        const answer = await authorizer.ask({
          kind: 'otp',
          service: access.account.name,
          identity: name,
          documents: digests.length,
          triesLeft: otpProblem.triesLeft,
          retry: otpProblem.retry,
        });
        if (answer === null) throw new AppError('otp-required', msg('error.app.remote-otp-required', { name: label }));
        asked.otp++;
        otpValue = answer;
      }
      try {
        return await csc.authorize(credentialID, {
          numSignatures: digests.length,
          ...(hashes ? { hashes } : {}),
          ...(pinValue === undefined ? {} : { pin: pinValue }),
          ...(otpValue === undefined ? {} : { otp: otpValue }),
          description: `Paraphe: ${digests.length} ${digests.length === 1 ? 'signature' : 'signatures'}`,
        });
      } catch (error) {
        if (isCscError(error, 'invalid-pin') && asked.pin < allowed.pin && error.triesLeft !== 0) {
          pinValue = undefined;
          pinProblem = { retry: true, triesLeft: error.triesLeft ?? null };
          continue;
        }
        if (isCscError(error, 'invalid-otp') && asked.otp < allowed.otp && error.triesLeft !== 0) {
          otpProblem = { retry: true, triesLeft: error.triesLeft ?? null };
          continue;
        }
        throw error;
      }
    }
  }
}

function identityOf(known: Known): RemoteIdentity {
  const [certificate] = known.chain;
  const d = certificate ? describeCertificate(certificate) : null;
  return {
    id: identityId(known.access.account.name, known.credentialID),
    kind: 'csc',
    name: d?.subject ?? known.info.description ?? known.credentialID,
    email: null,
    issuer: d?.issuer ?? '',
    serial: d?.serial ?? '',
    notBefore: d ? d.notBefore.toISOString() : '',
    notAfter: d ? d.notAfter.toISOString() : '',
    fingerprint: d?.fingerprintSha256 ?? '',
    holder: 'remote',
    service: known.access.account.name,
    needsPassword: false,
  };
}

function view(known: Known): CscCredentialView {
  const [certificate] = known.chain;
  let d: ReturnType<typeof describeCertificate> | null;
  try {
    d = certificate ? describeCertificate(certificate) : null;
  } catch {
    d = null; // a certificate Paraphe cannot read: listed by what the service says of it
  }
  return {
    account: known.access.account.name,
    id: known.credentialID,
    description: known.info.description ?? '',
    status: credentialStatus(known.info),
    subject: d?.subject ?? known.info.cert?.subjectDN ?? null,
    issuer: d?.issuer ?? known.info.cert?.issuerDN ?? null,
    notAfter: d ? d.notAfter.toISOString() : null,
    authMode: known.info.authMode,
    scal: known.info.SCAL ?? '1',
    multisign: known.info.multisign,
    pin: needsPin(known.info),
    otp: needsOtp(known.info) ? (known.info.OTP?.type ?? 'online') : null,
  };
}
