// French and English words of the interface: the shared catalog (assets/locales/<lang>.json, ICU
// MessageFormat, worded by preload/contract/messages with FormatJS), plus dates and sizes.
import { format, hasMessage } from '../../../preload/contract/messages';
import type { Locale } from '../../../preload/contract/schemas';

export { format, formatMessage, hasMessage } from '../../../preload/contract/messages';
export type { Message, MessageKey, MessageParams as Params } from '../../../preload/contract/messages';

/**
 * What went wrong, in `locale`: main's catalog message with its params. An error without one (an
 * older throw site in main, a failure inside the renderer) has only an English sentence: it is
 * shown in the English interface and left out of the French one (null), which keeps its headline.
 */
export function describeError(locale: Locale, error: { message: string; key?: string; params?: Readonly<Record<string, string | number>> }): string | null {
  if (error.key !== undefined && hasMessage(error.key)) return format(locale, error.key, error.params);
  return locale === 'en' && error.message ? error.message : null;
}

/** A date from main (ISO 8601) in the user's language; the text as given when it is not a date. */
export function formatDate(locale: Locale, iso: string, options: Intl.DateTimeFormatOptions): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : new Intl.DateTimeFormat(locale, options).format(date);
}

export function formatBytes(locale: Locale, bytes: number): string {
  const units = locale === 'fr' ? ['o', 'Ko', 'Mo', 'Go'] : ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(value)} ${units[unit]}`;
}

/** "1A:2B:…": a SHA-256 fingerprint in groups, as certificate viewers show it. */
export function formatFingerprint(hex: string): string {
  return (hex.toUpperCase().match(/../g) ?? []).join(':');
}
