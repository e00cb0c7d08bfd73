import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { format, formatBytes } from '../../renderer/src/i18n/index';

const en = JSON.parse(readFileSync(new URL('../../assets/locales/en.json', import.meta.url), 'utf8')) as Record<string, string>;
const fr = JSON.parse(readFileSync(new URL('../../assets/locales/fr.json', import.meta.url), 'utf8')) as Record<string, string>;

describe('locales', () => {
  it('have the same keys in French and English', () => {
    assert.deepEqual(Object.keys(fr).sort(), Object.keys(en).sort());
  });

  it('use the same placeholders in both languages', () => {
    const names = (s: string) => [...s.matchAll(/\{(\w+)/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(en)) assert.deepEqual(names(fr[key] ?? ''), names(en[key] ?? ''), key);
  });

  it('have no empty message', () => {
    for (const [key, value] of [...Object.entries(en), ...Object.entries(fr)]) assert.ok(value.trim().length > 0, key);
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
    assert.equal(format('fr', 'start.pages', { count: 2 }), '2 pages');
  });

  it('falls back to the key for an unknown message', () => {
    assert.equal(format('fr', 'no.such.key'), 'no.such.key');
  });

  it('formats sizes in each language', () => {
    assert.equal(formatBytes('en', 1536), '1.5 KB');
    assert.equal(formatBytes('fr', 1536), '1,5 Ko');
    assert.equal(formatBytes('en', 200 * 1024 * 1024), '200 MB');
  });
});
