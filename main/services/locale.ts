// The interface language (the preference, or the system's) and the words written into a visible
// signature in that language. The signature's words are part of the signed document: they follow
// the language the signer works in.
import type { Locale } from '../../preload/contract/schemas';
import type { AppearanceLabels } from '../pdf';

export function effectiveLocale(preference: string, systemLocale: string): Locale {
  if (preference === 'en' || preference === 'fr') return preference;
  return systemLocale.toLowerCase().startsWith('fr') ? 'fr' : 'en';
}

export const APPEARANCE_LABELS: Record<Locale, AppearanceLabels> = {
  en: { signedBy: 'Digitally signed by', date: 'Date', reason: 'Reason', location: 'Location' },
  fr: { signedBy: 'Signé numériquement par', date: 'Date', reason: 'Motif', location: 'Lieu' },
};
