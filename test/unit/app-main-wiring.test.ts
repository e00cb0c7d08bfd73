// main/app/main.ts against a recording stand-in for the `electron` module: no Electron binary can
// run here, so this is what checks the wiring (protocol, IPC sender checks, argv and
// second-instance opens, hardening, menu, quit). The stand-in implements only what main/app calls;
// the Electron smoke test (test/e2e) covers the real runtime where a binary exists.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { CONTENT_SECURITY_POLICY } from '../../main/app/csp';
import { channels } from '../../preload/contract/schemas';
import { MAIN_EVENT_CHANNEL } from '../../preload/contract/verbs';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface FakeEvent { url: string; prevented: boolean; preventDefault(): void }
const navEvent = (url: string): FakeEvent => ({ url, prevented: false, preventDefault() { this.prevented = true; } });

class FakeFrame {
  constructor(public url: string) {}
}

class FakeWebContents extends EventEmitter {
  static nextId = 1;
  id = FakeWebContents.nextId++;
  mainFrame = new FakeFrame('paraphe://app/index.html');
  sent: Array<{ channel: string; message: unknown }> = [];
  destroyed = false;
  windowOpenHandler: ((details: { url: string }) => unknown) | null = null;
  reloads = 0;
  send(channel: string, message: unknown) { this.sent.push({ channel, message }); }
  isDestroyed() { return this.destroyed; }
  setWindowOpenHandler(handler: (details: { url: string }) => unknown) { this.windowOpenHandler = handler; }
  reload() { this.reloads += 1; }
  events() { return this.sent.filter((s) => s.channel === MAIN_EVENT_CHANNEL).map((s) => s.message); }
}

const fake = (() => {
  const app = new EventEmitter() as EventEmitter & Record<string, unknown>;
  let resolveReady!: () => void;
  const readyPromise = new Promise<void>((resolve) => { resolveReady = resolve; });
  const state = {
    ready: false,
    paths: {} as Record<string, string>,
    quits: 0,
    exits: [] as number[],
    lockData: undefined as unknown,
    schemes: [] as unknown[],
    protocolHandler: null as null | ((request: Request) => Promise<Response>),
    ipc: new Map<string, (event: unknown, payload: unknown) => Promise<unknown>>(),
    windows: [] as FakeWindow[],
    menu: null as null | Array<{ label?: string; role?: string; submenu?: Array<{ label?: string; role?: string }> }>,
    permissionRequest: null as null | ((wc: unknown, permission: string, callback: (granted: boolean) => void) => void),
    permissionCheck: null as null | ((wc: unknown, permission: string) => boolean),
    devicePermission: null as null | (() => boolean),
    sessionEvents: new EventEmitter(),
    dialogs: [] as unknown[],
  };
  Object.assign(app, {
    setPath: (name: string, value: string) => { state.paths[name] = value; },
    getPath: (name: string) => state.paths[name] ?? join(tmpdir(), 'unused-' + name),
    requestSingleInstanceLock: (data: unknown) => { state.lockData = data; return true; },
    quit: () => { state.quits += 1; },
    exit: (code: number) => { state.exits.push(code); },
    whenReady: () => readyPromise,
    isReady: () => state.ready,
    getVersion: () => '0.1.0-test',
    getLocale: () => 'fr-FR',
    isPackaged: false,
  });

  class FakeWindow extends EventEmitter {
    webContents = new FakeWebContents();
    loaded: string | null = null;
    shown = 0;
    focused = 0;
    destroyed = false;
    constructor(public options: { webPreferences: Record<string, unknown>; title: string }) {
      super();
      state.windows.push(this);
      app.emit('web-contents-created', {}, this.webContents);
    }
    loadURL(url: string) { this.loaded = url; return Promise.resolve(); }
    show() { this.shown += 1; }
    focus() { this.focused += 1; }
    isMinimized() { return false; }
    restore() {}
    isDestroyed() { return this.destroyed; }
    close() {
      this.destroyed = true;
      this.webContents.destroyed = true;
      this.emit('closed');
    }
  }

  const electron = {
    app,
    BrowserWindow: FakeWindow,
    protocol: {
      registerSchemesAsPrivileged: (schemes: unknown[]) => { state.schemes.push(...schemes); },
      handle: (_scheme: string, handler: (request: Request) => Promise<Response>) => { state.protocolHandler = handler; },
    },
    ipcMain: { handle: (channel: string, handler: (event: unknown, payload: unknown) => Promise<unknown>) => { state.ipc.set(channel, handler); } },
    dialog: {
      showOpenDialog: async (...args: unknown[]) => { state.dialogs.push(args); return { canceled: true, filePaths: [] }; },
      showMessageBox: async () => ({ response: 0 }),
      showErrorBox: (...args: unknown[]) => { state.dialogs.push(args); },
    },
    session: {
      defaultSession: Object.assign(state.sessionEvents, {
        setPermissionRequestHandler: (h: typeof state.permissionRequest) => { state.permissionRequest = h; },
        setPermissionCheckHandler: (h: typeof state.permissionCheck) => { state.permissionCheck = h; },
        setDevicePermissionHandler: (h: typeof state.devicePermission) => { state.devicePermission = h; },
      }),
    },
    Menu: {
      buildFromTemplate: (template: unknown) => template,
      setApplicationMenu: (menu: typeof state.menu) => { state.menu = menu; },
    },
  };
  const ready = () => { state.ready = true; resolveReady(); app.emit('ready'); };
  return { electron, state, ready, app };
})();

