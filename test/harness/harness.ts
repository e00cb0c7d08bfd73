// The browser test harness: the built renderer (dist/renderer) served on 127.0.0.1 with the app's
// CSP, in Debian's Chromium driven by Playwright, where window.paraphe is the real preload API
// (preload/api.ts) whose calls reach the real main-process handler table (main/ipc) through a
// Playwright binding. Only the OS file dialogs are stood in for (queues of paths the test sets).
import assert from 'node:assert/strict';
import { build } from 'esbuild';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright';
import type { Browser, BrowserContext, Page } from 'playwright';
import { CONTENT_SECURITY_POLICY } from '../../main/app/csp';
import { contentTypeFor, resolveStaticFile } from '../../main/app/static-files';
import { appOriginPolicy, dispatch } from '../../main/ipc/dispatch';
import { createHandlers, releaseLateResult, requestOpen, watchTokens } from '../../main/ipc/handlers';
import { RendererBridge } from '../../main/ipc/renderer-bridge';
import { createServices } from '../../main/services';
import type { ConfirmRequest, IdentityProvider, SaveRequest, Services, ServicesOptions } from '../../main/services';
import type { KeychainAccess } from '../../main/signers';
import { decodeWire, encodeWire } from './wire';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const rendererDir = join(root, 'dist', 'renderer');
export const screenshotDir = join(root, 'test-results', 'screenshots');

export const CHROMIUM = process.env.PARAPHE_CHROMIUM ?? '/usr/bin/chromium';

/** Why UI tests cannot run here, or null when they can. */
export function uiUnavailableReason(): string | null {
  if (!existsSync(CHROMIUM)) return `Chromium not found at ${CHROMIUM} (apt-get install chromium, or set PARAPHE_CHROMIUM)`;
  if (!existsSync(join(rendererDir, 'index.html'))) return 'the renderer is not built (run npm run build)';
  return null;
}

let shimSource: Promise<string> | null = null;
function shim(): Promise<string> {
  shimSource ??= build({
    entryPoints: [join(root, 'test/harness/shim.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'chrome120',
    logLevel: 'warning',
  }).then((r) => r.outputFiles[0]?.text ?? '');
  return shimSource;
}

function serve(dir: string): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const file = req.method === 'GET' ? resolveStaticFile(dir, url.pathname) : null;
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    readFile(file).then(
      (body) => {
        res.writeHead(200, {
          'Content-Type': contentTypeFor(file),
          'Content-Security-Policy': CONTENT_SECURITY_POLICY,
          'X-Content-Type-Options': 'nosniff',
          'Cache-Control': 'no-store',
        });
        res.end(body);
      },
      () => res.writeHead(404).end(),
    );
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({ server, origin: `http://127.0.0.1:${port}` });
    });
  });
}

export interface HarnessOptions {
  /** Browser locale, e.g. 'en-US' or 'fr-FR' (what the app sees as the OS locale). */
  locale?: string;
  userDataDir?: string;
  /**
   * The keychain the services use. Default: the real native keychain (keytar), which talks to the
   * private gnome-keyring a test started with test/fixtures/keyring.ts in its own process.
   */
  keychain?: KeychainAccess;
  /** Watch the token drivers for insertions and removals, as the app does (polling every intervalMs). */
  watchTokens?: { intervalMs: number };
  /** More identity providers for createServices (a test-only signing backend). */
  providers?: readonly IdentityProvider[];
  /** The remote signing accounts of the settings (Settings → Accounts), as the app registers them; the test plays the browser in `openBrowser`. */
  remote?: ServicesOptions['remote'];
}

export interface AppSession {
  page: Page;
  context: BrowserContext;
  services: Services;
  bridge: RendererBridge;
  /** The paths the stand-in file dialog will answer, in order (null = user cancels). */
  dialogAnswers: (string | null)[];
  /** The same for the .p12/.pfx open dialog. */
  p12DialogAnswers: (string | null)[];
  /** Answers of the "add a token driver" dialog (PKCS#11 library paths). */
  moduleDialogAnswers: (string | null)[];
  /** Answers of the settings' "import issuer certificates" dialog (.pem, .cer, .crt, .der, .p7b paths). */
  issuerDialogAnswers: (string | null)[];
  /** The same for the save dialog (signed PDF, exported .p12). */
  saveDialogAnswers: (string | null)[];
  /** What the save dialog was asked each time (kind and proposed path). */
  saveDialogRequests: SaveRequest[];
  /**
   * The answers of main's confirmation dialog (trust a certificate, remove or create an identity,
   * check online), in order: true = yes. When none is left the stand-in answers no.
   */
  confirmAnswers: boolean[];
  /** What main asked to confirm each time (with the certificate's details or the hosts). */
  confirmRequests: ConfirmRequest[];
  /** As main does for the command line and "open with": grants the path, then tells the renderer to open it. */
  requestOpen(path: string): boolean;
  /** Every CSP violation and uncaught page error seen so far. */
  problems: string[];
  /** IPC calls made by the page: channel names in order. */
  calls: string[];
  /** The same calls' payloads as sent on the wire (JSON), to check what reaches main. */
  payloads: string[];
  /** What main answered each call (the envelope, before the wire), in the same order. */
  answers: { channel: string; envelope: unknown }[];
  userDataDir: string;
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

/** Opens `path` through the start screen's or toolbar's open button (the stood-in OS dialog answers it). */
export async function openViaDialog(app: AppSession, path: string, openLabel = 'Open a PDF…'): Promise<void> {
  app.dialogAnswers.push(path);
  await app.page.getByRole('button', { name: openLabel }).click();
}

/** The same, then waits until page 1 is drawn. */
export async function openDocument(app: AppSession, path: string, openLabel = 'Open a PDF…'): Promise<void> {
  await openViaDialog(app, path, openLabel);
  await app.page.locator('.page[data-page-number="1"] canvas').first().waitFor();
}

export class Harness {
  private constructor(
    private readonly browser: Browser,
    private readonly server: Server,
    readonly origin: string,
  ) {}

