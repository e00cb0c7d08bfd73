// Certification path validation (RFC 5280 §6.1) of a path that buildChain found: does the path end
// at a trust anchor, and may every certificate on it do what the path makes it do?
//
// buildChain links certificates by name, key identifier and signature only. This module decides
// trust, with one failure (and a stable code) for each rule broken:
// - trust: the path ends at a trust anchor: the anchor is the issuer of the last certificate below
//   it (buildChain verified the signature with the anchor's key), or the leaf IS the anchor. A
//   trusted certificate that is not a CA (basicConstraints cA=TRUE), e.g. a self-signed personal
//   ID the user trusted, is a pin for exactly that certificate, never an issuer of anything.
// - every issuer on the path, the anchor included (as openssl does): basicConstraints cA=TRUE,
//   keyUsage (when present) with keyCertSign, pathLenConstraint (self-issued intermediates do not
//   count, §6.1.4 (l)).
// - every certificate: valid at `at` (notBefore <= at <= notAfter); no critical extension this
//   module does not process (§6.1.4 (o)); names within the name constraints of the CAs above it
//   (§6.1.3 (b)(c), §6.1.4 (g)): directoryName, rfc822Name (SAN and emailAddress in the subject),
//   dNSName, URI host and iPAddress; permitted subtrees intersect from CA to CA, excluded ones add
//   up; self-issued intermediates are not checked against them (the leaf always is).
// - the leaf's extended key usage for the purpose: a document signer's EKU, when present, allows
//   document signing; a TSA's has id-kp-timeStamping, critical (RFC 3161 §2.3).
//
// Why not pkijs' CertificateChainValidationEngine (4.0.0, read in node_modules/pkijs): it checks cA
// and keyCertSign, validity and name constraints, and processes policies, but it has no
// pathLenConstraint check, rejects only critical extensions it cannot parse (not unknown ones),
// has no EKU check, treats a trusted end-entity certificate as a path of [leaf, leaf] and then
// fails it as "not a CA", unions the permitted subtrees of successive CAs instead of intersecting
// them, reports validity with one code for any certificate and verifies signatures with WebCrypto
// (fewer algorithms than node:crypto, which buildChain uses). The rules above are the engine's
// plus what it lacks, written over pkijs' parsed extensions (pkijs does all the ASN.1).
// Certificate policies are not processed: policyConstraints, policyMappings and inhibitAnyPolicy
// are not in the processed set, so a path whose CA marks one critical (RFC 5280 requires it) is
// rejected rather than accepted unchecked.
import type * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { DOCUMENT_SIGNING_PURPOSES, distinguishedName } from '../x509';
import { OID } from './algorithms';
import { buildChain } from './chain';
import { certificateLabel, fingerprint, parseCertificate, subjectName } from './certificates';
import type { Certificate } from './certificates';

export type PathFailureCode =
  | 'untrusted' // the path reaches no trust anchor
  | 'issuer-not-ca' // an issuer (or the anchor above the leaf) without basicConstraints cA=TRUE
  | 'issuer-key-usage' // an issuer whose keyUsage lacks keyCertSign
  | 'path-length' // more CA certificates below an issuer than its pathLenConstraint allows
  | 'expired' // notAfter before the validation time
  | 'not-yet-valid' // notBefore after the validation time
  | 'unknown-critical-extension'
  | 'name-constraints' // a name outside the permitted subtrees, or inside the excluded ones
  | 'extended-key-usage'; // the leaf is not meant for the purpose

export interface PathFailure {
  code: PathFailureCode;
  /** Position in the path, leaf first (0 = the leaf). */
  index: number;
  /** The certificate's common name. */
  certificate: string;
  /** One English sentence, technical, naming the certificate. */
  detail: string;
}

export type PathPurpose = 'document-signing' | 'timestamping' | 'any';

export interface PathValidationOptions {
  /** Trusted certificates (DER, PEM or parsed). */
  anchors: readonly (Uint8Array | Certificate)[];
  /** Validity of every certificate is judged at this time. */
  at: Date;
  /** What the leaf is used for (its extended key usage). Default 'any'. */
  purpose?: PathPurpose;
}

