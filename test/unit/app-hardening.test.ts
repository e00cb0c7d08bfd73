import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { APP_ORIGIN } from '../../main/app/csp';
import { OpenQueue } from '../../main/app/open-queue';
import { isAllowedNavigation, isPermissionGranted, routeAppRequest, windowOpenDecision } from '../../main/app/policy';
import { hardenedWebPreferences } from '../../main/app/web-preferences';

describe('hardenedWebPreferences', () => {
  const prefs = hardenedWebPreferences('/opt/paraphe/dist', true);

  it('sandboxes the renderer and isolates the preload context', () => {
    assert.equal(prefs.sandbox, true);
    assert.equal(prefs.contextIsolation, true);
  });

  it('gives the page, its workers and sub-frames no Node', () => {
    assert.equal(prefs.nodeIntegration, false);
    assert.equal(prefs.nodeIntegrationInWorker, false);
    assert.equal(prefs.nodeIntegrationInSubFrames, false);
  });

  it('keeps web security on and refuses insecure content, experimental features and <webview>', () => {
    assert.equal(prefs.webSecurity, true);
    assert.equal(prefs.allowRunningInsecureContent, false);
    assert.equal(prefs.experimentalFeatures, false);
    assert.equal(prefs.webviewTag, false);
    assert.equal(prefs.navigateOnDragDrop, false);
  });

  it('turns the spellchecker off (no dictionary download, no text sent anywhere)', () => {
    assert.equal(prefs.spellcheck, false);
  });

  it('loads preload.cjs from the bundle folder', () => {
    assert.equal(prefs.preload, join('/opt/paraphe/dist', 'preload.cjs'));
  });

  it('allows devtools only in development', () => {
    assert.equal(prefs.devTools, false);
    assert.equal(hardenedWebPreferences('/x', false).devTools, true);
  });
});

describe('isAllowedNavigation', () => {
  it('allows pages of the app origin', () => {
    assert.equal(isAllowedNavigation(`${APP_ORIGIN}/index.html`), true);
    assert.equal(isAllowedNavigation(`${APP_ORIGIN}/index.html?doc=1#page=3`), true);
  });

  it('refuses file://, the web, data:, javascript: and look-alike hosts', () => {
    for (const url of [
      'file:///etc/passwd',
      'file:///home/anne/contrat.pdf',
      'https://example.org/',
      'http://app/',
      'data:text/html,<script>alert(1)</script>',
      'javascript:alert(1)',
      'paraphe://evil/index.html',
      'paraphe://app.evil.example/index.html',
      'paraphe://user@app.evil/',
      'about:blank',
      'not a url',
      '',
    ]) assert.equal(isAllowedNavigation(url), false, url);
  });
});

describe('windowOpenDecision and permissions', () => {
  it('denies every new window, https links included', () => {
    assert.deepEqual(windowOpenDecision('https://www.digicert.com/'), { action: 'deny' });
    assert.deepEqual(windowOpenDecision(`${APP_ORIGIN}/index.html`), { action: 'deny' });
  });

  it('denies every web permission', () => {
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'hid', 'usb', 'serial', 'openExternal', 'unknown']) {
      assert.equal(isPermissionGranted(permission), false, permission);
    }
  });
});

describe('routeAppRequest', () => {
  const root = resolve('/opt/paraphe/dist/renderer');

  it('serves index.html for the root and files under dist/renderer', () => {
    assert.deepEqual(routeAppRequest('GET', `${APP_ORIGIN}/`, root), { kind: 'file', path: join(root, 'index.html') });
    assert.deepEqual(routeAppRequest('GET', `${APP_ORIGIN}/app.js?v=1`, root), { kind: 'file', path: join(root, 'app.js') });
    assert.deepEqual(routeAppRequest('GET', `${APP_ORIGIN}/pdfjs/cmaps/UniJIS-UCS2-H.bcmap`, root), { kind: 'file', path: join(root, 'pdfjs/cmaps/UniJIS-UCS2-H.bcmap') });
  });

  it('answers 405 to anything but GET', () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS']) {
      assert.deepEqual(routeAppRequest(method, `${APP_ORIGIN}/index.html`, root), { kind: 'error', status: 405 }, method);
    }
  });

  it('answers 404 to another host or scheme', () => {
    assert.deepEqual(routeAppRequest('GET', 'paraphe://other/index.html', root), { kind: 'error', status: 404 });
    assert.deepEqual(routeAppRequest('GET', 'https://app/index.html', root), { kind: 'error', status: 404 });
    assert.deepEqual(routeAppRequest('GET', 'garbage', root), { kind: 'error', status: 404 });
  });

  it('keeps dot segments inside dist/renderer (the URL parser resolves them first)', () => {
    assert.deepEqual(routeAppRequest('GET', `${APP_ORIGIN}/%2e%2e/../main.cjs`, root), { kind: 'file', path: join(root, 'main.cjs') });
  });

  it('answers 404 to paths that escape dist/renderer once decoded, or cannot be decoded', () => {
    for (const path of ['/..%2f..%2fpackage.json', '/pdfjs/%2e%2e%2f%2e%2e%2f..%2fmain.cjs', '/a%5c..%5c..%5cx', '/%00', '/%zz']) {
      assert.deepEqual(routeAppRequest('GET', `${APP_ORIGIN}${path}`, root), { kind: 'error', status: 404 }, path);
    }
  });
});

describe('OpenQueue', () => {
  it('holds paths until the renderer is ready, then delivers them in order', () => {
    const queue = new OpenQueue();
    const delivered: string[] = [];
    queue.push('/a.pdf', '/b.pdf');
    assert.equal(queue.size, 2);
    queue.setReady((p) => delivered.push(p));
    assert.deepEqual(delivered, ['/a.pdf', '/b.pdf']);
    assert.equal(queue.size, 0);
  });

  it('delivers at once while ready, and queues again once the renderer is gone', () => {
    const queue = new OpenQueue();
    const first: string[] = [];
    queue.setReady((p) => first.push(p));
    queue.push('/now.pdf');
    queue.setReady(null);
    queue.push('/later.pdf');
    assert.deepEqual(first, ['/now.pdf']);
    const second: string[] = [];
    queue.setReady((p) => second.push(p));
    assert.deepEqual(second, ['/later.pdf']);
  });
});
