// Trust: the chain of a signer's or a TSA's certificate built from what the signature and the DSS
// carry (and, with `online`, the issuers its AIA names), up to the user's trust anchors or a root
// Node ships of the name it ends at, then validated as an RFC 5280 path (main/cms/path.ts): every
// issuer a CA allowed to issue, every certificate valid at the time, the leaf's extended key usage.
// A trusted end-entity certificate is a pin: it trusts itself, never what it might have issued.
// Also the signer certificate's own key usage.
import type * as asn1js from 'asn1js';
import { buildChain, fingerprint, parseCertificate, subjectName, validatePath } from '../cms';
import type { Certificate, PathFailure, PathFailureCode, PathPurpose } from '../cms';
import { fetchIssuer } from '../remote';
import type { Context } from './context';
import { reason } from './reasons';
import type { Reason, ReasonCode } from './reasons';

export interface Chain {
  /** The chain as built (leaf first; it may go on above the anchor). */
  certificates: Certificate[];
  /** RFC 5280 path validation passed (see chainOf for what is left out for a signer). */
  trusted: boolean;
  /** What path validation found wrong, leaf first (see main/cms/path.ts). */
  failures: PathFailure[];
}

/** The reason code of each path validation failure ('untrusted' is CHAIN_UNTRUSTED / TIMESTAMP_UNTRUSTED, said by the caller). */
const PATH_REASONS: Readonly<Record<Exclude<PathFailureCode, 'untrusted'>, ReasonCode>> = {
  'issuer-not-ca': 'CHAIN_ISSUER_NOT_CA',
  'issuer-key-usage': 'CHAIN_ISSUER_KEY_USAGE',
  'path-length': 'CHAIN_PATH_LENGTH',
  expired: 'CHAIN_CERT_EXPIRED',
  'not-yet-valid': 'CHAIN_CERT_NOT_YET_VALID',
  'unknown-critical-extension': 'CHAIN_UNKNOWN_CRITICAL_EXTENSION',
  'name-constraints': 'CHAIN_NAME_CONSTRAINTS',
  'extended-key-usage': 'CHAIN_EKU',
};

/**
 * The reasons of an untrusted chain: `untrusted` (CHAIN_UNTRUSTED or TIMESTAMP_UNTRUSTED: the
 * renderer's status reads them) with the chain, then one specific reason per rule broken.
 */
export function chainReasons(chain: Chain, untrusted: ReasonCode, prefix = ''): Reason[] {
  if (chain.trusted) return [];
  const out = [reason(untrusted, `${prefix}chain: ${chain.certificates.map((c) => subjectName(c)).join(' → ')}`)];
  const seen = new Set<string>();
  for (const failure of chain.failures) {
    if (failure.code === 'untrusted') continue;
    const key = `${failure.code} ${failure.detail}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(reason(PATH_REASONS[failure.code], `${prefix}${failure.detail}`));
  }
  return out;
}

/**
 * The chain of `leaf` built from the candidates and the anchors (then the system roots of the name
 * it ends at), and its RFC 5280 path validation at `at` (validatePath: the path must end at a
 * trust anchor, every issuer be a CA allowed to issue, every certificate valid at `at`, ...).
 * `purpose` is the leaf's: a document signer or a timestamp authority. For a document signer the
 * leaf's own validity is left out of `trusted`: validateSignature says CERTIFICATE_EXPIRED.
 */
export async function chainOf(leaf: Uint8Array, candidates: readonly Uint8Array[], ctx: Context, at: Date, purpose: PathPurpose): Promise<Chain> {
  if (leaf.length === 0) return { certificates: [], trusted: false, failures: [] };
  const options = { at, ...(ctx.options.online ? { fetchMissing: (c: Uint8Array) => fetchIssuer(c).catch(() => null) } : {}) };
  try {
    const pool = unique([...candidates, ...ctx.anchors.map((a) => a.der)]);
    let certificates = (await buildChain(leaf, pool, options)).map((d) => parseCertificate(d));
    let anchors: (Certificate | Uint8Array)[] = ctx.anchors;
    const reached = certificates.some((c) => ctx.anchorPrints.has(fingerprint(c.der)));
    if (!reached && ctx.system.size > 0) {
      // Ends short of a root, or at a root the user did not name: a system root of that name?
      const last = certificates.at(-1) as Certificate;
      const roots = [...(ctx.system.get(last.x509.issuer) ?? []), ...(ctx.system.get(last.x509.subject) ?? [])];
      if (roots.length > 0) {
        const prints = new Set(roots.map((r) => fingerprint(r)));
        certificates = (await buildChain(leaf, [...pool, ...roots], options)).map((d) => parseCertificate(d));
        anchors = [...anchors, ...roots];
        for (const c of certificates) if (prints.has(fingerprint(c.der))) ctx.anchorPrints.add(fingerprint(c.der));
      }
    }
    const validation = validatePath(certificates, { anchors, at, purpose });
    const leafValidity = (f: PathFailure) => purpose === 'document-signing' && f.index === 0 && (f.code === 'expired' || f.code === 'not-yet-valid');
    const failures = validation.failures.filter((f) => !leafValidity(f));
    return { certificates, trusted: failures.length === 0, failures };
  } catch {
    return { certificates: [parseCertificate(leaf)], trusted: false, failures: [] };
  }
}

/** keyUsage (RFC 5280 4.2.1.3), when present, must allow digitalSignature (bit 0) or nonRepudiation (bit 1). */
export function keyUsageAllowsSigning(certificate: Certificate): boolean {
  const extension = certificate.cert.extensions?.find((e) => e.extnID === '2.5.29.15');
  if (!extension) return true;
  const bits = (extension.parsedValue as asn1js.BitString | undefined)?.valueBlock.valueHexView;
  if (!bits || bits.length === 0) return true;
  return ((bits[0] ?? 0) & 0xc0) !== 0;
}

/** The certificates once each (a signature and the DSS often carry the same CA certificates): fewer to parse. */
function unique(items: readonly Uint8Array[]): Uint8Array[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const key = Buffer.from(item.buffer, item.byteOffset, item.byteLength).toString('base64');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
