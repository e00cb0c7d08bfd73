// Finds the Electron executable the way the `electron` package does (path.txt, dist/, and
// ELECTRON_OVERRIDE_DIST_PATH), but never triggers its download: `require('electron')` runs
// install.js when path.txt is missing, which cannot succeed on these machines. Shared by
// main/tools/start.mjs and the Electron smoke test.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** The executable inside an unpacked Electron folder, as the electron package names it. */
export function platformExecutable(platform = process.platform) {
  if (platform === 'darwin' || platform === 'mas') return 'Electron.app/Contents/MacOS/Electron';
  if (platform === 'win32') return 'electron.exe';
  return 'electron';
}

/**
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {{ ok: true, executable: string, version: string } | { ok: false, reason: string, version: string | null }}
 */
export function findElectron(env = process.env) {
  let packageDir;
  let version = null;
  try {
    const manifest = require.resolve('electron/package.json');
    packageDir = dirname(manifest);
    version = JSON.parse(readFileSync(manifest, 'utf8')).version ?? null;
  } catch {
    return { ok: false, version, reason: 'the electron package is not installed (run npm install)' };
  }
  const pathFile = join(packageDir, 'path.txt');
  const recorded = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : '';
  const override = env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override) {
    const executable = join(override, recorded || platformExecutable());
    if (isFile(executable)) return { ok: true, executable, version };
    return { ok: false, version, reason: `ELECTRON_OVERRIDE_DIST_PATH (${override}) holds no Electron executable (looked for ${executable})` };
  }
  if (!recorded) return { ok: false, version, reason: 'the electron package was installed without its binary (node_modules/electron/path.txt is missing)' };
  const executable = join(packageDir, 'dist', recorded);
  if (isFile(executable)) return { ok: true, executable, version };
  return { ok: false, version, reason: `the Electron executable is missing (looked for ${executable})` };
}

function isFile(path) {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
