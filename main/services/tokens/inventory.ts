// What a module shows of its tokens without a login: the tokens' labels and flags, and the signing
// certificates they hold (certificates are public on tokens; their keys appear after login: the
// certificate's CKA_ID names the key, and the login, when signing starts, confirms the pairing).
import type { IgnoredObject, LoadedCandidate, Pkcs11Module } from '../../../native/pkcs11';
import { parseCertificate } from '../../cms';
import { checkSigningCertificate, describeCertificate } from '../../signers';
import type { ModuleReport, TokenReport } from './types';
import { messageOf, msg } from '../../errors';
import { withCause } from '../../../preload/contract/messages';
import type { Message, MessageParams } from '../../../preload/contract/messages';

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
    noteMessages: [],
  };
  const note = (english: string, message: Message) => {
    report.notes.push(english);
    report.noteMessages.push(message);
  };
  let listing;
  try {
    listing = await module.listSigningIdentities(slotId);
  } catch (error) {
    note(`The certificates of this token cannot be read: ${error instanceof Error ? error.message : String(error)}`, msg('tokens.note.unreadable-token', withCause({}, messageOf(error))));
    return report;
  }
  // Before login, tokens hide their private keys: a certificate without a key is one to show (its
  // CKA_ID names the key; the login confirms it). After login, it has none: a note.
  const keyHidden = (o: IgnoredObject) => o.code === 'no-key' && !listing.loggedIn;
  const candidates = [
    ...listing.identities.map((i) => ({ der: i.certificate, label: i.certificateLabel, id: i.certificateId, key: true as boolean | null })),
    ...listing.ignored
      .filter((o) => keyHidden(o) && o.certificate !== undefined)
      .map((o) => ({ der: o.certificate as Buffer, label: o.label, id: o.id, key: null as boolean | null })),
  ];
  for (const o of listing.ignored) {
    if (!keyHidden(o)) note(`${o.label || o.id}: ${o.reason}`, msg(`tokens.note.${o.code}`, named(o)));
  }
  for (const candidate of candidates) {
    const der = new Uint8Array(candidate.der);
    let description;
    try {
      description = describeCertificate(der);
    } catch {
      note(`${candidate.label || candidate.id}: not a readable X.509 certificate`, msg('tokens.note.unreadable-certificate', named(candidate)));
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

/** The params naming an object of a note: its label, else its CKA_ID (`named: 'no'` when it has neither). */
function named(object: { label: string; id: string }): MessageParams {
  const name = object.label || object.id;
  return { named: name ? 'yes' : 'no', name };
}

function isCa(der: Uint8Array): boolean {
  // Basic constraints cA=TRUE: an authority's certificate, not one to sign documents with.
  try {
    return parseCertificate(der).x509.ca;
  } catch {
    return false;
  }
}
