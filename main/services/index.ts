// The use cases the IPC handlers and the CLI call. Nothing here imports electron: the app hands in
// what only it can do (dialogs) through small ports.
import { DocumentService } from './documents';
import { SettingsService } from './settings';

export interface Dialogs {
  /** Ask the user for a PDF to open; null when they cancel. */
  chooseDocument(): Promise<string | null>;
}

export interface Environment {
  appName: string;
  version: string;
  platform: string;
  /** The OS locale, e.g. "fr-FR". */
  systemLocale: string;
}

export interface Services {
  env: Environment;
  settings: SettingsService;
  documents: DocumentService;
  dialogs: Dialogs;
  dispose(): Promise<void>;
}

export function createServices(options: { userDataDir: string; dialogs: Dialogs; env: Environment }): Services {
  const settings = new SettingsService(options.userDataDir);
  const documents = new DocumentService(settings);
  return {
    env: options.env,
    settings,
    documents,
    dialogs: options.dialogs,
    dispose: () => documents.closeAll(),
  };
}

export { DocumentService, SettingsService };
