// Types of ./electron-runtime.mjs for the TypeScript tests that import it.
export declare function platformExecutable(platform?: NodeJS.Platform | 'mas'): string;
export type ElectronLookup =
  | { ok: true; executable: string; version: string }
  | { ok: false; reason: string; version: string | null };
export declare function findElectron(env?: NodeJS.ProcessEnv): ElectronLookup;
