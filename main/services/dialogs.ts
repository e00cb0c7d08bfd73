// What only the app can do, as small ports: the OS file dialogs and main's own confirmations.
// Electron implements them in main/app/main.ts; the browser test harness stands in for them with
// queues of answers (test/harness).
import type { IdentityHolder, Locale } from '../../preload/contract/schemas';
import { AppError, msg } from '../errors';
import { format } from '../../preload/contract/messages';
import type { MessageKey, MessageParams } from '../../preload/contract/messages';

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
  /** `holder`: where the identity's key is held ('keychain': the key is deleted; 'file': the file stays; others are only forgotten). */
  | { kind: 'remove-identity'; holder: IdentityHolder; certificate: CertificateDetails }
  | { kind: 'create-personal-id'; name: string; email: string; keyType: string }
  | { kind: 'check-online'; document: string; hosts: string[] }
  /** A remote signing account: forgotten, signed out first (its refresh token revoked). */
  | { kind: 'remove-remote-account'; name: string; url: string; signedIn: boolean };

export interface Dialogs {
  /** Ask the user for a PDF to open; null when they cancel. */
  chooseDocument(): Promise<string | null>;
  /** Ask for a PKCS#12 file (.p12, .pfx) to import; null when they cancel. */
  chooseCertificateFile(): Promise<string | null>;
  /** Ask for a PKCS#11 library (a token driver: .so, .dylib, .dll); null when they cancel. */
  chooseModuleFile(): Promise<string | null>;
  /**
   * Ask for a file of issuer certificates (.pem, .cer, .crt, .der, .p7b, .p7c) to import in
   * settings; null when they cancel. Absent: none can be imported (the command line).
   */
  chooseIssuerCertificateFile?(): Promise<string | null>;
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

function certificateLines(c: CertificateDetails, locale: Locale): string {
  return [
    format(locale, 'confirm.subject', { value: c.subject || '?' }),
    format(locale, 'confirm.issuer', { value: c.issuer || '?' }),
    format(locale, 'confirm.fingerprint', { value: formatFingerprint(c.fingerprint) }),
  ].join('\n');
}

/** The words of a confirmation, in French or English (the Electron dialog shows them as they are): the catalog's confirm.*. */
export function confirmationText(request: ConfirmRequest, locale: Locale): ConfirmationText {
  const t = (key: MessageKey, params?: MessageParams) => format(locale, key, params);
  switch (request.kind) {
    case 'trust-certificate':
      return {
        title: t('confirm.trust.title'),
        message: t('confirm.trust.message'),
        detail: `${certificateLines(request.certificate, locale)}\n\n${t('confirm.trust.detail')}`,
        yes: t('confirm.trust.yes'),
        no: t('confirm.cancel'),
      };
    case 'remove-identity':
      return {
        title: t('confirm.remove.title'),
        message: request.holder === 'keychain' ? t('confirm.remove.personal') : request.holder === 'file' ? t('confirm.remove.p12') : t('confirm.remove.other'),
        detail: certificateLines(request.certificate, locale),
        yes: request.holder === 'keychain' ? t('confirm.remove.delete') : t('confirm.remove.forget'),
        no: t('confirm.cancel'),
      };
    case 'create-personal-id':
      return {
        title: t('confirm.create.title'),
        message: t('confirm.create.message'),
        detail: [
          t('confirm.create.name', { value: request.name }),
          t('confirm.create.email', { value: request.email }),
          t('confirm.create.keyType', { value: request.keyType }),
        ].join('\n'),
        yes: t('confirm.create.yes'),
        no: t('confirm.cancel'),
      };
    case 'check-online':
      return {
        title: t('confirm.online.title'),
        message: t('confirm.online.message', { document: request.document }),
        detail: request.hosts.length > 0 ? request.hosts.join('\n') : t('confirm.online.noHosts'),
        yes: t('confirm.online.yes'),
        no: t('confirm.cancel'),
      };
    case 'remove-remote-account':
      return {
        title: t('confirm.remoteRemove.title'),
        message: t('confirm.remoteRemove.message', { name: request.name, signedIn: request.signedIn ? 'yes' : 'no' }),
        detail: request.url,
        yes: t('confirm.remoteRemove.yes'),
        no: t('confirm.cancel'),
      };
  }
}