async function until(condition: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 5));
  }
}

let dir = '';
const cliPdf = '/tmp/from the command line.pdf';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'paraphe-wiring-'));
  const out = join(dir, 'bundle');
  mkdirSync(join(out, 'renderer'), { recursive: true });
  writeFileSync(join(out, 'renderer', 'index.html'), '<!doctype html><title>Paraphe</title>');
  await build({
    entryPoints: [join(root, 'main/app/main.ts')],
    outfile: join(out, 'main.cjs'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['electron', 'pkcs11js', 'keytar'],
    logLevel: 'error',
    define: { __PARAPHE_VERSION__: '"test"' },
  });
  const moduleInternals = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const load = moduleInternals._load;
  moduleInternals._load = function (request: string, ...rest: unknown[]) {
    return request === 'electron' ? fake.electron : load.call(this, request, ...rest);
  };
  const argv = process.argv;
  const env = process.env.PARAPHE_USER_DATA_DIR;
  process.argv = ['/opt/Paraphe/paraphe', '--no-sandbox', cliPdf, 'notes.txt'];
  process.env.PARAPHE_USER_DATA_DIR = join(dir, 'profile');
  try {
    createRequire(import.meta.url)(join(out, 'main.cjs'));
  } finally {
    process.argv = argv;
    if (env === undefined) delete process.env.PARAPHE_USER_DATA_DIR;
    else process.env.PARAPHE_USER_DATA_DIR = env;
    moduleInternals._load = load;
  }
});

after(() => rmSync(dir, { recursive: true, force: true }));

describe('main.ts before ready', () => {
  it('honours PARAPHE_USER_DATA_DIR', () => {
    assert.equal(fake.state.paths.userData, join(dir, 'profile'));
  });

  it('registers the app scheme as standard, secure, fetchable, streamable, without CORS', () => {
    assert.deepEqual(fake.state.schemes, [
      { scheme: 'paraphe', privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true, corsEnabled: false } },
    ]);
  });

  it('takes the single-instance lock, handing over the PDFs of its command line', () => {
    assert.deepEqual(fake.state.lockData, { pdfPaths: [cliPdf] });
  });

  it('registers nothing on IPC before ready', () => {
    assert.equal(fake.state.ipc.size, 0);
  });
});

