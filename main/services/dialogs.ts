// What only the app can do, as small ports: the OS file dialogs. Electron implements them in
// main/app/main.ts; the browser test harness stands in for them with queues of answers.

export interface SaveRequest {
  /** What is saved: decides the dialog's title and file filter. */
  kind: 'signed-pdf' | 'p12';
  /** The folder and file name proposed. */
  defaultPath: string;
}

export interface Dialogs {
  /** Ask the user for a PDF to open; null when they cancel. */
  chooseDocument(): Promise<string | null>;
  /** Ask for a PKCS#12 file (.p12, .pfx) to import; null when they cancel. */
  chooseCertificateFile(): Promise<string | null>;
  /** Ask for a PKCS#11 library (a token driver: .so, .dylib, .dll); null when they cancel. */
  chooseModuleFile(): Promise<string | null>;
  /** Ask where to save; null when they cancel. The OS dialog confirms overwriting a file. */
  chooseSavePath(request: SaveRequest): Promise<string | null>;
}
