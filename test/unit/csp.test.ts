import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CONTENT_SECURITY_POLICY, META_CONTENT_SECURITY_POLICY } from '../../main/app/csp';
import { resolveStaticFile } from '../../main/app/static-files';

describe('content security policy', () => {
  it('is the same in renderer/index.html as in the served header, less frame-ancestors', () => {
    const html = readFileSync(new URL('../../renderer/index.html', import.meta.url), 'utf8');
    const meta = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1];
    assert.equal(meta, META_CONTENT_SECURITY_POLICY);
    assert.equal(CONTENT_SECURITY_POLICY, `${META_CONTENT_SECURITY_POLICY.replace("; object-src 'none'", '')}; frame-ancestors 'none'; object-src 'none'`);
  });

  it('allows no inline script, no eval and nothing remote', () => {
    assert.match(CONTENT_SECURITY_POLICY, /default-src 'none'/);
    assert.doesNotMatch(CONTENT_SECURITY_POLICY, /'unsafe-inline'|'unsafe-eval'|https?:|\*/);
  });

  it('loads no inline script from index.html', () => {
    const html = readFileSync(new URL('../../renderer/index.html', import.meta.url), 'utf8');
    for (const tag of html.match(/<script[^>]*>[\s\S]*?<\/script>/g) ?? []) assert.match(tag, /<script[^>]*src="[^"]+"[^>]*><\/script>/);
  });
});

describe('resolveStaticFile', () => {
  const root = '/srv/renderer';
  it('maps / to index.html and files inside the root', () => {
    assert.equal(resolveStaticFile(root, '/'), '/srv/renderer/index.html');
    assert.equal(resolveStaticFile(root, '/pdfjs/cmaps/Adobe-Japan1-0.bcmap'), '/srv/renderer/pdfjs/cmaps/Adobe-Japan1-0.bcmap');
  });

  it('refuses paths that escape the root', () => {
    assert.equal(resolveStaticFile(root, '/../secret'), null);
    assert.equal(resolveStaticFile(root, '/%2e%2e/%2e%2e/etc/passwd'), null);
    assert.equal(resolveStaticFile(root, '/..%2fsecret'), null);
    assert.equal(resolveStaticFile(root, '/a%00b'), null);
    assert.equal(resolveStaticFile(root, '/%E0%A4%A'), null);
  });
});
