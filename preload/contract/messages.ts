// The one message catalog of Paraphe, read by main (errors, the menu, the CLI, validation reasons,
// signature appearances) and by the renderer (every word of the interface). The messages live in
// assets/locales/<lang>.json, one file per language with the same keys and the same ICU arguments
// (test/unit/i18n.test.ts checks both), in ICU MessageFormat:
//   "{name} is empty", "{count, plural, one {# try left} other {# tries left}}", "{kind, select, ...}".
// FormatJS's intl-messageformat parses and formats them: no eval or new Function, so it runs
// under the renderer's strict CSP, and the same code runs in Node for main and the CLI.
import { IntlMessageFormat } from 'intl-messageformat';
import en from '../../assets/locales/en.json';
import fr from '../../assets/locales/fr.json';
import type { Locale } from './schemas';

export type MessageLocale = Locale;
export const MESSAGE_LOCALES: readonly MessageLocale[] = ['en', 'fr'];

/** Every key of the catalog (English is the reference: French has the same keys). */
export type MessageKey = keyof typeof en;
/** Values of a message's arguments: plain data, never a secret (they cross to the renderer). */
export type MessageParams = Readonly<Record<string, string | number>>;
/** A message not yet worded: what an error carries from main to where it is shown. */
export interface Message {
  readonly key: MessageKey;
  readonly params?: MessageParams;
}

export type Catalog = Readonly<Record<string, string>>;
export type Formatter = (locale: MessageLocale, key: string, params?: MessageParams) => string;

/**
 * A formatter over `catalogs`: the message `key` in `locale`, its arguments filled from `params`.
 * Falls back to English when the locale lacks the key (or cannot format it: a missing argument),
 * then to the key itself, so a gap in a catalog never throws where a message is shown.
 */
export function formatterOf(catalogs: Readonly<Record<MessageLocale, Catalog>>): Formatter {
  const compiled = new Map<string, IntlMessageFormat | null>();
  const compile = (locale: MessageLocale, key: string): IntlMessageFormat | null => {
    const id = `${locale}\u0000${key}`;
    let message = compiled.get(id);
    if (message === undefined) {
      const template = Object.prototype.hasOwnProperty.call(catalogs[locale], key) ? catalogs[locale][key] : undefined;
      try {
        // ignoreTag: "<" in a message is text (a file name, "name@example.org"), never a rich-text tag.
        message = template === undefined ? null : new IntlMessageFormat(template, locale, undefined, { ignoreTag: true });
      } catch {
        message = null; // a message the parser refuses (the catalog test names it): the fallbacks apply
      }
      compiled.set(id, message);
    }
    return message;
  };
  const attempt = (locale: MessageLocale, key: string, params: MessageParams): string | null => {
    // A message without arguments or quotes is its own text: no parser, no Intl objects (whose
    // locale data costs a command-line process megabytes), however often it is shown.
    const template = Object.prototype.hasOwnProperty.call(catalogs[locale], key) ? catalogs[locale][key] : undefined;
    if (template !== undefined && !/[{}']/.test(template)) return template;
    const message = compile(locale, key);
    if (!message) return null;
    try {
      const text = message.format(params);
      return typeof text === 'string' ? text : String(text);
    } catch {
      return null;
    }
  };
  const word: Formatter = (locale, key, params = {}) => {
    const filled = withCauseWorded(params, (causeKey, causeParams) => word(locale, causeKey, causeParams));
    return attempt(locale, key, filled) ?? (locale === 'en' ? null : attempt('en', key, filled)) ?? key;
  };
  return word;
}

/**
 * A message that wraps another ("B-LT could not be reached: {cause}") carries the inner one flat,
 * so params stay plain data: `cause` is the inner key and `cause.NAME` its params (see `withCause`).
 * A message that wraps several names each by its own argument ending in "Cause" (`ocspCause`,
 * `ocspCause.NAME`). `<argument>#case: "lower"` starts the inner sentence lower-case, as inside a
 * sentence. Worded here, in the same language as the outer message.
 */
function withCauseWorded(params: MessageParams, word: (key: string, params: MessageParams) => string): MessageParams {
  const causes = Object.keys(params).filter((name) => isCauseArgument(name) && typeof params[name] === 'string' && /^[a-z][\w.-]*$/.test(params[name]));
  if (causes.length === 0) return params;
  const outer: Record<string, string | number> = {};
  const inner = new Map(causes.map((cause) => [cause, {} as Record<string, string | number>]));
  for (const [name, value] of Object.entries(params)) {
    const dot = name.indexOf('.');
    const own = dot > 0 ? inner.get(name.slice(0, dot)) : undefined;
    if (own) own[name.slice(dot + 1)] = value;
    else outer[name] = value;
  }
  for (const [cause, innerParams] of inner) {
    const text = word(String(params[cause]), innerParams);
    outer[cause] = params[`${cause}#case`] === 'lower' ? text.charAt(0).toLowerCase() + text.slice(1) : text;
  }
  return outer;
}

function isCauseArgument(name: string): boolean {
  return name === 'cause' || /^[a-z]\w*Cause$/.test(name);
}

/**
 * The params of a message wrapping `inner`: `{...params, cause: inner.key, 'cause.NAME': ...}`.
 * `name`: another argument for it, ending in "Cause", for a message that wraps more than one;
 * `lower`: it goes inside a sentence ("…cannot be obtained: the OCSP responder at … did not answer").
 */
export function withCause(params: MessageParams, inner: Message, options: { name?: string; lower?: boolean } = {}): MessageParams {
  const name = options.name ?? 'cause';
  if (!isCauseArgument(name)) throw new RangeError(`withCause: the argument "${name}" is neither "cause" nor ends in "Cause"`);
  const flat: Record<string, string | number> = { ...params, [name]: inner.key };
  if (options.lower) flat[`${name}#case`] = 'lower';
  for (const [param, value] of Object.entries(inner.params ?? {})) flat[`${name}.${param}`] = value;
  return flat;
}

const catalogs: Readonly<Record<MessageLocale, Catalog>> = { en, fr };

/** The message `key` of the catalog in `locale` (see formatterOf for the fallbacks). */
export const format: (locale: MessageLocale, key: MessageKey, params?: MessageParams) => string = formatterOf(catalogs);

/** A Message worded in `locale`. */
export function formatMessage(locale: MessageLocale, message: Message): string {
  return format(locale, message.key, message.params);
}

export function hasMessage(key: string): key is MessageKey {
  return Object.prototype.hasOwnProperty.call(catalogs.en, key);
}

/** The language a locale name (`fr_FR.UTF-8`, `fr-CA`, `en-GB`, `C`) asks for: French or English. */
export function messageLocaleOf(name: string | undefined | null): MessageLocale {
  return (name ?? '').toLowerCase().startsWith('fr') ? 'fr' : 'en';
}
