// Where PKCS#11 modules usually live, per OS, for the tokens Paraphe users have: SafeNet
// Authentication Client (the eTokens DigiCert ships with document-signing certificates), Thales
// IDPrime, OpenSC, YubiKey (ykcs11), Atos CardOS, SoftHSM. The p11-kit proxy is left out on
// purpose: it re-exports the modules listed here, so every token would appear twice.
import { existsSync, realpathSync } from 'node:fs';
import { win32 } from 'node:path';

export interface ModuleCandidate {
  /** Absolute path of the library. */
  path: string;
  /** 'known': a usual install path; 'user': added by the user. */
  source: 'known' | 'user';
  /** For the UI: 'SafeNet Authentication Client', 'OpenSC'... (user paths: the file name). */
  name: string;
  exists: boolean;
}

export interface DiscoverOptions {
  /** Defaults to process.platform (tests may ask for another OS's list). */
  platform?: NodeJS.Platform;
  /** Defaults to process.env (Windows: SystemRoot, ProgramFiles). */
  env?: NodeJS.ProcessEnv;
}

type Known = readonly [name: string, paths: readonly string[]];

function linuxPaths(): Known[] {
  const lib = (file: string, extra: string[] = []): string[] => [
    `/usr/lib/${file}`,
    `/usr/lib64/${file}`,
    `/usr/lib/x86_64-linux-gnu/${file}`,
    `/usr/lib/aarch64-linux-gnu/${file}`,
    `/usr/local/lib/${file}`,
    ...extra,
  ];
  return [
    ['SafeNet Authentication Client', lib('libeTPkcs11.so')],
    ['Thales IDPrime', lib('libIDPrimePKCS11.so')],
    ['OpenSC', lib('opensc-pkcs11.so', ['/usr/lib/x86_64-linux-gnu/pkcs11/opensc-pkcs11.so', '/usr/lib64/pkcs11/opensc-pkcs11.so'])],
    ['YubiKey (ykcs11)', lib('libykcs11.so')],
    ['Atos CardOS', lib('libcardos11.so')],
    [
      'SoftHSM',
      [
        '/usr/lib/softhsm/libsofthsm2.so',
        '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
        '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so',
        '/usr/lib64/pkcs11/libsofthsm2.so',
        '/usr/local/lib/softhsm/libsofthsm2.so',
      ],
    ],
  ];
}

function macPaths(): Known[] {
  return [
    ['SafeNet Authentication Client', ['/usr/local/lib/libeTPkcs11.dylib', '/Library/Frameworks/eToken.framework/Versions/Current/libeToken.dylib']],
    ['Thales IDPrime', ['/usr/local/lib/libIDPrimePKCS11.dylib']],
    ['OpenSC', ['/Library/OpenSC/lib/opensc-pkcs11.so', '/opt/homebrew/lib/opensc-pkcs11.so', '/usr/local/lib/opensc-pkcs11.so']],
    ['YubiKey (ykcs11)', ['/usr/local/lib/libykcs11.dylib', '/opt/homebrew/lib/libykcs11.dylib']],
    ['SoftHSM', ['/opt/homebrew/lib/softhsm/libsofthsm2.so', '/usr/local/lib/softhsm/libsofthsm2.so']],
  ];
}

function windowsPaths(env: NodeJS.ProcessEnv): Known[] {
  const system32 = win32.join(env.SystemRoot ?? 'C:\\Windows', 'System32');
  const programFiles = env.ProgramFiles ?? 'C:\\Program Files';
  return [
    ['SafeNet Authentication Client', [win32.join(system32, 'eTPKCS11.dll')]],
    ['Thales IDPrime', [win32.join(system32, 'IDPrimePKCS11.dll')]],
    ['OpenSC', [win32.join(programFiles, 'OpenSC Project', 'OpenSC', 'pkcs11', 'opensc-pkcs11.dll')]],
    ['YubiKey (ykcs11)', [win32.join(programFiles, 'Yubico', 'Yubico PIV Tool', 'bin', 'libykcs11.dll')]],
    ['Atos CardOS', [win32.join(system32, 'cardos11.dll')]],
    ['SoftHSM', ['C:\\SoftHSM2\\lib\\softhsm2-x64.dll']],
  ];
}

function canonical(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/**
 * The usual install paths of PKCS#11 modules on this OS (each with whether it exists), then the
 * user's paths. A library reachable by two paths (symlinks) is listed once, user paths first
 * keeping their 'user' source only when no known path already names it.
 */
export function discoverModules(extraPaths: readonly string[] = [], options: DiscoverOptions = {}): ModuleCandidate[] {
  const platform = options.platform ?? process.platform;
  const known = platform === 'win32' ? windowsPaths(options.env ?? process.env) : platform === 'darwin' ? macPaths() : linuxPaths();
  const sameOs = platform === process.platform;
  const out: ModuleCandidate[] = [];
  const seen = new Set<string>();
  const add = (path: string, source: 'known' | 'user', name: string): void => {
    const exists = sameOs && existsSync(path);
    const key = exists ? canonical(path) : path;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ path, source, name, exists });
  };
  for (const [name, paths] of known) for (const path of paths) add(path, 'known', name);
  for (const path of extraPaths) add(path, 'user', (platform === 'win32' ? win32.basename(path) : path.split('/').pop()) || path);
  return out;
}
