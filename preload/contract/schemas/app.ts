// The application itself: its languages and what it says of itself (name, version, platform).
import { z } from 'zod';

export const Locale = z.enum(['en', 'fr']);
export const LocalePreference = z.enum(['system', 'en', 'fr']);

export const AppInfo = z.object({
  name: z.string(),
  version: z.string(),
  platform: z.string(),
  systemLocale: z.string(),
  /** The language the interface should use now: the preference, or the system's when it is 'system'. */
  locale: Locale,
});

export type Locale = z.output<typeof Locale>;
export type LocalePreference = z.output<typeof LocalePreference>;
export type AppInfo = z.output<typeof AppInfo>;