export interface PathValidation {
  /** The path, leaf first, up to and including the anchor (or the whole chain when none is reached). */
  path: Certificate[];
  /** The anchor the path ends at, or null. */
  anchor: Certificate | null;
  /** The leaf is itself a trusted certificate (a pin, or a CA certificate used as a signer). */
  pinned: boolean;
  /** Every rule broken, leaf first; empty when the path is valid. */
  failures: PathFailure[];
  /** A trust anchor is reached and no rule is broken. */
  valid: boolean;
}

const EXT = {
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  nameConstraints: '2.5.29.30',
} as const;

/**
 * Extensions this module (or the rest of main/cms) processes: a critical one of any other type
 * makes the certificate unusable (RFC 5280 §4.2: "MUST reject the certificate if it encounters a
 * critical extension it does not recognize").
 */
const PROCESSED_EXTENSIONS: ReadonlySet<string> = new Set([
  OID.basicConstraints, EXT.keyUsage, OID.extKeyUsage, EXT.subjectAltName, EXT.nameConstraints,
  OID.subjectKeyIdentifier, OID.authorityKeyIdentifier,
  '2.5.29.18', // issuerAltName (informative)
  '2.5.29.32', // certificatePolicies: anyPolicy accepted as the initial policy set (no explicit policy is required)
  OID.crlDistributionPoints, '2.5.29.46', // freshestCRL
  OID.authorityInfoAccess, '1.3.6.1.5.5.7.1.11', // subjectInfoAccess
  OID.ocspNoCheck,
  '2.5.29.16', // privateKeyUsagePeriod (informative)
  '2.5.29.9', // subjectDirectoryAttributes (informative)
  '1.3.6.1.5.5.7.1.3', // qcStatements (read by the qualified-status checks)
]);

const EMAIL_ATTRIBUTES = new Set(['1.2.840.113549.1.9.1', '0.9.2342.19200300.100.1.3']);

/**
 * Validates `chain` (leaf first, as buildChain returns it) against the anchors at `options.at`.
 * The path is cut at the first certificate that is an anchor; beyond it nothing is checked.
 */
