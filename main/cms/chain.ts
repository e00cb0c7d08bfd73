// Certificate paths, leaf first: each next certificate is one whose subject is the issuer name,
// whose key identifier matches the authority key identifier, and whose key verifies the
// signature (node:crypto X509Certificate.checkIssued + verify). The path stops at a self-signed
// certificate. Missing issuers can be fetched (AIA caIssuers: main/remote/revocation.ts).
// A path is NOT a trust decision: an issuer here is only a certificate whose key signed the one
// below it, CA or not. Whether the path may be trusted (anchors, cA and keyCertSign, pathLen,
// validity, name constraints, critical extensions, EKU) is validatePath's (path.ts).
import { fingerprint, isIssuedBy, isSelfSigned, isValidAt, parseCertificate, subjectName } from './certificates';
import { CmsError } from './errors';
import { msg } from '../errors';

export interface BuildChainOptions {
  /** Fetches the issuer of a certificate (AIA caIssuers); null when it names none. */
  fetchMissing?: (certificate: Uint8Array) => Promise<Uint8Array | null>;
  /** Throw CmsError('chain-incomplete') when the path does not end at a self-signed certificate. */
  requireRoot?: boolean;
  /** Prefer issuers valid at this time when several match (default now). */
  at?: Date;
  /** Longest path. Default 10. */
  maxLength?: number;
}

/** The path from `leaf` up to a self-signed certificate (or as far as the issuers are known), DER, leaf first. */
export async function buildChain(leaf: Uint8Array, candidates: readonly Uint8Array[], options: BuildChainOptions = {}): Promise<Uint8Array[]> {
  const at = options.at ?? new Date();
  const maxLength = options.maxLength ?? 10;
  const pool = candidates.map((c) => parseCertificate(c, { kind: 'chain' }));
  let current = parseCertificate(leaf);
  const chain = [current];
  const used = new Set([fingerprint(current.der)]);
  while (chain.length < maxLength && !isSelfSigned(current)) {
    const issuers = pool.filter((c) => !used.has(fingerprint(c.der)) && isIssuedBy(current, c));
    // Several issuers (a renewed CA, a cross-certificate): prefer one valid now, then a self-signed one.
    issuers.sort((a, b) => rank(b) - rank(a));
    let next = issuers[0];
    if (!next && options.fetchMissing) {
      const fetched = await options.fetchMissing(current.der);
      const parsed = fetched ? parseCertificate(fetched, { kind: 'issuerOf', subject: subjectName(current) }) : null;
      if (parsed && !used.has(fingerprint(parsed.der)) && isIssuedBy(current, parsed)) {
        next = parsed;
        pool.push(parsed);
      }
    }
    if (!next) break;
    chain.push(next);
    used.add(fingerprint(next.der));
    current = next;
  }
  if (options.requireRoot && !isSelfSigned(current)) {
    throw new CmsError('chain-incomplete', msg('error.cms.chain-incomplete', { subject: subjectName(current) }));
  }
  return chain.map((c) => c.der);

  function rank(c: ReturnType<typeof parseCertificate>): number {
    return (isValidAt(c, at) ? 2 : 0) + (isSelfSigned(c) ? 1 : 0);
  }
}
