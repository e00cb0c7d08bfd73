// Where Paraphe keeps its data, identical for the app and the CLI: Electron's userData for the
// product name "Paraphe" (~/.config/Paraphe, ~/Library/Application Support/Paraphe, %APPDATA%\Paraphe).
import { homedir } from 'node:os';
import { join } from 'node:path';
import { deleteSecret, getSecret, setSecret } from '../../native/keychain';
import type { KeychainAccess } from '../signers';

export function userDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.PARAPHE_USER_DATA_DIR) return env.PARAPHE_USER_DATA_DIR;
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Paraphe');
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Paraphe');
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'Paraphe');
}

/** The OS keychain as the small port signers use. */
export function keychainPort(): KeychainAccess {
  return { get: getSecret, set: setSecret, delete: deleteSecret };
}
