// What a module shows of its tokens without a login: the tokens' labels and flags, and the signing
// certificates they hold (certificates are public on tokens; their keys appear after login: the
// certificate's CKA_ID names the key, and the login, when signing starts, confirms the pairing).
import type { LoadedCandidate, Pkcs11Module } from '../../../native/pkcs11';
import { parseCertificate } from '../../cms';
import { checkSigningCertificate, describeCertificate } from '../../signers';
import type { ModuleReport, TokenReport } from './types';
import { messageOf } from '../../errors';
import type { Message } from '../../../preload/contract/messages';

/** The report of each module: loaded or why not, and what it says of itself. */
export function moduleReports(loaded: readonly LoadedCandidate[]): ModuleReport[] {
  return loaded.map(({ candidate, module, error }) => {
    let info: ReturnType<Pkcs11Module['info']> | null;
    try {
      info = module?.info() ?? null;
    } catch {
      info = null;
    }
    return {
      path: candidate.path,
      name: candidate.name,
      source: candidate.source,
      loaded: module !== undefined,
      error: error ? error.message : null,
      manufacturer: info?.manufacturer ?? null,
      description: info?.description ?? null,
      version: info?.libraryVersion ?? null,
    };
  });
}

export async function describeToken(
module: Pkcs11Module,
slotId: string,
token: NonNullable<Awaited<ReturnType<Pkcs11Module['slots']>>[number]['token']>,
context: { now: Date; confirmed: ReadonlyMap<string, boolean> },
): Promise<TokenReport> {
  const report: TokenReport = {
    modulePath: module.path,
    slotId,
    label: token.label,
    manufacturer: token.manufacturer,
    model: token.model,
    serial: token.serial,
    flags: token.flags,
    certificates: [],
    notes: [],
  };
  let listing;
  try {
    listing = await module.listSigningIdentities(slotId);
  } catch (error) {
    report.notes.push(`The certificates of this token cannot be read: ${error instanceof Error ? error.message : String(error)}`);
    return report;
  }
  const candidates = [
    ...listing.identities.map((i) => ({ der: i.certificate, label: i.certificateLabel, id: i.certificateId, key: true as boolean | null })),
    // Before login, certificates whose key is hidden are listed as "ignored": they are the ones to show.
    ...listing.ignored
      .filter((o) => o.class === 'certificate' && o.certificate !== undefined && (!listing.loggedIn || /before login/.test(o.reason)))
      .map((o) => ({ der: o.certificate as Buffer, label: o.label, id: o.id, key: null as boolean | null })),
  ];
  for (const note of listing.ignored) {
    if (note.class === 'privateKey' || (listing.loggedIn && note.class === 'certificate')) report.notes.push(`${note.label || note.id}: ${note.reason}`);
  }
  for (const candidate of candidates) {
    const der = new Uint8Array(candidate.der);
    let description;
    try {
      description = describeCertificate(der);
    } catch {
      report.notes.push(`${candidate.label || candidate.id}: not a readable X.509 certificate`);
      continue;
    }
    if (isCa(der)) continue;
    let unusable: string | null = null;
    let unusableMessage: Message | null = null;
    try {
      checkSigningCertificate(der, { at: context.now });
    } catch (error) {
      unusable = error instanceof Error ? error.message : String(error);
      unusableMessage = messageOf(error);
    }
    const fingerprint = description.fingerprintSha256;
    report.certificates.push({
      fingerprint,
      keyId: candidate.id,
      label: candidate.label,
      name: description.subject,
      subjectDn: description.subjectDn,
      issuer: description.issuer,
      serial: description.serial,
      notBefore: description.notBefore.toISOString(),
      notAfter: description.notAfter.toISOString(),
      keyConfirmed: candidate.key ?? context.confirmed.get(fingerprint) ?? null,
      unusable,
      unusableMessage,
    });
  }
  return report;
}

function isCa(der: Uint8Array): boolean {
  // Basic constraints cA=TRUE: an authority's certificate, not one to sign documents with.
  try {
    return parseCertificate(der).x509.ca;
  } catch {
    return false;
  }
}
