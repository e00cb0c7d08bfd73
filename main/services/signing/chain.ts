// The certificates a signature carries with its signing certificate: the signer's own chain plus
// issuer certificates the user gives (`--chain FILE`), ordered from the issuer up, and a warning
// when they still do not reach a root, since a validator then finds no issuer and rejects the
// signature (a token holding the end-entity certificate alone, without an AIA URL).
import { buildChain, isSelfSigned, subjectName } from '../../cms';
import { fingerprint, issuedBySystemRoot } from '../../x509';
import type { Signer } from '../../signers';
import { msg } from '../../errors';
import type { Message } from '../../../preload/contract/messages';

/** A problem that does not stop signing, said before it (`--json`: `warnings`). */
export interface SigningWarning {
  /** Stable, for scripts: CHAIN_INCOMPLETE. */
  code: 'CHAIN_INCOMPLETE';
  /** Whose certificate (its name). */
  subject: string;
  /** The name of the last certificate the chain reaches; null when the certificate comes alone. */
  stopsAt: string | null;
  message: Message;
}

/** At most this many certificates above the signer's own. */
const MAX_CHAIN = 10;

/**
 * `signer` with `issuers` added to its chain: the path from its certificate up through its own
 * chain and `issuers`, issuer first, as far as it goes. The signer itself is unchanged.
 */
export async function withIssuers(signer: Signer, issuers: readonly Uint8Array[]): Promise<Signer> {
  if (issuers.length === 0) return signer;
  const chain = await completedChain(signer, issuers);
  return {
    label: signer.label,
    certificate: signer.certificate,
    chain,
    keyType: signer.keyType,
    keyBits: signer.keyBits,
    algorithms: signer.algorithms,
    ...(signer.batch ? { batch: signer.batch } : {}),
    sign: (request) => signer.sign(request),
    ...(signer.signMany ? { signMany: (requests) => (signer.signMany as NonNullable<Signer['signMany']>).call(signer, requests) } : {}),
    close: () => signer.close(),
  };
}

/**
 * The chain `withIssuers` gives: the path from `certificate` up through `chain` and `issuers`,
 * issuer first, then what else `chain` held (a cross-certificate). The app's sign panel warns from it
 * before any signer is opened.
 */
export async function completedChain(signer: Pick<Signer, 'certificate' | 'chain'>, issuers: readonly Uint8Array[]): Promise<Uint8Array[]> {
  if (issuers.length === 0) return [...signer.chain];
  const path = await buildChain(signer.certificate, [...signer.chain, ...issuers], { maxLength: MAX_CHAIN + 1 });
  const chain = path.slice(1);
  // Certificates of the signer's own chain that are not on the path (a cross-certificate) stay.
  const onPath = new Set(chain.map((c) => fingerprint(c)));
  for (const own of signer.chain) if (!onPath.has(fingerprint(own))) chain.push(own);
  return chain;
}

/**
 * What to warn of before signing with `signer` (its certificate and chain are all it reads): its
 * chain does not reach a root certificate, nor a certificate issued by one of the system's roots.
 */
export async function signingWarnings(signer: Pick<Signer, 'certificate' | 'chain'>): Promise<SigningWarning[]> {
  let path: Uint8Array[];
  try {
    path = await buildChain(signer.certificate, signer.chain, { maxLength: MAX_CHAIN + 1 });
  } catch {
    return []; // an unreadable certificate is refused by the session itself, in its own words
  }
  const last = path[path.length - 1];
  if (last === undefined || isSelfSigned(last) || issuedBySystemRoot(last)) return [];
  const subject = subjectName(signer.certificate);
  return [{
    code: 'CHAIN_INCOMPLETE',
    subject,
    stopsAt: path.length === 1 ? null : subjectName(last),
    message: msg('warning.chain-incomplete', { subject, last: subjectName(last), alone: path.length === 1 ? 'yes' : 'no' }),
  }];
}
