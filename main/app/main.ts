// The Electron entry (bundled to dist/main.cjs). It wires, and decides nothing it could test
// elsewhere: the policy lives in ./policy, ./argv, ./open-queue and ./web-preferences, the IPC in
// ../ipc, the use cases in ../services.
//
// Before ready: privileged app scheme, single-instance lock, hardening, open-file queue.
// On ready: app protocol, services, IPC handlers, menu, window.
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { app, dialog, ipcMain, protocol, shell } from 'electron';
import type { BrowserWindow, FileFilter, IpcMainInvokeEvent, OpenDialogOptions, SaveDialogOptions, WebContents } from 'electron';
import { channels } from '../../preload/contract/schemas';
import type { ChannelName } from '../../preload/contract/schemas';
import { appOriginPolicy, dispatch } from '../ipc/dispatch';
import type { Handlers, SenderInfo } from '../ipc/dispatch';
import { createHandlers, releaseLateResult, requestOpen, watchTokens } from '../ipc/handlers';
import { RendererBridge } from '../ipc/renderer-bridge';
import { createServices } from '../services';
import { confirmationText } from '../services/dialogs';
import { effectiveLocale } from '../services/locale';
import type { ConfirmRequest, SaveRequest, Services } from '../services';
import { pdfPathFromArg, pdfPathsFromArgv } from './argv';
import { APP_ORIGIN, APP_SCHEME, CONTENT_SECURITY_POLICY } from './csp';
import { installHardening } from './hardening';
import { installMenu } from './menu';
import { OpenQueue } from './open-queue';
import { routeAppRequest } from './policy';
import { contentTypeFor } from './static-files';
import { createMainWindow } from './window';

/** Tests (and portable setups) point the profile at a folder of their own. */
const userDataOverride = process.env.PARAPHE_USER_DATA_DIR;
if (userDataOverride && isAbsolute(userDataOverride)) app.setPath('userData', userDataOverride);

// Must happen before ready. `standard` gives paraphe://app a real origin (relative URLs, fetch,
// CSP 'self'); `secure` makes it a secure context; no CORS: nothing else may read from it.
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true, corsEnabled: false } },
]);

const argvOptions = { defaultApp: Boolean(process.defaultApp) };
const startupPaths = pdfPathsFromArgv(process.argv, process.cwd(), argvOptions);

// The paths ride along as additionalData: Chromium may reorder or add switches in the argv the
// first instance receives (electron/electron#20322), the data arrives intact.
if (!app.requestSingleInstanceLock({ pdfPaths: startupPaths })) {
  app.quit();
} else {
  start();
}

