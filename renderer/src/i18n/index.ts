// French and English. Messages live in assets/locales/<lang>.json with the same keys (a unit test
// checks that). Placeholders: {name}; plurals: {count, plural, one {# page} other {# pages}}.
import en from '../../../assets/locales/en.json';
import fr from '../../../assets/locales/fr.json';
import type { Locale } from '../../../preload/contract/schemas';

export type MessageKey = keyof typeof en;
export type Params = Record<string, string | number>;

const catalogs: Record<Locale, Record<string, string>> = { en, fr };

function plural(locale: Locale, count: number, body: string): string {
  const forms = new Map<string, string>();
  for (const match of body.matchAll(/(=\d+|zero|one|two|few|many|other)\s*\{([^{}]*)\}/g)) {
    forms.set(match[1] ?? 'other', match[2] ?? '');
  }
  const category = new Intl.PluralRules(locale).select(count);
  const form = forms.get(`=${count}`) ?? forms.get(category) ?? forms.get('other') ?? '';
  return form.replace(/#/g, new Intl.NumberFormat(locale).format(count));
}

export function format(locale: Locale, key: string, params: Params = {}): string {
  const template = catalogs[locale][key] ?? catalogs.en[key] ?? key;
  return template.replace(/\{(\w+)(?:,\s*plural,\s*((?:[^{}]|\{[^{}]*\})*))?\}/g, (_all, name: string, pluralBody?: string) => {
    const value = params[name];
    if (value === undefined) return `{${name}}`;
    if (pluralBody !== undefined) return plural(locale, Number(value), pluralBody);
    return typeof value === 'number' ? new Intl.NumberFormat(locale).format(value) : value;
  });
}

export function hasMessage(key: string): boolean {
  return key in catalogs.en;
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