export function validatePath(chain: readonly (Uint8Array | Certificate)[], options: PathValidationOptions): PathValidation {
  const certificates = chain.map((c) => parseCertificate(c, { kind: 'chain' }));
  if (certificates.length === 0) throw new Error('validatePath needs at least the leaf certificate');
  const anchorPrints = new Set(options.anchors.map((a) => fingerprint(parseCertificate(a, { kind: 'trusted' }).der)));
  const anchorIndex = certificates.findIndex((c) => anchorPrints.has(fingerprint(c.der)));
  const path = anchorIndex >= 0 ? certificates.slice(0, anchorIndex + 1) : certificates;
  const anchor = anchorIndex >= 0 ? (path[anchorIndex] as Certificate) : null;
  const failures: PathFailure[] = [];
  const fail = (code: PathFailureCode, index: number, detail: string) =>
    failures.push({ code, index, certificate: subjectName(path[index] as Certificate), detail });

  if (!anchor) {
    const last = path.length - 1;
    fail('untrusted', last, `${capital(certificateLabel(path[last] as Certificate))} is not issued by a trusted certificate, nor trusted itself.`);
  }

  // Validity and critical extensions: every certificate of the path.
  path.forEach((cert, i) => {
    const from = new Date(cert.x509.validFrom);
    const to = new Date(cert.x509.validTo);
    if (options.at.getTime() > to.getTime()) fail('expired', i, `${capital(certificateLabel(cert))} expired on ${to.toISOString()} (checked at ${options.at.toISOString()}).`);
    else if (options.at.getTime() < from.getTime()) fail('not-yet-valid', i, `${capital(certificateLabel(cert))} is not valid before ${from.toISOString()} (checked at ${options.at.toISOString()}).`);
    for (const ext of cert.cert.extensions ?? []) {
      if (ext.critical && !PROCESSED_EXTENSIONS.has(ext.extnID)) {
        fail('unknown-critical-extension', i, `${capital(certificateLabel(cert))} has a critical extension ${ext.extnID} that is not understood.`);
      }
    }
  });

  // Issuers: every certificate above the leaf (the anchor included). None when the leaf is the anchor.
  let maxPathLength = Number.POSITIVE_INFINITY;
  for (let i = path.length - 1; i >= 1; i--) {
    const issuer = path[i] as Certificate;
    const label = capital(certificateLabel(issuer));
    const constraints = basicConstraints(issuer);
    if (!constraints?.cA) {
      fail('issuer-not-ca', i, i === anchorIndex
        ? `${label} is trusted as itself only: it is not a certification authority, so it cannot vouch for ${certificateLabel(path[i - 1] as Certificate)}.`
        : `${label} is not a certification authority (basicConstraints cA is not TRUE), yet it issued ${certificateLabel(path[i - 1] as Certificate)}.`);
    }
    const usage = keyUsageBits(issuer);
    if (usage !== null && !hasBit(usage, 5)) fail('issuer-key-usage', i, `${label} may not issue certificates: its key usage lacks keyCertSign.`);
    // §6.1.4 (l)(m): the anchor's own constraint sets the start; each CA below it that is not self-issued uses one.
    if (i < path.length - 1 && !isSelfIssued(issuer)) {
      if (maxPathLength <= 0) fail('path-length', i, `${label} is one certification authority too many: an authority above it allows no more between itself and the signer.`);
      maxPathLength--;
    }
    const pathLen = constraints?.cA ? constraints.pathLen : undefined;
    if (pathLen !== undefined && pathLen < maxPathLength) maxPathLength = pathLen;
  }

  // Name constraints, from the top down.
  checkNameConstraints(path, fail);

  // The leaf's purpose.
  const leaf = path[0] as Certificate;
  const purpose = options.purpose ?? 'any';
  const eku = leaf.cert.extensions?.find((e) => e.extnID === OID.extKeyUsage);
  const purposes = (eku?.parsedValue as pkijs.ExtKeyUsage | undefined)?.keyPurposes ?? [];
  if (purpose === 'document-signing' && eku && !purposes.some((p) => p in DOCUMENT_SIGNING_PURPOSES)) {
    fail('extended-key-usage', 0, `${capital(certificateLabel(leaf))} is not meant for signing documents (extended key usage ${purposes.join(', ') || 'empty'}).`);
  }
  if (purpose === 'timestamping' && !(eku?.critical && purposes.includes(OID.kpTimeStamping))) {
    fail('extended-key-usage', 0, `${capital(certificateLabel(leaf))} is not a timestamp authority's: it lacks the critical timeStamping extended key usage.`);
  }

  failures.sort((a, b) => a.index - b.index);
  return { path, anchor, pinned: anchorIndex === 0, failures, valid: failures.length === 0 };
}

// ---------------------------------------------------------------------------------------------