function start(): void {
  const rendererRoot = join(__dirname, 'renderer');
  const queue = new OpenQueue();
  const bridge = new RendererBridge();
  const appContents = new WeakSet<WebContents>();
  let mainWindow: BrowserWindow | null = null;
  let services: Services | null = null;

  installHardening();
  queue.push(...startupPaths);

  app.on('second-instance', (_event, argv, workingDirectory, additionalData) => {
    queue.push(...(pathsFromAdditionalData(additionalData) ?? pdfPathsFromArgv(argv, workingDirectory, argvOptions)));
    showWindow();
  });

  // macOS "Open with" and drops on the Dock icon; may fire before ready, hence the queue.
  app.on('open-file', (event, path) => {
    event.preventDefault();
    const pdf = pdfPathFromArg(path, '/');
    if (pdf) queue.push(pdf);
    if (app.isReady()) showWindow();
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  let disposed = false;
  app.on('will-quit', (event) => {
    if (disposed || !services) return;
    disposed = true;
    event.preventDefault();
    services.dispose()
      .catch((error: unknown) => console.error('app: closing documents failed', error))
      .finally(() => app.quit());
  });

  app.whenReady().then(async () => {
    serveAppProtocol(rendererRoot);
    const ready = createServices({
      userDataDir: app.getPath('userData'),
      dialogs: { chooseDocument, chooseCertificateFile, chooseModuleFile, chooseIssuerCertificateFile, chooseSavePath, confirm },
      askPin: async (request) => (await bridge.ask('prompt:pin', request))?.pin ?? null,
      askOtp: async (request) => (await bridge.ask('prompt:otp', request))?.otp ?? null,
      // dist/main.cjs -> the app folder (package.json, dist/, assets/), inside app.asar when packaged.
      appRoot: join(__dirname, '..'),
      env: { appName: 'Paraphe', version: app.getVersion(), platform: process.platform, systemLocale: app.getLocale() },
      // Remote signing accounts (Settings → Accounts, `paraphe remote add`): their credentials in
      // the picker; the code grant signs in through the system browser (an https page only, which
      // the service checked before: see RemoteAccountService.login).
      remote: { env: process.env, openBrowser: (url) => shell.openExternal(url) },
    });
    services = ready;
    const base = createHandlers(ready, bridge);
    const handlers: Handlers = {
      ...base,
      // The menu speaks the interface language: rebuild it when the user changes it.
      'settings:setLocale': async (request, context) => {
        const settings = await base['settings:setLocale'](request, context);
        void refreshMenu();
        return settings;
      },
    };
    const policy = appOriginPolicy(APP_ORIGIN);
    const dispatchOptions = { release: releaseLateResult(ready) };
    for (const channel of Object.keys(channels) as ChannelName[]) {
      ipcMain.handle(channel, (event, payload: unknown) => dispatch(handlers, policy, channel, payload, senderInfo(event), console, dispatchOptions));
    }
    // Tokens plugged in or pulled out while the app runs reach the token picker.
    watchTokens(ready, bridge)
      .then((stop) => app.once('will-quit', stop))
      .catch((error: unknown) => console.error('app: watching tokens failed', error));
    await refreshMenu();
    openWindow();
    app.on('activate', () => showWindow());
  }).catch((error: unknown) => {
    console.error('app: start-up failed', error);
    dialog.showErrorBox('Paraphe could not start', error instanceof Error ? error.message : String(error));
    app.exit(1);
  });

  function openWindow(): BrowserWindow {
    const window = createMainWindow();
    const contents = window.webContents;
    mainWindow = window;
    appContents.add(contents);
    // Never throws: RendererBridge does not expect its sender to (a throw would leave the request
    // pending and throw again from its timeout).
    const send = (channel: string, message: unknown) => {
      try {
        if (!contents.isDestroyed()) contents.send(channel, message);
      } catch (error) {
        console.error(`app: could not send ${channel} to the interface`, error);
      }
    };
    // A (re)load or a crash loses the renderer's listeners: withdraw pending prompts (they resolve
    // null at once instead of waiting for their timeout) and hold events until it is back.
    const rendererGone = () => {
      queue.setReady(null);
      bridge.attach(null);
      bridge.attach(send);
    };
    bridge.attach(send);
    contents.on('did-start-loading', rendererGone);
    contents.on('did-finish-load', () => queue.setReady((path) => {
      try {
        // Main received this path (command line, open-file, File > Open): the renderer may open it.
        if (services) requestOpen(services, bridge, path);
      } catch {
        console.warn(`app: ${path.slice(0, 200)} is not a path the interface accepts`); // e.g. longer than 4096
      }
    }));
    contents.on('render-process-gone', (_event, details) => {
      console.error(`app: the interface stopped (${details.reason})`);
      rendererGone();
      if (details.reason !== 'clean-exit' && !contents.isDestroyed()) contents.reload();
    });
    window.on('closed', () => {
      queue.setReady(null);
      bridge.attach(null);
      if (mainWindow === window) mainWindow = null;
    });
    return window;
  }

  function showWindow(): void {
    if (!app.isReady()) return; // whenReady opens it
    const window = mainWindow ?? openWindow();
    if (window.isMinimized()) window.restore();
    window.show();
    window.focus();
  }

  /** Who is calling: the frame may already be gone (navigated or destroyed): then nobody we trust. */
  function senderInfo(event: IpcMainInvokeEvent): SenderInfo {
    try {
      const frame = event.senderFrame;
      if (!frame) return { url: '', isMainFrame: false, isAppWindow: false };
      return { url: frame.url, isMainFrame: frame === event.sender.mainFrame, isAppWindow: appContents.has(event.sender) };
    } catch {
      return { url: '', isMainFrame: false, isAppWindow: false };
    }
  }

  /** The window dialogs belong to, while it is open. */
  function liveWindow(): BrowserWindow | null {
    return mainWindow && !mainWindow.isDestroyed() ? mainWindow : null;
  }

  /** The OS open dialog for one file of one kind; null when the user cancels. */
  async function chooseOneFile(title: string, filter: FileFilter): Promise<string | null> {
    const options: OpenDialogOptions = { title, properties: ['openFile'], filters: [filter] };
    const parent = liveWindow();
    const result = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options);
    return result.canceled ? null : (result.filePaths[0] ?? null);
  }

  async function chooseDocument(): Promise<string | null> {
    const fr = (await currentLocale()) === 'fr';
    return chooseOneFile(fr ? 'Ouvrir un document PDF' : 'Open a PDF document', { name: fr ? 'Documents PDF' : 'PDF documents', extensions: ['pdf', 'PDF'] });
  }

  async function chooseCertificateFile(): Promise<string | null> {
    const fr = (await currentLocale()) === 'fr';
    return chooseOneFile(fr ? 'Importer un certificat (.p12, .pfx)' : 'Import a certificate (.p12, .pfx)', { name: fr ? 'Certificats PKCS#12' : 'PKCS#12 certificates', extensions: ['p12', 'pfx', 'P12', 'PFX'] });
  }

  async function chooseModuleFile(): Promise<string | null> {
    const fr = (await currentLocale()) === 'fr';
    const extensions = process.platform === 'win32' ? ['dll', 'DLL'] : process.platform === 'darwin' ? ['dylib', 'so'] : ['so'];
    return chooseOneFile(fr ? 'Ajouter le pilote d’un support (bibliothèque PKCS#11)' : 'Add a token driver (PKCS#11 library)', { name: fr ? 'Bibliothèques PKCS#11' : 'PKCS#11 libraries', extensions });
  }

  async function chooseIssuerCertificateFile(): Promise<string | null> {
    const fr = (await currentLocale()) === 'fr';
    const extensions = ['pem', 'cer', 'crt', 'der', 'p7b', 'p7c'].flatMap((e) => [e, e.toUpperCase()]);
    return chooseOneFile(fr ? 'Importer des certificats émetteurs' : 'Import issuer certificates', { name: fr ? 'Certificats (PEM, DER, PKCS#7)' : 'Certificates (PEM, DER, PKCS#7)', extensions });
  }

  async function chooseSavePath(request: SaveRequest): Promise<string | null> {
    const fr = (await currentLocale()) === 'fr';
    const pdf = request.kind === 'signed-pdf';
    const options: SaveDialogOptions = {
      title: pdf ? (fr ? 'Enregistrer le document signé' : 'Save the signed document') : (fr ? 'Exporter mon identifiant numérique' : 'Export my digital ID'),
      defaultPath: request.defaultPath,
      buttonLabel: fr ? 'Enregistrer' : 'Save',
      filters: pdf
        ? [{ name: fr ? 'Documents PDF' : 'PDF documents', extensions: ['pdf'] }]
        : [{ name: fr ? 'Certificats PKCS#12' : 'PKCS#12 certificates', extensions: ['p12', 'pfx'] }],
      properties: ['createDirectory', 'showOverwriteConfirmation'],
    };
    const parent = liveWindow();
    const result = parent ? await dialog.showSaveDialog(parent, options) : await dialog.showSaveDialog(options);
    return result.canceled || !result.filePath ? null : result.filePath;
  }

  /** Main's own confirmation (trust, remove or create an identity, check online): yes or no. */
  async function confirm(request: ConfirmRequest): Promise<boolean> {
    const text = confirmationText(request, await currentLocale());
    const options = {
      type: 'question' as const,
      title: text.title,
      message: text.message,
      detail: text.detail,
      buttons: [text.no, text.yes],
      defaultId: 0,
      cancelId: 0,
      noLink: true,
    };
    const parent = liveWindow();
    const result = parent ? await dialog.showMessageBox(parent, options) : await dialog.showMessageBox(options);
    return result.response === 1;
  }

  async function currentLocale() {
    let preference = 'system';
    try {
      if (services) preference = (await services.settings.get()).locale;
    } catch (error) {
      console.error('app: settings unreadable, using the system language', error);
    }
    return effectiveLocale(preference, app.getLocale());
  }

  async function refreshMenu(): Promise<void> {
    const locale = await currentLocale();
    installMenu({
      locale,
      dev: !app.isPackaged,
      platform: process.platform,
      onOpen: () => {
        chooseDocument().then((path) => {
          if (path === null) return;
          queue.push(path);
          showWindow();
        }, (error: unknown) => console.error('app: open dialog failed', error));
      },
      onAbout: () => {
        const options = {
          type: 'info' as const,
          title: locale === 'fr' ? 'À propos de Paraphe' : 'About Paraphe',
          message: `Paraphe ${app.getVersion()}`,
          detail: `Electron ${process.versions.electron} · Chromium ${process.versions.chrome} · Node ${process.versions.node}`,
          buttons: ['OK'],
        };
        const parent = mainWindow && !mainWindow.isDestroyed() ? mainWindow : null;
        void (parent ? dialog.showMessageBox(parent, options) : dialog.showMessageBox(options));
      },
    });
  }
}

/** The paths a second instance sent as additionalData, or null when it sent none (older build). */
function pathsFromAdditionalData(data: unknown): string[] | null {
  if (typeof data !== 'object' || data === null) return null;
  const paths = (data as { pdfPaths?: unknown }).pdfPaths;
  if (!Array.isArray(paths)) return null;
  return paths.filter((p): p is string => typeof p === 'string' && isAbsolute(p)).flatMap((p) => pdfPathFromArg(p, '/') ?? []);
}

const SECURITY_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
};

/** paraphe://app/<file> -> dist/renderer/<file>, with the CSP; anything else is a 404 (or 405). */
function serveAppProtocol(root: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const route = routeAppRequest(request.method, request.url, root);
    if (route.kind === 'error') return new Response(null, { status: route.status, headers: SECURITY_HEADERS });
    try {
      const body = await readFile(route.path);
      return new Response(body, { status: 200, headers: { ...SECURITY_HEADERS, 'content-type': contentTypeFor(route.path) } });
    } catch {
      return new Response(null, { status: 404, headers: SECURITY_HEADERS });
    }
  });
}
