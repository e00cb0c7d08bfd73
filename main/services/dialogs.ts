// What only the app can do, as small ports: the OS file dialogs and main's own confirmations.
// Electron implements them in main/app/main.ts; the browser test harness stands in for them with
// queues of answers (test/harness).
import type { Locale } from '../../preload/contract/schemas';
import { AppError, msg } from '../errors';

export interface SaveRequest {
  /** What is saved: decides the dialog's title and file filter. */
  kind: 'signed-pdf' | 'p12';
  /** The folder and file name proposed. */
  defaultPath: string;
}

/** What a confirmation shows of a certificate: who it names, who issued it, its SHA-256 fingerprint. */
export interface CertificateDetails {
  subject: string;
  issuer: string;
  /** SHA-256 of the DER, lower-case hex (shown as colon-separated upper-case pairs). */
  fingerprint: string;
}

/**
 * A decision main asks the user to confirm in a dialog of its own, before acting: the renderer
 * may have asked for it, but only the user's "yes" in main's dialog lets it happen.
 */
export type ConfirmRequest =
  | { kind: 'trust-certificate'; certificate: CertificateDetails }
  | { kind: 'remove-identity'; identity: 'personal' | 'p12'; certificate: CertificateDetails }
  | { kind: 'create-personal-id'; name: string; email: string; keyType: string }
  | { kind: 'check-online'; document: string; hosts: string[] };

export interface Dialogs {
  /** Ask the user for a PDF to open; null when they cancel. */
  chooseDocument(): Promise<string | null>;
  /** Ask for a PKCS#12 file (.p12, .pfx) to import; null when they cancel. */
  chooseCertificateFile(): Promise<string | null>;
  /** Ask for a PKCS#11 library (a token driver: .so, .dylib, .dll); null when they cancel. */
  chooseModuleFile(): Promise<string | null>;
  /** Ask where to save; null when they cancel. The OS dialog confirms overwriting a file. */
  chooseSavePath(request: SaveRequest): Promise<string | null>;
  /** Ask the user to confirm `request` (see confirmationText); true only for an explicit yes. Absent: every confirmation is declined. */
  confirm?(request: ConfirmRequest): Promise<boolean>;
}

/** The user said no in main's confirmation: nothing was done (the renderer stays quiet about it). */
export function declined(): AppError {
  return new AppError('declined', msg('error.app.declined'));
}

/** Asks `dialogs` to confirm `request`; throws `declined` unless the user said yes. */
export async function confirmOrDecline(dialogs: Dialogs, request: ConfirmRequest): Promise<void> {
  const yes = dialogs.confirm ? await dialogs.confirm(request) : false;
  if (yes !== true) throw declined();
}

/** What a confirmation dialog says, in one language. */
export interface ConfirmationText {
  title: string;
  message: string;
  detail: string;
  yes: string;
  no: string;
}

/** "AB:CD:…": a fingerprint as people compare it. */
export function formatFingerprint(hex: string): string {
  return (hex.toUpperCase().match(/.{2}/g) ?? []).join(':');
}

/** French puts a space before the colon. */
const colon = (fr: boolean): string => (fr ? ' : ' : ': ');

function certificateLines(c: CertificateDetails, fr: boolean): string {
  return [
    `${fr ? 'Titulaire' : 'Subject'}${colon(fr)}${c.subject || '?'}`,
    `${fr ? 'Émetteur' : 'Issuer'}${colon(fr)}${c.issuer || '?'}`,
    `${fr ? 'Empreinte SHA-256' : 'SHA-256 fingerprint'}${colon(fr)}${formatFingerprint(c.fingerprint)}`,
  ].join('\n');
}

/** The words of a confirmation, in French or English (the Electron dialog shows them as they are). */
export function confirmationText(request: ConfirmRequest, locale: Locale): ConfirmationText {
  const fr = locale === 'fr';
  switch (request.kind) {
    case 'trust-certificate':
      return {
        title: fr ? 'Faire confiance à un certificat' : 'Trust a certificate',
        message: fr
          ? 'Faire confiance à ce certificat pour toutes les vérifications de signatures à venir ?'
          : 'Trust this certificate for every signature you check from now on?',
        detail: `${certificateLines(request.certificate, fr)}\n\n${fr
          ? 'Ne le faites que si vous savez qu’il appartient vraiment à cette autorité : comparez l’empreinte avec celle qu’elle publie.'
          : 'Do this only if you know it really belongs to this authority: compare the fingerprint with the one it publishes.'}`,
        yes: fr ? 'Faire confiance' : 'Trust it',
        no: fr ? 'Annuler' : 'Cancel',
      };
    case 'remove-identity':
      return {
        title: fr ? 'Supprimer un identifiant' : 'Remove a digital ID',
        message: request.identity === 'personal'
          ? (fr
            ? 'Supprimer votre identifiant numérique personnel ? Sa clé privée sera effacée du trousseau : vous ne pourrez plus signer avec lui.'
            : 'Delete your personal digital ID? Its private key is erased from the keychain: you can no longer sign with it.')
          : (fr
            ? 'Oublier ce fichier .p12 ? Le fichier lui-même reste où il est.'
            : 'Forget this .p12 file? The file itself stays where it is.'),
        detail: certificateLines(request.certificate, fr),
        yes: request.identity === 'personal' ? (fr ? 'Supprimer' : 'Delete') : (fr ? 'Oublier' : 'Forget'),
        no: fr ? 'Annuler' : 'Cancel',
      };
    case 'create-personal-id':
      return {
        title: fr ? 'Créer un identifiant numérique' : 'Create a digital ID',
        message: fr
          ? 'Créer un identifiant numérique personnel (certificat auto-signé) à ce nom ? Sa clé privée sera gardée dans le trousseau du système.'
          : 'Create a personal digital ID (a self-signed certificate) in this name? Its private key is kept in the system keychain.',
        detail: [
          `${fr ? 'Nom' : 'Name'}${colon(fr)}${request.name}`,
          `${fr ? 'Adresse électronique' : 'Email'}${colon(fr)}${request.email}`,
          `${fr ? 'Type de clé' : 'Key type'}${colon(fr)}${request.keyType}`,
        ].join('\n'),
        yes: fr ? 'Créer' : 'Create',
        no: fr ? 'Annuler' : 'Cancel',
      };
    case 'check-online':
      return {
        title: fr ? 'Vérifier en ligne' : 'Check online',
        message: fr
          ? `Vérifier les signatures de ${request.document} en ligne ? Paraphe contactera les serveurs que nomment les certificats :`
          : `Check the signatures of ${request.document} online? Paraphe will contact the servers the certificates name:`,
        detail: request.hosts.length > 0
          ? request.hosts.join('\n')
          : (fr ? '(aucun serveur : les certificats n’en nomment pas)' : '(no server: the certificates name none)'),
        yes: fr ? 'Vérifier en ligne' : 'Check online',
        no: fr ? 'Annuler' : 'Cancel',
      };
  }
}