describe('main.ts on ready', () => {
  let window: (typeof fake.state.windows)[number];
  let contents: FakeWebContents;

  before(async () => {
    fake.ready();
    await until(() => fake.state.windows.length === 1, 'the window');
    window = fake.state.windows[0]!;
    contents = window.webContents;
  });

  it('handles every channel of the contract, and only those', () => {
    assert.deepEqual([...fake.state.ipc.keys()].sort(), Object.keys(channels).sort());
  });

  it('opens one hardened window on the app origin', () => {
    assert.equal(window.loaded, 'paraphe://app/index.html');
    assert.equal(window.options.title, 'Paraphe');
    const prefs = window.options.webPreferences;
    assert.equal(prefs.sandbox, true);
    assert.equal(prefs.contextIsolation, true);
    assert.equal(prefs.nodeIntegration, false);
    assert.match(String(prefs.preload), /preload\.cjs$/);
    window.emit('ready-to-show');
    assert.equal(window.shown, 1);
  });

  it('serves dist/renderer with the CSP and nosniff', async () => {
    const response = await fake.state.protocolHandler!(new Request('paraphe://app/index.html'));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(await response.text(), /<title>Paraphe<\/title>/);
  });

  it('answers 404 to unknown files, other hosts and escapes, 405 to other methods', async () => {
    const handler = fake.state.protocolHandler!;
    assert.equal((await handler(new Request('paraphe://app/missing.js'))).status, 404);
    assert.equal((await handler(new Request('paraphe://other/index.html'))).status, 404);
    assert.equal((await handler(new Request('paraphe://app/..%2fmain.cjs'))).status, 404);
    assert.equal((await handler(new Request('paraphe://app/index.html', { method: 'POST', body: 'x' }))).status, 405);
    const refused = await handler(new Request('paraphe://app/missing.js'));
    assert.equal(refused.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY);
  });

  it('answers calls from the main frame of its window on the app origin', async () => {
    const result = await fake.state.ipc.get('app:info')!({ sender: contents, senderFrame: contents.mainFrame }, {});
    assert.deepEqual(result, { ok: true, value: { name: 'Paraphe', version: '0.1.0-test', platform: process.platform, systemLocale: 'fr-FR', locale: 'fr' } });
  });

  it('refuses a destroyed frame, a sub-frame, another webContents and another origin', async () => {
    const call = fake.state.ipc.get('app:info')!;
    const other = new FakeWebContents();
    const code = async (event: unknown) => ((await call(event, {})) as { error?: { code: string } }).error?.code;
    assert.equal(await code({ sender: contents, senderFrame: null }), 'untrusted-sender');
    assert.equal(await code({ sender: contents, senderFrame: new FakeFrame('paraphe://app/index.html') }), 'untrusted-sender');
    assert.equal(await code({ sender: other, senderFrame: other.mainFrame }), 'untrusted-sender');
    contents.mainFrame.url = 'https://evil.example/';
    try {
      assert.equal(await code({ sender: contents, senderFrame: contents.mainFrame }), 'untrusted-sender');
    } finally {
      contents.mainFrame.url = 'paraphe://app/index.html';
    }
    const throwing = { sender: contents, get senderFrame() { throw new Error('Render frame was disposed'); } };
    assert.equal(await code(throwing), 'untrusted-sender');
  });

  it('holds the command-line PDF until the interface has loaded, then asks it to open it', () => {
    assert.deepEqual(contents.events(), []);
    contents.emit('did-start-loading');
    contents.emit('did-finish-load');
    assert.deepEqual(contents.events(), [{ name: 'document:openRequested', payload: { path: cliPdf } }]);
  });

  it('forwards the PDFs of a second instance and brings the window forward', () => {
    const focused = window.focused;
    fake.app.emit('second-instance', {}, ['/opt/Paraphe/paraphe', '--weird-switch', 'ignored.pdf'], '/home/anne', { pdfPaths: ['/home/anne/b.pdf', 'relative.pdf', 42] });
    assert.deepEqual(contents.events().at(-1), { name: 'document:openRequested', payload: { path: '/home/anne/b.pdf' } });
    assert.equal(window.focused, focused + 1);
    fake.app.emit('second-instance', {}, ['/opt/Paraphe/paraphe', 'c.pdf'], '/home/anne', {});
    assert.deepEqual(contents.events().at(-1), { name: 'document:openRequested', payload: { path: '/home/anne/c.pdf' } });
  });

  it('takes macOS open-file events, PDFs only', () => {
    const before = contents.events().length;
    const event = navEvent('');
    fake.app.emit('open-file', event, '/Users/anne/d.pdf');
    fake.app.emit('open-file', navEvent(''), '/Users/anne/e.docx');
    assert.equal(event.prevented, true);
    assert.deepEqual(contents.events().slice(before), [{ name: 'document:openRequested', payload: { path: '/Users/anne/d.pdf' } }]);
  });

  it('queues again while the interface reloads', () => {
    const before = contents.events().length;
    contents.emit('did-start-loading');
    fake.app.emit('open-file', navEvent(''), '/Users/anne/f.pdf');
    assert.equal(contents.events().length, before);
    contents.emit('did-finish-load');
    assert.deepEqual(contents.events().at(-1), { name: 'document:openRequested', payload: { path: '/Users/anne/f.pdf' } });
  });

  it('refuses navigation, redirects and new windows away from the app origin', () => {
    for (const kind of ['will-navigate', 'will-frame-navigate', 'will-redirect']) {
      const away = navEvent('file:///etc/passwd');
      contents.emit(kind, away);
      assert.equal(away.prevented, true, kind);
      const home = navEvent('paraphe://app/index.html');
      contents.emit(kind, home);
      assert.equal(home.prevented, false, kind);
    }
    assert.deepEqual(contents.windowOpenHandler!({ url: 'https://example.org/' }), { action: 'deny' });
    const webview = navEvent('');
    contents.emit('will-attach-webview', webview);
    assert.equal(webview.prevented, true);
  });

  it('denies every permission and download in the default session', () => {
    let granted: boolean | null = null;
    fake.state.permissionRequest!(contents, 'media', (g) => { granted = g; });
    assert.equal(granted, false);
    assert.equal(fake.state.permissionCheck!(contents, 'clipboard-read'), false);
    assert.equal(fake.state.devicePermission!(), false);
    const download = navEvent('');
    fake.state.sessionEvents.emit('will-download', download);
    assert.equal(download.prevented, true);
  });

  it('builds the menu in the interface language, with the View menu in development', () => {
    const labels = (fake.state.menu ?? []).map((item) => item.label ?? item.role);
    assert.deepEqual(labels, process.platform === 'darwin'
      ? ['appMenu', 'Fichier', 'Édition', 'Affichage', 'Aide']
      : ['Fichier', 'Édition', 'Affichage', 'Aide']);
  });

  it('rebuilds the menu when the user changes the language', async () => {
    const result = await fake.state.ipc.get('settings:setLocale')!({ sender: contents, senderFrame: contents.mainFrame }, { locale: 'en' });
    assert.equal((result as { ok: boolean }).ok, true);
    await until(() => fake.state.menu?.some((item) => item.label === 'File') ?? false, 'the English menu');
  });

  it('withdraws pending prompts and reloads when the renderer crashes', () => {
    const reloads = contents.reloads;
    contents.emit('render-process-gone', {}, { reason: 'crashed', exitCode: 1 });
    assert.equal(contents.reloads, reloads + 1);
  });

  it('quits when the last window closes (except on macOS), closing documents first', async () => {
    window.close();
    fake.app.emit('window-all-closed');
    assert.equal(fake.state.quits, process.platform === 'darwin' ? 0 : 1);
    const quits = fake.state.quits;
    const event = navEvent('');
    fake.app.emit('will-quit', event);
    assert.equal(event.prevented, true, 'quit waits for the documents to close');
    await until(() => fake.state.quits === quits + 1, 'the quit after dispose');
    const second = navEvent('');
    fake.app.emit('will-quit', second);
    assert.equal(second.prevented, false);
  });
});
