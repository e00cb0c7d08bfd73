// The message catalog (assets/locales/<lang>.json, worded by preload/contract/messages): both
// languages hold the same keys with the same ICU arguments, plurals follow each language's rules,
// and a gap falls back to English, then to the key.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { TYPE, parse } from '@formatjs/icu-messageformat-parser';
import type { MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { format, formatterOf, hasMessage, messageLocaleOf, withCause } from '../../preload/contract/messages';
import type { MessageKey } from '../../preload/contract/messages';
import { formatBytes } from '../../renderer/src/i18n/index';

const read = (lang: string) => JSON.parse(readFileSync(new URL(`../../assets/locales/${lang}.json`, import.meta.url), 'utf8')) as Record<string, string>;
const en = read('en');
const fr = read('fr');

/**
 * What a message asks of its caller, as the library parses it: each argument's name and kind
 * (plain, number, date, time, select with its option keys, plural), nested ones included.
 */
function argumentsOf(elements: MessageFormatElement[], out = new Map<string, Set<string>>()): Map<string, Set<string>> {
  const add = (name: string, kind: string) => out.set(name, (out.get(name) ?? new Set()).add(kind));
  for (const element of elements) {
    switch (element.type) {
      case TYPE.argument: add(element.value, 'argument'); break;
      case TYPE.number: add(element.value, 'number'); break;
      case TYPE.date: add(element.value, 'date'); break;
      case TYPE.time: add(element.value, 'time'); break;
      case TYPE.select:
        add(element.value, `select(${Object.keys(element.options).sort().join('|')})`);
        for (const option of Object.values(element.options)) argumentsOf(option.value, out);
        break;
      case TYPE.plural:
        add(element.value, `plural${element.pluralType === 'ordinal' ? ':ordinal' : ''}`);
        for (const option of Object.values(element.options)) argumentsOf(option.value, out);
        break;
      case TYPE.tag: argumentsOf(element.children, out); break;
      default: break;
    }
  }
  return out;
}
const parsed = (message: string, key = '') => {
  try {
    return parse(message, { ignoreTag: true });
  } catch (error) {
    throw new Error(`${key}: ${(error as Error).message}: ${message}`, { cause: error });
  }
};
const signature = (message: string, key = '') =>
  [...argumentsOf(parsed(message, key)).entries()].map(([name, kinds]) => [name, [...kinds].sort().join(' ')]).sort(([a], [b]) => (a ?? '').localeCompare(b ?? ''));

describe('message catalog', () => {
  it('has the same keys in French and English', () => {
    assert.deepEqual(Object.keys(fr).sort(), Object.keys(en).sort());
  });

  it('parses every message in both languages with the same arguments of the same kinds', () => {
    const differences: string[] = [];
    for (const key of Object.keys(en)) {
      const a = JSON.stringify(signature(en[key] ?? '', `en ${key}`));
      const b = JSON.stringify(signature(fr[key] ?? '', `fr ${key}`));
      if (a !== b) differences.push(`${key}: en ${a} / fr ${b}`);
    }
    assert.deepEqual(differences, []);
  });

  it('gives every plural an "other" form', () => {
    for (const [key, message] of [...Object.entries(en), ...Object.entries(fr)]) {
      const walk = (elements: MessageFormatElement[]): void => {
        for (const e of elements) {
          if (e.type === TYPE.plural || e.type === TYPE.select) {
            assert.ok('other' in e.options, `${key}: ${e.value} has no "other" form`);
            for (const option of Object.values(e.options)) walk(option.value);
          }
        }
      };
      walk(parsed(message, key));
    }
  });

  it('has no empty message and no ASCII apostrophe that would quote a placeholder away', () => {
    // ICU: '{ starts quoted text, so "got '{value}'" would print {value}; '' is one apostrophe.
    for (const [key, value] of [...Object.entries(en), ...Object.entries(fr)]) {
      assert.ok(value.trim().length > 0, key);
      assert.doesNotMatch(value.replace(/''/g, ''), /'[{}#|]/, key);
    }
    assert.equal(format('en', 'error.usage.lang-invalid', { value: 'de' }), "--lang must be en or fr (got 'de')");
  });

  it('sees a renamed argument, a plural made plain and a missing select option', () => {
    assert.notDeepEqual(signature('{name} is empty'), signature('{nom} est vide'));
    assert.notDeepEqual(signature('{count, plural, other {#}}'), signature('{count}'));
    assert.notDeepEqual(signature('{kind, select, zip {ZIP} other {?}}'), signature('{kind, select, other {?}}'));
  });
});

describe('format', () => {
  it('fills placeholders', () => {
    assert.equal(format('en', 'doc.loading', { name: 'a.pdf' }), 'Opening a.pdf…');
    assert.equal(format('fr', 'doc.loading', { name: 'a.pdf' }), 'Ouverture de a.pdf…');
  });

  it('picks English and French plural forms', () => {
    assert.equal(format('en', 'start.pages', { count: 1 }), '1 page');
    assert.equal(format('en', 'start.pages', { count: 0 }), '0 pages');
    assert.equal(format('en', 'start.pages', { count: 1000 }), '1,000 pages');
    assert.equal(format('fr', 'start.pages', { count: 0 }), '0 page');
    assert.equal(format('fr', 'start.pages', { count: 1 }), '1 page');
    assert.equal(format('fr', 'start.pages', { count: 2 }), '2 pages');
  });

  it('formats numbers in each language', () => {
    assert.equal(format('en', 'toolbar.pageOf', { count: 1234 }), 'of 1,234');
    assert.equal(format('fr', 'toolbar.pageOf', { count: 1234 }), 'sur 1\u202f234');
  });

  it('falls back to English when a language lacks a message, then to the key', () => {
    const f = formatterOf({ en: { a: 'A {x}', b: 'B' }, fr: { b: 'Bé {y}' } });
    assert.equal(f('fr', 'a', { x: 1 }), 'A 1');
    assert.equal(f('fr', 'b'), 'B', 'a French message missing its argument falls back to English');
    assert.equal(f('fr', 'c'), 'c');
    assert.equal(f('en', 'a'), 'a', 'an English message missing its argument gives the key');
    assert.equal(format('fr', 'no.such.key' as MessageKey), 'no.such.key');
    assert.equal(hasMessage('no.such.key'), false);
    assert.equal(hasMessage('doc.loading'), true);
  });

  it('reads the language of a locale name', () => {
    assert.equal(messageLocaleOf('fr_FR.UTF-8'), 'fr');
    assert.equal(messageLocaleOf('fr-CA'), 'fr');
    assert.equal(messageLocaleOf('en_GB.UTF-8'), 'en');
    assert.equal(messageLocaleOf('C'), 'en');
    assert.equal(messageLocaleOf(undefined), 'en');
  });

  it('formats sizes in each language', () => {
    assert.equal(formatBytes('en', 1536), '1.5 KB');
    assert.equal(formatBytes('fr', 1536), '1,5 Ko');
    assert.equal(formatBytes('en', 200 * 1024 * 1024), '200 MB');
  });
});

describe('every refusal of the signing pipeline has a headline in both languages', () => {
  // The sign panel words an error by its code (signError.<code>, else error.<code>) and shows main's
  // English detail below: a code without a headline would show the generic one, in French too.
  const files = [
    'main/services/sign-document.ts', 'main/services/authorizers.ts', 'main/cli/authorizer.ts',
    'main/services/signing/stages.ts', 'main/services/signing/session.ts', 'main/services/signing/ports.ts',
    'main/services/providers/registry.ts', 'main/services/providers/personal.ts', 'main/services/providers/pkcs12.ts', 'main/services/providers/pkcs11.ts',
  ];
  const codes = new Set(files.flatMap((file) =>
    [...readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8').matchAll(/new (?:AppError|SignerError)\('([a-z-]+)'/g)].map((m) => m[1] as string)));
  it('finds the codes it checks', () => {
    assert.ok(codes.has('password-not-expected') && codes.has('unusable-certificate') && codes.size >= 10, [...codes].join(', '));
  });
  for (const code of codes) {
    it(`${code}: en and fr`, () => {
      for (const [lang, catalog] of [['en', en], ['fr', fr]] as const) {
        assert.ok(catalog[`signError.${code}`] ?? catalog[`error.${code}`], `${lang} has no signError.${code} or error.${code}`);
      }
    });
  }
});

describe('errors from main are catalog messages, so the French interface never shows English from main', () => {
  // A user-facing error made with an English sentence (`new AppError('code', 'Some words')` or a
  // template literal), or handed another error's English (`new CmsError(code, error.message)`), is
  // shown in English in the French interface. Every such error in main takes a catalog message
  // (`msg('error.…', params)`, or messageOf(error) to carry another one's). RemoteError takes its
  // message fourth (service, kind, url, message). Programmer errors (Error, TypeError...) are not
  // user-facing and are not checked.
  const root = new URL('../../main/', import.meta.url);
  const files = (readdirSync(root, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).sort();
  // Throw sites still worded in English, by file: this list only ever shrinks.
  const PENDING: Readonly<Record<string, number>> = {};
  // An argument (no comma, at most one call in it); then the message: a string, or some error's `.message`.
  const arg = String.raw`[^,()]+(?:\([^()]*\))?[^,()]*`;
  const english = String.raw`(?:['"\x60]|[\w$]+(?:\.[\w$]+)*\.message\s*[,)])`;
  const sentence = new RegExp(
    String.raw`new (?:AppError|SignerError|PdfError|CmsError|UserFacingError)\(\s*${arg},\s*${english}|new RemoteError\((?:\s*${arg},){3}\s*${english}|new UsageError\(\s*['"\x60]`,
    'g',
  );
  const found = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(new URL(file, root), 'utf8');
    for (const m of text.matchAll(sentence)) {
      const line = text.slice(0, m.index).split('\n').length;
      found.set(file, [...(found.get(file) ?? []), `${file}:${line}: ${text.slice(m.index, m.index + 90).replace(/\s+/g, ' ')}`]);
    }
  }
  it('scans the throw sites of main', () => {
    assert.ok(files.length > 100 && files.includes('services/signing/stages.ts'), `${files.length} files`);
  });
  it('finds no user-facing error made with an English sentence', () => {
    const offending = [...found].filter(([file, sites]) => sites.length > (PENDING[file] ?? 0)).flatMap(([, sites]) => sites);
    assert.deepEqual(offending, []);
  });
  it('sees an English sentence where there is one (the pattern can fail)', () => {
    const probe = "throw new AppError('cancelled', `Signing of ${name} was cancelled.`);\nthrow new UsageError('no file', 'sign');\nthrow new AppError('ok', msg('error.app.cancelled'));";
    assert.equal([...probe.matchAll(sentence)].length, 2);
    const remote = [
      "throw new RemoteError(service, 'bad-url', url, `${label} cannot be reached (the URL is not valid).`);", // an English sentence
      "return new RemoteError(error.service, error.kind, error.url, error.message, { attempts });", // another error's English
      "return new CmsError(code, error.message, { cause: error });",
      "throw new PdfError(`${kind}-failed`, e.message);",
      "throw new RemoteError(service, 'aborted', url, remoteMessage(service, url, { say: 'cancelled' }));", // catalog messages: not seen
      "return new CmsError(code, messageOf(error), { cause: error });",
      "throw new CmsError('x', msg('error.cms.x', { detail: error.message }));",
      "return new RemoteError(error.service, error.kind, error.url, message, { attempts });",
    ].join('\n');
    assert.deepEqual([...remote.matchAll(sentence)].map((m) => remote.slice(0, m.index).split('\n').length), [1, 2, 3, 4]);
  });
  it('words a refusal of the pipeline, with the error it wraps, in French', () => {
    const inner = { key: 'error.app.tsa-required' as const, params: { level: 'B-T' } };
    const fr = format('fr', 'error.app.lt-failed', withCause({}, inner));
    assert.equal(fr, 'Le niveau B-LT n’a pas pu être atteint : Le niveau B-T demande un serveur d’horodatage, et aucun n’a été donné.');
    assert.equal(format('en', 'error.app.lt-failed', withCause({}, inner)), 'B-LT could not be reached: Level B-T needs a timestamp server, and none was given.');
    assert.match(format('fr', 'error.app.unusable-chain', { subject: 'Alice', problem: 'issuer_not_ca', certificate: 'Mallory' }), /^Le certificat de Alice ne peut pas servir à signer : Mallory apparaît comme émetteur/);
  });
});

describe('every kind of remote failure has a headline in both languages', () => {
  // A backend's RemoteError reaches the sign panel as code remote-<kind>: its headline is signError.<code>.
  const kinds = [...readFileSync(new URL('../../main/remote/errors.ts', import.meta.url), 'utf8').match(/export type RemoteErrorKind =([^;]+);/)?.[1]?.matchAll(/'([a-z-]+)'/g) ?? []].map((m) => m[1] as string);
  it('reads the kinds', () => {
    assert.ok(kinds.includes('unauthorized') && kinds.length >= 10, kinds.join(', '));
  });
  for (const kind of kinds) {
    it(`remote-${kind}: en and fr`, () => {
      for (const [lang, catalog] of [['en', en], ['fr', fr]] as const) assert.ok(catalog[`signError.remote-${kind}`], `${lang} has no signError.remote-${kind}`);
    });
  }
});