function capital(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function basicConstraints(cert: Certificate): { cA: boolean; pathLen: number | undefined } | null {
  const ext = cert.cert.extensions?.find((e) => e.extnID === OID.basicConstraints);
  const value = ext?.parsedValue as pkijs.BasicConstraints | undefined;
  if (!value) return null;
  const raw = value.pathLenConstraint as number | asn1js.Integer | undefined;
  // A huge pathLen (hex-only Integer) constrains nothing in practice.
  const pathLen = raw === undefined ? undefined : typeof raw === 'number' ? raw : Number.MAX_SAFE_INTEGER;
  return { cA: value.cA === true, pathLen };
}

/** The keyUsage bits (bit 0 = digitalSignature), or null without the extension. */
function keyUsageBits(cert: Certificate): Uint8Array | null {
  const ext = cert.cert.extensions?.find((e) => e.extnID === EXT.keyUsage);
  if (!ext) return null;
  const bits = (ext.parsedValue as asn1js.BitString | undefined)?.valueBlock.valueHexView;
  return bits ?? new Uint8Array(0);
}

function hasBit(bits: Uint8Array, bit: number): boolean {
  return (((bits[bit >> 3] ?? 0) >> (7 - (bit & 7))) & 1) === 1;
}

function isSelfIssued(cert: Certificate): boolean {
  return cert.cert.subject.isEqual(cert.cert.issuer);
}

// --- Name constraints ---------------------------------------------------------------------------

type Fail = (code: PathFailureCode, index: number, detail: string) => void;

/** One name of a certificate, by GeneralName type: 1 rfc822Name, 2 dNSName, 4 directoryName, 6 URI, 7 iPAddress. */
interface Name {
  type: number;
  value: string | pkijs.RelativeDistinguishedNames | Uint8Array;
  text: string;
}

function namesOf(cert: Certificate): Name[] {
  const names: Name[] = [];
  const subject = cert.cert.subject;
  if (subject.typesAndValues.length > 0) names.push({ type: 4, value: subject, text: distinguishedName(subject) });
  const san = cert.cert.extensions?.find((e) => e.extnID === EXT.subjectAltName)?.parsedValue as pkijs.AltName | undefined;
  let sanEmail = false;
  for (const general of san?.altNames ?? []) {
    const name = nameOfGeneral(general);
    if (!name) continue;
    if (name.type === 1) sanEmail = true;
    names.push(name);
  }
  // §4.2.1.10: emailAddress attributes of the subject are rfc822 names when the SAN holds none.
  if (!sanEmail) {
    for (const tv of subject.typesAndValues) {
      if (!EMAIL_ATTRIBUTES.has(tv.type)) continue;
      const value = (tv.value as { valueBlock?: { value?: unknown } }).valueBlock?.value;
      if (typeof value === 'string') names.push({ type: 1, value, text: value });
    }
  }
  return names;
}

function nameOfGeneral(general: pkijs.GeneralName): Name | null {
  switch (general.type) {
    case 1:
    case 2:
    case 6:
      return typeof general.value === 'string' ? { type: general.type, value: general.value, text: general.value } : null;
    case 4:
      return general.value instanceof pkijs.RelativeDistinguishedNames ? { type: 4, value: general.value, text: 'a directory name' } : null;
    case 7: {
      const bytes = (general.value as asn1js.OctetString | undefined)?.valueBlock?.valueHexView;
      return bytes ? { type: 7, value: new Uint8Array(bytes), text: [...bytes].join('.') } : null;
    }
    default:
      return null;
  }
}

/** A constraint (a GeneralSubtree base) of a type handled here, else null. */
function constraintOf(subtree: pkijs.GeneralSubtree): Name | null {
  return nameOfGeneral(subtree.base);
}

function matches(name: Name, constraint: Name): boolean {
  if (name.type !== constraint.type) return false;
  switch (name.type) {
    case 4:
      return dnWithin(name.value as pkijs.RelativeDistinguishedNames, constraint.value as pkijs.RelativeDistinguishedNames);
    case 1:
      return emailWithin(name.value as string, constraint.value as string);
    case 2:
      return dnsWithin(name.value as string, constraint.value as string);
    case 6: {
      const host = uriHost(name.value as string);
      return host !== null && hostWithin(host, constraint.value as string);
    }
    case 7:
      return ipWithin(name.value as Uint8Array, constraint.value as Uint8Array);
    default:
      return false;
  }
}

/** The constraint's RDNs are the first RDNs of the name (attribute values compared as RFC 5280 §7.1 says, by pkijs). */
function dnWithin(name: pkijs.RelativeDistinguishedNames, constraint: pkijs.RelativeDistinguishedNames): boolean {
  const n = name.typesAndValues;
  const c = constraint.typesAndValues;
  if (c.length > n.length) return false;
  return c.every((tv, i) => (n[i] as pkijs.AttributeTypeAndValue).isEqual(tv));
}

function lower(text: string): string {
  return text.trim().toLowerCase().replace(/\.$/, '');
}

/** "example.com" matches itself and its subdomains; ".example.com" only subdomains. */
function dnsWithin(name: string, constraint: string): boolean {
  const n = lower(name);
  const c = lower(constraint);
  if (c === '') return true;
  if (c.startsWith('.')) return n.endsWith(c);
  return n === c || n.endsWith(`.${c}`);
}

/** rfc822 constraints: "user@host" one mailbox, "host" every mailbox at that host, ".domain" every mailbox in the domain. */
function emailWithin(name: string, constraint: string): boolean {
  const at = name.lastIndexOf('@');
  if (at < 0) return false;
  const host = lower(name.slice(at + 1));
  const c = constraint.trim();
  if (c.includes('@')) return name.slice(0, at) === c.slice(0, c.lastIndexOf('@')) && host === lower(c.slice(c.lastIndexOf('@') + 1));
  const lc = lower(c);
  if (lc.startsWith('.')) return host.endsWith(lc);
  return host === lc;
}

function hostWithin(host: string, constraint: string): boolean {
  const h = lower(host);
  const c = lower(constraint);
  if (c.startsWith('.')) return h.endsWith(c);
  return h === c;
}

function uriHost(uri: string): string | null {
  try {
    const host = new URL(uri).hostname;
    return host === '' ? null : host.replace(/^\[|\]$/g, '');
  } catch {
    return null;
  }
}

function ipWithin(address: Uint8Array, constraint: Uint8Array): boolean {
  if (constraint.length !== address.length * 2) return false;
  for (let i = 0; i < address.length; i++) {
    const mask = constraint[address.length + i] as number;
    if (((address[i] as number) & mask) !== ((constraint[i] as number) & mask)) return false;
  }
  return true;
}

function checkNameConstraints(path: readonly Certificate[], fail: Fail): void {
  /** One entry per CA with permitted subtrees: its constraints by name type (a type it does not name is not constrained by it). */
  const permitted: { by: string; byType: Map<number, Name[]> }[] = [];
  const excluded: { by: string; constraint: Name }[] = [];
  for (let i = path.length - 1; i >= 0; i--) {
    const cert = path[i] as Certificate;
    const isTop = i === path.length - 1 && path.length > 1;
    // §6.1.3 (b)(c): not for self-issued certificates below the top, except the leaf; the top
    // (the anchor, or the last certificate of an untrusted chain) is trust anchor information.
    if (!isTop && (i === 0 || !isSelfIssued(cert))) {
      const label = capital(certificateLabel(cert));
      for (const name of namesOf(cert)) {
        for (const set of permitted) {
          const allowed = set.byType.get(name.type);
          if (allowed && !allowed.some((c) => matches(name, c))) {
            fail('name-constraints', i, `${label} has the name ${name.text}, outside what ${set.by} may certify.`);
          }
        }
        const hit = excluded.find((e) => matches(name, e.constraint));
        if (hit) fail('name-constraints', i, `${label} has the name ${name.text}, which ${hit.by} may not certify.`);
      }
    }
    if (i === 0) break;
    const ext = cert.cert.extensions?.find((e) => e.extnID === EXT.nameConstraints);
    const value = ext?.parsedValue as pkijs.NameConstraints | undefined;
    if (!value) continue;
    const by = certificateLabel(cert);
    if (value.permittedSubtrees?.length) {
      const byType = new Map<number, Name[]>();
      for (const subtree of value.permittedSubtrees) {
        const constraint = constraintOf(subtree);
        // A form not handled here (otherName, x400...): names of that form are not checked against it.
        if (!constraint) continue;
        byType.set(constraint.type, [...(byType.get(constraint.type) ?? []), constraint]);
      }
      permitted.push({ by, byType });
    }
    for (const subtree of value.excludedSubtrees ?? []) {
      const constraint = constraintOf(subtree);
      if (constraint) excluded.push({ by, constraint });
    }
  }
}

/**
 * The rules a certificate's own chain breaks, before signing with it: the path `buildChain` finds
 * from `leaf` through `others` (a PKCS#12 bag, a token's objects, AIA completion), validated with
 * its top certificate as the anchor. Which root to trust is the verifier's question; this asks
 * only whether every issuer on the way may issue (cA, keyCertSign, pathLen), whether each is
 * valid at `at`, and whether a critical extension nobody processes is on the path. The leaf's
 * extended key usage is judged by the signer's own checks (with warnings), not here.
 */
export async function signingPathFailures(leaf: Uint8Array, others: readonly Uint8Array[], at: Date): Promise<PathFailure[]> {
  const chain = await buildChain(leaf, others, { at });
  const top = chain[chain.length - 1] as Uint8Array;
  return validatePath(chain, { anchors: [top], at, purpose: 'any' }).failures;
}