  static async start(): Promise<Harness> {
    const { server, origin } = await serve(rendererDir);
    try {
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: [
          '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
          '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run',
        ],
        timeout: 30_000,
      });
      return new Harness(browser, server, origin);
    } catch (error) {
      server.close();
      throw error;
    }
  }

  /** A fresh app: new browser context, new services with their own settings folder. */
  async open(options: HarnessOptions = {}): Promise<AppSession> {
    const locale = options.locale ?? 'en-US';
    const ownsDataDir = options.userDataDir === undefined;
    const userDataDir = options.userDataDir ?? (await mkdtemp(join(tmpdir(), 'paraphe-ui-')));
    const dialogAnswers: (string | null)[] = [];
    const p12DialogAnswers: (string | null)[] = [];
    const saveDialogAnswers: (string | null)[] = [];
    const saveDialogRequests: SaveRequest[] = [];
    const moduleDialogAnswers: (string | null)[] = [];
    const issuerDialogAnswers: (string | null)[] = [];
    const confirmAnswers: boolean[] = [];
    const confirmRequests: ConfirmRequest[] = [];
    const bridge = new RendererBridge();
    const services = createServices({
      userDataDir,
      dialogs: {
        chooseDocument: async () => dialogAnswers.shift() ?? null,
        chooseCertificateFile: async () => p12DialogAnswers.shift() ?? null,
        chooseModuleFile: async () => moduleDialogAnswers.shift() ?? null,
        chooseIssuerCertificateFile: async () => issuerDialogAnswers.shift() ?? null,
        chooseSavePath: async (request) => {
          saveDialogRequests.push(request);
          return saveDialogAnswers.shift() ?? null;
        },
        confirm: async (request) => {
          confirmRequests.push(request);
          return confirmAnswers.shift() ?? false;
        },
      },
      appRoot: root,
      keychain: options.keychain,
      env: { appName: 'Paraphe', version: '0.0.0-test', platform: process.platform, systemLocale: locale },
      askPin: async (request) => (await bridge.ask('prompt:pin', request))?.pin ?? null,
      askOtp: async (request) => (await bridge.ask('prompt:otp', request))?.otp ?? null,
      providers: options.providers,
      ...(options.remote ? { remote: options.remote } : {}),
    });
    const handlers = createHandlers(services, bridge);
    const policy = appOriginPolicy(this.origin);
    const dispatchOptions = { release: releaseLateResult(services) };
    const context = await this.browser.newContext({ locale, viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    const problems: string[] = [];
    const calls: string[] = [];
    const payloads: string[] = [];
    const answers: { channel: string; envelope: unknown }[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      const text = message.text();
      if (text.includes('Content Security Policy') || text.includes('Content-Security-Policy')) problems.push(`CSP: ${text}`);
    });
    await page.exposeBinding('__parapheInvoke', async (source, channel: string, payload: unknown) => {
      calls.push(channel);
      payloads.push(JSON.stringify(payload));
      const envelope = await dispatch(handlers, policy, channel, decodeWire(payload), {
        url: source.frame.url(),
        isMainFrame: source.frame === source.page.mainFrame(),
        isAppWindow: source.page === page,
      }, console, dispatchOptions);
      answers.push({ channel, envelope });
      return encodeWire(envelope);
    });
    await page.addInitScript({ content: await shim() });
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        console.error(`Content Security Policy violation: ${e.violatedDirective} ${e.blockedURI}`);
      });
    });
    bridge.attach((channel, message) => {
      void page.evaluate(
        ([c, m]) => (window as unknown as { __parapheDeliver(c: string, m: unknown): void }).__parapheDeliver(c, m),
        [channel, encodeWire(message)] as const,
      ).catch(() => undefined);
    });
    await page.goto(`${this.origin}/index.html`);
    await page.locator('.app[data-ready="true"]').waitFor({ timeout: 15_000 });
    // As the app does once its window listens: token insertions and removals become events.
    const stopWatch = options.watchTokens ? await watchTokens(services, bridge, options.watchTokens.intervalMs) : () => undefined;
    return {
      page,
      context,
      services,
      bridge,
      dialogAnswers,
      p12DialogAnswers,
      moduleDialogAnswers,
      issuerDialogAnswers,
      saveDialogAnswers,
      saveDialogRequests,
      confirmAnswers,
      confirmRequests,
      requestOpen: (path) => requestOpen(services, bridge, path),
      problems,
      calls,
      payloads,
      answers,
      userDataDir,
      screenshot: async (name) => {
        await mkdir(screenshotDir, { recursive: true });
        const path = join(screenshotDir, `${name}.png`);
        await page.screenshot({ path });
        return path;
      },
      close: async () => {
        stopWatch();
        bridge.attach(null);
        await context.close();
        await services.dispose();
        if (ownsDataDir) await rm(userDataDir, { recursive: true, force: true });
      },
    };
  }

  /**
   * Runs `body` in a fresh app, then checks that the page saw no CSP violation and no uncaught
   * error, and closes the app whatever happened.
   */
  async withApp<T>(options: HarnessOptions, body: (app: AppSession) => Promise<T>): Promise<T> {
    const app = await this.open(options);
    try {
      const result = await body(app);
      assert.deepEqual(app.problems, [], 'no CSP violation and no uncaught error in the page');
      return result;
    } finally {
      await app.close();
    }
  }

  async stop(): Promise<void> {
    await this.browser.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
