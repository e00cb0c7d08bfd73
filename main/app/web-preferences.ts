// The webPreferences of every Paraphe window, as a pure function so a unit test asserts each
// hardening flag (Electron security checklist). No electron import: the type is structural.
import { join } from 'node:path';

export interface HardenedWebPreferences {
  sandbox: true;
  contextIsolation: true;
  nodeIntegration: false;
  nodeIntegrationInWorker: false;
  nodeIntegrationInSubFrames: false;
  webSecurity: true;
  allowRunningInsecureContent: false;
  experimentalFeatures: false;
  webviewTag: false;
  navigateOnDragDrop: false;
  spellcheck: false;
  safeDialogs: true;
  preload: string;
  devTools: boolean;
}

/**
 * @param appDir the folder of the bundled main process (dist/), where preload.cjs lives
 * @param isPackaged Electron's app.isPackaged: devtools only in development
 */
export function hardenedWebPreferences(appDir: string, isPackaged: boolean): HardenedWebPreferences {
  return {
    sandbox: true,
    contextIsolation: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    // A PDF dropped outside the drop zone must not replace the app with Chromium's viewer.
    navigateOnDragDrop: false,
    spellcheck: false,
    safeDialogs: true,
    preload: join(appDir, 'preload.cjs'),
    devTools: !isPackaged,
  };
}
