// The interface language (the preference, or the system's) and the words written into a visible
// signature in that language. The signature's words are part of the signed document: they follow
// the language the signer works in. The words are the catalog's `appearance.*` messages.
import { format, messageLocaleOf } from '../../preload/contract/messages';
import type { Locale } from '../../preload/contract/schemas';
import type { AppearanceLabels } from '../pdf';

/**
 * The language the environment asks for, as POSIX programs read it: LC_ALL, else LC_MESSAGES,
 * else LANG (the first one set and not empty); French for fr*, English otherwise (C, POSIX...).
 */
export function environmentLocale(env: Readonly<Record<string, string | undefined>>): Locale {
  return messageLocaleOf(environmentLocaleName(env));
}

/**
 * The locale the environment names (LC_ALL, then LC_MESSAGES, then LANG: `fr_FR.UTF-8`), 'C' when
 * none does. Read from the environment, not through Intl: a command-line process that never shows a
 * date does not load the ICU locale data (about 8 MB of memory) for it.
 */
export function environmentLocaleName(env: Readonly<Record<string, string | undefined>>): string {
  return [env.LC_ALL, env.LC_MESSAGES, env.LANG].find((value) => value !== undefined && value !== '') ?? 'C';
}

export function effectiveLocale(preference: string, systemLocale: string): Locale {
  if (preference === 'en' || preference === 'fr') return preference;
  return messageLocaleOf(systemLocale);
}

function appearanceLabels(locale: Locale): AppearanceLabels {
  return {
    signedBy: format(locale, 'appearance.signedBy'),
    date: format(locale, 'appearance.date'),
    reason: format(locale, 'appearance.reason'),
    location: format(locale, 'appearance.location'),
  };
}

export const APPEARANCE_LABELS: Record<Locale, AppearanceLabels> = { en: appearanceLabels('en'), fr: appearanceLabels('fr') };
