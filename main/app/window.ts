// The hardened main window: sandboxed, context-isolated, no Node in the page, served from the app
// origin (paraphe://app), shown once painted. The webPreferences come from ./web-preferences.
import { join } from 'node:path';
import { app, BrowserWindow } from 'electron';
import { APP_ORIGIN } from './csp';
import { hardenedWebPreferences } from './web-preferences';

export function createMainWindow(): BrowserWindow {
  const window = new BrowserWindow({
    title: 'Paraphe',
    width: 1200,
    height: 860,
    minWidth: 720,
    minHeight: 520,
    show: false,
    backgroundColor: '#f5f5f4',
    // Linux shows this in the task bar; Windows and macOS take the icon from the package.
    ...(process.platform === 'linux' ? { icon: join(__dirname, '..', 'assets', 'icons', 'icon.png') } : {}),
    webPreferences: hardenedWebPreferences(__dirname, app.isPackaged),
  });
  window.once('ready-to-show', () => window.show());
  window.loadURL(`${APP_ORIGIN}/index.html`).catch((error: unknown) => {
    console.error('window: the interface failed to load', error);
  });
  return window;
}
