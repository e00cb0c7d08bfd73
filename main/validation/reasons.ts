// Every finding of the validator: a stable machine code (tests, --json, the renderer's panel) and
// one sentence in English and in French, in plain words for office staff. The sentences are the
// catalog's `reason.<CODE>` messages (assets/locales); `paraphe verify --json` prints both.
import { format, formatMessage } from '../../preload/contract/messages';
import type { Message } from '../../preload/contract/messages';

/**
 * Every reason code, in the order of a report. The CHAIN_* codes after CHAIN_UNTRUSTED say why a
 * chain is not trusted (RFC 5280 path validation, main/cms/path.ts); they come with CHAIN_UNTRUSTED
 * (a signer) or TIMESTAMP_UNTRUSTED (a timestamp authority), whose chain it is.
 */
export const REASON_CODES = [
  'BYTE_RANGE_MALFORMED',
  'BYTE_RANGE_NOT_REVISION',
  'CONTENTS_MISSING',
  'CONTAINER_UNREADABLE',
  'DIGEST_MISMATCH',
  'SIGNATURE_INVALID',
  'SIGNER_CERTIFICATE_MISSING',
  'UNSUPPORTED_SUBFILTER',
  'UNSUPPORTED_ALGORITHM',
  'CHAIN_UNTRUSTED',
  'CHAIN_ISSUER_NOT_CA',
  'CHAIN_ISSUER_KEY_USAGE',
  'CHAIN_PATH_LENGTH',
  'CHAIN_CERT_EXPIRED',
  'CHAIN_CERT_NOT_YET_VALID',
  'CHAIN_UNKNOWN_CRITICAL_EXTENSION',
  'CHAIN_NAME_CONSTRAINTS',
  'CHAIN_EKU',
  'CERTIFICATE_EXPIRED',
  'KEY_USAGE_NOT_SIGNING',
  'CERTIFICATE_REVOKED',
  'REVOCATION_UNKNOWN',
  'REVOKED_AFTER_SIGNING',
  'REVOCATION_NOT_FRESH',
  'REVOCATION_NOT_YET_VALID',
  'TIMESTAMP_INVALID',
  'CLAIMED_TIME_AFTER_TIMESTAMP',
  'TIMESTAMP_UNTRUSTED',
  'TIMESTAMP_IMPRINT_MISMATCH',
  'TIMESTAMP_REVOKED',
  'TIMESTAMP_REVOCATION_UNKNOWN',
  'MODIFIED_NOT_ALLOWED',
  'MODIFICATIONS_NOT_ANALYSED',
] as const;

export type ReasonCode = (typeof REASON_CODES)[number];

export interface ReasonText {
  readonly en: string;
  readonly fr: string;
}

/** The sentences of a code, from the message catalog (`reason.<CODE>`). */
export function reasonText(code: ReasonCode): ReasonText {
  const key = `reason.${code}` as const;
  return { en: format('en', key), fr: format('fr', key) };
}

/**
 * What each code means. A detail is appended in parentheses: a catalog message in both languages,
 * an English technical string to the English sentence only.
 */
export const REASONS: Readonly<Record<ReasonCode, ReasonText>> = Object.fromEntries(
  REASON_CODES.map((code) => [code, reasonText(code)]),
) as Record<ReasonCode, ReasonText>;

export interface Reason {
  readonly code: ReasonCode;
  /** The English sentence (with the technical detail, if any). */
  readonly message: string;
  readonly messages: ReasonText;
}

export function reason(code: ReasonCode, detail?: string | Message): Reason {
  const text = REASONS[code];
  const append = (sentence: string, said: string) => `${sentence.replace(/\.$/, '')} (${said.replace(/\.$/, '')}).`;
  if (detail !== undefined && typeof detail !== 'string') {
    const message = append(text.en, formatMessage('en', detail));
    return { code, message, messages: { en: message, fr: append(text.fr, formatMessage('fr', detail)) } };
  }
  const message = detail ? append(text.en, detail) : text.en;
  return { code, message, messages: { en: message, fr: text.fr } };
}
